"""Background tasks of the notification outbox. No message travels through the task queue.

One `drain_outbox` task sends every due message: it claims due rows in batches, sends each outside any
transaction and records the batch's outcomes (delivery.py), until none is due. Committing a new
message, a retry's back-off, the sweep and an operator's re-queue only make sure that a drain will
run (`enqueue_drain_unless_waiting`), so the task queue's bookkeeping is per batch, not per message.

The task backend retries no failed task (the Redis backend only runs again the task of a worker that
died mid-run); the outbox row carries attempts and back-off (delivery.py), and the sweep re-queues
rows whose drain was lost. The same tasks run on the database and the Redis backend (settings.TASKS).
"""

import logging
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from django.db import DatabaseError, close_old_connections
from django.tasks import Task, task

from ekaasel.core import clock
from ekaasel.core.queueing import QUEUE_UNAVAILABLE, waiting_task_exists
from ekaasel.notifications import delivery
from ekaasel.notifications.backends import PermanentFailure, SendResult, TemporaryFailure, get_backend
from ekaasel.notifications.models import Message

logger = logging.getLogger(__name__)

# After the gateway accepted the SMS, failing to write "sent" means sending it twice later (the
# crash window in delivery.py), so that one write is tried a few times, on a fresh connection.
SENT_WRITE_TRIES = 4
# Accepted messages are recorded at the end of each batch, or sooner once this long has passed, so a
# slow gateway does not widen the crash window.
SENT_FLUSH_SECONDS = 1.0
# One drain hands over to a fresh task after this long, so a big backlog does not keep the worker from
# stopping on SIGTERM or from its other tasks (sweep, time limits).
DRAIN_MAX_SECONDS = 30.0
# A retry due within this long after a drain already scheduled waits for that drain: one task per
# second of back-off at most, however many messages failed together.
RETRY_COALESCE_SECONDS = 1.0


def _record_sent(provider_message_ids: Mapping[int, str]) -> None:
    """delivery.mark_sent_many, retried on database errors; re-raises after the last try."""
    for attempt in range(1, SENT_WRITE_TRIES + 1):
        try:
            delivery.mark_sent_many(provider_message_ids=provider_message_ids)
            return
        except DatabaseError:
            if attempt == SENT_WRITE_TRIES:
                logger.exception(
                    "Messages %s were sent but could not be marked sent; the sweep will resend them",
                    sorted(provider_message_ids),
                )
                raise
            logger.warning("Could not mark %s message(s) sent (try %s); retrying", len(provider_message_ids), attempt)
            time.sleep(0.5 * attempt)
            close_old_connections()  # drops a broken connection so the next try reconnects


def _send_claimed(message: Message) -> SendResult | str:
    """Hand one claimed message to the gateway: its SendResult, or the recorded outcome of a failure."""
    try:
        # No transaction is open here: the gateway call may take seconds and must not hold locks.
        return get_backend().send(to=message.recipient, text=message.body, message_id=message.pk)
    except PermanentFailure as exc:
        status = delivery.mark_retry_or_failed(message=message, error=exc.reason, permanent=True)
    except TemporaryFailure as exc:
        status = delivery.mark_retry_or_failed(message=message, error=exc.reason)
    except Exception as exc:  # A backend bug or an unexpected network error: retry like a temporary failure.
        logger.exception("SMS backend raised unexpectedly for message %s", message.pk)
        status = delivery.mark_retry_or_failed(message=message, error=f"{type(exc).__name__}: {exc}")
    return str(status or "superseded")


