"""The one clock. Everything that needs "now" asks here, so tests can move time with time-machine."""

from datetime import date, datetime

from django.utils import timezone


def now() -> datetime:
    return timezone.now()


def today() -> date:
    return timezone.localdate(now())
