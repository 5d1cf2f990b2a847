"""Flooding: a client sending the portal's forms or the API's in a loop gets 429 and changes nothing more."""

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from ekaasel.grievances.models import Grievance
from ekaasel.identity.models import OneTimeCode
from tests.api.http import assert_error, post_json
from tests.portal.conftest import CID, MOBILE, MOBILE_LOCAL, NAME, last_code, submission_key_of, text_of

pytestmark = pytest.mark.django_db

TOO_MANY = "Too many forms were sent from this connection."


@pytest.fixture
def small_limits(settings: Any) -> None:
    settings.EKAASEL = {
        **settings.EKAASEL,
        "PORTAL_POST_LIMITS": {"details": (3, 600), "code": (4, 600), "filing": (2, 3600)},
        # The domain's own limits stay out of the way, so what is seen here is the flood limit.
        "OTP_MAX_PER_NUMBER": 100, "OTP_MAX_PER_IP": 100,
    }


def assert_too_many(response: Any) -> None:
    assert response.status_code == 429
    assert TOO_MANY in text_of(response)
    assert 0 < int(response.headers["Retry-After"]) <= 3600


def test_flooding_the_details_form_gets_429_and_sends_no_more_codes(client: Client, small_limits, service,
                                                                   district) -> None:
    details = {"national_id": CID, "name": NAME, "mobile": MOBILE_LOCAL}
    for _ in range(3):
        assert client.post(reverse("portal:file"), details).status_code == 302
    assert_too_many(client.post(reverse("portal:file"), details))
    assert OneTimeCode.objects.count() == 3
    # Reading the form is not counted.
    assert client.get(reverse("portal:file")).status_code == 200


def test_flooding_the_code_form_gets_429_before_the_code_is_checked(client: Client, small_limits, service,
                                                                   district) -> None:
    client.post(reverse("portal:file"), {"national_id": CID, "name": NAME, "mobile": MOBILE_LOCAL})
    code = last_code()
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(3):
        assert client.post(reverse("portal:file_verify"), {"code": wrong}).status_code == 200
    # The 4th code POST is the last allowed in the window (the details POST counted in its own scope).
    assert client.post(reverse("portal:file_verify"), {"code": wrong}).status_code == 200
    assert_too_many(client.post(reverse("portal:file_verify"), {"code": code}))
    assert client.get(reverse("portal:file_grievance")).status_code == 302  # still not proven
    assert OneTimeCode.objects.get().failed_attempts == 4


def test_flooding_the_grievance_form_gets_429_and_files_nothing_more(verified_for_filing: Client, small_limits,
                                                                    service, district) -> None:
    client = verified_for_filing
    for n in range(2):
        key = submission_key_of(client.get(reverse("portal:file_grievance")))
        data = {"service": str(service.pk), "service_other": "", "problem_kind": "delayed",
                "subject": f"Flood {n}", "description": "The same complaint again.", "district": str(district.pk),
                "submission_key": key}
        assert client.post(reverse("portal:file_grievance"), data).status_code == 302
    assert_too_many(client.post(reverse("portal:file_grievance"), {**data, "subject": "Flood 3"}))
    assert Grievance.objects.count() == 2


def test_the_tracking_and_my_grievances_code_forms_are_limited(client: Client, small_limits, file_one) -> None:
    grievance = file_one()
    verify_url = reverse("portal:track_verify", args=[grievance.application_id])
    for _ in range(4):
        assert client.post(verify_url, {"send": "1"}).status_code == 302
    assert_too_many(client.post(verify_url, {"send": "1"}))
    for _ in range(3):
        assert client.post(reverse("portal:my"), {"mobile": MOBILE}).status_code == 302
    assert_too_many(client.post(reverse("portal:my"), {"mobile": MOBILE}))


def test_the_limit_is_per_address(small_limits, service, district) -> None:
    details = {"national_id": CID, "name": NAME, "mobile": MOBILE_LOCAL}
    flooder, neighbour = Client(REMOTE_ADDR="192.0.2.1"), Client(REMOTE_ADDR="192.0.2.2")
    for _ in range(3):
        flooder.post(reverse("portal:file"), details)
    assert flooder.post(reverse("portal:file"), details).status_code == 429
    assert neighbour.post(reverse("portal:file"), details).status_code == 302


def test_the_429_page_is_in_the_citizens_language(client: Client, small_limits, service, district) -> None:
    details = {"national_id": CID, "name": NAME, "mobile": MOBILE_LOCAL}
    for _ in range(3):
        client.post(reverse("portal:file"), details)
    client.cookies["django_language"] = "dz"
    response = client.post(reverse("portal:file"), details)
    assert response.status_code == 429
    assert 'lang="dz"' in response.content.decode()


# --- the API ------------------------------------------------------------------------------------


API_FILING = {"national_id": CID, "name": NAME, "problem_kind": "delayed", "subject": "Flood",
              "description": "The same complaint again.", "district": "thimphu"}


def test_api_filing_flood_gets_429_with_the_json_error(settings: Any, service, district) -> None:
    from ekaasel.api.citizen_tokens import issue_citizen_token

    settings.EKAASEL = {**settings.EKAASEL, "API_FILING_LIMITS": (("mobile", 3, 3600), ("ip", 100, 3600))}
    api = Client()
    auth = {"HTTP_AUTHORIZATION": f"Bearer {issue_citizen_token(mobile=MOBILE)}"}
    for _ in range(3):
        assert api.post("/api/v1/grievances", API_FILING, **auth).status_code == 201
    assert_error(api.post("/api/v1/grievances", API_FILING, **auth), 429, "rate_limited")
    assert Grievance.objects.count() == 3


def test_api_code_requests_flood_gets_429_per_address(settings: Any, db: None) -> None:
    settings.EKAASEL = {**settings.EKAASEL, "OTP_MAX_PER_IP": 5}
    api = Client()
    for n in range(5):
        assert post_json(api, "/api/v1/otp/request", {"mobile": f"1700000{n}"}).status_code == 202
    assert_error(post_json(api, "/api/v1/otp/request", {"mobile": "17000009"}), 429, "rate_limited")
    assert OneTimeCode.objects.count() == 5

