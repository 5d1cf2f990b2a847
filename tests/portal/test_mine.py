"""My grievances: the list and details for a proven mobile, and what the citizen can do on each."""

from datetime import timedelta

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from ekaasel.grievances.actions import grievance_ask_info, grievance_reject, grievance_resolve
from ekaasel.grievances.models import Attachment, Grievance, GrievanceEvent
from ekaasel.notifications.models import Message
from tests.portal.conftest import CID, MOBILE, NAME, OTHER_MOBILE, field_error, last_code, prove_mobile, text_of

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 200


def detail_url(grievance: Grievance) -> str:
    return reverse("portal:detail", args=[grievance.application_id])


def action_url(name: str, grievance: Grievance) -> str:
    return reverse(f"portal:{name}", args=[grievance.application_id])


# --- proving the mobile and the list --------------------------------------------------------------


def test_my_grievances_asks_for_the_mobile_first(client: Client) -> None:
    response = client.get(reverse("portal:my"))
    assert 'name="mobile"' in response.content.decode()
    response = client.post(reverse("portal:my"), {"mobile": "02321234"})
    assert field_error(response, "id_mobile").startswith("Enter a Bhutanese mobile number")
    assert not Message.objects.exists()


def test_the_list_shows_only_the_proven_mobiles_grievances_newest_first(
    client: Client, file_one, django_assert_max_num_queries
) -> None:
    older = file_one(subject="Older grievance")
    newer = file_one(subject="Newer grievance")
    theirs = file_one(mobile=OTHER_MOBILE, subject="Somebody else's grievance")

    response = client.post(reverse("portal:my"), {"mobile": "17123456"})
    assert response.headers["Location"] == reverse("portal:my_verify")
    verify_page = client.get(reverse("portal:my_verify"))
    assert "+975 17•••456" in text_of(verify_page)
    assert f'href="{reverse("portal:my")}">Change number' in verify_page.content.decode()
    prove = client.post(reverse("portal:my_verify"), {"code": last_code(MOBILE)})
    assert prove.headers["Location"] == reverse("portal:my")

    with django_assert_max_num_queries(8):
        response = client.get(reverse("portal:my"))
    text = text_of(response)
    assert text.index(newer.application_id) < text.index(older.application_id)
    assert "Newer grievance" in text and "Older grievance" in text and "Health help desk" in text
    assert "Submitted" in text
    assert theirs.application_id not in text and "Somebody else" not in text
    assert "Sign out" in text

    assert client.get(detail_url(theirs)).status_code == 404
    assert client.get(detail_url(older)).status_code == 200


def test_the_list_needs_no_more_queries_for_more_grievances(client: Client, file_one) -> None:
    file_one()
    prove_mobile(client)
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("portal:my"))
    for n in range(5):
        file_one(subject=f"More {n}")
    with CaptureQueriesContext(connection) as six:
        client.get(reverse("portal:my"))
    assert len(six) == len(one)


def test_the_proof_expires(client: Client, file_one) -> None:
    grievance = file_one()
    prove_mobile(client)
    with time_machine.travel(timezone.now() + timedelta(minutes=31)):
        assert 'name="mobile"' in client.get(reverse("portal:my")).content.decode()
        assert client.get(detail_url(grievance)).status_code == 302


def test_sign_out_forgets_the_mobile(client: Client, file_one) -> None:
    grievance = file_one()
    prove_mobile(client)
    response = client.post(reverse("portal:sign_out"))
    assert response.headers["Location"] == reverse("portal:home")
    assert "You are signed out" in text_of(client.get("/"))
    assert 'name="mobile"' in client.get(reverse("portal:my")).content.decode()
    assert client.get(detail_url(grievance)).status_code == 302


def test_another_browser_with_the_id_only_gets_the_status(client: Client, file_one) -> None:
    grievance = file_one()
    prove_mobile(client, OTHER_MOBILE)
    assert client.get(detail_url(grievance)).status_code == 404
    assert client.post(action_url("withdraw", grievance), {"version": grievance.version}).status_code == 404
    grievance.refresh_from_db()
    assert grievance.status == "submitted"


# --- the details ----------------------------------------------------------------------------------


