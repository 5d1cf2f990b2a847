"""Scheduled side of the time limits: escalate overdue grievances, close resolutions left unrated.

Run by the worker's periodic tasks (tasks.py) and by `manage.py run_time_limits`. Each function
selects what is due with one query per batch, then calls the domain action once per grievance, each
in its own transaction: a grievance that changed meanwhile (resolved, escalated by the PMO) is
refused by the action, logged and skipped, and the rest of the batch goes on. Both functions are
idempotent: right after a run, nothing is due any more, so a second run changes nothing.
"""

import logging
from collections.abc import Callable, Iterator
from datetime import datetime, time, timedelta
from functools import partial

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.db.models import Q, QuerySet
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ekaasel.core import clock
from ekaasel.core.calendar import is_working_day
from ekaasel.core.errors import DomainError
from ekaasel.grievances import actions
from ekaasel.grievances.models import Grievance
from ekaasel.grievances.permissions import Actor
from ekaasel.grievances.states import AGENCY_STATUSES, Status
from ekaasel.organisations.selectors import holidays_between

logger = logging.getLogger(__name__)

# Level 1: the ministry Secretary (for a grievance still in assessment: the head of the Cabinet
# Secretariat's grievance division). Level 2: the PMO. Only the PMO itself escalates further.
SECRETARY_LEVEL = 1
PMO_LEVEL = 2
DEFAULT_PMO_ESCALATION_AFTER_WORKING_DAYS = 5

# The fields the selection needs; the actions load and lock the full row themselves.
_SELECTED_FIELDS = ("pk", "application_id", "status", "escalation_level", "version", "due_at", "assessment_due_at")


def escalate_overdue(*, now: datetime | None = None, batch_size: int = 500) -> int:
    """Escalate every open grievance past its time limit; returns how many grievances were escalated.

    Forwarded or in progress: level 1 once `due_at` has passed, level 2 once it is still open at the
    end of the N-th working day after its due date (EKAASEL["PMO_ESCALATION_AFTER_WORKING_DAYS"]).
    Submitted: level 1 once `assessment_due_at` has passed. A grievance waiting for the citizen's
    information is not escalated: the clock is on the citizen. The system never goes beyond level 2,
    and never lowers a level (the PMO may have escalated by hand). A grievance found past both limits
    (the worker was down) is raised through each level in turn, with one history event per level.

    `now` is the moment deadlines are judged against (default: the clock).
    """
    now = now or clock.now()
    pmo_days = _pmo_escalation_working_days()
    pmo_cutoff = pmo_escalation_cutoff(now=now, working_days=pmo_days)
    agency = Grievance.objects.filter(
        Q(escalation_level__lt=SECRETARY_LEVEL) | Q(escalation_level__lt=PMO_LEVEL, due_at__lt=pmo_cutoff),
        status__in=AGENCY_STATUSES,
        due_at__lt=now,
    )
    assessment = Grievance.objects.filter(
        status=Status.SUBMITTED, assessment_due_at__lt=now, escalation_level__lt=SECRETARY_LEVEL
    )
    escalated = 0
    for grievance in _in_batches(agency, batch_size):
        assert grievance.due_at is not None  # selected by due_at__lt
        target = PMO_LEVEL if grievance.due_at < pmo_cutoff else SECRETARY_LEVEL
        escalated += _escalate_to(grievance, target=target, pmo_days=pmo_days)
    for grievance in _in_batches(assessment, batch_size):
        escalated += _escalate_to(grievance, target=SECRETARY_LEVEL, pmo_days=pmo_days)
    if escalated:
        logger.info("Escalated %d overdue grievances", escalated)
    return escalated


def send_due_reminders(*, now: datetime | None = None, batch_size: int = 500) -> int:
    """Remind the handling official of each grievance at 75% of its resolution time; returns how many.

    Once per forwarding (the action records reminded_at); a grievance already overdue gets no
    reminder, it is escalated instead.
    """
    now = now or clock.now()
    due = Grievance.objects.filter(
        status__in=AGENCY_STATUSES, reminded_at__isnull=True, remind_at__lte=now, due_at__gt=now
    )
    reminded = 0
    for grievance in _in_batches(due, batch_size):
        remind = partial(actions.grievance_remind, grievance_id=grievance.pk)
        if _attempt(grievance, "remind", remind) is not None:
            reminded += 1
    if reminded:
        logger.info("Reminded the handling officials of %d grievances", reminded)
    return reminded


