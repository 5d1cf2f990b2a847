"""Working-day arithmetic. Pure: the holidays and weekend days are passed in."""

from collections.abc import Collection
from datetime import date, timedelta


def is_working_day(day: date, *, holidays: Collection[date], weekend: Collection[int]) -> bool:
    return day.weekday() not in weekend and day not in holidays


def add_working_days(
    start: date, days: int, *, holidays: Collection[date], weekend: Collection[int]
) -> date:
    """The date `days` working days after `start` (the start day itself does not count)."""
    if days < 0:
        raise ValueError("days must not be negative")
    if len(weekend) >= 7:
        raise ValueError("a week needs at least one working day")
    current = start
    remaining = days
    while remaining > 0:
        current += timedelta(days=1)
        if is_working_day(current, holidays=holidays, weekend=weekend):
            remaining -= 1
    return current


def working_days_between(
    start: date, end: date, *, holidays: Collection[date], weekend: Collection[int]
) -> int:
    """Working days after `start` up to and including `end` (0 when end <= start)."""
    count = 0
    current = start
    while current < end:
        current += timedelta(days=1)
        if is_working_day(current, holidays=holidays, weekend=weekend):
            count += 1
    return count
