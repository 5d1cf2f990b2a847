"""Guessing one-time codes stops at the limit: 5 wrong tries spend a code, 3 codes per number per 15 minutes,
so at most 15 guesses per quarter hour, after which even the right code opens nothing."""

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from ekaasel.identity.models import OneTimeCode
from tests.api.http import assert_error, post_json
from tests.portal.conftest import CID, MOBILE_LOCAL, NAME, field_error, last_code, text_of

pytestmark = pytest.mark.django_db


def wrong_code(right: str) -> str:
    return "000000" if right != "000000" else "111111"


def test_portal_guessing_stops_after_five_tries_and_three_codes(client: Client, service, district) -> None:
    response = client.post(reverse("portal:file"), {"national_id": CID, "name": NAME, "mobile": MOBILE_LOCAL})
    assert response.status_code == 302
    guesses = 0
    for code_number in range(3):
        right = last_code()
        for _ in range(5):
            response = client.post(reverse("portal:file_verify"), {"code": wrong_code(right)})
            guesses += 1
        assert field_error(response, "id_code") == "Too many wrong codes. Ask for a new code."
        # The right code no longer opens the form once the code is spent.
        response = client.post(reverse("portal:file_verify"), {"code": right})
        assert field_error(response, "id_code") == "This code is no longer valid. Ask for a new code."
        assert client.get(reverse("portal:file_grievance")).status_code == 302
        if code_number < 2:
            assert client.post(reverse("portal:file_verify"), {"resend": "1"}).status_code == 302
    response = client.post(reverse("portal:file_verify"), {"resend": "1"})
    assert "Too many codes were sent to this number." in text_of(response)
    assert guesses == 15 and OneTimeCode.objects.count() == 3
    assert all(otp.used_at is not None and otp.failed_attempts == 5 for otp in OneTimeCode.objects.all())


def test_api_guessing_stops_after_five_tries_and_three_codes(db: None) -> None:
    api = Client()
    for _code_number in range(3):
        assert post_json(api, "/api/v1/otp/request", {"mobile": MOBILE_LOCAL}).status_code == 202
        right = last_code()
        answers: list[Any] = [
            post_json(api, "/api/v1/otp/verify", {"mobile": MOBILE_LOCAL, "code": wrong_code(right)})
            for _ in range(5)
        ]
        assert all(answer.status_code == 422 for answer in answers)
        assert answers[-1].json()["error"]["message"] == "Too many wrong codes. Ask for a new code."
        refused = post_json(api, "/api/v1/otp/verify", {"mobile": MOBILE_LOCAL, "code": right})
        assert_error(refused, 422, "code_rejected", "code")
        assert "token" not in refused.json()
    assert_error(post_json(api, "/api/v1/otp/request", {"mobile": MOBILE_LOCAL}), 429, "rate_limited")
    assert OneTimeCode.objects.count() == 3
