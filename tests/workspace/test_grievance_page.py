"""The grievance page: what each official sees, the actions offered to him, and what they do."""

import re
from collections.abc import Callable
from typing import Protocol

import pytest
from django.test import Client
from django.urls import reverse

from ekaasel.grievances import actions
from ekaasel.grievances.application_id import ApplicationId
from ekaasel.grievances.models import Channel, Grievance
from ekaasel.grievances.permissions import Actor
from ekaasel.grievances.states import Status
from ekaasel.identity.models import Official
from ekaasel.organisations.models import District

Filer = Callable[..., Grievance]


class _Response(Protocol):
    content: bytes

SignIn = Callable[[Official], Client]


def page_url(grievance: Grievance) -> str:
    return reverse("workspace:grievance", args=[grievance.pk])


def action_url(grievance: Grievance, action: str) -> str:
    return reverse("workspace:grievance_action", args=[grievance.pk, action])


def offered(response: _Response) -> set[str]:
    """The actions whose forms the page shows."""
    return set(re.findall(r'action="/workspace/grievances/\d+/([a-z_]+)/"', response.content.decode()))


def forwarded(grievance: Grievance, officials: dict[str, Official], org: dict, to: str = "medical") -> Grievance:
    return actions.grievance_forward(
        grievance_id=grievance.pk, actor=Actor.of_official(officials["assessor"]),
        ministry=org[to].ministry, department=org[to], note="Routing note",
    )


def test_page_shows_the_grievance_history_and_sms(
    signed_in: SignIn, officials: dict[str, Official], file_grievance: Filer, org: dict
) -> None:
    grievance = forwarded(file_grievance(), officials, org)

    response = signed_in(officials["medical_head"]).get(page_url(grievance))

    assert response.status_code == 200
    page = response.content.decode()
    for shown in (grievance.application_id, grievance.subject, grievance.description, "Karma Wangchuk",
                  "Medical referral abroad", "Department of Medical Services", "Forwarded to the agency",
                  "Resolution due", "Routing note", "Internal", "assessor (Assessor (Cabinet Secretariat))"):
        assert shown in page, shown
    # The SMS the citizen was sent: on submission and on forwarding.
    assert "submitted" in page and "forwarded" in page
    assert "SMS sent to the citizen" in page


def test_head_of_department_gets_404_on_another_departments_grievance(
    signed_in: SignIn, officials: dict[str, Official], file_grievance: Filer, org: dict
) -> None:
    roads = forwarded(file_grievance(subject="Pothole on the highway", service=org["road_permit"]),
                      officials, org, to="roads")
    client = signed_in(officials["medical_head"])

    response = client.get(page_url(roads))
    assert response.status_code == 404
    assert "Pothole" not in response.content.decode()
    posted = client.post(action_url(roads, "acknowledge"), {"version": roads.version})
    assert posted.status_code == 404
    roads.refresh_from_db()
    assert roads.status == Status.FORWARDED


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("assessor", {"forward", "resolve", "ask_info", "reject", "mark_duplicate", "note"}),
        ("pmo", {"forward", "escalate", "take_up", "note"}),
        ("monitor", set()),
    ],
)
def test_actions_on_a_submitted_grievance_match_the_role(
    signed_in: SignIn, officials: dict[str, Official], file_grievance: Filer, role: str, expected: set[str]
) -> None:
    response = signed_in(officials[role]).get(page_url(file_grievance()))
    assert offered(response) == expected


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("medical_head", {"acknowledge", "assign", "return", "resolve", "note"}),
        ("health_secretary", {"acknowledge", "assign", "return", "resolve", "note"}),
        ("medical_officer", {"acknowledge", "return", "resolve", "note"}),
        ("pmo", {"resolve", "escalate", "take_up", "note"}),
        ("assessor", {"note"}),
        ("monitor", set()),
    ],
)
def test_actions_on_a_forwarded_grievance_match_the_role(
    signed_in: SignIn, officials: dict[str, Official], file_grievance: Filer, org: dict, role: str,
    expected: set[str],
) -> None:
    grievance = forwarded(file_grievance(), officials, org)
    if role == "medical_officer":  # an officer sees only what is assigned to him
        grievance = actions.grievance_assign(grievance_id=grievance.pk, actor=Actor.of_official(
            officials["medical_head"]), assignee=officials["medical_officer"])
    response = signed_in(officials[role]).get(page_url(grievance))
    assert response.status_code == 200
    assert offered(response) == expected
    if not expected:
        assert "There is nothing for you to do on this grievance now." in response.content.decode()


