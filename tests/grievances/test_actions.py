"""Every domain action: the state it leaves, the history row it appends, the SMS it queues."""

from collections.abc import Callable
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from ekaasel.core.errors import InvalidInput, InvalidTransition, NotPermitted, StaleGrievance
from ekaasel.grievances import actions
from ekaasel.grievances.models import Grievance, GrievanceEvent
from ekaasel.grievances.permissions import Actor
from ekaasel.grievances.states import Action, ClosureReason, Status
from ekaasel.identity.models import Official
from ekaasel.notifications.models import Message
from tests.conftest import MOBILE

pytestmark = pytest.mark.django_db

Filer = Callable[..., Grievance]


def sms_templates(grievance: Grievance) -> list[str]:
    return list(Message.objects.filter(grievance=grievance).order_by("id").values_list("template", flat=True))


def last_event(grievance: Grievance) -> GrievanceEvent:
    return grievance.events.order_by("-id").first()  # type: ignore[return-value]


def as_(official: Official) -> Actor:
    return Actor.of_official(official)


@pytest.fixture
def forwarded(file_grievance: Filer, officials: dict[str, Official], org: dict) -> Grievance:
    g = file_grievance()
    return actions.grievance_forward(
        grievance_id=g.pk, actor=as_(officials["assessor"]), ministry=org["health"], department=org["medical"]
    )


def test_submit_stores_the_grievance_with_an_id_history_and_sms(file_grievance: Filer) -> None:
    g = file_grievance()
    assert g.status == Status.SUBMITTED
    assert g.application_id.startswith("EK-")
    assert g.assessment_due_at is not None and g.assessment_due_at > g.submitted_at
    event = last_event(g)
    assert (event.action, event.from_status, event.to_status) == (Action.SUBMIT, Status.SUBMITTED, Status.SUBMITTED)
    [message] = Message.objects.filter(grievance=g)
    assert message.template == "submitted"
    assert message.recipient == MOBILE
    assert g.application_id in message.body


def test_application_ids_are_sequential_and_unique(file_grievance: Filer) -> None:
    ids = [file_grievance().application_id for _ in range(3)]
    serials = [int(i.split("-")[2]) for i in ids]
    assert serials == [serials[0], serials[0] + 1, serials[0] + 2]
    assert len(set(ids)) == 3


def test_same_submission_key_twice_files_once(file_grievance: Filer) -> None:
    first = file_grievance(submission_key="key-1")
    second = file_grievance(submission_key="key-1")
    assert first.pk == second.pk
    assert Grievance.objects.count() == 1
    assert Message.objects.filter(template="submitted").count() == 1


def test_empty_description_is_refused_and_nothing_stored(file_grievance: Filer) -> None:
    with pytest.raises(InvalidInput) as refused:
        file_grievance(description="   ")
    assert refused.value.field == "description"
    assert Grievance.objects.count() == 0
    assert Message.objects.count() == 0


def test_forward_sets_agency_due_date_and_tells_the_citizen(forwarded: Grievance, org: dict) -> None:
    g = forwarded
    assert g.status == Status.FORWARDED
    assert (g.ministry, g.department) == (org["health"], org["medical"])
    assert g.forwarded_at is not None and g.due_at is not None
    # Health: 10 working days; at least two weekends fall inside.
    assert g.due_at - g.forwarded_at >= timedelta(days=12)
    assert sms_templates(g) == ["submitted", "forwarded"]
    body = Message.objects.get(grievance=g, template="forwarded").body
    assert "Department of Medical Services" in body
    event = last_event(g)
    assert (event.action, event.from_status, event.to_status) == (Action.FORWARD, Status.SUBMITTED, Status.FORWARDED)
    assert event.actor_kind == "assessor"