def close_unrated_resolutions(*, now: datetime | None = None, batch_size: int = 500) -> int:
    """Close resolved grievances the citizen has not rated within EKAASEL["AUTO_CLOSE_AFTER_DAYS"].

    Returns how many were closed. `now` is the moment the age is judged against (default: the
    clock); the action checks the age again against the clock and refuses a grievance not yet due.
    """
    now = now or clock.now()
    limit = timedelta(days=settings.EKAASEL["AUTO_CLOSE_AFTER_DAYS"])
    due = Grievance.objects.filter(status=Status.RESOLVED, resolved_at__lte=now - limit)
    closed = 0
    for grievance in _in_batches(due, batch_size):
        close = partial(actions.grievance_close_unrated, grievance_id=grievance.pk)
        if _attempt(grievance, "close", close) is not None:
            closed += 1
    if closed:
        logger.info("Closed %d resolved grievances left unrated", closed)
    return closed


def pmo_escalation_cutoff(*, now: datetime, working_days: int) -> datetime:
    """The due-date cutoff for the PMO: a grievance due before it is `working_days` working days overdue.

    A grievance due on day D goes to the PMO at the end of the N-th working day after D (counted as
    sla.py counts limits, with the holiday calendar). That day has ended by `now` exactly when N
    working days lie between D (excluded) and yesterday (included), i.e. when D falls before the N-th
    working day counted back from yesterday: the cutoff is the start of that day, local time.
    """
    if working_days <= 0:
        return now
    yesterday = timezone.localdate(now) - timedelta(days=1)
    # Same horizon as sla.py: a week has at least one working day.
    holidays = holidays_between(yesterday - timedelta(days=7 * working_days + 7), yesterday)
    weekend = settings.EKAASEL["WEEKEND_DAYS"]
    day, counted = yesterday + timedelta(days=1), 0
    while counted < working_days:
        day -= timedelta(days=1)
        if is_working_day(day, holidays=holidays, weekend=weekend):
            counted += 1
    return timezone.make_aware(datetime.combine(day, time.min))


# --- steps ------------------------------------------------------------------------------------------


def _pmo_escalation_working_days() -> int:
    return int(
        settings.EKAASEL.get("PMO_ESCALATION_AFTER_WORKING_DAYS", DEFAULT_PMO_ESCALATION_AFTER_WORKING_DAYS)
    )


def _in_batches(queryset: QuerySet[Grievance], batch_size: int) -> Iterator[Grievance]:
    """The selected grievances, `batch_size` at a time in id order (keyset, so rows that stay
    selected because their action was refused are not fetched again and the loop ends)."""
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    last_pk = 0
    while True:
        batch = list(queryset.filter(pk__gt=last_pk).order_by("pk").only(*_SELECTED_FIELDS)[:batch_size])
        yield from batch
        if len(batch) < batch_size:
            return
        last_pk = batch[-1].pk


def _escalate_to(grievance: Grievance, *, target: int, pmo_days: int) -> int:
    """Escalate one level at a time up to `target`; 1 if it escalated at least once, else 0.

    The version read at selection goes with each call: if anyone changed the grievance since (the
    PMO escalated it, an official resolved it), the action refuses and this run leaves it alone;
    the next run judges it afresh.
    """
    level, version = grievance.escalation_level, grievance.version
    escalated = False
    while level < target:
        escalate = partial(
            actions.grievance_escalate,
            grievance_id=grievance.pk,
            actor=Actor.system(),
            note=_escalation_note(grievance, level=level + 1, pmo_days=pmo_days),
            expected_version=version,
        )
        result = _attempt(grievance, "escalate", escalate)
        if result is None:
            break
        level, version, escalated = result.escalation_level, result.version, True
    return int(escalated)


def _escalation_note(grievance: Grievance, *, level: int, pmo_days: int) -> str:
    """Why the system escalates, for the history (officials only)."""
    if grievance.status == Status.SUBMITTED:
        return _("Assessment overdue: due %(date)s") % {"date": _local_date(grievance.assessment_due_at)}
    if level == SECRETARY_LEVEL:
        return _("Overdue: due %(date)s") % {"date": _local_date(grievance.due_at)}
    return ngettext(
        "Still overdue %(days)d working day after the due date, %(date)s",
        "Still overdue %(days)d working days after the due date, %(date)s",
        pmo_days,
    ) % {"days": pmo_days, "date": _local_date(grievance.due_at)}


def _local_date(moment: datetime | None) -> str:
    return formats.date_format(timezone.localtime(moment), "j M Y") if moment is not None else "?"


def _attempt(grievance: Grievance, verb: str, action: Callable[[], Grievance]) -> Grievance | None:
    """Run one action on one grievance; None if it was refused or failed (logged; the batch goes on)."""
    try:
        return action()
    except DomainError as refused:
        # Expected now and then: the grievance changed between the selection and the action.
        logger.warning("Did not %s grievance %s: %s", verb, grievance.application_id, refused.message)
    except (OperationalError, InterfaceError):
        raise  # The database is unreachable: every other grievance would fail too; the next run retries.
    except Exception:
        # A bug tied to one grievance must not hold up all the others behind it in id order.
        logger.exception("Could not %s grievance %s", verb, grievance.application_id)
    return None
