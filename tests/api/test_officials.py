"""Contract tests of the officials' endpoints of API v1: queue, grievance, assignees and every action.

Remit is the workspace's: outside it is 404, a monitor reads without personal data and may not act (403).
"""

import pytest

from ekaasel.api.models import ApiToken
from ekaasel.api.tokens import revoke_token
from ekaasel.grievances import actions
from ekaasel.grievances.models import Grievance, GrievanceEvent
from ekaasel.grievances.permissions import Actor
from ekaasel.notifications.models import Message
from tests.api.http import assert_error, post_json

pytestmark = pytest.mark.django_db

BASE = "/api/v1/official/grievances"


def forwarded(g: Grievance, officials, ministry="health", department="medical", org=None) -> Grievance:
    return actions.grievance_forward(grievance_id=g.pk, actor=Actor.of_official(officials["assessor"]),
                                     ministry=org[ministry], department=org[department] if department else None,
                                     note="")


def test_every_endpoint_needs_a_live_official_token(api, officials, file_grievance, official_auth):
    g = file_grievance()
    urls = [BASE, f"{BASE}/{g.application_id}", f"{BASE}/{g.application_id}/assignees"]
    for url in urls:
        assert_error(api.get(url), 401, "unauthorized")
        assert_error(api.get(url, HTTP_AUTHORIZATION="Bearer ekt_forged"), 401, "unauthorized")
    assert api.get(BASE).headers["WWW-Authenticate"] == "Bearer"
    assert_error(post_json(api, f"{BASE}/{g.application_id}/notes", {"note": "x"}), 401, "unauthorized")
    auth = official_auth("assessor")
    assert api.get(BASE, **auth).status_code == 200
    revoke_token(token_id=ApiToken.objects.get().pk)
    assert_error(api.get(BASE, **auth), 401, "unauthorized")
    # A citizen's token is not an official's.
    citizen = post_json(api, f"{BASE}/{g.application_id}/notes", {"note": "x"}, HTTP_AUTHORIZATION="Bearer abc")
    assert_error(citizen, 401, "unauthorized")


def test_queue_is_the_workspace_queue_with_its_filters(api, org, officials, file_grievance, official_auth):
    first = file_grievance(subject="Referral papers lost")
    second = file_grievance(subject="Permit delayed", service=org["road_permit"])
    third = file_grievance(subject="Third")
    forwarded(third, officials, org=org)
    auth = official_auth("assessor")

    mine = api.get(BASE, **auth).json()
    assert mine["count"] == 2 and mine["limit"] == 25 and mine["offset"] == 0
    # An assessor's queue: submitted grievances, oldest first.
    assert [i["application_id"] for i in mine["items"]] == [first.application_id, second.application_id]
    item = mine["items"][0]
    assert item["status"] == "submitted" and item["service"] == {"code": "medical-referral",
                                                                  "name": "Medical referral abroad"}
    assert "applicant" not in item and "Karma" not in str(mine)

    def ids(query: str) -> list[str]:
        response = api.get(f"{BASE}?{query}", **auth)
        assert response.status_code == 200, response.content
        return [i["application_id"] for i in response.json()["items"]]

    assert ids("queue=all") == [third.application_id, second.application_id, first.application_id]
    assert ids("queue=all&status=forwarded") == [third.application_id]
    assert ids("queue=all&ministry=moh") == [third.application_id]
    assert ids("queue=all&department=dms") == [third.application_id]
    assert ids("service=road-cutting-permit") == [second.application_id]
    assert ids("district=thimphu&queue=all") == [third.application_id, second.application_id, first.application_id]
    assert ids(f"q={first.application_id}") == [first.application_id]
    assert ids("queue=all&overdue=true") == []
    assert ids("queue=returned") == []
    assert ids("queue=all&submitted_from=2000-01-01&submitted_to=2000-01-02") == []
    assert ids("queue=all&limit=1&offset=1") == [second.application_id]

    assert_error(api.get(f"{BASE}?queue=everything", **auth), 422, "invalid_input", "queue")
    assert_error(api.get(f"{BASE}?status=lost", **auth), 422, "invalid_input", "status")
    assert_error(api.get(f"{BASE}?ministry=nope", **auth), 422, "invalid_input", "ministry")
    assert_error(api.get(f"{BASE}?department=nope", **auth), 422, "invalid_input", "department")
    assert_error(api.get(f"{BASE}?service=nope", **auth), 422, "invalid_input", "service")
    assert_error(api.get(f"{BASE}?district=nope", **auth), 422, "invalid_input", "district")
    assert_error(api.get(f"{BASE}?submitted_from=2026-03-02&submitted_to=2026-03-01", **auth),
                 422, "invalid_input", "submitted_to")
    assert_error(api.get(f"{BASE}?submitted_from=yesterday", **auth), 422, "invalid_input", "submitted_from")
    assert_error(api.get(f"{BASE}?limit=0", **auth), 422, "invalid_input", "limit")


