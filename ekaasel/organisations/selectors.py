"""Reads of the catalogue and calendar."""

from datetime import date

from django.db.models import Q, QuerySet

from ekaasel.core.reference_cache import ReferenceCache
from ekaasel.organisations.models import Department, District, Holiday, Ministry, Service


def _all_holidays() -> frozenset[date]:
    return frozenset(Holiday.objects.values_list("date", flat=True))


_holidays = ReferenceCache(_all_holidays, models_changing=(Holiday,))


def holidays_between(start: date, end: date) -> set[date]:
    """Holiday dates in [start, end] (the calendar is kept per process: ReferenceCache)."""
    return {day for day in _holidays.get() if start <= day <= end}


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


def _codes() -> tuple[dict[str, Service], dict[str, District]]:
    return {s.code: s for s in service_catalogue()}, {d.code: d for d in district_list()}


_catalogue = ReferenceCache(_codes, models_changing=(Service, Ministry, Department, District))


def active_service(code: str) -> Service | None:
    """The active service of this code, with its ministry and department (kept per process: ReferenceCache).

    The instance is shared by the requests of this process: read it, never change it.
    """
    return _catalogue.get()[0].get(code)


def district_of_code(code: str) -> District | None:
    """The district of this code (kept per process, like active_service)."""
    return _catalogue.get()[1].get(code)
