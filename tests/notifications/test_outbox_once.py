"""One SMS per event key, whoever asks and however often: the outbox row is written once (INSERT … ON CONFLICT)."""

import threading

import pytest
from django.core.management import call_command
from django.db import connection, connections, transaction
from django_tasks_db.models import DBTaskResult

from ekaasel.notifications.models import Message, MessageStatus
from ekaasel.notifications.outbox import queue_sms
from ekaasel.notifications.tasks import drain_outbox

KEY = "grievance-event:1:submitted:+97517123456"


def queue(application_id: str = "EK-26-004821-9", event_key: str = KEY) -> Message:
    return queue_sms(
        to="+97517123456", template="submitted", language="en", event_key=event_key,
        context={"application_id": application_id, "portal_url": "https://ekaasel.test"},
    )


@pytest.mark.django_db
def test_a_repeated_key_in_one_transaction_keeps_the_first_message(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = queue()
        again = queue(application_id="EK-26-000001-7")
    assert again.pk == first.pk
    stored = Message.objects.get()
    assert "EK-26-004821-9" in stored.body and "EK-26-000001-7" not in stored.body
    assert (stored.status, stored.attempts, stored.recipient) == (MessageStatus.QUEUED, 0, "+97517123456")
    assert stored.next_attempt_at is not None and stored.created_at is not None
    assert DBTaskResult.objects.filter(task_path=drain_outbox.module_path).count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_repeated_key_in_later_transactions_is_sent_once(sms_sent):
    first = queue()
    assert queue().pk == first.pk
    assert queue("EK-26-000001-7", event_key="grievance-event:2:submitted:+97517123456").pk != first.pk
    call_command("run_worker", batch=True, interval=0, worker_id="once-worker")
    assert sorted(sms.message_id for sms in sms_sent) == sorted(Message.objects.values_list("pk", flat=True))
    assert [sms.text for sms in sms_sent].count(first.body) == 1
    assert Message.objects.filter(status=MessageStatus.SENT).count() == 2


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="overlapping transactions need PostgreSQL")
def test_two_transactions_queuing_one_key_at_once_store_one_message():
    inserted = threading.Event()
    results: dict[str, int] = {}

    def first() -> None:
        try:
            with transaction.atomic():
                results["first"] = queue().pk
                inserted.set()
                threading.Event().wait(0.3)  # the second INSERT waits on the unique index meanwhile
        finally:
            connections.close_all()

    def second() -> None:
        try:
            inserted.wait(5)
            with transaction.atomic():
                results["second"] = queue(application_id="EK-26-000001-7").pk
        finally:
            connections.close_all()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert results["first"] == results["second"]
    assert Message.objects.get().body.count("EK-26-004821-9") == 2
