"""The scheduled side of the time limits: escalation of overdue grievances, closing unrated ones.

Time is frozen at a Monday morning in Thimphu and moved with time-machine. The Ministry of Health
has 10 working days: a grievance forwarded on Mon 2 Nov 2026 is due at the end of Mon 16 Nov; 5
working days later (the default for the PMO) is the end of Mon 23 Nov.
"""

from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from io import StringIO
from typing import Any

import pytest
import time_machine
from django.core.management import call_command
from django.db import transaction
from django.tasks import TaskResultStatus
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from ekaasel.core.errors import InvalidTransition, StaleGrievance
from ekaasel.grievances import actions, scheduled
from ekaasel.grievances.models import Grievance, GrievanceEvent
from ekaasel.grievances.permissions import Actor
from ekaasel.grievances.scheduled import close_unrated_resolutions, escalate_overdue
from ekaasel.grievances.states import Action, ActorKind, ClosureReason, Status
from ekaasel.grievances.tasks import (
    close_unrated_task,
    escalate_overdue_task,
    scheduled_jobs,
    send_reminders_task,
)
from ekaasel.identity.models import Official
from ekaasel.notifications.scheduler import worker_jobs
from ekaasel.organisations.models import Holiday

pytestmark = pytest.mark.django_db

Filer = Callable[..., Grievance]


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    """A moment in the project's time zone (Asia/Thimphu)."""
    return timezone.make_aware(datetime(year, month, day, hour, minute, second))


START = (2026, 11, 2, 10, 0)  # a Monday
DUE = (2026, 11, 16, 23, 59, 59)  # the end of the 10th working day after START


@pytest.fixture(autouse=True)
def time_limits(settings: Any) -> None:
    """The limits these tests count with, whatever the environment sets."""
    settings.EKAASEL = {**settings.EKAASEL, "AUTO_CLOSE_AFTER_DAYS": 14, "ASSESSMENT_WORKING_DAYS": 3,
                        "WEEKEND_DAYS": [5, 6]}
    settings.EKAASEL.pop("PMO_ESCALATION_AFTER_WORKING_DAYS", None)  # the default, 5


@pytest.fixture
def traveller() -> Iterator[time_machine.Traveller]:
    with time_machine.travel(at(*START), tick=False) as traveller:
        yield traveller


@pytest.fixture
def forward(
    traveller: time_machine.Traveller, file_grievance: Filer, officials: dict[str, Official], org: dict
) -> Callable[[], Grievance]:
    """File and forward a grievance to the Department of Medical Services, at the current (moved) time."""

    def make() -> Grievance:
        g = file_grievance()
        return actions.grievance_forward(
            grievance_id=g.pk, actor=Actor.of_official(officials["assessor"]),
            ministry=org["health"], department=org["medical"],
        )

    return make


@pytest.fixture
def forwarded(forward: Callable[[], Grievance]) -> Grievance:
    g = forward()
    assert g.due_at == at(*DUE)
    return g


def escalations(g: Grievance) -> list[GrievanceEvent]:
    return list(g.events.filter(action=Action.ESCALATE).order_by("id"))


def level(g: Grievance) -> int:
    g.refresh_from_db()
    return g.escalation_level


def agency(officials: dict[str, Official]) -> Actor:
    return Actor.of_official(officials["medical_head"])


# --- escalation of forwarded grievances -----------------------------------------------------------


def test_a_grievance_is_left_alone_until_its_due_date_has_passed(
    forwarded: Grievance, traveller: time_machine.Traveller
) -> None:
    traveller.move_to(at(2026, 11, 16, 23, 59))
    assert escalate_overdue() == 0
    assert level(forwarded) == 0
    assert escalations(forwarded) == []


