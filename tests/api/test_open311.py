"""Open311 GeoReport v2: every resource in both formats, the spec's element names and error format."""

import json
import xml.etree.ElementTree as ET

import pytest

from ekaasel.grievances import actions
from ekaasel.grievances.models import Channel, Grievance
from ekaasel.grievances.permissions import Actor
from ekaasel.notifications.models import Message

pytestmark = pytest.mark.django_db

BASE = "/open311/v2"
FORMATS = ["json", "xml"]
FILING = {
    "service_code": "medical-referral", "description": "My referral has waited three weeks.",
    "attribute[national_id]": "10101001234", "attribute[name]": "Karma Wangchuk",
    "attribute[mobile]": "17123456", "attribute[district]": "thimphu", "jurisdiction_id": "gov.bt",
}
PERSONAL = ("Karma", "10101001234", "17123456", "three weeks", "Referral papers not processed",
            "I applied for a medical referral")


def parsed(response, fmt):
    """The body as JSON data, or the XML root element."""
    if fmt == "json":
        assert response["Content-Type"].startswith("application/json")
        return response.json()
    assert response["Content-Type"].startswith("text/xml")
    return ET.fromstring(response.content)  # noqa: S314 - our own answer, in a test


def assert_errors(response, fmt, status):
    """The spec's error answer: errors/error with code and description."""
    assert response.status_code == status, response.content
    body = parsed(response, fmt)
    if fmt == "json":
        assert body[0]["code"] == status and body[0]["description"]
    else:
        assert body.tag == "errors"
        assert body.find("error/code").text == str(status) and body.find("error/description").text


def requests_of(response, fmt, status=200) -> list[dict[str, str | None]]:
    """service_requests as a list of dicts, whichever the format; XML must use request elements."""
    assert response.status_code == status, response.content
    body = parsed(response, fmt)
    if fmt == "json":
        return body
    assert body.tag == "service_requests"
    assert all(child.tag == "request" for child in body)
    return [{child.tag: child.text for child in item} for item in body]


@pytest.fixture
def key(officials):
    from ekaasel.api.tokens import issue_token

    return issue_token(official=officials["assessor"], name="open311")