def test_details_show_everything_the_citizen_gave_and_the_history(client: Client, file_one, assessor) -> None:
    grievance = file_one(attachments=[SimpleUploadedFile("photo.png", PNG)])
    grievance_ask_info(grievance_id=grievance.pk, actor=assessor, question="Which hospital did you call?")
    prove_mobile(client)
    response = client.get(detail_url(grievance))
    text = text_of(response)
    for shown in (grievance.application_id, grievance.subject, grievance.description, NAME, "Thimphu",
                  "Health help desk", "Could not access the service", "Web portal", "photo.png",
                  "Waiting for your information", "Which hospital did you call?", "Asked for information",
                  "+975 17•••456", "•••••••1234"):
        assert shown in text, shown
    assert CID not in text
    history = text[text.index("History"):]
    assert history.index("Submitted") < history.index("Asked for information")
    # Actions available while waiting for the citizen: answer and withdraw; no rating or appeal.
    assert "Send my answer" in text and "Withdraw this grievance" in text
    assert "Send my rating" not in text and "Send my appeal" not in text

    attachment = Attachment.objects.get()
    download = client.get(reverse("portal:attachment", args=[grievance.application_id, attachment.pk]))
    assert download.status_code == 200 and b"".join(download.streaming_content) == PNG
    assert "attachment" in download.headers["Content-Disposition"]


def test_internal_notes_are_not_in_the_citizens_history(client: Client, file_one, assessor, ministry) -> None:
    from ekaasel.grievances.actions import grievance_forward

    grievance = file_one()
    grievance_forward(grievance_id=grievance.pk, actor=assessor, ministry=ministry, note="route to health ministry")
    prove_mobile(client)
    assert "route to health ministry" not in text_of(client.get(detail_url(grievance)))


# --- actions --------------------------------------------------------------------------------------


def test_answer_an_information_request(client: Client, file_one, assessor) -> None:
    grievance = file_one()
    grievance_ask_info(grievance_id=grievance.pk, actor=assessor, question="Which hospital?")
    grievance.refresh_from_db()
    prove_mobile(client)

    response = client.post(action_url("provide_info", grievance), {"answer": "", "version": grievance.version})
    assert response.status_code == 200
    assert field_error(response, "info_answer") == "Write your answer."

    response = client.post(
        action_url("provide_info", grievance),
        {
            "answer": "JDWNRH, Thimphu",
            "version": grievance.version,
            "attachments": [SimpleUploadedFile("x.pdf", b"MZ..")],
        },
    )
    assert field_error(response, "info_attachments") == "“x.pdf” is not a JPEG or PNG picture or a PDF document."
    assert "Your attachments were not kept" in text_of(response)
    grievance.refresh_from_db()
    assert grievance.status == "awaiting_citizen"

    response = client.post(
        action_url("provide_info", grievance),
        {"answer": "JDWNRH, Thimphu", "version": grievance.version, "attachments": [SimpleUploadedFile("a.png", PNG)]},
    )
    assert response.headers["Location"] == detail_url(grievance)
    page = client.get(detail_url(grievance))
    assert "Your answer was sent" in text_of(page)
    grievance.refresh_from_db()
    assert grievance.status == "submitted" and grievance.attachments.count() == 1
    assert "JDWNRH, Thimphu" in text_of(page) and "Information provided" in text_of(page)


def test_rate_a_resolution(client: Client, file_one, assessor) -> None:
    grievance = file_one()
    grievance_resolve(grievance_id=grievance.pk, actor=assessor, resolution="The help desk now answers calls.")
    grievance.refresh_from_db()
    prove_mobile(client)
    page = client.get(detail_url(grievance))
    text = text_of(page)
    assert "The help desk now answers calls." in text and "How your grievance was addressed" in text
    assert "Send my rating" in text and "Send my appeal" in text and "Withdraw this grievance" not in text

    response = client.post(action_url("rate", grievance), {"rating": "7", "version": grievance.version})
    assert field_error(response, "rate_rating") == "Choose a rating from 1 to 5."

    data = {"rating": "4", "comment": "Quick.", "version": grievance.version}
    response = client.post(action_url("rate", grievance), data)
    assert response.headers["Location"] == detail_url(grievance)
    text = text_of(client.get(detail_url(grievance)))
    assert "Thank you for your rating" in text and "4 out of 5" in text and "Closed" in text
    grievance.refresh_from_db()
    assert (grievance.status, grievance.rating, grievance.rating_comment) == ("closed", 4, "Quick.")


