"""Filing a grievance through the portal, as a citizen does it, including everything he can get wrong."""

import re
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from ekaasel.grievances.models import Attachment, Grievance
from ekaasel.identity.models import OneTimeCode
from ekaasel.notifications.models import Message
from tests.portal.conftest import CID, MOBILE, MOBILE_LOCAL, NAME, field_error, last_code, submission_key_of, text_of

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 200
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"


def grievance_data(for_service: Any, in_district: Any, /, **changes: Any) -> dict[str, Any]:
    return {
        "service": str(for_service.pk),
        "service_other": "",
        "problem_kind": "delayed",
        "subject": "Referral letter not issued",
        "description": "I asked for a referral letter on 2 May and still have not received it.",
        "district": str(in_district.pk),
        **changes,
    }


def open_form(client: Client) -> tuple[Any, str]:
    response = client.get(reverse("portal:file_grievance"))
    assert response.status_code == 200
    return response, submission_key_of(response)


def nothing_stored() -> bool:
    return not Grievance.objects.exists() and not Message.objects.filter(template="submitted").exists()


# --- the happy path --------------------------------------------------------------------------------


def test_a_citizen_files_a_grievance_from_start_to_finish(client: Client, service, district) -> None:
    response = client.get(reverse("portal:file"))
    assert "Step 1 of 3" in text_of(response)

    response = client.post(
        reverse("portal:file"), {"national_id": "101 0100 1234", "name": NAME, "mobile": "+975 17 12 34 56"}
    )
    assert response.headers["Location"] == reverse("portal:file_verify")
    response = client.get(reverse("portal:file_verify"))
    assert "+975 17•••456" in text_of(response) and "Step 2 of 3" in text_of(response)

    response = client.post(reverse("portal:file_verify"), {"code": last_code(MOBILE)})
    assert response.headers["Location"] == reverse("portal:file_grievance")

    response, key = open_form(client)
    assert "Step 3 of 3" in text_of(response) and NAME in text_of(response)
    upload = SimpleUploadedFile("receipt.png", PNG, content_type="image/png")
    data = {**grievance_data(service, district), "submission_key": key, "attachments": [upload]}
    response = client.post(reverse("portal:file_grievance"), data)
    assert response.status_code == 302
    done_url = response.headers["Location"]
    assert re.fullmatch(r"/file/done/EK-\d\d-\d{6}-\d/", done_url)

    response = client.get(done_url)
    text = text_of(response)
    application_id = re.search(r"EK-\d\d-\d{6}-\d", text)
    assert application_id is not None
    assert "An SMS with this application ID was sent to +975 17•••456" in text

    grievance = Grievance.objects.get()
    assert grievance.application_id == application_id.group(0)
    assert (grievance.citizen.national_id, grievance.applicant_name, grievance.mobile) == (CID, NAME, MOBILE)
    assert grievance.subject == "Referral letter not issued" and grievance.service == service
    assert grievance.channel == "web" and grievance.language == "en"
    assert Attachment.objects.get().original_name == "receipt.png"
    submitted = Message.objects.get(template="submitted")
    assert submitted.recipient == MOBILE and grievance.application_id in submitted.body

    # Reloading the done page changes nothing.
    assert client.get(done_url).status_code == 200
    assert Grievance.objects.count() == 1 and Message.objects.filter(template="submitted").count() == 1


def test_pressing_submit_twice_files_one_grievance(verified_for_filing: Client, service, district) -> None:
    _, key = open_form(verified_for_filing)
    data = {**grievance_data(service, district), "submission_key": key}
    first = verified_for_filing.post(reverse("portal:file_grievance"), data)
    second = verified_for_filing.post(reverse("portal:file_grievance"), data)
    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"]
    assert Grievance.objects.count() == 1
    assert Message.objects.filter(template="submitted").count() == 1


def test_the_next_form_gets_a_new_key_and_files_a_second_grievance(
    verified_for_filing: Client, service, district
) -> None:
    _, first_key = open_form(verified_for_filing)
    data = {**grievance_data(service, district), "submission_key": first_key}
    verified_for_filing.post(reverse("portal:file_grievance"), data)
    _, second_key = open_form(verified_for_filing)
    assert second_key != first_key
    verified_for_filing.post(
        reverse("portal:file_grievance"),
        {**grievance_data(service, district, subject="Another one"), "submission_key": second_key},
    )
    assert Grievance.objects.count() == 2


