"""Contract tests of the citizens' endpoints of API v1, error paths included."""

import json
from datetime import timedelta

import pytest
import time_machine
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile

from ekaasel.api.citizen_tokens import issue_citizen_token
from ekaasel.grievances import actions
from ekaasel.grievances.models import Channel, Grievance
from ekaasel.grievances.permissions import Actor
from ekaasel.identity.models import OneTimeCode
from ekaasel.notifications.models import Message
from tests.api.http import assert_error, post_json
from tests.conftest import MOBILE

pytestmark = pytest.mark.django_db

FILING = {"national_id": "10101001234", "name": "Karma Wangchuk", "service": "medical-referral",
          "problem_kind": "delayed", "subject": "Referral late", "description": "Three weeks, no answer.",
          "district": "thimphu"}
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF"


def test_catalogue(api, org):
    services = api.get("/api/v1/services").json()
    assert services[0]["code"] == "medical-referral"
    assert services[0]["ministry"] == {"code": "moh", "name": "Ministry of Health"}
    assert [s["code"] for s in api.get("/api/v1/services?q=permit").json()] == ["road-cutting-permit"]
    assert {"code": "delayed", "label": "Did not get the service in time"} in api.get("/api/v1/problem-kinds").json()
    assert api.get("/api/v1/districts").json() == [{"code": "thimphu", "name": "Thimphu", "name_dz": ""}]


def test_otp_request_and_verify_gives_a_token_that_lists_own_grievances(api, org, file_grievance, monkeypatch):
    file_grievance()
    monkeypatch.setattr("ekaasel.identity.otp.secrets.randbelow", lambda n: 123456)
    response = post_json(api, "/api/v1/otp/request", {"mobile": "17123456", "purpose": "track"})
    assert response.status_code == 202
    assert response.json()["mobile"].startswith("+975 17")
    assert Message.objects.filter(recipient=MOBILE, template="otp").exists()
    assert_error(post_json(api, "/api/v1/otp/verify", {"mobile": "17123456", "code": "000000"}),
                 422, "code_rejected", "code")
    token = post_json(api, "/api/v1/otp/verify", {"mobile": "17123456", "code": "123456"}).json()
    assert token["expires_in"] == 1800
    listed = api.get("/api/v1/grievances", HTTP_AUTHORIZATION=f"Bearer {token['token']}").json()
    assert listed["count"] == 1 and listed["items"][0]["subject"] == "Referral papers not processed"


def test_otp_errors(api, db):
    assert_error(post_json(api, "/api/v1/otp/request", {"mobile": "12345"}), 422, "invalid_input", "mobile")
    assert_error(post_json(api, "/api/v1/otp/request", {"mobile": "17123456", "purpose": "x"}),
                 422, "invalid_input", "purpose")
    assert_error(api.post("/api/v1/otp/request", "{not json", content_type="application/json"), 400, "bad_request")
    for _ in range(3):
        assert post_json(api, "/api/v1/otp/request", {"mobile": "17123456"}).status_code == 202
    assert_error(post_json(api, "/api/v1/otp/request", {"mobile": "17123456"}), 429, "rate_limited")
    assert OneTimeCode.objects.count() == 3


def test_token_expires_after_30_minutes(api, org):
    with time_machine.travel("2026-03-02 09:00 +06:00", tick=False) as traveller:
        auth = f"Bearer {issue_citizen_token(mobile=MOBILE)}"
        assert api.get("/api/v1/grievances", HTTP_AUTHORIZATION=auth).status_code == 200
        traveller.shift(timedelta(minutes=31))
        assert_error(api.get("/api/v1/grievances", HTTP_AUTHORIZATION=auth), 401, "unauthorized")


def test_file_with_attachment_and_idempotency_key(api, org, citizen_auth):
    upload = SimpleUploadedFile("letter.pdf", PDF, content_type="application/pdf")
    first = api.post("/api/v1/grievances", {**FILING, "attachments": [upload]}, HTTP_IDEMPOTENCY_KEY="abc",
                     **citizen_auth)
    assert first.status_code == 201, first.content
    body = first.json()
    assert body["channel"] == Channel.API and body["status"] == "submitted"
    assert body["attachments"][0]["content_type"] == "application/pdf"
    again = api.post("/api/v1/grievances", FILING, HTTP_IDEMPOTENCY_KEY="abc", **citizen_auth)
    assert again.status_code == 201 and again.json()["application_id"] == body["application_id"]
    assert Grievance.objects.count() == 1
    assert Message.objects.filter(template="submitted").count() == 1


def test_filing_errors(api, org, citizen_auth, settings):
    assert_error(api.post("/api/v1/grievances", FILING), 401, "unauthorized")
    assert_error(api.post("/api/v1/grievances", FILING, HTTP_AUTHORIZATION="Bearer forged"), 401, "unauthorized")
    assert_error(api.post("/api/v1/grievances", {**FILING, "national_id": "12"}, **citizen_auth),
                 422, "invalid_input", "national_id")
    assert_error(api.post("/api/v1/grievances", {**FILING, "service": "nope"}, **citizen_auth),
                 422, "invalid_input", "service")
    assert_error(api.post("/api/v1/grievances", {**FILING, "district": "nope"}, **citizen_auth),
                 422, "invalid_input", "district")
    assert_error(api.post("/api/v1/grievances", {**FILING, "subject": "  "}, **citizen_auth),
                 422, "invalid_input", "subject")
    missing = {k: v for k, v in FILING.items() if k != "description"}
    assert_error(api.post("/api/v1/grievances", missing, **citizen_auth), 422, "invalid_input", "description")
    text = SimpleUploadedFile("a.txt", b"hello", content_type="text/plain")
    assert_error(api.post("/api/v1/grievances", {**FILING, "attachments": [text]}, **citizen_auth),
                 422, "invalid_input", "attachments")
    settings.EKAASEL = {**settings.EKAASEL, "ATTACHMENT_MAX_BYTES": 10}
    big = SimpleUploadedFile("a.pdf", PDF, content_type="application/pdf")
    assert_error(api.post("/api/v1/grievances", {**FILING, "attachments": [big]}, **citizen_auth),
                 413, "too_large", "attachments")
    settings.EKAASEL = {**settings.EKAASEL, "API_FILING_LIMITS": (("mobile", 1, 3600),)}
    cache.clear()
    assert api.post("/api/v1/grievances", FILING, **citizen_auth).status_code == 201
    assert_error(api.post("/api/v1/grievances", FILING, **citizen_auth), 429, "rate_limited")
    assert Grievance.objects.count() == 1