def test_an_overdue_grievance_goes_to_the_secretary_once(
    forwarded: Grievance, traveller: time_machine.Traveller
) -> None:
    traveller.move_to(at(2026, 11, 17, 9, 0))
    assert escalate_overdue() == 1

    assert level(forwarded) == 1
    assert forwarded.status == Status.FORWARDED
    [event] = escalations(forwarded)
    assert event.actor_kind == ActorKind.SYSTEM
    assert event.actor_official is None
    assert event.note == "Overdue: due 16 Nov 2026"
    assert event.internal
    assert event.data == {"level": 1}
    assert (event.from_status, event.to_status) == (Status.FORWARDED, Status.FORWARDED)

    version = forwarded.version
    assert escalate_overdue() == 0
    assert level(forwarded) == 1
    assert forwarded.version == version
    assert len(escalations(forwarded)) == 1


def test_still_open_five_working_days_after_the_due_date_it_goes_to_the_pmo_and_no_further(
    forwarded: Grievance, traveller: time_machine.Traveller
) -> None:
    traveller.move_to(at(2026, 11, 17, 9, 0))
    escalate_overdue()
    traveller.move_to(at(2026, 11, 23, 23, 0))  # the 5th working day after the due date is not over
    assert escalate_overdue() == 0
    assert level(forwarded) == 1

    traveller.move_to(at(2026, 11, 24, 0, 0, 1))
    assert escalate_overdue() == 1
    assert level(forwarded) == 2
    last = escalations(forwarded)[-1]
    assert last.note == "Still overdue 5 working days after the due date, 16 Nov 2026"
    assert (last.actor_kind, last.data) == (ActorKind.SYSTEM, {"level": 2})

    assert escalate_overdue() == 0
    traveller.move_to(at(2027, 6, 1, 9, 0))
    assert escalate_overdue() == 0
    assert level(forwarded) == 2
    assert len(escalations(forwarded)) == 2


def test_the_pmo_limit_skips_holidays(forwarded: Grievance, traveller: time_machine.Traveller) -> None:
    Holiday.objects.create(date=datetime(2026, 11, 18).date(), name="Birth anniversary")
    traveller.move_to(at(2026, 11, 24, 12, 0))
    escalate_overdue()
    assert level(forwarded) == 1

    traveller.move_to(at(2026, 11, 25, 0, 0, 1))
    escalate_overdue()
    assert level(forwarded) == 2


def test_the_pmo_limit_is_configurable(
    forwarded: Grievance, traveller: time_machine.Traveller, settings: Any
) -> None:
    settings.EKAASEL = {**settings.EKAASEL, "PMO_ESCALATION_AFTER_WORKING_DAYS": 2}
    traveller.move_to(at(2026, 11, 18, 23, 0))
    escalate_overdue()
    assert level(forwarded) == 1

    traveller.move_to(at(2026, 11, 19, 8, 0))
    escalate_overdue()
    assert level(forwarded) == 2
    assert escalations(forwarded)[-1].note == "Still overdue 2 working days after the due date, 16 Nov 2026"


def test_a_grievance_found_past_both_limits_is_raised_through_each_level(
    forwarded: Grievance, traveller: time_machine.Traveller
) -> None:
    traveller.move_to(at(2026, 12, 1, 9, 0))  # the worker was down for two weeks
    assert escalate_overdue() == 1
    assert level(forwarded) == 2
    assert [(e.data["level"], e.note) for e in escalations(forwarded)] == [
        (1, "Overdue: due 16 Nov 2026"), (2, "Still overdue 5 working days after the due date, 16 Nov 2026"),
    ]
    assert escalate_overdue() == 0


def test_a_grievance_in_progress_escalates_too(
    forwarded: Grievance, traveller: time_machine.Traveller, officials: dict[str, Official]
) -> None:
    actions.grievance_acknowledge(grievance_id=forwarded.pk, actor=agency(officials))
    traveller.move_to(at(2026, 11, 17, 9, 0))
    assert escalate_overdue() == 1
    assert level(forwarded) == 1
    assert forwarded.status == Status.IN_PROGRESS


def test_a_grievance_the_pmo_escalated_by_hand_goes_no_further_at_the_due_date(
    forwarded: Grievance, traveller: time_machine.Traveller, officials: dict[str, Official]
) -> None:
    actions.grievance_escalate(grievance_id=forwarded.pk, actor=Actor.of_official(officials["pmo"]))
    traveller.move_to(at(2026, 11, 17, 9, 0))
    assert escalate_overdue() == 0
    assert level(forwarded) == 1


