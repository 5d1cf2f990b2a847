"""Time limits: when assessment and resolution are due, in working days of the holiday calendar.

A limit of N working days from a moment ends at the close of the N-th working day after that
moment's local date.
"""

from datetime import datetime, time, timedelta

from django.conf import settings
from django.utils import timezone

from ekaasel.core.calendar import add_working_days
from ekaasel.organisations.models import Ministry, Service
from ekaasel.organisations.selectors import holidays_between


def _end_of_working_day_after(start: datetime, working_days: int) -> datetime:
    local_start = timezone.localtime(start).date()
    # Generous horizon for holidays: a week has at least one working day, so 7 days per working day.
    horizon = local_start + timedelta(days=7 * working_days + 7)
    holidays = holidays_between(local_start, horizon)
    due_date = add_working_days(
        local_start, working_days, holidays=holidays, weekend=settings.EKAASEL["WEEKEND_DAYS"]
    )
    return timezone.make_aware(datetime.combine(due_date, time(23, 59, 59)))


def resolution_working_days(*, ministry: Ministry, service: Service | None) -> int:
    """The service's own limit when it has one, else its ministry's."""
    if service is not None and service.resolution_working_days:
        return service.resolution_working_days
    return ministry.resolution_working_days or settings.EKAASEL["DEFAULT_RESOLUTION_WORKING_DAYS"]


def resolution_due_at(*, start: datetime, ministry: Ministry, service: Service | None) -> datetime:
    return _end_of_working_day_after(start, resolution_working_days(ministry=ministry, service=service))


def assessment_due_at(*, start: datetime) -> datetime:
    return _end_of_working_day_after(start, settings.EKAASEL["ASSESSMENT_WORKING_DAYS"])
