"""Queuing messages. Called inside a domain action's transaction; the send happens after commit."""

from collections.abc import Mapping
from datetime import datetime
from functools import cache
from typing import TYPE_CHECKING, Any

from django.db import connections, router, transaction
from django.db.models import Field

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
    if not _insert_unless_queued(message):
        return Message.objects.get(event_key=event_key)
    transaction.on_commit(enqueue_delivery)
    return message


def _insert_unless_queued(message: Message) -> bool:
    """INSERT the row unless one with its event key exists; True (and its id set) when this one was stored.

    One statement, `INSERT … ON CONFLICT (event_key) DO NOTHING RETURNING id` (PostgreSQL and SQLite),
    instead of a look-up, a savepoint and an INSERT: two transactions queuing one key at once meet at the
    unique index, and the second one gets no row back. Field defaults and conversions are Django's own.
    """
    using = router.db_for_write(Message)
    connection = connections[using]
    fields = _inserted_fields()
    values = [f.get_db_prep_save(f.pre_save(message, add=True), connection) for f in fields]
    with connection.cursor() as cursor:
        cursor.execute(_insert_sql(using), values)
        row = cursor.fetchone()
    if row is None:
        return False
    message.pk = row[0]
    message._state.adding = False
    message._state.db = using
    return True


@cache
def _inserted_fields() -> list[Field[Any, Any]]:
    return [f for f in Message._meta.concrete_fields if not f.primary_key]


@cache
def _insert_sql(using: str) -> str:
    meta = Message._meta
    quote = connections[using].ops.quote_name
    columns = ", ".join(quote(str(f.column)) for f in _inserted_fields())
    placeholders = ", ".join(["%s"] * len(_inserted_fields()))
    key, pk = quote(str(meta.get_field("event_key").column)), quote(str(meta.pk.column))
    return (f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES ({placeholders}) "  # noqa: S608 - the model's names
            f"ON CONFLICT ({key}) DO NOTHING RETURNING {pk}")


def enqueue_delivery(*, run_after: datetime | None = None) -> None:
    """Make sure the worker sends what is due at `run_after` (default: now). Safe to call again.

    No task per message: one drain_outbox task sends every due row in batches, and none is enqueued
    while one that will see these rows is already waiting (tasks.enqueue_drain_unless_waiting).
    """
    from ekaasel.notifications.tasks import enqueue_drain_unless_waiting

    enqueue_drain_unless_waiting(run_after=run_after)