def test_a_key_not_given_to_this_browser_cannot_fetch_another_filing(
    verified_for_filing: Client, service, district, file_one
) -> None:
    someone_else = file_one(mobile="+97577111222", submission_key="a-key-from-someone-else")
    response = verified_for_filing.post(
        reverse("portal:file_grievance"),
        {**grievance_data(service, district), "submission_key": "a-key-from-someone-else"},
    )
    assert response.headers["Location"] != reverse("portal:file_done", args=[someone_else.application_id])
    assert Grievance.objects.count() == 2


def test_sms_follow_the_language_of_the_page(client: Client, service, district) -> None:
    client.post("/i18n/setlang/", {"language": "dz", "next": "/"})
    client.post(reverse("portal:file"), {"national_id": CID, "name": NAME, "mobile": MOBILE_LOCAL})
    assert Message.objects.get(template="otp").language == "dz"
    client.post(reverse("portal:file_verify"), {"code": last_code()})
    _, key = open_form(client)
    client.post(reverse("portal:file_grievance"), {**grievance_data(service, district), "submission_key": key})
    assert Grievance.objects.get().language == "dz"
    assert Message.objects.get(template="submitted").language == "dz"


def test_other_service_needs_its_name(verified_for_filing: Client, service, district) -> None:
    _, key = open_form(verified_for_filing)
    data = {**grievance_data(service, district, service="other"), "submission_key": key}
    response = verified_for_filing.post(reverse("portal:file_grievance"), data)
    assert field_error(response, "id_service_other") == "Write the name of the service."
    assert nothing_stored()
    response = verified_for_filing.post(
        reverse("portal:file_grievance"), {**data, "service_other": "Rural water supply"}
    )
    assert response.status_code == 302
    grievance = Grievance.objects.get()
    assert grievance.service is None and grievance.service_other == "Rural water supply"


def test_service_search_narrows_the_list_without_javascript(
    verified_for_filing: Client, service, other_service
) -> None:
    page = verified_for_filing.get(reverse("portal:file_grievance")).content.decode()
    assert "Health help desk" in page and "Driving licence renewal" in page
    assert '<optgroup label="Ministry of Health">' in page

    response = verified_for_filing.get(reverse("portal:file_grievance"), {"q": "driving"})
    page = response.content.decode()
    assert "Driving licence renewal" in page and "Health help desk" not in page
    assert "1 service matches “driving”" in text_of(response)
    assert "Other service (not in the list)" in page

    response = verified_for_filing.get(reverse("portal:file_grievance"), {"q": "nothing-like-this"})
    assert "No service matches" in text_of(response)
    assert "Other service (not in the list)" in response.content.decode()


# --- step 1: bad verification details ------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("national_id", "1010100123", "Enter your CID number: exactly 11 digits, as printed on your citizenship card."),
        ("national_id", "1010100123X", "Enter your CID number: exactly 11 digits"),
        ("mobile", "02321234", "Enter a Bhutanese mobile number: 8 digits starting with 16, 17 or 77, e.g. 17123456."),
        ("mobile", "+919876543210", "Enter a Bhutanese mobile number"),
        ("name", "", "Enter your full name."),
    ],
)
def test_bad_details_are_named_next_to_the_field_and_nothing_is_sent(
    client: Client, field: str, value: str, message: str
) -> None:
    data = {"national_id": CID, "name": NAME, "mobile": MOBILE_LOCAL, field: value}
    response = client.post(reverse("portal:file"), data)
    assert response.status_code == 200
    assert field_error(response, f"id_{field}").startswith(message)
    assert "There is a problem" in text_of(response)
    assert "<title>Error:" in response.content.decode()
    # What was typed stays in the form.
    assert f'value="{NAME}"' in response.content.decode() or field == "name"
    assert not OneTimeCode.objects.exists() and not Message.objects.exists()


def test_identity_check_refusal_is_shown_next_to_the_cid(client: Client, settings) -> None:
    settings.EKAASEL = {**settings.EKAASEL, "IDENTITY_CHECK_BACKEND": "tests.portal.test_filing.RefusingCheck"}
    response = client.post(reverse("portal:file"), {"national_id": CID, "name": NAME, "mobile": MOBILE_LOCAL})
    assert field_error(response, "id_national_id") == "This CID number does not match this name."
    assert not OneTimeCode.objects.exists()


