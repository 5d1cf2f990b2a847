"""Reads of the catalogue and calendar."""

from datetime import date

from django.db.models import Q, QuerySet

from ekaasel.organisations.models import District, Holiday, Service


def holidays_between(start: date, end: date) -> set[date]:
    """Holiday dates in [start, end]."""
    return set(Holiday.objects.filter(date__gte=start, date__lte=end).values_list("date", flat=True))


def service_catalogue(*, search: str = "") -> QuerySet[Service]:
    """Active services with their ministry, optionally narrowed by words in the name."""
    services = Service.objects.filter(is_active=True).select_related("ministry", "department")
    for word in search.split()[:6]:
        services = services.filter(
            Q(name__icontains=word) | Q(name_dz__icontains=word) | Q(ministry__name__icontains=word)
        )
    return services.order_by("ministry__name", "name")


def district_list() -> QuerySet[District]:
    return District.objects.order_by("name")