def test_track_coarse_without_token_full_with(api, org, file_grievance, citizen_auth):
    g = file_grievance()
    coarse = api.get(f"/api/v1/grievances/{g.application_id.lower()}").json()
    assert coarse["status"] == "submitted" and coarse["details"] is None
    assert "Karma" not in json.dumps(coarse)
    full = api.get(f"/api/v1/grievances/{g.application_id}", **citizen_auth).json()
    assert full["details"]["subject"] == g.subject
    other = {"HTTP_AUTHORIZATION": f"Bearer {issue_citizen_token(mobile='+97517999999')}"}
    assert api.get(f"/api/v1/grievances/{g.application_id}", **other).json()["details"] is None
    assert_error(api.get(f"/api/v1/grievances/{g.application_id}", HTTP_AUTHORIZATION="Bearer x"),
                 401, "unauthorized")
    assert_error(api.get("/api/v1/grievances/EK-26-000001-0"), 404, "not_found")
    assert_error(api.get("/api/v1/grievances/EK-26-000099-9"), 404, "not_found")


def test_list_pagination_is_stable(api, org, file_grievance, citizen_auth):
    ids = [file_grievance(subject=f"s{i}").application_id for i in range(3)]
    first = api.get("/api/v1/grievances?limit=2", **citizen_auth).json()
    second = api.get("/api/v1/grievances?limit=2&offset=2", **citizen_auth).json()
    assert first["count"] == 3
    assert [i["application_id"] for i in first["items"] + second["items"]] == ids[::-1]
    assert_error(api.get("/api/v1/grievances?limit=0", **citizen_auth), 422, "invalid_input", "limit")
    assert_error(api.get("/api/v1/grievances?limit=101", **citizen_auth), 422, "invalid_input", "limit")


def test_info_rate_appeal_withdraw(api, org, officials, file_grievance, citizen_auth):
    g = file_grievance()
    base = f"/api/v1/grievances/{g.application_id}"
    assessor = Actor.of_official(officials["assessor"])
    actions.grievance_ask_info(grievance_id=g.pk, actor=assessor, question="Which hospital?")
    assert api.get(base, **citizen_auth).json()["details"]["available_actions"] == ["info", "withdraw"]
    assert_error(api.post(f"{base}/info", {"answer": ""}, **citizen_auth), 422, "invalid_input", "answer")
    answered = api.post(f"{base}/info", {"answer": "JDWNRH"}, **citizen_auth)
    assert answered.status_code == 200 and answered.json()["status"] == "submitted"
    assert_error(post_json(api, f"{base}/rating", {"rating": 5}, **citizen_auth), 409, "invalid_transition")
    actions.grievance_resolve(grievance_id=g.pk, actor=assessor, resolution="Done.")
    assert_error(post_json(api, f"{base}/rating", {"rating": 9}, **citizen_auth), 422, "invalid_input", "rating")
    assert_error(post_json(api, f"{base}/rating", {"rating": 4, "version": 1}, **citizen_auth), 409, "stale")
    appealed = post_json(api, f"{base}/appeal", {"reason": "Not done."}, **citizen_auth)
    assert appealed.json()["is_appeal"] is True
    withdrawn = post_json(api, f"{base}/withdraw", {"reason": ""}, **citizen_auth)
    assert withdrawn.json()["status"] == "withdrawn"
    assert_error(post_json(api, f"{base}/withdraw", {}, **citizen_auth), 409, "invalid_transition")
    other = {"HTTP_AUTHORIZATION": f"Bearer {issue_citizen_token(mobile='+97517999999')}"}
    assert_error(post_json(api, f"{base}/withdraw", {}, **other), 404, "not_found")
    assert_error(post_json(api, f"{base}/withdraw", {}), 401, "unauthorized")


def test_rating_closes(api, org, officials, file_grievance, citizen_auth):
    g = file_grievance()
    actions.grievance_resolve(grievance_id=g.pk, actor=Actor.of_official(officials["assessor"]), resolution="Ok")
    rated = post_json(api, f"/api/v1/grievances/{g.application_id}/rating", {"rating": 5, "comment": "Thanks"},
                      **citizen_auth)
    assert rated.status_code == 200 and rated.json()["status"] == "closed" and rated.json()["rating"] == 5


def test_docs_are_served_from_our_static_files(api, db):
    page = api.get("/api/v1/docs").content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in page and "cdn" not in page
    assert api.get("/api/v1/openapi.json").json()["info"]["title"] == "eKaaSel API"
    assert_error(api.get("/api/v1/no-such-thing"), 404, "not_found")