def test_forward_from_the_page_changes_the_state_and_the_history(
    signed_in: SignIn, officials: dict[str, Official], file_grievance: Filer, org: dict
) -> None:
    grievance = file_grievance()
    client = signed_in(officials["assessor"])

    response = client.post(action_url(grievance, "forward"), {
        "version": grievance.version, "ministry": org["health"].pk, "department": org["medical"].pk,
        "note": "For the referral desk",
    })

    assert response.status_code == 302 and response["Location"] == page_url(grievance)
    grievance.refresh_from_db()
    assert grievance.status == Status.FORWARDED and grievance.department == org["medical"]
    page = client.get(page_url(grievance)).content.decode()
    assert "The grievance was forwarded." in page
    assert "Forwarded to the agency" in page
    assert "Submitted → Forwarded to the agency" in page
    assert "For the referral desk" in page
    assert offered(client.get(page_url(grievance))) == {"note"}


def test_the_assessor_classifies_an_sms_grievance_while_forwarding_it(
    signed_in: SignIn, officials: dict[str, Official], file_grievance: Filer, org: dict
) -> None:
    paro = District.objects.create(code="paro", name="Paro")
    grievance = file_grievance(service=None, channel=Channel.SMS)
    client = signed_in(officials["assessor"])
    form = client.get(page_url(grievance)).content.decode()
    assert 'name="service"' in form and 'name="district"' in form
    assert re.search(rf'<option value="{org["thimphu"].pk}" selected>Thimphu</option>', form)

    response = client.post(action_url(grievance, "forward"), {
        "version": grievance.version, "ministry": org["works"].pk, "department": org["roads"].pk,
        "service": org["road_permit"].pk, "district": paro.pk,
    })

    assert response.status_code == 302
    grievance.refresh_from_db()
    assert (grievance.service, grievance.district) == (org["road_permit"], paro)
    # The road-cutting permit has its own limit of 5 working days, not the ministry's default.
    assert grievance.due_at is not None
    page = client.get(page_url(grievance)).content.decode()
    assert "Service changed: none → road-cutting-permit" in page
    assert "District changed: thimphu → paro" in page


def test_forwarding_without_choosing_keeps_the_service_and_district(
    signed_in: SignIn, officials: dict[str, Official], file_grievance: Filer, org: dict
) -> None:
    grievance = file_grievance()
    signed_in(officials["assessor"]).post(action_url(grievance, "forward"), {
        "version": grievance.version, "ministry": org["health"].pk, "service": "", "district": "",
    })
    grievance.refresh_from_db()
    assert grievance.status == Status.FORWARDED
    assert (grievance.service, grievance.district) == (org["referral"], org["thimphu"])
    assert "reclassified" not in grievance.events.get(action="forward").data


def test_department_of_another_ministry_is_refused_next_to_the_field(
    signed_in: SignIn, officials: dict[str, Official], file_grievance: Filer, org: dict
) -> None:
    grievance = file_grievance()
    response = signed_in(officials["assessor"]).post(action_url(grievance, "forward"), {
        "version": grievance.version, "ministry": org["health"].pk, "department": org["roads"].pk,
    })
    assert response.status_code == 200
    page = response.content.decode()
    assert "That department is not part of the chosen ministry." in page
    assert 'href="#forward_department"' in page  # the error summary links to the field
    assert 'aria-invalid="true"' in page
    grievance.refresh_from_db()
    assert grievance.status == Status.SUBMITTED