def test_service_time_limit_overrides_the_ministry(file_grievance: Filer, officials: dict, org: dict) -> None:
    g = file_grievance(service=org["road_permit"])
    with time_machine.travel(timezone.datetime(2026, 12, 7, 10, 0, tzinfo=timezone.get_current_timezone())):
        g = actions.grievance_forward(grievance_id=g.pk, actor=as_(officials["assessor"]), ministry=org["works"])
    # Monday 7 Dec + 5 working days = Monday 14 Dec (no holiday rows in this test).
    assert timezone.localtime(g.due_at).date() == timezone.datetime(2026, 12, 14).date()


def test_forward_to_a_department_of_another_ministry_is_refused(file_grievance: Filer, officials: dict,
                                                               org: dict) -> None:
    g = file_grievance()
    with pytest.raises(InvalidInput):
        actions.grievance_forward(grievance_id=g.pk, actor=as_(officials["assessor"]),
                                  ministry=org["health"], department=org["roads"])
    g.refresh_from_db()
    assert g.status == Status.SUBMITTED


def test_ask_info_and_answer_round_trip(file_grievance: Filer, officials: dict, citizen: Actor) -> None:
    g = file_grievance()
    g = actions.grievance_ask_info(grievance_id=g.pk, actor=as_(officials["assessor"]),
                                   question="Which hospital referred you?")
    assert g.status == Status.AWAITING_CITIZEN
    assert g.info_request == "Which hospital referred you?"
    assert sms_templates(g)[-1] == "info_requested"
    g = actions.grievance_provide_info(grievance_id=g.pk, actor=citizen, answer="JDWNRH, Thimphu")
    assert g.status == Status.SUBMITTED
    assert last_event(g).note == "JDWNRH, Thimphu"


def test_reject_then_appeal_once(file_grievance: Filer, officials: dict, citizen: Actor) -> None:
    g = file_grievance()
    g = actions.grievance_reject(grievance_id=g.pk, actor=as_(officials["assessor"]), reason="Not a public service")
    assert (g.status, g.rejection_reason) == (Status.REJECTED, "Not a public service")
    assert sms_templates(g)[-1] == "rejected"
    g = actions.grievance_appeal(grievance_id=g.pk, actor=citizen, reason="It is: the hospital is public")
    assert g.status == Status.SUBMITTED and g.is_appeal and g.appealed_at is not None
    g = actions.grievance_reject(grievance_id=g.pk, actor=as_(officials["assessor"]), reason="Still not")
    with pytest.raises(InvalidTransition, match="already been appealed"):
        actions.grievance_appeal(grievance_id=g.pk, actor=citizen, reason="Again")


def test_appeal_after_30_days_is_refused(file_grievance: Filer, officials: dict, citizen: Actor) -> None:
    g = file_grievance()
    actions.grievance_reject(grievance_id=g.pk, actor=as_(officials["assessor"]), reason="No")
    with time_machine.travel(timezone.now() + timedelta(days=31)), pytest.raises(InvalidTransition, match="30 days"):
        actions.grievance_appeal(grievance_id=g.pk, actor=citizen, reason="Late")
    g.refresh_from_db()
    assert g.status == Status.REJECTED


def test_mark_duplicate_closes_and_points_to_the_original(file_grievance: Filer, officials: dict) -> None:
    original = file_grievance()
    copy = file_grievance()
    copy = actions.grievance_mark_duplicate(grievance_id=copy.pk, actor=as_(officials["assessor"]),
                                            original=original)
    assert (copy.status, copy.closure_reason, copy.duplicate_of) == (Status.CLOSED, ClosureReason.DUPLICATE, original)
    assert original.application_id in Message.objects.get(grievance=copy, template="closed_duplicate").body
    with pytest.raises(InvalidInput):
        actions.grievance_mark_duplicate(grievance_id=original.pk, actor=as_(officials["assessor"]),
                                         original=original)


