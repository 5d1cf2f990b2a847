"""Background tasks of the notification outbox. Only message ids travel through the task queue.

The task backend retries nothing; the outbox row carries attempts and back-off (delivery.py), and
the sweep re-enqueues rows whose task was lost.
"""

import logging
import time
from typing import Any

from django.db import DatabaseError, close_old_connections
from django.tasks import Task, TaskResultStatus, task
from django_tasks_db.models import DBTaskResult

from ekaasel.notifications import delivery
from ekaasel.notifications.backends import PermanentFailure, TemporaryFailure, get_backend
from ekaasel.notifications.models import Message

logger = logging.getLogger(__name__)

# After the gateway accepted the SMS, failing to write "sent" means sending it twice later (the
# crash window in delivery.py), so that one write is tried a few times, on a fresh connection.
SENT_WRITE_TRIES = 4


def _record_sent(*, message: Message, provider_message_id: str) -> None:
    """delivery.mark_sent, retried on database errors; re-raises after the last try."""
    for attempt in range(1, SENT_WRITE_TRIES + 1):
        try:
            delivery.mark_sent(message=message, provider_message_id=provider_message_id)
            return
        except DatabaseError:
            if attempt == SENT_WRITE_TRIES:
                raise
            logger.warning("Could not mark message %s sent (try %s); retrying", message.pk, attempt)
            time.sleep(0.5 * attempt)
            close_old_connections()  # drops a broken connection so the next try reconnects


@task
def deliver_message(message_id: int) -> str:
    """Send one outbox message if it is still due, and record the outcome; a no-op for a duplicate task."""
    message = delivery.claim_message(message_id=message_id)
    if message is None:
        return "skipped"
    try:
        # No transaction is open here: the gateway call may take seconds and must not hold locks.
        result = get_backend().send(to=message.recipient, text=message.body, message_id=message.pk)
    except PermanentFailure as exc:
        status = delivery.mark_retry_or_failed(message=message, error=exc.reason, permanent=True)
    except TemporaryFailure as exc:
        status = delivery.mark_retry_or_failed(message=message, error=exc.reason)
    except Exception as exc:  # A backend bug or an unexpected network error: retry like a temporary failure.
        logger.exception("SMS backend raised unexpectedly for message %s", message_id)
        status = delivery.mark_retry_or_failed(message=message, error=f"{type(exc).__name__}: {exc}")
    else:
        try:
            _record_sent(message=message, provider_message_id=result.provider_message_id)
        except DatabaseError:
            logger.exception("Message %s was sent but could not be marked sent; the sweep will resend it", message_id)
            raise
        return "sent"
    return str(status or "superseded")


@task
def sweep_outbox() -> dict[str, int]:
    """Re-enqueue messages whose task was lost and reset ones interrupted mid-send (delivery.sweep_stuck)."""
    result = delivery.sweep_stuck()
    return {"requeued": len(result.requeued), "reset": len(result.reset), "failed": len(result.failed)}


def enqueue_unless_waiting(periodic_task: Task[[], Any]) -> bool:
    """Enqueue a task without arguments unless one is already waiting in the queue; True if it enqueued one.

    For periodic jobs: a worker that is down or busy must not come back to a pile of identical tasks.
    """
    waiting = DBTaskResult.objects.filter(
        task_path=periodic_task.module_path, status=TaskResultStatus.READY
    ).exists()
    if waiting:
        return False
    periodic_task.enqueue()
    return True


def enqueue_sweep_unless_waiting() -> bool:
    """Enqueue sweep_outbox unless one is already waiting in the queue; True if it enqueued one."""
    return enqueue_unless_waiting(sweep_outbox)