def test_a_required_field_left_empty_is_reported(
    signed_in: SignIn, officials: dict[str, Official], file_grievance: Filer
) -> None:
    grievance = file_grievance()
    response = signed_in(officials["assessor"]).post(action_url(grievance, "reject"),
                                                     {"version": grievance.version, "reason": " "})
    assert response.status_code == 200
    assert "Write the reason the citizen will read." in response.content.decode()
    grievance.refresh_from_db()
    assert grievance.status == Status.SUBMITTED


def test_a_stale_version_is_refused_and_the_new_state_shown(
    signed_in: SignIn, officials: dict[str, Official], file_grievance: Filer, org: dict
) -> None:
    grievance = file_grievance()
    seen_version = grievance.version
    forwarded(grievance, officials, org)  # someone else forwards it meanwhile
    client = signed_in(officials["pmo"])

    response = client.post(action_url(grievance, "escalate"), {"version": seen_version, "note": "Hurry"}, follow=True)

    page = response.content.decode()
    assert "This grievance was changed by someone else" in page
    assert "Forwarded to the agency" in page
    grievance.refresh_from_db()
    assert grievance.escalation_level == 0
    assert not grievance.events.filter(action="escalate").exists()


def test_reject_ask_and_resolve_reach_the_citizen(
    signed_in: SignIn, officials: dict[str, Official], file_grievance: Filer
) -> None:
    client = signed_in(officials["assessor"])
    asked, rejected, resolved = file_grievance(), file_grievance(), file_grievance()

    client.post(action_url(asked, "ask_info"), {"version": asked.version, "question": "Which hospital?"})
    client.post(action_url(rejected, "reject"), {"version": rejected.version, "reason": "Not a public service."})
    client.post(action_url(resolved, "resolve"), {"version": resolved.version, "resolution": "Papers sent."})

    for grievance, status in ((asked, Status.AWAITING_CITIZEN), (rejected, Status.REJECTED),
                              (resolved, Status.RESOLVED)):
        grievance.refresh_from_db()
        assert grievance.status == status
    assert resolved.messages.filter(template="resolved").exists()


def test_mark_duplicate_by_application_id(
    signed_in: SignIn, officials: dict[str, Official], file_grievance: Filer
) -> None:
    original, copy = file_grievance(), file_grievance()
    client = signed_in(officials["assessor"])

    malformed = client.post(action_url(copy, "mark_duplicate"), {"version": copy.version, "original": "EK-26-12"})
    assert "This is not a valid application ID." in malformed.content.decode()
    unknown = str(ApplicationId(year=26, serial=999999))
    missing = client.post(action_url(copy, "mark_duplicate"), {"version": copy.version, "original": unknown})
    assert "No grievance has this application ID." in missing.content.decode()
    client.post(action_url(copy, "mark_duplicate"),
                {"version": copy.version, "original": original.application_id.lower().replace("-", " ")})

    copy.refresh_from_db()
    assert copy.status == Status.CLOSED and copy.duplicate_of == original


def test_head_of_department_acknowledges_assigns_and_resolves(
    signed_in: SignIn, officials: dict[str, Official], file_grievance: Filer, org: dict
) -> None:
    grievance = forwarded(file_grievance(), officials, org)
    client = signed_in(officials["medical_head"])

    client.post(action_url(grievance, "acknowledge"), {"version": grievance.version})
    grievance.refresh_from_db()
    assert grievance.status == Status.IN_PROGRESS
    page = client.get(page_url(grievance)).content.decode()
    # Only officers of the department (and the ministry's Secretary) are offered; not another ministry's.
    assert "medical-officer" in page and "roads-head" not in page and "works-secretary" not in page
    client.post(action_url(grievance, "assign"),
                {"version": grievance.version, "assignee": officials["medical_officer"].pk})
    grievance.refresh_from_db()
    assert grievance.assignee == officials["medical_officer"]
    refused = client.post(action_url(grievance, "assign"),
                          {"version": grievance.version, "assignee": officials["roads_head"].pk})
    assert "That officer does not work in the agency handling this grievance." in refused.content.decode()

    officer = signed_in(officials["medical_officer"])
    officer.post(action_url(grievance, "resolve"), {"version": grievance.version, "resolution": "Done."})
    grievance.refresh_from_db()
    assert grievance.status == Status.RESOLVED


