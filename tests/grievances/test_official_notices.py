"""Officials are told of new work, reminders and escalations: an in-app notice, and an SMS if they have
a mobile number. Reminders go at 75% of the time limit, once per forwarding."""

from collections.abc import Callable
from datetime import datetime

import pytest
import time_machine
from django.utils import timezone

from ekaasel.core.errors import InvalidTransition
from ekaasel.grievances import actions
from ekaasel.grievances.models import Grievance
from ekaasel.grievances.permissions import Actor
from ekaasel.grievances.scheduled import send_due_reminders
from ekaasel.grievances.selectors import history_for_citizen
from ekaasel.grievances.states import Action, Status
from ekaasel.identity.models import Official
from ekaasel.notifications.models import Message, Notice, NoticeKind

pytestmark = pytest.mark.django_db


def at(*args: int) -> datetime:
    return timezone.make_aware(datetime(*args))  # type: ignore[arg-type]


def notices(official: Official) -> list[tuple[str, str]]:
    return [(n.kind, n.grievance.application_id) for n in Notice.objects.filter(official=official)]  # type: ignore[union-attr]


@pytest.fixture
def forwarded(file_grievance: Callable[..., Grievance], officials: dict, org: dict) -> Grievance:
    with time_machine.travel(at(2026, 12, 7, 9, 0), tick=False):  # a Monday
        g = file_grievance()
        return actions.grievance_forward(grievance_id=g.pk, actor=Actor.of_official(officials["assessor"]),
                                         ministry=org["health"], department=org["medical"])


def test_forwarding_tells_the_head_of_department(forwarded: Grievance, officials: dict) -> None:
    assert notices(officials["medical_head"]) == [(NoticeKind.NEW_GRIEVANCE, forwarded.application_id)]
    assert notices(officials["health_secretary"]) == []
    text = Notice.objects.get(official=officials["medical_head"]).text
    assert forwarded.application_id in text and f"/workspace/grievances/{forwarded.pk}/" in text


def test_forwarding_to_a_ministry_tells_its_secretary(file_grievance: Callable[..., Grievance], officials: dict,
                                                      org: dict) -> None:
    g = file_grievance()
    actions.grievance_forward(grievance_id=g.pk, actor=Actor.of_official(officials["pmo"]), ministry=org["works"])
    assert notices(officials["works_secretary"]) == [(NoticeKind.NEW_GRIEVANCE, g.application_id)]


def test_an_official_with_a_mobile_also_gets_an_sms(file_grievance: Callable[..., Grievance], officials: dict,
                                                    org: dict) -> None:
    head = officials["medical_head"]
    head.mobile = "+97577112233"
    head.save()
    g = file_grievance()
    actions.grievance_forward(grievance_id=g.pk, actor=Actor.of_official(officials["assessor"]),
                              ministry=org["health"], department=org["medical"])
    [sms] = Message.objects.filter(recipient="+97577112233")
    assert sms.template == "official_new_grievance" and g.application_id in sms.body


def test_assignment_tells_the_officer(forwarded: Grievance, officials: dict) -> None:
    actions.grievance_assign(grievance_id=forwarded.pk, actor=Actor.of_official(officials["medical_head"]),
                             assignee=officials["medical_officer"])
    assert notices(officials["medical_officer"]) == [(NoticeKind.ASSIGNED, forwarded.application_id)]


def test_escalation_goes_to_the_secretary_then_the_pmo(forwarded: Grievance, officials: dict) -> None:
    actions.grievance_escalate(grievance_id=forwarded.pk, actor=Actor.system(), note="Overdue")
    assert notices(officials["health_secretary"]) == [(NoticeKind.ESCALATED, forwarded.application_id)]
    actions.grievance_escalate(grievance_id=forwarded.pk, actor=Actor.system(), note="Still overdue")
    assert notices(officials["pmo"]) == [(NoticeKind.ESCALATED, forwarded.application_id)]
    assert "Still overdue" in Notice.objects.get(official=officials["pmo"]).text


def test_a_returned_grievance_is_announced_to_the_assessors(forwarded: Grievance, officials: dict) -> None:
    actions.grievance_return(grievance_id=forwarded.pk, actor=Actor.of_official(officials["medical_head"]),
                             reason="About roads")
    assert notices(officials["assessor"]) == [(NoticeKind.RETURNED, forwarded.application_id)]
    assert "Department of Medical Services" in Notice.objects.get(official=officials["assessor"]).text


def test_reminder_at_three_quarters_of_the_time_once(forwarded: Grievance, officials: dict) -> None:
    # Health: 10 working days from Monday 7 Dec → due Monday 21 Dec 23:59; 75% of that is about 18 Dec.
    assert forwarded.remind_at is not None and forwarded.due_at is not None
    assert timezone.localtime(forwarded.remind_at).date() == at(2026, 12, 18).date()
    with time_machine.travel(at(2026, 12, 17, 9, 0), tick=False):
        assert send_due_reminders() == 0
    with time_machine.travel(at(2026, 12, 18, 23, 0), tick=False):
        assert send_due_reminders() == 1
        assert send_due_reminders() == 0
    forwarded.refresh_from_db()
    assert forwarded.reminded_at is not None and forwarded.status == Status.FORWARDED
    assert forwarded.events.filter(action=Action.REMIND, actor_kind="system").count() == 1
    assert notices(officials["medical_head"])[0] == (NoticeKind.REMINDER, forwarded.application_id)


def test_reminder_goes_to_the_assignee(forwarded: Grievance, officials: dict) -> None:
    actions.grievance_assign(grievance_id=forwarded.pk, actor=Actor.of_official(officials["medical_head"]),
                             assignee=officials["medical_officer"])
    with time_machine.travel(at(2026, 12, 19, 9, 0), tick=False):
        assert send_due_reminders() == 1
    assert (NoticeKind.REMINDER, forwarded.application_id) in notices(officials["medical_officer"])


def test_no_reminder_once_overdue_or_resolved(forwarded: Grievance, officials: dict) -> None:
    with time_machine.travel(at(2026, 12, 22, 9, 0), tick=False):
        assert send_due_reminders() == 0
    with pytest.raises(InvalidTransition):
        actions.grievance_remind(grievance_id=forwarded.pk)


def test_internal_note_is_history_for_officials_only(forwarded: Grievance, officials: dict) -> None:
    g = actions.grievance_add_note(grievance_id=forwarded.pk, actor=Actor.of_official(officials["pmo"]),
                                   note="Lyonchhen asked to be kept informed")
    event = g.events.order_by("-id").first()
    assert event is not None and (event.action, event.internal) == (Action.NOTE, True)
    assert event.note not in [e.note for e in history_for_citizen(grievance=g)]
    assert g.status == Status.FORWARDED