def test_resolved_and_withdrawn_grievances_are_not_escalated(
    forward: Callable[[], Grievance], traveller: time_machine.Traveller,
    officials: dict[str, Official], citizen: Actor,
) -> None:
    resolved, withdrawn, overdue = forward(), forward(), forward()
    actions.grievance_resolve(grievance_id=resolved.pk, actor=agency(officials), resolution="Referral approved.")
    actions.grievance_withdraw(grievance_id=withdrawn.pk, actor=citizen)

    traveller.move_to(at(2027, 1, 4, 9, 0))
    assert escalate_overdue() == 1
    assert (level(resolved), level(withdrawn), level(overdue)) == (0, 0, 2)
    assert escalations(resolved) == escalations(withdrawn) == []


def test_all_overdue_grievances_are_escalated_whatever_the_batch_size(
    forward: Callable[[], Grievance], traveller: time_machine.Traveller
) -> None:
    grievances = [forward() for _ in range(3)]
    traveller.move_to(at(2026, 11, 17, 9, 0))
    assert escalate_overdue(batch_size=1) == 3
    assert [level(g) for g in grievances] == [1, 1, 1]
    assert escalate_overdue(batch_size=2) == 0


def test_a_grievance_resolved_meanwhile_is_skipped_and_the_others_are_escalated(
    forward: Callable[[], Grievance], traveller: time_machine.Traveller,
    officials: dict[str, Official], monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture,
) -> None:
    first, second = forward(), forward()
    real_escalate = actions.grievance_escalate

    def resolved_just_before(*, grievance_id: int, **kwargs: Any) -> Grievance:
        if grievance_id == first.pk:  # an official resolves it between the selection and the action
            actions.grievance_resolve(grievance_id=first.pk, actor=agency(officials), resolution="Done.")
        return real_escalate(grievance_id=grievance_id, **kwargs)

    monkeypatch.setattr(scheduled.actions, "grievance_escalate", resolved_just_before)
    traveller.move_to(at(2026, 11, 17, 9, 0))
    assert escalate_overdue() == 1

    assert (level(first), first.status) == (0, Status.RESOLVED)
    assert level(second) == 1
    assert f"Did not escalate grievance {first.application_id}" in caplog.text


def test_a_grievance_the_pmo_escalates_meanwhile_is_not_escalated_twice(
    forwarded: Grievance, traveller: time_machine.Traveller,
    officials: dict[str, Official], monkeypatch: pytest.MonkeyPatch,
) -> None:
    real_escalate = actions.grievance_escalate
    calls: list[int | None] = []

    def pmo_first(**kwargs: Any) -> Grievance:
        calls.append(kwargs["expected_version"])
        if len(calls) == 1:
            real_escalate(grievance_id=forwarded.pk, actor=Actor.of_official(officials["pmo"]))
        return real_escalate(**kwargs)

    monkeypatch.setattr(scheduled.actions, "grievance_escalate", pmo_first)
    traveller.move_to(at(2026, 11, 17, 9, 0))
    assert escalate_overdue() == 0
    assert level(forwarded) == 1
    [event] = escalations(forwarded)
    assert event.actor_kind == "pmo"
    with pytest.raises(StaleGrievance):  # what the scheduled run met, and logged
        real_escalate(grievance_id=forwarded.pk, actor=Actor.system(), expected_version=calls[0])


def test_a_failure_on_one_grievance_does_not_stop_the_others(
    forward: Callable[[], Grievance], traveller: time_machine.Traveller,
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture,
) -> None:
    first, second = forward(), forward()
    real_escalate = actions.grievance_escalate

    def broken_for_the_first(*, grievance_id: int, **kwargs: Any) -> Grievance:
        if grievance_id == first.pk:
            raise RuntimeError("a bug tied to this grievance")
        return real_escalate(grievance_id=grievance_id, **kwargs)

    monkeypatch.setattr(scheduled.actions, "grievance_escalate", broken_for_the_first)
    traveller.move_to(at(2026, 11, 17, 9, 0))
    assert escalate_overdue(batch_size=1) == 1  # the failed one stays selected; the next batch starts after it
    assert (level(first), level(second)) == (0, 1)
    assert f"Could not escalate grievance {first.application_id}" in caplog.text


