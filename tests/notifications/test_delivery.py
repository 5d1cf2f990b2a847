"""Sending from the outbox (drain_outbox in batches, deliver_message for one) and its state changes:
send once, retry with back-off, fail visibly, sweep."""

import random
from datetime import timedelta

import pytest
import time_machine
from django.db import OperationalError
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from ekaasel.notifications import delivery, tasks
from ekaasel.notifications.models import MessageStatus
from ekaasel.notifications.tasks import deliver_message, drain_outbox, sweep_outbox

DRAIN = drain_outbox.module_path
pytestmark = pytest.mark.django_db


def deliver(message_id: int) -> str:
    return deliver_message.call(message_id)


def test_deliver_sends_through_the_backend_and_marks_sent(sms_sent, make_message):
    message = make_message(recipient="+97577123456", body="Your code is 123456")

    assert deliver(message.pk) == "sent"

    assert [(sms.to, sms.text, sms.message_id) for sms in sms_sent] == [
        ("+97577123456", "Your code is 123456", message.pk)
    ]
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT
    assert message.attempts == 1
    assert message.sent_at is not None
    assert message.sending_started_at is not None
    assert message.provider_message_id == f"test-{message.pk}-1"


def test_a_second_delivery_of_the_same_message_does_not_send_again(sms_sent, make_message):
    message = make_message()
    assert deliver(message.pk) == "sent"
    assert deliver(message.pk) == "skipped"
    assert len(sms_sent) == 1
    message.refresh_from_db()
    assert message.attempts == 1


def test_a_message_not_yet_due_is_not_sent(sms_sent, make_message):
    message = make_message(next_attempt_at=timezone.now() + timedelta(minutes=5))
    assert deliver(message.pk) == "skipped"
    assert sms_sent == []
    message.refresh_from_db()
    assert message.status == MessageStatus.QUEUED
    assert message.attempts == 0


def test_a_missing_message_is_skipped(sms_sent):
    assert deliver(999_999) == "skipped"


def test_temporary_failure_requeues_with_growing_back_off_then_fails(
    use_backend, outbox_settings, make_message, django_capture_on_commit_callbacks
):
    use_backend("GatewayDownBackend")
    outbox_settings(MAX_ATTEMPTS=3, BACKOFF_BASE_SECONDS=10.0, BACKOFF_MAX_SECONDS=3600.0)
    message = make_message()
    delays = []
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        for attempt in (1, 2):
            with django_capture_on_commit_callbacks(execute=True):
                assert deliver(message.pk) == MessageStatus.QUEUED
            message.refresh_from_db()
            assert message.status == MessageStatus.QUEUED
            assert message.attempts == attempt
            assert message.last_error == "gateway unreachable"
            now = timezone.now()
            assert message.next_attempt_at > now
            delays.append((message.next_attempt_at - now).total_seconds())
            # A drain is queued for exactly that time, and the message is not sent before it.
            retry = DBTaskResult.objects.order_by("-enqueued_at").first()
            assert retry is not None
            assert retry.task_path == DRAIN
            assert retry.run_after == message.next_attempt_at
            assert deliver(message.pk) == "skipped"
            traveller.move_to(message.next_attempt_at)

        assert deliver(message.pk) == MessageStatus.FAILED

    assert 8 <= delays[0] <= 12  # 10 s ±20 %
    assert 16 <= delays[1] <= 24  # 20 s ±20 %
    message.refresh_from_db()
    assert message.status == MessageStatus.FAILED
    assert message.attempts == 3
    assert message.failed_at is not None
    assert message.last_error == "gateway unreachable"
    assert DBTaskResult.objects.count() == 2  # no retry after the last attempt


def test_permanent_failure_fails_at_once_with_the_reason(use_backend, make_message, django_capture_on_commit_callbacks):
    use_backend("RejectingBackend")
    message = make_message()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert deliver(message.pk) == MessageStatus.FAILED
    assert callbacks == []
    message.refresh_from_db()
    assert message.status == MessageStatus.FAILED
    assert message.attempts == 1
    assert message.last_error == "number not in service"
    assert message.failed_at is not None
    assert not DBTaskResult.objects.exists()


def test_an_unexpected_backend_error_is_retried_like_a_temporary_failure(
    use_backend, make_message, django_capture_on_commit_callbacks
):
    use_backend("BrokenBackend")
    message = make_message()
    with django_capture_on_commit_callbacks(execute=True):
        assert deliver(message.pk) == MessageStatus.QUEUED
    message.refresh_from_db()
    assert message.attempts == 1
    assert message.last_error == "RuntimeError: backend bug"
    assert DBTaskResult.objects.count() == 1


def test_back_off_doubles_is_capped_and_jittered(outbox_settings):
    outbox_settings(BACKOFF_BASE_SECONDS=10.0, BACKOFF_MAX_SECONDS=60.0)
    rng = random.Random(1)
    for attempts, base in [(1, 10), (2, 20), (3, 40), (4, 60), (30, 60), (10_000, 60)]:
        for _ in range(20):
            assert base * 0.8 <= delivery.backoff_seconds(attempts, rng=rng) <= base * 1.2


def test_the_outcome_of_a_superseded_try_is_ignored(make_message):
    """A worker that was presumed dead must not overwrite the state of the try that replaced it."""
    message = make_message()
    old_try = delivery.claim_message(message_id=message.pk)
    assert old_try is not None
    # The sweep gave up on it and another worker claimed the message again.
    type(message).objects.filter(pk=message.pk).update(status=MessageStatus.QUEUED)
    new_try = delivery.claim_message(message_id=message.pk)
    assert new_try is not None and new_try.attempts == 2

    assert delivery.mark_retry_or_failed(message=old_try, error="late timeout", permanent=True) is None
    message.refresh_from_db()
    assert message.status == MessageStatus.SENDING
    assert message.last_error == ""


