"""Queuing: the row is written in the caller's transaction; the worker is woken only after commit."""

import pytest
from django.db import transaction
from django_tasks_db.models import DBTaskResult

from ekaasel.notifications.models import Message, MessageStatus
from ekaasel.notifications.outbox import queue_sms
from ekaasel.notifications.tasks import drain_outbox

DRAIN = drain_outbox.module_path


def queue_submitted(event_key: str = "grievance:1:submitted") -> Message:
    return queue_sms(
        to="+97517123456",
        template="submitted",
        context={"application_id": "EK-26-004821-9", "portal_url": "https://ekaasel.test"},
        language="en",
        event_key=event_key,
    )


@pytest.mark.django_db
def test_the_delivery_task_is_enqueued_only_when_the_transaction_commits(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        message = queue_submitted()
        assert message.status == MessageStatus.QUEUED
        assert "EK-26-004821-9" in message.body
        assert not DBTaskResult.objects.exists()

    assert len(callbacks) == 1
    task = DBTaskResult.objects.get()
    assert task.task_path == DRAIN
    assert task.args_kwargs == {"args": [], "kwargs": {}}


@pytest.mark.django_db
def test_many_messages_in_one_transaction_wake_the_worker_once(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(5):
            queue_submitted(event_key=f"grievance:{n}:submitted")

    assert Message.objects.count() == 5
    assert DBTaskResult.objects.get().task_path == DRAIN


@pytest.mark.django_db(transaction=True)
def test_a_real_commit_enqueues_and_a_rollback_leaves_neither_row_nor_task():
    with transaction.atomic():
        message = queue_submitted()
        assert not DBTaskResult.objects.exists()
    assert DBTaskResult.objects.get().task_path == DRAIN
    assert Message.objects.get() == message

    class Abort(Exception):
        pass

    with pytest.raises(Abort), transaction.atomic():
        queue_submitted(event_key="grievance:2:submitted")
        raise Abort
    assert not Message.objects.filter(event_key="grievance:2:submitted").exists()
    assert DBTaskResult.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_queuing_the_same_event_twice_gives_one_message_and_one_task():
    first = queue_submitted()
    second = queue_submitted()
    assert first.pk == second.pk
    assert Message.objects.count() == 1
    assert DBTaskResult.objects.count() == 1
