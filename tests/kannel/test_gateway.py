"""End to end through a real bearerbox + smsbox and fakesmsc: outbox → worker → Kannel → phone, and back."""

import time
from collections.abc import Callable

import pytest
from django.db import transaction

from ekaasel.grievances.models import Channel, Grievance
from ekaasel.notifications.models import DeliveryStatus, Message, MessageStatus
from ekaasel.notifications.outbox import queue_sms
from tests.kannel.harness import Kannel

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.urls("tests.kannel.urls")]

CITIZEN = "+97517123456"
DZONGKHA = "འབྲུག་གི་གཞུང་གིས་ཁྱོད་ཀྱི་ཞུ་ཡིག་འཐོབ་ཅི། ཨེབ་གཏང་ཨང་ EK-26-000001-3 "  # > 70: UCS-2 parts


def queue_otp(n: int, *, to: str = CITIZEN, language: str = "en") -> Message:
    with transaction.atomic():
        return queue_sms(to=to, template="otp", context={"code": f"{n:06d}", "purpose": "sign-in"},
                         language=language, event_key=f"kannel-test:{n}:{time.monotonic_ns()}")


def wait_until(check: Callable[[], bool], timeout: float = 20.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.1)
    return check()


def texts_to(kannel: Kannel, to: str) -> list[str]:
    return [sms.text for sms in kannel.received() if sms.receiver == to]


def test_the_exact_text_reaches_the_phone_and_delivery_reports_come_back(kannel_settings, run_worker):
    kannel = kannel_settings
    message = queue_otp(1)
    run_worker()
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT, message.last_error

    assert wait_until(lambda: message.body in texts_to(kannel, CITIZEN))
    [sms] = [sms for sms in kannel.received() if sms.text == message.body]
    assert sms.sender == "eKaaSel"

    def delivered() -> bool:
        message.refresh_from_db()
        return message.delivery_status == DeliveryStatus.DELIVERED

    assert wait_until(delivered), message.delivery_status
    assert message.delivery_updated_at is not None


def test_dzongkha_and_long_texts_arrive_intact(kannel_settings, run_worker):
    kannel = kannel_settings
    long_latin = "eKaaSel " + "long message text " * 12  # > 160 GSM characters: concatenated parts
    with transaction.atomic():
        messages = [
            queue_sms(to="+97517000001", template="otp", context={"code": DZONGKHA, "purpose": "x"},
                      language="en", event_key=f"kannel-dz:{time.monotonic_ns()}"),
            queue_sms(to="+97517000002", template="otp", context={"code": long_latin, "purpose": "x"},
                      language="en", event_key=f"kannel-long:{time.monotonic_ns()}"),
        ]
    run_worker()
    for message in messages:
        message.refresh_from_db()
        assert message.status == MessageStatus.SENT, message.last_error
        assert len(message.body) > 160 or not message.body.isascii()
    assert wait_until(lambda: messages[0].body in texts_to(kannel, "+97517000001")), kannel.received()
    assert wait_until(lambda: messages[1].body in texts_to(kannel, "+97517000002")), kannel.received()


def test_nothing_is_lost_while_the_smsc_is_away(kannel_settings, run_worker):
    """The operator's side is down: Kannel accepts and holds the messages, and hands every one over
    when the SMSC link is back."""
    kannel = kannel_settings
    kannel.stop_fakesmsc()
    try:
        messages = [queue_otp(n, to="+97517000010") for n in range(5)]
        run_worker()
        for message in messages:
            message.refresh_from_db()
            assert message.status == MessageStatus.SENT, message.last_error  # Kannel holds them
        time.sleep(2)
        assert not [m for m in messages if m.body in texts_to(kannel, "+97517000010")]
    finally:
        kannel.start_fakesmsc()
    assert wait_until(lambda: all(m.body in texts_to(kannel, "+97517000010") for m in messages), timeout=60)


def test_messages_wait_and_are_retried_while_smsbox_is_down_then_all_arrive_once(
    kannel_settings, run_worker, settings
):
    kannel = kannel_settings
    settings.OUTBOX = {**settings.OUTBOX, "BACKOFF_BASE_SECONDS": 0.3, "BACKOFF_MAX_SECONDS": 0.6, "MAX_ATTEMPTS": 8}
    kannel.stop_smsbox()
    try:
        messages = [queue_otp(n, to="+97517000040") for n in range(5)]
        for attempt in (1, 2):
            run_worker()
            for message in messages:
                message.refresh_from_db()
                assert (message.status, message.attempts) == (MessageStatus.QUEUED, attempt)
                assert message.last_error.startswith("Kannel unreachable")
            time.sleep(0.8)  # past the back-off
    finally:
        kannel.start_smsbox()
    time.sleep(0.8)
    run_worker()

    for message in messages:
        message.refresh_from_db()
        assert (message.status, message.attempts) == (MessageStatus.SENT, 3), message.last_error
    assert wait_until(lambda: all(m.body in texts_to(kannel, "+97517000040") for m in messages))
    time.sleep(1)  # anything sent twice would show by now
    assert sorted(texts_to(kannel, "+97517000040")) == sorted(m.body for m in messages)


def test_inbound_status_is_answered_by_sms(kannel_settings, run_worker, file_grievance):
    kannel = kannel_settings
    grievance = file_grievance(mobile="+97517000020")
    kannel.inject("+97517000020", f"status {grievance.application_id}")

    def answered() -> bool:
        return Message.objects.filter(template="sms_status_details", recipient="+97517000020").exists()

    assert wait_until(answered)
    run_worker()
    reply = Message.objects.get(template="sms_status_details")
    assert wait_until(lambda: reply.body in texts_to(kannel, "+97517000020")), kannel.received()
    assert grievance.application_id in reply.body


def test_inbound_new_files_a_grievance_and_answers_its_id(kannel_settings, run_worker, org):
    kannel = kannel_settings
    kannel.inject("+97517000030", "NEW 10101001234 No water in Changzamtog since Monday")

    assert wait_until(lambda: Grievance.objects.filter(mobile="+97517000030").exists())
    grievance = Grievance.objects.get(mobile="+97517000030")
    assert grievance.channel == Channel.SMS
    assert grievance.description == "No water in Changzamtog since Monday"
    run_worker()
    assert wait_until(lambda: any(grievance.application_id in text for text in texts_to(kannel, "+97517000030")))