def send_batch(messages: Sequence[Message]) -> Counter[str]:
    """Send claimed messages one by one and record the accepted ones together; counts by outcome.

    Stops at half the sending timeout and gives the rest back to the queue, so the sweep never takes a
    row that is merely waiting its turn in this batch for an interrupted send.
    """
    outcomes: Counter[str] = Counter()
    sent: dict[int, str] = {}
    started = last_flush = time.monotonic()
    give_up_at = started + delivery.sending_timeout_seconds() / 2
    try:
        for position, message in enumerate(messages):
            if position and time.monotonic() > give_up_at:  # the first always goes: progress, however slow
                outcomes["released"] += delivery.release_unsent(messages=messages[position:])
                break
            result = _send_claimed(message)
            if not isinstance(result, SendResult):
                outcomes[result] += 1
                continue
            sent[message.pk] = result.provider_message_id
            if time.monotonic() - last_flush > SENT_FLUSH_SECONDS:
                _record_sent(sent)
                outcomes["sent"] += len(sent)
                sent, last_flush = {}, time.monotonic()
    finally:
        # Also when a failure could not be recorded: what the gateway accepted must be marked sent.
        if sent:
            _record_sent(sent)
            outcomes["sent"] += len(sent)
    return outcomes


@task
def drain_outbox() -> dict[str, int]:
    """Send every due queued message, a batch at a time, until none is due; counts by outcome.

    A full batch means more may be due, so it asks for another drain, which an idle worker takes:
    several workers then drain side by side, each claiming its own rows.
    """
    outcomes: Counter[str] = Counter()
    started = time.monotonic()
    limit = delivery.batch_size()
    while True:
        batch = delivery.claim_due_batch(limit=limit)
        if not batch:
            break
        if len(batch) == limit:
            enqueue_drain_unless_waiting()
        outcomes += send_batch(batch)
        if time.monotonic() - started > DRAIN_MAX_SECONDS:
            enqueue_drain_unless_waiting()
            break
    return dict(outcomes)


@task
def deliver_message(message_id: int) -> str:
    """Send one outbox message if it is still due, and record the outcome; "skipped" if it is not due,
    taken or finished. The worker uses drain_outbox; this is for sending one message by hand."""
    message = delivery.claim_message(message_id=message_id)
    if message is None:
        return "skipped"
    outcomes = send_batch([message])
    return "sent" if outcomes["sent"] else next(iter(outcomes), "superseded")


def enqueue_drain_unless_waiting(*, run_after: datetime | None = None) -> bool:
    """Enqueue drain_outbox for `run_after` (default now) unless a waiting one will do; True if it enqueued.

    Only a waiting (READY) task counts: a running drain may already have made its last claim. For "now",
    any waiting drain that is due will do (it claims after this message was committed); for a later
    time, one due in [run_after, run_after + RETRY_COALESCE_SECONDS].

    Called after the commit that stored the messages: when the queue does not answer, the messages are
    safe in the outbox and the sweep enqueues a drain for them later, so the failure is only logged.
    """
    now = clock.now()
    try:
        if run_after is None or run_after <= now:
            if waiting_task_exists(drain_outbox, due_until=now):
                return False
            drain_outbox.enqueue()
            return True
        coalesce_until = run_after + timedelta(seconds=RETRY_COALESCE_SECONDS)
        if waiting_task_exists(drain_outbox, due_from=run_after, due_until=coalesce_until):
            return False
        drain_outbox.using(run_after=run_after).enqueue()
        return True
    except QUEUE_UNAVAILABLE:
        logger.exception("Could not enqueue the outbox drain; the outbox sweep will enqueue it again")
        return False


@task
def sweep_outbox() -> dict[str, int]:
    """Re-enqueue messages whose task was lost and reset ones interrupted mid-send (delivery.sweep_stuck)."""
    result = delivery.sweep_stuck()
    return {"requeued": len(result.requeued), "reset": len(result.reset), "failed": len(result.failed)}


def enqueue_unless_waiting(periodic_task: Task[[], Any]) -> bool:
    """Enqueue a task without arguments unless one is already waiting in the queue; True if it enqueued one.

    For periodic jobs: a worker that is down or busy must not come back to a pile of identical tasks.
    """
    if waiting_task_exists(periodic_task):
        return False
    periodic_task.enqueue()
    return True


def enqueue_sweep_unless_waiting() -> bool:
    """Enqueue sweep_outbox unless one is already waiting in the queue; True if it enqueued one."""
    return enqueue_unless_waiting(sweep_outbox)