def test_agency_acknowledges_assigns_and_resolves(forwarded: Grievance, officials: dict) -> None:
    head = as_(officials["medical_head"])
    g = actions.grievance_acknowledge(grievance_id=forwarded.pk, actor=head)
    assert g.status == Status.IN_PROGRESS and g.acknowledged_at is not None
    g = actions.grievance_assign(grievance_id=g.pk, actor=head, assignee=officials["medical_officer"])
    assert g.assignee == officials["medical_officer"] and g.status == Status.IN_PROGRESS
    g = actions.grievance_resolve(grievance_id=g.pk, actor=as_(officials["medical_officer"]),
                                  resolution="Your referral was approved on 3 December.")
    assert g.status == Status.RESOLVED and g.resolved_at is not None
    assert sms_templates(g)[-1] == "resolved"
    kinds = list(g.events.values_list("action", flat=True))
    assert kinds == ["submit", "forward", "acknowledge", "assign", "resolve"]


def test_assign_to_an_officer_of_another_agency_is_refused(forwarded: Grievance, officials: dict) -> None:
    with pytest.raises(InvalidInput):
        actions.grievance_assign(grievance_id=forwarded.pk, actor=as_(officials["medical_head"]),
                                 assignee=officials["roads_head"])


def test_agency_outside_its_remit_is_refused(forwarded: Grievance, officials: dict) -> None:
    for outsider in ("works_secretary", "roads_head", "medical_officer"):
        with pytest.raises(NotPermitted):
            actions.grievance_acknowledge(grievance_id=forwarded.pk, actor=as_(officials[outsider]))
    forwarded.refresh_from_db()
    assert forwarded.status == Status.FORWARDED
    assert forwarded.events.count() == 2


def test_secretary_acts_on_the_whole_ministry(forwarded: Grievance, officials: dict) -> None:
    g = actions.grievance_acknowledge(grievance_id=forwarded.pk, actor=as_(officials["health_secretary"]))
    assert g.status == Status.IN_PROGRESS


def test_monitor_cannot_act(officials: dict) -> None:
    with pytest.raises(NotPermitted):
        Actor.of_official(officials["monitor"])


def test_return_sends_it_back_for_rerouting(forwarded: Grievance, officials: dict) -> None:
    g = actions.grievance_return(grievance_id=forwarded.pk, actor=as_(officials["medical_head"]),
                                 reason="This is about a road, not health")
    assert g.status == Status.SUBMITTED and g.is_returned
    assert g.ministry is None and g.due_at is None
    event = last_event(g)
    assert event.internal and event.data == {"ministry": "moh", "department": "dms"}


def test_escalate_and_take_up_leave_the_status(forwarded: Grievance, officials: dict) -> None:
    g = actions.grievance_escalate(grievance_id=forwarded.pk, actor=Actor.system())
    g = actions.grievance_escalate(grievance_id=g.pk, actor=as_(officials["pmo"]))
    assert (g.status, g.escalation_level) == (Status.FORWARDED, 2)
    g = actions.grievance_take_up(grievance_id=g.pk, actor=as_(officials["pmo"]), note="Lyonchhen follows this")
    assert g.pmo_following and g.status == Status.FORWARDED
    with pytest.raises(InvalidTransition):
        actions.grievance_take_up(grievance_id=g.pk, actor=as_(officials["pmo"]))


def test_rate_closes(forwarded: Grievance, officials: dict, citizen: Actor) -> None:
    g = actions.grievance_resolve(grievance_id=forwarded.pk, actor=as_(officials["pmo"]), resolution="Done")
    with pytest.raises(InvalidInput):
        actions.grievance_rate(grievance_id=g.pk, actor=citizen, rating=6)
    g = actions.grievance_rate(grievance_id=g.pk, actor=citizen, rating=4, comment="Quick, thanks")
    assert (g.status, g.rating, g.closure_reason) == (Status.CLOSED, 4, ClosureReason.RATED)
    assert g.closed_at is not None


