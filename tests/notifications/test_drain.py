"""drain_outbox: every due message sent once, in batches, with the database work per batch, not per message."""

from datetime import timedelta

import pytest
from django.db import connection
from django.tasks import TaskResultStatus
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from ekaasel.notifications import delivery, tasks
from ekaasel.notifications.models import Message, MessageStatus
from ekaasel.notifications.tasks import drain_outbox, enqueue_drain_unless_waiting
from tests.notifications.backends import REJECTED_NUMBER

pytestmark = pytest.mark.django_db
DRAIN = drain_outbox.module_path


def waiting_drains() -> list[DBTaskResult]:
    return list(DBTaskResult.objects.filter(task_path=DRAIN, status=TaskResultStatus.READY))


def test_drain_sends_every_due_message_once_across_batches(sms_sent, make_message, outbox_settings):
    outbox_settings(BATCH_SIZE=2)
    due = [make_message() for _ in range(5)]
    later = make_message(next_attempt_at=timezone.now() + timedelta(minutes=5))

    assert drain_outbox.call() == {"sent": 5}

    assert sorted(sms.message_id for sms in sms_sent) == [m.pk for m in due]
    for message in due:
        message.refresh_from_db()
        assert (message.status, message.attempts) == (MessageStatus.SENT, 1)
        assert message.provider_message_id.startswith(f"test-{message.pk}-")
    later.refresh_from_db()
    assert (later.status, later.attempts) == (MessageStatus.QUEUED, 0)
    assert drain_outbox.call() == {}  # nothing due: nothing sent again


def test_the_database_work_does_not_grow_with_the_number_of_messages(sms_sent, make_message, outbox_settings):
    outbox_settings(BATCH_SIZE=50)

    def queries_to_drain(count: int) -> int:
        for _ in range(count):
            make_message()
        with CaptureQueriesContext(connection) as queries:
            assert drain_outbox.call() == {"sent": count}
        return len(queries)

    few, many = queries_to_drain(3), queries_to_drain(40)
    assert few == many <= 10  # claim (savepoint, select, update, read), one "sent" write, final empty claim
    assert len(sms_sent) == 43


def test_a_failure_in_a_batch_is_recorded_alone_and_the_others_are_sent(
    use_backend, make_message, django_capture_on_commit_callbacks
):
    use_backend("RejectsOneNumberBackend")
    first, rejected, last = make_message(), make_message(recipient=REJECTED_NUMBER), make_message()

    with django_capture_on_commit_callbacks(execute=True):
        assert drain_outbox.call() == {"sent": 2, MessageStatus.FAILED: 1}

    for message, status in [(first, MessageStatus.SENT), (rejected, MessageStatus.FAILED), (last, MessageStatus.SENT)]:
        message.refresh_from_db()
        assert message.status == status
    assert rejected.last_error == "number not in service"


def test_a_full_batch_asks_for_another_drain_so_idle_workers_join_in(sms_sent, make_message, outbox_settings):
    outbox_settings(BATCH_SIZE=2)
    for _ in range(3):
        make_message()
    assert drain_outbox.call() == {"sent": 3}
    assert len(waiting_drains()) == 1  # one, however many full batches


def test_a_drain_is_enqueued_only_when_none_due_is_waiting():
    assert enqueue_drain_unless_waiting() is True
    assert enqueue_drain_unless_waiting() is False
    DBTaskResult.objects.update(status=TaskResultStatus.RUNNING)  # a running drain may have made its last claim
    assert enqueue_drain_unless_waiting() is True
    assert len(waiting_drains()) == 1


def test_retries_due_close_together_share_one_drain_and_a_later_one_does_not_delay_now():
    soon = timezone.now() + timedelta(seconds=10)
    assert enqueue_drain_unless_waiting(run_after=soon) is True
    assert enqueue_drain_unless_waiting(run_after=soon - timedelta(seconds=0.5)) is False
    assert enqueue_drain_unless_waiting(run_after=soon + timedelta(seconds=5)) is True
    assert enqueue_drain_unless_waiting() is True  # the scheduled ones are not due yet
    assert sorted(task.run_after for task in waiting_drains())[:2] == [soon, soon + timedelta(seconds=5)]


def test_a_batch_out_of_time_gives_its_unsent_rest_back_uncounted(sms_sent, make_message, outbox_settings):
    outbox_settings(SENDING_TIMEOUT_SECONDS=0)
    messages = [make_message() for _ in range(3)]
    batch = delivery.claim_due_batch(limit=10)

    assert tasks.send_batch(batch) == {"sent": 1, "released": 2}

    assert [sms.message_id for sms in sms_sent] == [messages[0].pk]  # the first always goes
    for message in messages[1:]:
        message.refresh_from_db()
        assert (message.status, message.attempts) == (MessageStatus.QUEUED, 0)


def test_a_late_outcome_does_not_release_a_row_claimed_again(make_message):
    message = make_message()
    [old_try] = delivery.claim_due_batch(limit=10)
    Message.objects.filter(pk=message.pk).update(status=MessageStatus.QUEUED)
    [new_try] = delivery.claim_due_batch(limit=10)
    assert new_try.attempts == 2

    assert delivery.release_unsent(messages=[old_try]) == 0
    message.refresh_from_db()
    assert (message.status, message.attempts) == (MessageStatus.SENDING, 2)