def test_agency_returns_a_misrouted_grievance(
    signed_in: SignIn, officials: dict[str, Official], file_grievance: Filer, org: dict
) -> None:
    grievance = forwarded(file_grievance(), officials, org)
    client = signed_in(officials["medical_head"])
    response = client.post(action_url(grievance, "return"), {"version": grievance.version, "reason": "Not ours."})
    assert response.status_code == 302
    grievance.refresh_from_db()
    assert grievance.status == Status.SUBMITTED and grievance.is_returned
    # Out of his remit now.
    assert client.get(page_url(grievance)).status_code == 404


def test_pmo_takes_up_and_escalates(
    signed_in: SignIn, officials: dict[str, Official], file_grievance: Filer
) -> None:
    grievance = file_grievance()
    client = signed_in(officials["pmo"])
    client.post(action_url(grievance, "take_up"), {"version": grievance.version, "note": "Following this."})
    grievance.refresh_from_db()
    client.post(action_url(grievance, "escalate"), {"version": grievance.version})
    grievance.refresh_from_db()
    assert grievance.pmo_following and grievance.escalation_level == 1
    assert "take_up" not in offered(client.get(page_url(grievance)))


def test_monitor_cannot_act_even_by_posting(
    signed_in: SignIn, officials: dict[str, Official], file_grievance: Filer
) -> None:
    grievance = file_grievance()
    response = signed_in(officials["monitor"]).post(
        action_url(grievance, "reject"), {"version": grievance.version, "reason": "No."}, follow=True
    )
    assert "Your role can read grievances but not act on them." in response.content.decode()
    grievance.refresh_from_db()
    assert grievance.status == Status.SUBMITTED


def test_monitor_sees_personal_data_masked(
    signed_in: SignIn, officials: dict[str, Official], file_grievance: Filer
) -> None:
    grievance = file_grievance()
    assert grievance.mobile not in signed_in(officials["monitor"]).get(page_url(grievance)).content.decode()
    assert grievance.mobile in signed_in(officials["assessor"]).get(page_url(grievance)).content.decode()


def test_unknown_action_is_404(signed_in: SignIn, officials: dict[str, Official], file_grievance: Filer) -> None:
    grievance = file_grievance()
    assert signed_in(officials["assessor"]).post(action_url(grievance, "explode"), {}).status_code == 404


def test_officials_add_internal_notes_and_read_their_notices(signed_in, officials, file_grievance, org) -> None:
    from ekaasel.grievances import actions as domain
    from ekaasel.grievances.permissions import Actor as DomainActor

    g = file_grievance()
    domain.grievance_forward(grievance_id=g.pk, actor=DomainActor.of_official(officials["assessor"]),
                             ministry=org["health"], department=org["medical"])
    head = signed_in(officials["medical_head"])
    page = head.get("/workspace/").content.decode()
    assert "1 new" in page
    notices_page = head.get("/workspace/notices/").content.decode()
    assert g.application_id in notices_page and "New grievance for your agency" in notices_page
    head.post("/workspace/notices/")
    assert "1 new" not in head.get("/workspace/").content.decode()

    response = head.post(f"/workspace/grievances/{g.pk}/note/", {"note": "Called the hospital"}, follow=True)
    assert "The note was added." in response.content.decode()
    assert "Called the hospital" in response.content.decode()
    g.refresh_from_db()
    assert g.events.filter(action="note", internal=True).count() == 1
    empty = head.post(f"/workspace/grievances/{g.pk}/note/", {"note": ""}, follow=True).content.decode()
    assert "Write the note." in empty