def test_a_send_that_succeeds_after_the_sweep_reset_it_is_not_sent_again(sms_sent, make_message):
    message = make_message()
    slow_try = delivery.claim_message(message_id=message.pk)
    assert slow_try is not None
    type(message).objects.filter(pk=message.pk).update(status=MessageStatus.QUEUED)

    assert delivery.mark_sent(message=slow_try, provider_message_id="gw-1") is True
    assert deliver(message.pk) == "skipped"
    assert sms_sent == []
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT
    assert message.provider_message_id == "gw-1"


class TestSweep:
    def test_requeues_a_queued_message_whose_task_was_lost(
        self, settings, make_message, django_capture_on_commit_callbacks
    ):
        now = timezone.now()
        stuck_for = timedelta(seconds=settings.OUTBOX["STUCK_AFTER_SECONDS"] + 30)
        lost = make_message(next_attempt_at=now - stuck_for)
        just_due = make_message(next_attempt_at=now - timedelta(seconds=5))
        waiting = make_message(next_attempt_at=now + timedelta(minutes=5))

        with django_capture_on_commit_callbacks(execute=True):
            result = sweep_outbox.call()

        assert result == {"requeued": 1, "reset": 0, "failed": 0}
        assert [task.task_path for task in DBTaskResult.objects.all()] == [DRAIN]
        lost.refresh_from_db()
        assert lost.status == MessageStatus.QUEUED
        assert lost.next_attempt_at >= now  # not re-enqueued again by the next sweep
        just_due.refresh_from_db()
        waiting.refresh_from_db()
        assert just_due.next_attempt_at < now
        assert waiting.next_attempt_at > now

        with django_capture_on_commit_callbacks(execute=True):
            assert sweep_outbox.call() == {"requeued": 0, "reset": 0, "failed": 0}

    def test_resets_a_message_left_sending_by_a_dead_worker(
        self, make_message, outbox_settings, django_capture_on_commit_callbacks
    ):
        outbox_settings(MAX_ATTEMPTS=3)
        now = timezone.now()
        interrupted = make_message(
            status=MessageStatus.SENDING, attempts=1, sending_started_at=now - timedelta(minutes=11)
        )
        exhausted = make_message(
            status=MessageStatus.SENDING, attempts=3, sending_started_at=now - timedelta(minutes=11)
        )
        in_progress = make_message(
            status=MessageStatus.SENDING, attempts=1, sending_started_at=now - timedelta(minutes=1)
        )

        with django_capture_on_commit_callbacks(execute=True):
            result = delivery.sweep_stuck()

        assert (result.reset, result.failed, result.requeued) == ([interrupted.pk], [exhausted.pk], [])
        interrupted.refresh_from_db()
        assert interrupted.status == MessageStatus.QUEUED
        assert interrupted.attempts == 1
        assert "stopped while sending" in interrupted.last_error
        assert [task.task_path for task in DBTaskResult.objects.all()] == [DRAIN]
        exhausted.refresh_from_db()
        assert exhausted.status == MessageStatus.FAILED
        assert exhausted.failed_at is not None
        in_progress.refresh_from_db()
        assert in_progress.status == MessageStatus.SENDING

    def test_a_reset_message_is_then_delivered(self, sms_sent, make_message, django_capture_on_commit_callbacks):
        message = make_message(
            status=MessageStatus.SENDING, attempts=1, sending_started_at=timezone.now() - timedelta(hours=1)
        )
        with django_capture_on_commit_callbacks(execute=True):
            delivery.sweep_stuck()
        assert deliver(message.pk) == "sent"
        message.refresh_from_db()
        assert message.attempts == 2
        assert len(sms_sent) == 1


def test_requeue_failed_gives_failed_messages_new_attempts(
    sms_sent, make_message, django_capture_on_commit_callbacks
):
    failed = make_message(status=MessageStatus.FAILED, attempts=8, failed_at=timezone.now(), last_error="x")
    sent = make_message(status=MessageStatus.SENT, attempts=1, sent_at=timezone.now())

    with django_capture_on_commit_callbacks(execute=True):
        assert delivery.requeue_failed(message_ids=[failed.pk, sent.pk]) == 1

    failed.refresh_from_db()
    assert failed.status == MessageStatus.QUEUED
    assert failed.attempts == 0
    assert failed.failed_at is None
    assert [task.task_path for task in DBTaskResult.objects.all()] == [DRAIN]
    sent.refresh_from_db()
    assert sent.status == MessageStatus.SENT

    assert deliver(failed.pk) == "sent"
    assert [sms.message_id for sms in sms_sent] == [failed.pk]


@pytest.mark.django_db(transaction=True)
def test_a_failed_sent_write_is_retried_so_the_sms_is_not_sent_twice(sms_sent, make_message, monkeypatch):
    messages = [make_message(), make_message()]
    real_mark_sent_many = delivery.mark_sent_many
    calls = []

    def flaky_mark_sent_many(**kwargs):
        calls.append(kwargs)
        if len(calls) == 1:
            raise OperationalError("database is locked")
        return real_mark_sent_many(**kwargs)

    monkeypatch.setattr(tasks.delivery, "mark_sent_many", flaky_mark_sent_many)
    monkeypatch.setattr(tasks.time, "sleep", lambda seconds: None)

    assert drain_outbox.call() == {"sent": 2}
    assert len(calls) == 2
    for message in messages:
        message.refresh_from_db()
        assert message.status == MessageStatus.SENT
    assert sorted(sms.message_id for sms in sms_sent) == [m.pk for m in messages]