def test_read_a_grievance_with_history_and_the_actions_open_now(api, officials, file_grievance, official_auth):
    g = file_grievance()
    actions.grievance_add_note(grievance_id=g.pk, actor=Actor.of_official(officials["assessor"]), note="Call him")
    body = api.get(f"{BASE}/{g.application_id.lower()}", **official_auth("assessor")).json()
    assert body["application_id"] == g.application_id
    assert body["applicant"] == {"name": "Karma Wangchuk", "national_id": "10101001234", "mobile": "+97517123456"}
    assert body["description"] == g.description
    assert [(e["action"], e["internal"]) for e in body["history"]] == [("submit", False), ("note", True)]
    assert body["history"][1]["actor"] == "assessor" and body["history"][1]["note"] == "Call him"
    assert set(body["available_actions"]) == {"forward", "resolve", "ask-info", "reject", "mark-duplicate", "notes"}
    assert_error(api.get(f"{BASE}/EK-26-000099-9", **official_auth("assessor")), 404, "not_found")
    assert_error(api.get(f"{BASE}/not-an-id", **official_auth("assessor")), 404, "not_found")


def test_outside_the_remit_is_not_found(api, org, officials, file_grievance, official_auth):
    g = forwarded(file_grievance(), officials, org=org)
    works = official_auth("works_secretary")
    assert api.get(BASE, **works).json()["count"] == 0
    assert api.get(f"{BASE}?queue=all", **works).json()["count"] == 0
    assert_error(api.get(f"{BASE}/{g.application_id}", **works), 404, "not_found")
    assert_error(api.get(f"{BASE}/{g.application_id}/assignees", **works), 404, "not_found")
    assert_error(post_json(api, f"{BASE}/{g.application_id}/acknowledge", {}, **works), 404, "not_found")
    # Not yet assigned to him: an agency officer does not see it either.
    assert_error(api.get(f"{BASE}/{g.application_id}", **official_auth("medical_officer")), 404, "not_found")
    assert Grievance.objects.get(pk=g.pk).status == "forwarded"
    health = official_auth("health_secretary")
    assert [i["application_id"] for i in api.get(BASE, **health).json()["items"]] == [g.application_id]


def test_a_monitor_reads_without_personal_data_and_cannot_act(api, officials, file_grievance, official_auth):
    g = file_grievance()
    monitor = official_auth("monitor")
    body = api.get(f"{BASE}/{g.application_id}", **monitor).json()
    assert body["applicant"] is None and body["available_actions"] == []
    assert "10101001234" not in str(body) and "17123456" not in str(body)
    assert api.get(f"{BASE}?queue=all", **monitor).json()["count"] == 1
    for segment, data in (("notes", {"note": "x"}), ("resolve", {"resolution": "Done"}), ("escalate", {})):
        assert_error(post_json(api, f"{BASE}/{g.application_id}/{segment}", data, **monitor), 403, "not_permitted")
    assert GrievanceEvent.objects.filter(grievance=g).count() == 1


def test_assessor_actions(api, org, officials, file_grievance, official_auth):
    auth = official_auth("assessor")
    g = file_grievance()
    url = f"{BASE}/{g.application_id}"

    asked = post_json(api, f"{url}/ask-info", {"question": "Which hospital?"}, **auth)
    assert asked.status_code == 200 and asked.json()["status"] == "awaiting_citizen"
    assert asked.json()["info_request"] == "Which hospital?"
    assert Message.objects.filter(grievance=g, template="info_requested").exists()
    assert_error(post_json(api, f"{url}/ask-info", {"question": "Again?"}, **auth), 409, "invalid_transition")

    other = file_grievance(subject="Second")
    rejected = post_json(api, f"{BASE}/{other.application_id}/reject", {"reason": "Not a service."}, **auth)
    assert rejected.json()["status"] == "rejected" and rejected.json()["rejection_reason"] == "Not a service."

    third = file_grievance(subject="Third")
    resolved = post_json(api, f"{BASE}/{third.application_id}/resolve", {"resolution": "Sent."}, **auth)
    assert resolved.json()["status"] == "resolved" and resolved.json()["resolution"] == "Sent."

    fourth = file_grievance(subject="Fourth")
    dup_url = f"{BASE}/{fourth.application_id}/mark-duplicate"
    assert_error(post_json(api, dup_url, {"original": "nonsense"}, **auth), 422, "invalid_input", "original")
    assert_error(post_json(api, dup_url, {"original": "EK-26-000099-9"}, **auth), 422, "invalid_input", "original")
    assert_error(post_json(api, dup_url, {"original": fourth.application_id}, **auth),
                 422, "invalid_input", "original")
    duplicate = post_json(api, dup_url, {"original": third.application_id, "note": "Same"}, **auth).json()
    assert duplicate["status"] == "closed" and duplicate["duplicate_of"] == third.application_id

    fifth = file_grievance(subject="Fifth")
    fwd_url = f"{BASE}/{fifth.application_id}/forward"
    assert_error(post_json(api, fwd_url, {"ministry": "nope"}, **auth), 422, "invalid_input", "ministry")
    assert_error(post_json(api, fwd_url, {"ministry": "moh", "department": "nope"}, **auth),
                 422, "invalid_input", "department")
    assert_error(post_json(api, fwd_url, {"ministry": "moh", "department": "dor"}, **auth),
                 422, "invalid_input", "department")
    assert_error(post_json(api, fwd_url, {}, **auth), 422, "invalid_input", "ministry")
    assert_error(api.post(fwd_url, "{oops", content_type="application/json", **auth), 400, "bad_request")
    assert_error(post_json(api, fwd_url, {"ministry": "moh", "version": 99}, **auth), 409, "stale")
    assert_error(post_json(api, fwd_url, {"ministry": "moh", "service": "nope"}, **auth),
                 422, "invalid_input", "service")
    assert_error(post_json(api, fwd_url, {"ministry": "moh", "district": "nope"}, **auth),
                 422, "invalid_input", "district")
    sent = post_json(api, fwd_url, {"ministry": "moh", "department": "dms", "version": fifth.version}, **auth)
    assert sent.status_code == 200, sent.content
    body = sent.json()
    assert body["status"] == "forwarded" and body["department"]["code"] == "dms" and body["due_at"]
    assert body["available_actions"] == ["notes"]
    assert_error(post_json(api, fwd_url, {"ministry": "moh"}, **auth), 409, "invalid_transition")


