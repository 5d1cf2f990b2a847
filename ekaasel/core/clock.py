"""The one clock. Everything that needs "now" asks here, so tests can move time with time-machine.

`as_of` sets "now" for the current context only; the demo data generator uses it to file and
handle grievances on past dates through the ordinary domain actions.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime

from django.utils import timezone

_fixed_now: ContextVar[datetime | None] = ContextVar("ekaasel_fixed_now", default=None)


def now() -> datetime:
    fixed = _fixed_now.get()
    return fixed if fixed is not None else timezone.now()


def today() -> date:
    return timezone.localdate(now())


@contextmanager
def as_of(moment: datetime) -> Iterator[None]:
    """Within the block, now() is `moment` (for generating realistic historical data)."""
    token = _fixed_now.set(moment)
    try:
        yield
    finally:
        _fixed_now.reset(token)
