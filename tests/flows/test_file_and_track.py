"""The spine end to end, below the browser: a citizen files through the portal, the SMS waits in the
outbox until the worker sends it, and the citizen tracks the grievance with a code sent the same way."""

import re

import pytest
from django.core.management import call_command
from django.test import Client

from ekaasel.grievances.models import Grievance
from ekaasel.notifications.models import Message, MessageStatus
from ekaasel.organisations.models import District, Ministry, Service, ServiceDelivery

pytestmark = pytest.mark.django_db(transaction=True)

MOBILE = "+97517333444"


def run_worker() -> None:
    call_command("run_worker", batch=True, interval=0, worker_id="flow-worker")


def sent_code() -> str:
    """The newest code SMS, which the worker must already have sent."""
    message = Message.objects.filter(recipient=MOBILE, template="otp").order_by("-id").first()
    assert message is not None and message.status == MessageStatus.SENT, "the code SMS was not sent"
    found = re.search(r"\b(\d{6})\b", message.body)
    assert found
    return found[1]


@pytest.fixture
def catalogue(settings: object, tmp_path: object) -> tuple[Service, District]:
    settings.MEDIA_ROOT = str(tmp_path)  # type: ignore[attr-defined]
    health = Ministry.objects.create(code="moh", name="Ministry of Health")
    service = Service.objects.create(code="referral", name="Medical referral", ministry=health,
                                     delivery=ServiceDelivery.ONLINE)
    return service, District.objects.create(code="paro", name="Paro")


def test_file_then_worker_sends_then_track_with_a_code(catalogue: tuple[Service, District]) -> None:
    service, district = catalogue
    citizen = Client()
    citizen.post("/file/", {"national_id": "11410005555", "name": "Dorji Wangmo", "mobile": "17333444"})
    assert Message.objects.get(template="otp").status == MessageStatus.QUEUED  # nothing sent in the request
    run_worker()
    citizen.post("/file/verify/", {"code": sent_code()})
    form = citizen.get("/file/grievance/").content.decode()
    key = re.search(r'name="submission_key" value="([^"]+)"', form)
    assert key
    done = citizen.post("/file/grievance/", {
        "submission_key": key[1], "service": str(service.pk), "problem_kind": "delayed",
        "subject": "Referral not processed", "description": "Waiting since October.", "district": str(district.pk),
    }, follow=True)
    grievance = Grievance.objects.get()
    assert grievance.application_id in done.content.decode()

    confirmation = Message.objects.get(template="submitted")
    assert confirmation.status == MessageStatus.QUEUED and grievance.application_id in confirmation.body
    run_worker()
    confirmation.refresh_from_db()
    assert confirmation.status == MessageStatus.SENT and confirmation.sent_at is not None

    # Later, on another device: coarse status by ID, details only after a code to the registered mobile.
    phone = Client()
    status = phone.get(f"/track/{grievance.application_id}/").content.decode()
    assert "Submitted" in status and "Referral not processed" not in status
    phone.post(f"/track/{grievance.application_id}/verify/", {"send": "1"})
    run_worker()
    detail = phone.post(f"/track/{grievance.application_id}/verify/", {"code": sent_code()}, follow=True)
    assert "Referral not processed" in detail.content.decode()
    assert grievance.application_id in phone.get("/my/").content.decode()
