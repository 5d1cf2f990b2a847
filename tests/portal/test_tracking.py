"""Tracking by application ID: coarse status for anyone who knows the ID, details only after a code."""

import pytest
from django.test import Client
from django.urls import reverse

from ekaasel.grievances.actions import grievance_forward
from ekaasel.grievances.application_id import ApplicationId
from ekaasel.identity.models import OneTimeCode
from tests.portal.conftest import CID, MOBILE, NAME, field_error, last_code, text_of

pytestmark = pytest.mark.django_db


def test_a_malformed_id_or_wrong_check_digit_is_not_valid(client: Client, file_one) -> None:
    grievance = file_one()
    wrong_check = grievance.application_id[:-1] + str((int(grievance.application_id[-1]) + 1) % 10)
    for typed in ("hello", "EK-26-12", wrong_check):
        response = client.get(reverse("portal:track"), {"application_id": typed})
        assert response.status_code == 200
        assert field_error(response, "id_application_id") == (
            "This is not a valid application ID. Check it against your SMS."
        )


def test_a_well_formed_unknown_id_is_not_found(client: Client) -> None:
    unknown = str(ApplicationId(year=26, serial=999999))
    response = client.get(reverse("portal:track"), {"application_id": unknown})
    assert field_error(response, "id_application_id") == "No grievance has this application ID."
    assert client.get(reverse("portal:track_status", args=[unknown])).status_code == 404


def test_an_id_typed_in_any_case_with_spaces_finds_the_status(client: Client, file_one, ministry, assessor) -> None:
    grievance = file_one()
    grievance_forward(grievance_id=grievance.pk, actor=assessor, ministry=ministry, note="internal routing note")
    typed = " " + grievance.application_id.lower().replace("-", " ") + " "
    response = client.get(reverse("portal:track"), {"application_id": typed})
    assert response.headers["Location"] == reverse("portal:track_status", args=[grievance.application_id])

    response = client.get(response.headers["Location"])
    text = text_of(response)
    assert "Forwarded to the agency" in text
    assert "Submitted" in text and "Last updated" in text and "Due date" in text
    # Nothing personal, no text of the grievance, no agency.
    for secret in (grievance.subject, grievance.description, NAME, CID, MOBILE, "17•••", "Ministry of Health",
                   "internal routing note", "Health help desk"):
        assert secret not in text


def test_a_lower_case_status_address_redirects_to_the_canonical_one(client: Client, file_one) -> None:
    grievance = file_one()
    response = client.get(reverse("portal:track_status", args=[grievance.application_id.lower()]))
    assert response.headers["Location"] == reverse("portal:track_status", args=[grievance.application_id])


def test_details_need_a_code_sent_to_the_registered_mobile(client: Client, file_one) -> None:
    grievance = file_one()
    detail_url = reverse("portal:detail", args=[grievance.application_id])
    verify_url = reverse("portal:track_verify", args=[grievance.application_id])

    assert client.get(detail_url).headers["Location"] == verify_url
    status_page = client.get(reverse("portal:track_status", args=[grievance.application_id]))
    assert f'href="{verify_url}"' in status_page.content.decode() and "See details" in text_of(status_page)

    response = client.get(verify_url)
    assert "+975 17•••456" in text_of(response) and "Send the code" in text_of(response)
    assert not OneTimeCode.objects.exists(), "a GET sends nothing"

    response = client.post(verify_url, {"send": "1"})
    assert response.headers["Location"] == verify_url
    assert OneTimeCode.objects.get().purpose == "track"
    response = client.get(verify_url)
    assert 'autocomplete="one-time-code"' in response.content.decode()

    response = client.post(verify_url, {"code": "000000" if last_code() != "000000" else "111111"})
    assert "That code is not right" in field_error(response, "id_code")
    assert client.get(detail_url).status_code == 302

    response = client.post(verify_url, {"code": last_code()})
    assert response.headers["Location"] == detail_url
    response = client.get(detail_url)
    assert response.status_code == 200 and grievance.subject in text_of(response)
    # Already proven: See details goes straight to the details.
    assert client.get(verify_url).headers["Location"] == detail_url


def test_the_tracking_code_is_rate_limited_with_a_message(client: Client, file_one) -> None:
    grievance = file_one()
    verify_url = reverse("portal:track_verify", args=[grievance.application_id])
    for _ in range(3):
        client.post(verify_url, {"send": "1"})
    response = client.post(verify_url, {"send": "1"})
    assert response.status_code == 200
    assert "Too many codes were sent to this number" in text_of(response)
    assert OneTimeCode.objects.count() == 3


def test_verify_for_an_unknown_or_malformed_id_is_404(client: Client) -> None:
    unknown = str(ApplicationId(year=26, serial=999999))
    assert client.get(reverse("portal:track_verify", args=[unknown])).status_code == 404
    assert client.post(reverse("portal:track_verify", args=["EK-26-1"]), {"send": "1"}).status_code == 404
    assert not OneTimeCode.objects.exists()