def test_appeal_a_rejection_once(client: Client, file_one, assessor) -> None:
    grievance = file_one()
    grievance_reject(grievance_id=grievance.pk, actor=assessor, reason="Not a public service.")
    grievance.refresh_from_db()
    prove_mobile(client)
    text = text_of(client.get(detail_url(grievance)))
    assert "Why your grievance was not accepted" in text and "Not a public service." in text
    assert "Send my rating" not in text and "Appeal by" in text

    response = client.post(action_url("appeal", grievance), {"reason": "", "version": grievance.version})
    assert field_error(response, "appeal_reason") == "Say why you are not satisfied."

    response = client.post(
        action_url("appeal", grievance), {"reason": "It is the hospital's help desk.", "version": grievance.version}
    )
    assert response.headers["Location"] == detail_url(grievance)
    assert "Your appeal was received" in text_of(client.get(detail_url(grievance)))
    grievance.refresh_from_db()
    assert grievance.status == "submitted" and grievance.is_appeal
    assert Message.objects.filter(template="appeal_received").count() == 1

    grievance_resolve(grievance_id=grievance.pk, actor=assessor, resolution="Handled after all.")
    text = text_of(client.get(detail_url(grievance)))
    assert "Send my rating" in text and "Send my appeal" not in text, "an appeal only once"


def test_an_appeal_after_the_window_is_refused_with_the_reason(client: Client, file_one, assessor) -> None:
    grievance = file_one()
    grievance_resolve(grievance_id=grievance.pk, actor=assessor, resolution="Done.")
    grievance.refresh_from_db()
    with time_machine.travel(timezone.now() + timedelta(days=31)):
        prove_mobile(client)
        response = client.post(action_url("appeal", grievance), {"reason": "Too late?", "version": grievance.version})
        assert response.headers["Location"] == detail_url(grievance)
        assert "The 30 days for an appeal have passed." in text_of(client.get(detail_url(grievance)))
    grievance.refresh_from_db()
    assert grievance.status == "resolved"


def test_withdraw_asks_for_confirmation_first(client: Client, file_one) -> None:
    grievance = file_one()
    prove_mobile(client)
    page = client.get(detail_url(grievance)).content.decode()
    assert f'href="{action_url("withdraw", grievance)}"' in page

    confirm = client.get(action_url("withdraw", grievance))
    text = text_of(confirm)
    assert "Withdraw your grievance?" in text and "Yes, withdraw it" in text and "No, keep my grievance" in text
    grievance.refresh_from_db()
    assert grievance.status == "submitted", "showing the confirmation changes nothing"

    response = client.post(action_url("withdraw", grievance), {"reason": "Solved.", "version": grievance.version})
    assert response.headers["Location"] == detail_url(grievance)
    text = text_of(client.get(detail_url(grievance)))
    assert "Your grievance is withdrawn." in text and "Withdraw this grievance" not in text
    grievance.refresh_from_db()
    assert grievance.status == "withdrawn"
    assert Message.objects.filter(template="withdrawn").count() == 1
    assert client.get(action_url("withdraw", grievance)).headers["Location"] == detail_url(grievance)


def test_an_action_on_a_grievance_changed_meanwhile_is_refused(client: Client, file_one, assessor) -> None:
    grievance = file_one()
    prove_mobile(client)
    seen_version = grievance.version
    # While the page is open, the Cabinet Secretariat asks a question.
    grievance_ask_info(grievance_id=grievance.pk, actor=assessor, question="Which hospital?")
    response = client.post(action_url("withdraw", grievance), {"version": seen_version})
    assert response.headers["Location"] == detail_url(grievance)
    assert "changed by someone else" in text_of(client.get(detail_url(grievance)))
    grievance.refresh_from_db()
    assert grievance.status == "awaiting_citizen"
    assert not GrievanceEvent.objects.filter(action="withdraw").exists()


def test_actions_need_the_proven_mobile(client: Client, file_one) -> None:
    grievance = file_one()
    response = client.post(action_url("withdraw", grievance), {"version": grievance.version})
    assert response.headers["Location"] == reverse("portal:track_verify", args=[grievance.application_id])
    grievance.refresh_from_db()
    assert grievance.status == "submitted"
    # A GET of an action address (a reload, the language switch) goes back to the details.
    assert client.get(action_url("rate", grievance)).headers["Location"] == detail_url(grievance)