def test_agency_actions_assign_return_and_resolve(api, org, officials, file_grievance, official_auth):
    g = forwarded(file_grievance(), officials, org=org)
    url = f"{BASE}/{g.application_id}"
    secretary = official_auth("health_secretary")
    assert set(api.get(url, **secretary).json()["available_actions"]) == {
        "acknowledge", "assign", "return", "resolve", "notes"}

    acknowledged = post_json(api, f"{url}/acknowledge", {"note": "On it"}, **secretary)
    assert acknowledged.json()["status"] == "in_progress"

    people = api.get(f"{url}/assignees", **secretary).json()
    assert {p["name"] for p in people} == {"health-secretary", "medical-head", "medical-officer"}
    officer = next(p for p in people if p["name"] == "medical-officer")
    assert officer["role"] == "agency_officer"
    roads_head = officials["roads_head"].pk
    assert_error(post_json(api, f"{url}/assign", {"assignee": roads_head}, **secretary), 422, "invalid_input",
                 "assignee")
    assigned = post_json(api, f"{url}/assign", {"assignee": officer["id"]}, **secretary).json()
    assert assigned["assignee"] == "medical-officer"

    officer_auth = official_auth("medical_officer")
    assert api.get(url, **officer_auth).status_code == 200
    assert_error(post_json(api, f"{url}/assign", {"assignee": officer["id"]}, **officer_auth), 403, "not_permitted")
    noted = post_json(api, f"{url}/notes", {"note": "Called the hospital"}, **officer_auth).json()
    assert noted["history"][-1]["internal"] is True and noted["history"][-1]["note"] == "Called the hospital"
    assert_error(post_json(api, f"{url}/notes", {}, **officer_auth), 422, "invalid_input", "note")

    returned = post_json(api, f"{url}/return", {"reason": "Not ours."}, **official_auth("medical_head"))
    assert returned.status_code == 200, returned.content
    assert returned.json()["status"] == "submitted" and returned.json()["is_returned"] is True
    assessor = official_auth("assessor")
    assert [i["application_id"] for i in api.get(f"{BASE}?queue=returned", **assessor).json()["items"]] == [
        g.application_id]

    again = forwarded(Grievance.objects.get(pk=g.pk), officials, org=org)
    resolved = post_json(api, f"{url}/resolve", {"resolution": "Referral approved."}, **secretary).json()
    assert resolved["status"] == "resolved" and again.pk == g.pk
    assert_error(post_json(api, f"{url}/resolve", {"resolution": "Again"}, **secretary), 409, "invalid_transition")


def test_pmo_escalates_and_takes_up(api, officials, file_grievance, official_auth):
    g = file_grievance()
    url = f"{BASE}/{g.application_id}"
    pmo = official_auth("pmo")
    escalated = post_json(api, f"{url}/escalate", {"note": "Too slow"}, **pmo).json()
    assert escalated["escalation_level"] == g.escalation_level + 1
    taken = post_json(api, f"{url}/take-up", {}, **pmo).json()
    assert taken["pmo_following"] is True and "take-up" not in taken["available_actions"]
    assert_error(post_json(api, f"{url}/take-up", {}, **pmo), 409, "invalid_transition")
    assert_error(post_json(api, f"{url}/take-up", {}, **official_auth("assessor")), 403, "not_permitted")


def test_forwarding_through_the_api_can_classify_the_service(api, org, officials, file_grievance, official_auth):
    auth = official_auth("assessor")
    g = file_grievance(service=None)
    sent = post_json(api, f"{BASE}/{g.application_id}/forward",
                     {"ministry": "mowhs", "service": "road-cutting-permit", "district": "thimphu"}, **auth)
    assert sent.status_code == 200, sent.content
    g.refresh_from_db()
    assert g.service == org["road_permit"] and g.district == org["thimphu"]
    assert g.events.get(action="forward").data["reclassified"] == {"service": [None, "road-cutting-permit"]}