# --- escalation in assessment ---------------------------------------------------------------------


def test_a_submitted_grievance_past_its_assessment_limit_goes_to_level_1(
    traveller: time_machine.Traveller, file_grievance: Filer
) -> None:
    g = file_grievance()
    assert g.assessment_due_at == at(2026, 11, 5, 23, 59, 59)
    traveller.move_to(at(2026, 11, 5, 23, 0))
    assert escalate_overdue() == 0

    traveller.move_to(at(2026, 11, 6, 0, 0, 1))
    assert escalate_overdue() == 1
    assert level(g) == 1
    [event] = escalations(g)
    assert (event.actor_kind, event.note) == (ActorKind.SYSTEM, "Assessment overdue: due 5 Nov 2026")

    traveller.move_to(at(2027, 1, 4, 9, 0))  # the system takes assessment no further than level 1
    assert escalate_overdue() == 0
    assert level(g) == 1


def test_a_grievance_waiting_for_the_citizen_is_not_escalated(
    traveller: time_machine.Traveller, file_grievance: Filer, officials: dict[str, Official]
) -> None:
    g = file_grievance()
    actions.grievance_ask_info(
        grievance_id=g.pk, actor=Actor.of_official(officials["assessor"]), question="Which hospital?"
    )
    traveller.move_to(at(2027, 1, 4, 9, 0))
    assert escalate_overdue() == 0
    assert level(g) == 0


# --- closing resolutions left unrated -------------------------------------------------------------


@pytest.fixture
def resolved(forwarded: Grievance, officials: dict[str, Official]) -> Grievance:
    return actions.grievance_resolve(
        grievance_id=forwarded.pk, actor=agency(officials), resolution="Your referral was approved."
    )


def test_an_unrated_resolution_closes_after_the_configured_days_and_not_before(
    resolved: Grievance, traveller: time_machine.Traveller, caplog: pytest.LogCaptureFixture
) -> None:
    traveller.move_to(at(*START) + timedelta(days=14) - timedelta(minutes=1))
    assert close_unrated_resolutions() == 0
    assert caplog.text == ""  # not even selected (and refused by the action)
    resolved.refresh_from_db()
    assert resolved.status == Status.RESOLVED

    traveller.move_to(at(*START) + timedelta(days=14, seconds=1))
    assert close_unrated_resolutions() == 1
    resolved.refresh_from_db()
    assert (resolved.status, resolved.closure_reason) == (Status.CLOSED, ClosureReason.NO_RATING)
    assert resolved.closed_at == at(*START) + timedelta(days=14, seconds=1)
    event = resolved.events.order_by("-id").first()
    assert event is not None
    assert (event.action, event.actor_kind, event.to_status) == (Action.CLOSE, ActorKind.SYSTEM, Status.CLOSED)

    assert close_unrated_resolutions() == 0
    assert resolved.events.filter(action=Action.CLOSE).count() == 1


def test_the_close_limit_is_configurable(
    resolved: Grievance, traveller: time_machine.Traveller, settings: Any
) -> None:
    settings.EKAASEL = {**settings.EKAASEL, "AUTO_CLOSE_AFTER_DAYS": 3}
    traveller.move_to(at(*START) + timedelta(days=3, seconds=1))
    assert close_unrated_resolutions() == 1


def test_a_rated_resolution_is_left_as_the_citizen_closed_it(
    resolved: Grievance, traveller: time_machine.Traveller, citizen: Actor
) -> None:
    actions.grievance_rate(grievance_id=resolved.pk, actor=citizen, rating=4, comment="Thank you.")
    traveller.move_to(at(2027, 1, 4, 9, 0))
    assert close_unrated_resolutions() == 0
    resolved.refresh_from_db()
    assert (resolved.closure_reason, resolved.closed_at) == (ClosureReason.RATED, at(*START))