@pytest.mark.parametrize("fmt", FORMATS)
def test_discovery(api, db, fmt):
    body = parsed(api.get(f"{BASE}/discovery.{fmt}"), fmt)
    if fmt == "json":
        endpoint = body["endpoints"][0]
        assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
        assert endpoint["url"].endswith("/open311/v2/") and "text/xml" in endpoint["formats"]
    else:
        assert body.tag == "discovery" and body.find("changeset").text
        assert body.find("endpoints/endpoint/url").text.endswith("/open311/v2/")
        assert [f.text for f in body.findall("endpoints/endpoint/formats/format")] == ["text/xml",
                                                                                       "application/json"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_services_grouped_by_ministry(api, org, fmt):
    body = parsed(api.get(f"{BASE}/services.{fmt}"), fmt)
    if fmt == "xml":
        assert body.tag == "services"
        body = [{c.tag: c.text for c in s} for s in body.findall("service")]
        assert body[0]["metadata"] == "true"
    referral = next(s for s in body if s["service_code"] == "medical-referral")
    assert referral["service_name"] == "Medical referral abroad" and referral["group"] == "Ministry of Health"
    assert {s["service_code"] for s in body} == {"medical-referral", "road-cutting-permit"}


@pytest.mark.parametrize("fmt", FORMATS)
def test_service_definition(api, org, fmt):
    response = api.get(f"{BASE}/services/medical-referral.{fmt}")
    body = parsed(response, fmt)
    if fmt == "json":
        codes = {a["code"]: a for a in body["attributes"]}
        assert body["service_code"] == "medical-referral"
        assert codes["national_id"]["required"] is True and codes["subject"]["required"] is False
        assert codes["district"]["values"] == [{"key": "thimphu", "name": "Thimphu"}]
    else:
        assert body.tag == "service_definition" and body.find("service_code").text == "medical-referral"
        attributes = body.findall("attributes/attribute")
        assert [a.find("code").text for a in attributes][:4] == ["national_id", "name", "mobile", "district"]
        assert body.find("attributes/attribute/values/value/key") is not None
    assert_errors(api.get(f"{BASE}/services/nope.{fmt}"), fmt, 404)


@pytest.mark.parametrize("fmt", FORMATS)
def test_post_request_files_a_grievance(api, org, key, fmt):
    response = api.post(f"{BASE}/requests.{fmt}", {**FILING, "api_key": key})
    [created] = requests_of(response, fmt, status=201)
    g = Grievance.objects.get()
    assert created["service_request_id"] == g.application_id and created["service_notice"]
    assert g.channel == Channel.API and g.mobile == "+97517123456" and g.applicant_name == "Karma Wangchuk"
    assert g.subject == "My referral has waited three weeks." and g.service.code == "medical-referral"
    assert Message.objects.filter(grievance=g, template="submitted").exists()


def test_post_request_with_idempotency_key_files_once(api, org, key):
    first = api.post(f"{BASE}/requests.json", {**FILING, "api_key": key}, HTTP_IDEMPOTENCY_KEY="k1").json()
    again = api.post(f"{BASE}/requests.json", {**FILING, "api_key": key}, HTTP_IDEMPOTENCY_KEY="k1").json()
    assert first[0]["service_request_id"] == again[0]["service_request_id"]
    assert Grievance.objects.count() == 1


@pytest.mark.parametrize("fmt", FORMATS)
def test_post_request_errors(api, org, key, fmt):
    url = f"{BASE}/requests.{fmt}"
    assert_errors(api.post(url, FILING), fmt, 403)
    assert_errors(api.post(url, {**FILING, "api_key": "ekt_forged"}), fmt, 403)
    for missing in ("service_code", "description", "attribute[national_id]", "attribute[name]",
                    "attribute[mobile]", "attribute[district]"):
        data = {k: v for k, v in FILING.items() if k != missing}
        response = api.post(url, {**data, "api_key": key})
        assert_errors(response, fmt, 400)
        assert missing in response.content.decode()
    assert_errors(api.post(url, {**FILING, "service_code": "nope", "api_key": key}), fmt, 404)
    for name, value in (("attribute[national_id]", "12"), ("attribute[mobile]", "12345"),
                        ("attribute[district]", "nope"), ("attribute[problem_kind]", "nope")):
        assert_errors(api.post(url, {**FILING, name: value, "api_key": key}), fmt, 400)
    assert_errors(api.put(url, "", content_type="application/x-www-form-urlencoded"), fmt, 405)
    assert Grievance.objects.count() == 0


@pytest.mark.parametrize("fmt", FORMATS)
def test_get_requests_with_filters_and_no_personal_data(api, org, officials, file_grievance, key, fmt):
    first = file_grievance()
    second = file_grievance(service=org["road_permit"])
    actions.grievance_resolve(grievance_id=second.pk, actor=Actor.of_official(officials["assessor"]),
                              resolution="Done")
    url = f"{BASE}/requests.{fmt}"

    def ids(**params: str) -> list[str | None]:
        return [r["service_request_id"] for r in requests_of(api.get(url, {"api_key": key, **params}), fmt)]

    listed = requests_of(api.get(url, {"api_key": key}), fmt)
    assert [r["service_request_id"] for r in listed] == [second.application_id, first.application_id]
    resolved = listed[0]
    assert resolved["status"] == "closed" and resolved["status_notes"] == "Resolved"
    assert resolved["service_code"] == "road-cutting-permit" and resolved["requested_datetime"]
    assert resolved["updated_datetime"] and "agency_responsible" in resolved and "expected_datetime" in resolved
    assert listed[1]["status"] == "open" and listed[1]["status_notes"] == "Submitted"
    body = api.get(url, {"api_key": key}).content.decode()
    assert not [p for p in PERSONAL if p in body]

    assert ids(service_request_id=first.application_id.lower()) == [first.application_id]
    assert ids(service_code="medical-referral") == [first.application_id]
    assert ids(status="open") == [first.application_id]
    assert ids(status="closed") == [second.application_id]
    assert ids(status="open,closed") == [second.application_id, first.application_id]
    assert ids(start_date="2000-01-01T00:00:00Z", end_date="2000-12-31T00:00:00Z") == []
    assert len(ids(start_date="2000-01-01T00:00:00Z")) == 2
    assert ids(end_date="2000-01-01T00:00:00+06:00") == []

    assert_errors(api.get(url), fmt, 403)
    assert_errors(api.get(url, {"api_key": "ekt_forged"}), fmt, 403)
    assert_errors(api.get(url, {"api_key": key, "status": "pending"}), fmt, 400)
    assert_errors(api.get(url, {"api_key": key, "start_date": "last week"}), fmt, 400)
    assert_errors(api.get(url, {"api_key": key, "service_request_id": "nonsense"}), fmt, 400)


def test_get_requests_is_scoped_to_the_key_holders_remit(api, org, officials, file_grievance):
    from ekaasel.api.tokens import issue_token

    file_grievance()
    works = issue_token(official=officials["works_secretary"], name="works")
    assert api.get(f"{BASE}/requests.json", {"api_key": works}).json() == []


@pytest.mark.parametrize("fmt", FORMATS)
def test_request_by_id(api, org, officials, file_grievance, key, fmt):
    g = actions.grievance_forward(grievance_id=file_grievance().pk, actor=Actor.of_official(officials["assessor"]),
                                  ministry=org["health"], department=org["medical"], note="")
    url = f"{BASE}/requests/{g.application_id}.{fmt}"
    [coarse] = requests_of(api.get(url), fmt)
    assert coarse["service_request_id"] == g.application_id and coarse["status"] == "open"
    assert coarse["status_notes"] == "Forwarded to the agency" and coarse["expected_datetime"]
    assert coarse.get("agency_responsible") is None
    [full] = requests_of(api.get(url, {"api_key": key}), fmt)
    assert full["agency_responsible"] == "Department of Medical Services"
    assert full["service_code"] == "medical-referral"
    for response in (api.get(url), api.get(url, {"api_key": key})):
        assert not [p for p in PERSONAL if p in response.content.decode()]
    assert_errors(api.get(f"{BASE}/requests/EK-26-000099-9.{fmt}"), fmt, 404)
    assert_errors(api.get(f"{BASE}/requests/nonsense.{fmt}"), fmt, 404)


@pytest.mark.parametrize("fmt", FORMATS)
def test_token_is_the_request_id(api, file_grievance, fmt):
    g = file_grievance()
    [found] = requests_of(api.get(f"{BASE}/tokens/{g.application_id}.{fmt}"), fmt)
    assert found["service_request_id"] == g.application_id and found["token"] == g.application_id
    assert_errors(api.get(f"{BASE}/tokens/EK-26-000099-9.{fmt}"), fmt, 404)
    assert_errors(api.get(f"{BASE}/tokens/whatever.{fmt}"), fmt, 404)


def test_json_error_body_is_an_array(api, db):
    response = api.get(f"{BASE}/services/nope.json")
    assert json.loads(response.content) == [{"code": 404, "description": "No service has the code 'nope'."}]