class RefusingCheck:
    def check(self, *, national_id: str, name: str) -> Any:
        from ekaasel.identity.checks import IdentityCheckResult

        return IdentityCheckResult(confirmed=False, message="This CID number does not match this name.")


# --- step 2: the code ---------------------------------------------------------------------------


def _to_code_step(client: Client) -> None:
    response = client.post(reverse("portal:file"), {"national_id": CID, "name": NAME, "mobile": MOBILE_LOCAL})
    assert response.status_code == 302


def test_a_wrong_code_says_how_many_tries_are_left(client: Client) -> None:
    _to_code_step(client)
    wrong = "000000" if last_code() != "000000" else "111111"
    response = client.post(reverse("portal:file_verify"), {"code": wrong})
    assert field_error(response, "id_code") == "That code is not right. You have 4 more tries."
    assert client.get(reverse("portal:file_grievance")).status_code == 302


def test_an_expired_code_says_it_expired(client: Client) -> None:
    _to_code_step(client)
    code = last_code()
    with time_machine.travel(timezone.now() + timedelta(minutes=11)):
        response = client.post(reverse("portal:file_verify"), {"code": code})
    assert field_error(response, "id_code") == "This code has expired. Ask for a new code."


def test_a_code_of_the_wrong_shape_is_refused_without_spending_a_try(client: Client) -> None:
    _to_code_step(client)
    response = client.post(reverse("portal:file_verify"), {"code": "12345"})
    assert field_error(response, "id_code").startswith("The code has 6 digits.")
    assert OneTimeCode.objects.get().failed_attempts == 0


def test_send_a_new_code_until_the_limit(client: Client) -> None:
    _to_code_step(client)
    for _ in range(2):
        response = client.post(reverse("portal:file_verify"), {"resend": "1"})
        assert response.status_code == 302
    assert "A new code was sent to +975 17•••456." in text_of(client.get(reverse("portal:file_verify")))
    response = client.post(reverse("portal:file_verify"), {"resend": "1"})
    assert response.status_code == 200
    assert "Too many codes were sent to this number. Try again in 15 minutes." in text_of(response)
    assert OneTimeCode.objects.count() == 3
    # The newest code works; the older ones stopped working when it was sent.
    response = client.post(reverse("portal:file_verify"), {"code": last_code()})
    assert response.headers["Location"] == reverse("portal:file_grievance")


def test_change_number_keeps_the_other_details(client: Client) -> None:
    _to_code_step(client)
    page = client.get(reverse("portal:file_verify")).content.decode()
    assert f'href="{reverse("portal:file")}">Change number' in page
    page = client.get(reverse("portal:file")).content.decode()
    assert f'value="{CID}"' in page and f'value="{NAME}"' in page


def test_the_grievance_form_needs_a_confirmed_mobile(client: Client, service, district) -> None:
    assert client.get(reverse("portal:file_grievance")).headers["Location"] == reverse("portal:file")
    _to_code_step(client)
    assert client.get(reverse("portal:file_grievance")).headers["Location"] == reverse("portal:file")


def test_the_confirmation_expires_and_what_was_written_is_kept(
    verified_for_filing: Client, service, district
) -> None:
    _, key = open_form(verified_for_filing)
    with time_machine.travel(timezone.now() + timedelta(minutes=31)):
        response = verified_for_filing.post(
            reverse("portal:file_grievance"),
            {**grievance_data(service, district, subject="Kept across the expiry"), "submission_key": key},
        )
        assert response.headers["Location"] == reverse("portal:file")
        assert nothing_stored()
        response = verified_for_filing.get(reverse("portal:file"))
        assert "confirmation lasts 30 minutes" in text_of(response)
        assert f'value="{CID}"' in response.content.decode()
        verified_for_filing.post(reverse("portal:file"), {"national_id": CID, "name": NAME, "mobile": MOBILE_LOCAL})
        verified_for_filing.post(reverse("portal:file_verify"), {"code": last_code()})
        response = verified_for_filing.get(reverse("portal:file_grievance"))
        assert 'value="Kept across the expiry"' in response.content.decode()


