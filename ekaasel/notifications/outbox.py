"""Queuing messages. Called inside a domain action's transaction; the send happens after commit."""

from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING

from django.db import transaction

from ekaasel.core.inserts import insert
from ekaasel.notifications.models import Message
from ekaasel.notifications.templates_registry import render

if TYPE_CHECKING:
    from ekaasel.grievances.models import Grievance


def queue_sms(
    *,
    to: str,
    template: str,
    context: Mapping[str, object],
    language: str,
    event_key: str,
    grievance: "Grievance | None" = None,
) -> Message:
    """Store one SMS in the outbox and wake the worker once the transaction commits.

    The event key makes it idempotent: one message per event and recipient, however often it is asked.
    """
    message = Message(
        recipient=to, body=render(template, language, context), template=template, language=language,
        event_key=event_key, grievance=grievance,
    )
    # One statement: two transactions queuing one key at once meet at the unique index, and the second one
    # stores nothing (instead of a look-up, a savepoint and an INSERT).
    if not insert(message, unless_conflict_on="event_key"):
        return Message.objects.get(event_key=event_key)
    transaction.on_commit(enqueue_delivery)
    return message


def enqueue_delivery(*, run_after: datetime | None = None) -> None:
    """Make sure the worker sends what is due at `run_after` (default: now). Safe to call again.

    No task per message: one drain_outbox task sends every due row in batches, and none is enqueued
    while one that will see these rows is already waiting (tasks.enqueue_drain_unless_waiting).
    """
    from ekaasel.notifications.tasks import enqueue_drain_unless_waiting

    enqueue_drain_unless_waiting(run_after=run_after)