def test_a_resolution_appealed_meanwhile_is_skipped(
    resolved: Grievance, traveller: time_machine.Traveller, citizen: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_close = actions.grievance_close_unrated

    def appealed_just_before(*, grievance_id: int) -> Grievance:
        actions.grievance_appeal(grievance_id=grievance_id, actor=citizen, reason="Still no referral.")
        return real_close(grievance_id=grievance_id)

    monkeypatch.setattr(scheduled.actions, "grievance_close_unrated", appealed_just_before)
    traveller.move_to(at(*START) + timedelta(days=14, seconds=1))
    assert close_unrated_resolutions() == 0
    resolved.refresh_from_db()
    assert resolved.status == Status.SUBMITTED
    with pytest.raises(InvalidTransition):
        real_close(grievance_id=resolved.pk)


# --- tasks, the worker's jobs, the command ----------------------------------------------------------


def test_the_periodic_jobs_enqueue_each_task_once_while_it_waits() -> None:
    jobs = scheduled_jobs()
    assert [(job.name, job.every_seconds) for job in jobs] == [
        ("send_reminders", 900), ("escalate_overdue", 900), ("close_unrated", 900)
    ]

    for job in jobs + jobs:
        job.run()
    waiting = DBTaskResult.objects.filter(status=TaskResultStatus.READY)
    assert sorted(waiting.values_list("task_path", flat=True)) == sorted(
        [send_reminders_task.module_path, escalate_overdue_task.module_path, close_unrated_task.module_path]
    )

    DBTaskResult.objects.update(status=TaskResultStatus.SUCCESSFUL)  # the worker ran them
    for job in jobs:
        job.run()
    assert DBTaskResult.objects.filter(task_path=escalate_overdue_task.module_path).count() == 2


def test_the_worker_runs_the_time_limit_jobs() -> None:
    names = [job.name for job in worker_jobs(worker_id="w1")]
    assert {"send_reminders", "escalate_overdue", "close_unrated"} <= set(names)


@pytest.mark.django_db(transaction=True)
def test_the_worker_escalates_and_closes_through_its_tasks(
    forward: Callable[[], Grievance], traveller: time_machine.Traveller, officials: dict[str, Official]
) -> None:
    with transaction.atomic():
        overdue, done = forward(), forward()
        actions.grievance_resolve(grievance_id=done.pk, actor=agency(officials), resolution="Approved.")

    traveller.move_to(at(2026, 11, 17, 9, 0))
    call_command("run_worker", batch=True, interval=0, worker_id="test-worker")

    assert (level(overdue), level(done)) == (1, 0)
    done.refresh_from_db()
    assert done.status == Status.CLOSED
    results = DBTaskResult.objects.filter(
        task_path__in=[escalate_overdue_task.module_path, close_unrated_task.module_path]
    )
    assert {(r.task_path, r.status, r.return_value) for r in results} == {
        (escalate_overdue_task.module_path, TaskResultStatus.SUCCESSFUL, 1),
        (close_unrated_task.module_path, TaskResultStatus.SUCCESSFUL, 1),
    }


def test_run_time_limits_does_both_now_and_prints_the_counts(
    forward: Callable[[], Grievance], traveller: time_machine.Traveller, officials: dict[str, Official]
) -> None:
    overdue, done = forward(), forward()
    actions.grievance_resolve(grievance_id=done.pk, actor=agency(officials), resolution="Approved.")
    traveller.move_to(at(2026, 11, 17, 9, 0))

    out = StringIO()
    call_command("run_time_limits", stdout=out)
    assert out.getvalue().splitlines() == [
        "Sent 0 reminders.",
        "Escalated 1 overdue grievance.",
        "Closed 1 resolved grievance left unrated.",
    ]
    assert level(overdue) == 1

    out = StringIO()
    call_command("run_time_limits", stdout=out)
    assert out.getvalue().splitlines() == [
        "Sent 0 reminders.",
        "Escalated 0 overdue grievances.",
        "Closed 0 resolved grievances left unrated.",
    ]