def test_someone_else_cannot_rate(forwarded: Grievance, officials: dict) -> None:
    g = actions.grievance_resolve(grievance_id=forwarded.pk, actor=as_(officials["pmo"]), resolution="Done")
    with pytest.raises(NotPermitted):
        actions.grievance_rate(grievance_id=g.pk, actor=Actor.citizen("+97577000000"), rating=1)


def test_unrated_resolution_closes_only_after_the_waiting_days(forwarded: Grievance, officials: dict) -> None:
    g = actions.grievance_resolve(grievance_id=forwarded.pk, actor=as_(officials["pmo"]), resolution="Done")
    with pytest.raises(InvalidTransition):
        actions.grievance_close_unrated(grievance_id=g.pk)
    with time_machine.travel(timezone.now() + timedelta(days=15)):
        g = actions.grievance_close_unrated(grievance_id=g.pk)
    assert (g.status, g.closure_reason) == (Status.CLOSED, ClosureReason.NO_RATING)
    assert last_event(g).actor_kind == "system"


def test_withdraw_an_open_grievance(forwarded: Grievance, citizen: Actor) -> None:
    g = actions.grievance_withdraw(grievance_id=forwarded.pk, actor=citizen, reason="Sorted out at the counter")
    assert g.status == Status.WITHDRAWN and g.withdrawn_at is not None
    assert sms_templates(g)[-1] == "withdrawn"
    with pytest.raises(InvalidTransition):
        actions.grievance_withdraw(grievance_id=g.pk, actor=citizen)


def test_resolve_directly_at_assessment(file_grievance: Filer, officials: dict) -> None:
    g = file_grievance()
    g = actions.grievance_resolve(grievance_id=g.pk, actor=as_(officials["assessor"]),
                                  resolution="Your referral is approved; collect it at the counter.")
    assert g.status == Status.RESOLVED


def test_stale_version_is_refused_and_changes_nothing(file_grievance: Filer, officials: dict) -> None:
    g = file_grievance()
    seen = g.version
    actions.grievance_ask_info(grievance_id=g.pk, actor=as_(officials["assessor"]), question="Which?",
                               expected_version=seen)
    with pytest.raises(StaleGrievance):
        actions.grievance_reject(grievance_id=g.pk, actor=as_(officials["pmo"]), reason="x", expected_version=seen)
    g.refresh_from_db()
    assert g.status == Status.AWAITING_CITIZEN
    assert g.version == seen + 1


def test_each_action_bumps_the_version_and_writes_one_event(forwarded: Grievance, officials: dict) -> None:
    before_version, before_events = forwarded.version, forwarded.events.count()
    g = actions.grievance_acknowledge(grievance_id=forwarded.pk, actor=as_(officials["medical_head"]))
    assert g.version == before_version + 1
    assert g.events.count() == before_events + 1


def test_refused_action_writes_nothing(file_grievance: Filer, citizen: Actor) -> None:
    g = file_grievance()
    with pytest.raises(InvalidTransition):
        actions.grievance_rate(grievance_id=g.pk, actor=citizen, rating=5)
    g.refresh_from_db()
    assert (g.status, g.version, g.events.count(), Message.objects.count()) == (Status.SUBMITTED, 1, 1, 1)


def test_history_is_append_only(file_grievance: Filer) -> None:
    from ekaasel.grievances.models import AppendOnlyError

    event = last_event(file_grievance())
    event.note = "rewritten"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()


def test_a_new_stage_starts_escalation_again(forwarded: Grievance, officials: dict, org: dict) -> None:
    g = actions.grievance_escalate(grievance_id=forwarded.pk, actor=Actor.system())
    assert g.escalation_level == 1
    g = actions.grievance_return(grievance_id=g.pk, actor=as_(officials["medical_head"]), reason="Roads, not health")
    assert g.escalation_level == 0
    g = actions.grievance_escalate(grievance_id=g.pk, actor=Actor.system())
    g = actions.grievance_forward(grievance_id=g.pk, actor=as_(officials["assessor"]), ministry=org["works"])
    assert (g.escalation_level, g.is_returned) == (0, False)