# --- step 3: bad grievances -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"description": ""}, "id_description", "Describe the problem."),
        ({"description": "   "}, "id_description", "Describe the problem."),
        ({"subject": "x" * 10_000}, "id_subject", "Keep the subject to 200 characters or fewer (it has 10000)."),
        ({"subject": ""}, "id_subject", "Write a subject."),
        ({"description": "y" * 5001}, "id_description", "Keep the description to 5000 characters or fewer"),
        ({"service": ""}, "id_service", "Choose the service"),
        ({"service": "999999"}, "id_service", "Choose a service from the list."),
        ({"problem_kind": ""}, "id_problem_kind", "Choose the kind of problem."),
        ({"district": ""}, "id_district", "Choose the district (dzongkhag) where it happened."),
    ],
)
def test_bad_grievance_fields_are_named_and_nothing_is_stored(
    verified_for_filing: Client, service, district, changes: dict[str, str], field: str, message: str
) -> None:
    _, key = open_form(verified_for_filing)
    data = {**grievance_data(service, district, subject="Keep me"), **changes, "submission_key": key}
    response = verified_for_filing.post(reverse("portal:file_grievance"), data)
    assert response.status_code == 200
    assert field_error(response, field).startswith(message)
    assert nothing_stored()
    page = response.content.decode()
    # The other fields keep their values, and the same key is kept for the next try.
    if field != "id_subject":
        assert 'value="Keep me"' in page
    assert submission_key_of(response) == key


@pytest.mark.parametrize(
    ("files", "message"),
    [
        (
            [("big.pdf", b"%PDF-1.4\n" + b"0" * (20 * 1024 * 1024))],
            "“big.pdf” is 20.0 MB; each file may be at most 5 MB.",
        ),
        (
            [("invoice.pdf", b"MZ\x90\x00\x03" + b"\x00" * 500)],
            "“invoice.pdf” is not a JPEG or PNG picture or a PDF document.",
        ),
        ([(f"photo{n}.png", PNG) for n in range(4)], "Attach at most 3 files."),
        ([("empty.pdf", b"")], "“empty.pdf” is empty."),
    ],
    ids=["20-MB", "exe-named-pdf", "four-files", "empty"],
)
def test_bad_attachments_are_named_next_to_the_field(
    verified_for_filing: Client, service, district, files: list[tuple[str, bytes]], message: str
) -> None:
    _, key = open_form(verified_for_filing)
    uploads = [SimpleUploadedFile(name, content) for name, content in files]
    data = {**grievance_data(service, district, subject="Keep me"), "submission_key": key, "attachments": uploads}
    response = verified_for_filing.post(reverse("portal:file_grievance"), data)
    assert response.status_code == 200
    assert field_error(response, "id_attachments") == message
    text = text_of(response)
    assert "Your attachments were not kept" in text and "choose them again" in text
    assert 'value="Keep me"' in response.content.decode()
    assert nothing_stored() and not Attachment.objects.exists()


def test_up_to_three_good_files_are_stored(verified_for_filing: Client, service, district) -> None:
    _, key = open_form(verified_for_filing)
    uploads = [
        SimpleUploadedFile("a.png", PNG),
        SimpleUploadedFile("b.pdf", PDF),
        SimpleUploadedFile("c.jpg", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 100),
    ]
    data = {**grievance_data(service, district), "submission_key": key, "attachments": uploads}
    response = verified_for_filing.post(reverse("portal:file_grievance"), data)
    assert response.status_code == 302
    assert sorted(Attachment.objects.values_list("content_type", flat=True)) == [
        "application/pdf", "image/jpeg", "image/png",
    ]


def test_the_done_page_of_another_browser_shows_only_the_public_status(client: Client, file_one) -> None:
    grievance = file_one()
    response = client.get(reverse("portal:file_done", args=[grievance.application_id]))
    assert response.headers["Location"] == reverse("portal:track_status", args=[grievance.application_id])


def test_finish_and_sign_out_forgets_the_filing(verified_for_filing: Client, service, district) -> None:
    _, key = open_form(verified_for_filing)
    done = verified_for_filing.post(
        reverse("portal:file_grievance"), {**grievance_data(service, district), "submission_key": key}
    ).headers["Location"]
    verified_for_filing.post(reverse("portal:sign_out"))
    # On a shared phone the next person sees neither the confirmation page nor the form.
    assert verified_for_filing.get(done).headers["Location"].startswith("/track/EK-")
    assert verified_for_filing.get(reverse("portal:file_grievance")).headers["Location"] == reverse("portal:file")
    assert CID not in verified_for_filing.get(reverse("portal:file")).content.decode()
