"""Script and SQL payloads in every text a citizen writes: stored verbatim, rendered inert everywhere.

Every citizen text goes in through the API as a citizen's app sends it: name, subject, description,
other service, the answer to a question, the appeal and withdrawal reasons, the rating comment. Then
the citizen's own page, the official's grievance page and the API show them: escaped in HTML, as
plain strings in JSON, and the SQL did nothing (the tables are still there, the rows unchanged).
"""

import json
import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from ekaasel.api.citizen_tokens import issue_citizen_token
from ekaasel.grievances import actions
from ekaasel.grievances.models import Grievance, GrievanceEvent
from ekaasel.grievances.permissions import Actor
from ekaasel.identity.models import Official
from tests.api.http import post_json
from tests.conftest import sign_in_verified
from tests.portal.conftest import MOBILE, prove_mobile

pytestmark = pytest.mark.django_db

SCRIPT = '<script>alert("xss")</script><img src=x onerror=alert(1)>'
SQL = "'; DROP TABLE grievances_grievance; --"
# What must never reach a page unescaped: a tag or an event handler a browser would run.
LIVE_MARKUP = re.compile(r"<script>alert|<img src=x onerror")


def payload(field: str) -> str:
    return f"{field} {SCRIPT} {SQL}"


FILING = {"national_id": "10101001234", "name": payload("name"), "problem_kind": "other",
          "service_other": payload("service_other"), "subject": payload("subject"),
          "description": payload("description"), "district": "thimphu"}


@pytest.fixture
def hostile_grievances(officials: dict[str, Official], org: dict[str, Any]) -> tuple[Grievance, Grievance]:
    """One grievance through ask info → answer → resolve → appeal → withdraw, one resolved and rated;
    every citizen text written through the API."""
    api = Client()
    auth = {"HTTP_AUTHORIZATION": f"Bearer {issue_citizen_token(mobile=MOBILE)}"}
    assessor = Actor.of_official(officials["assessor"])

    def file() -> Grievance:
        response = api.post("/api/v1/grievances", FILING, **auth)
        assert response.status_code == 201, response.content
        return Grievance.objects.get(application_id=response.json()["application_id"])

    def act(grievance: Grievance, path: str, data: dict[str, Any], *, form: bool = False) -> None:
        url = f"/api/v1/grievances/{grievance.application_id}/{path}"
        response = api.post(url, data, **auth) if form else post_json(api, url, data, **auth)
        assert response.status_code == 200, response.content

    answered = file()
    actions.grievance_ask_info(grievance_id=answered.pk, actor=assessor, question="Which hospital?")
    act(answered, "info", {"answer": payload("answer")}, form=True)
    actions.grievance_resolve(grievance_id=answered.pk, actor=assessor, resolution="Referral issued.")
    act(answered, "appeal", {"reason": payload("appeal")})
    act(answered, "withdraw", {"reason": payload("withdraw")})
    rated = file()
    actions.grievance_resolve(grievance_id=rated.pk, actor=assessor, resolution="Referral issued.")
    act(rated, "rating", {"rating": 1, "comment": payload("rating")})
    answered.refresh_from_db()
    rated.refresh_from_db()
    return answered, rated


def assert_inert(page: str, fields: list[str]) -> None:
    assert LIVE_MARKUP.search(page) is None, LIVE_MARKUP.search(page)
    for field in fields:
        # Shown, escaped: the text reads exactly as typed.
        escaped = f"{field} &lt;script&gt;alert(&quot;xss&quot;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;"
        assert escaped in page, f"{field!r} is not shown escaped"


def test_payloads_are_stored_verbatim_and_the_sql_does_nothing(hostile_grievances) -> None:
    answered, rated = hostile_grievances
    for grievance in (answered, rated):
        assert grievance.subject == payload("subject")
        assert grievance.description == payload("description")
        assert grievance.service_other == payload("service_other")
        assert grievance.applicant_name == payload("name")
    notes = set(GrievanceEvent.objects.values_list("note", flat=True))
    assert {payload("answer"), payload("appeal"), payload("withdraw")} <= notes
    assert rated.rating_comment == payload("rating")
    assert Grievance.objects.count() == 2


def test_the_citizens_pages_show_the_payloads_inert(hostile_grievances, client: Client) -> None:
    answered, rated = hostile_grievances
    prove_mobile(client, MOBILE)
    listing = client.get(reverse("portal:my")).content.decode()
    assert_inert(listing, ["subject"])
    page = client.get(reverse("portal:detail", args=[answered.application_id])).content.decode()
    assert_inert(page, ["subject", "description", "answer", "appeal", "withdraw"])
    page = client.get(reverse("portal:detail", args=[rated.application_id])).content.decode()
    assert_inert(page, ["subject", "description", "rating"])


def test_the_officials_page_shows_the_payloads_inert(hostile_grievances, officials, client: Client) -> None:
    answered, rated = hostile_grievances
    sign_in_verified(client, officials["assessor"].user)
    page = client.get(reverse("workspace:grievance", args=[answered.pk])).content.decode()
    assert_inert(page, ["name", "subject", "description", "service_other", "answer", "appeal", "withdraw"])
    page = client.get(reverse("workspace:grievance", args=[rated.pk])).content.decode()
    assert_inert(page, ["subject", "description", "rating"])
    queue = client.get(reverse("workspace:queue") + "?status=all").content.decode()
    assert LIVE_MARKUP.search(queue) is None


def test_the_api_returns_the_payloads_as_plain_json_strings(hostile_grievances) -> None:
    answered, _rated = hostile_grievances
    auth = {"HTTP_AUTHORIZATION": f"Bearer {issue_citizen_token(mobile=MOBILE)}"}
    response = Client().get(f"/api/v1/grievances/{answered.application_id}", **auth)
    assert response.headers["Content-Type"] == "application/json; charset=utf-8"
    assert response.headers.get("X-Content-Type-Options") == "nosniff"
    details = response.json()["details"]
    assert details["subject"] == payload("subject") and details["description"] == payload("description")
    notes = json.dumps(details["history"])
    for field in ("answer", "appeal", "withdraw"):
        assert json.dumps(payload(field))[1:-1] in notes
