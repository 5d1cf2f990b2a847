"""State changes of an outbox message. The worker, the sweep and operators change a message only here.

    queued --claim--> sending --gateway accepted--> sent
                         |--temporary failure, attempts left--> queued (next_attempt_at = back-off)
                         |--permanent failure / no attempts left--> failed --requeue_failed--> queued

Every change is a conditional UPDATE on the state the caller expects, so two workers, the sweep and
an operator acting on one row at once cannot both win. The worker claims due rows in batches
(`claim_due_batch`) and records the accepted ones with one UPDATE per batch (`mark_sent_many`);
failures are recorded one by one, fenced on the attempt number, as they are rare.

Crash window (at-least-once, never lost): a message is "sending" from its claim until the outcome is
written (for a batch: until the batch's "sent" write, at most OUTBOX["BATCH_SIZE"] messages). If the
worker dies there, or the database refuses the "sent" write after the gateway has
accepted the SMS, the row stays "sending"; after OUTBOX["SENDING_TIMEOUT_SECONDS"] (default 10 min)
`sweep_stuck` puts it back to queued and it is sent again, so the citizen may get that SMS twice. The
other choice, never retrying an interrupted send, could lose a message, which the design forbids.
"""

import logging
import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from functools import partial
from itertools import groupby

from django.conf import settings
from django.db import transaction
from django.db.models import Case, CharField, F, Value, When

from ekaasel.core import clock
from ekaasel.notifications.models import DeliveryStatus, Message, MessageStatus
from ekaasel.notifications.outbox import enqueue_delivery

logger = logging.getLogger(__name__)

DEFAULT_SENDING_TIMEOUT_SECONDS = 600
DEFAULT_BATCH_SIZE = 50
# Rows handled by one sweep; a bigger backlog is worked off over the next sweeps.
SWEEP_BATCH_SIZE = 500
ERROR_MAX_LENGTH = 2000
# Diagnostics stored on the row are for operators reading the admin; they stay in English, like the
# gateway's own error texts, because they are written once by the worker, not shown per request.
INTERRUPTED_ERROR = "The worker stopped while sending; the SMS may have gone out already."


@dataclass
class SweepResult:
    """What one sweep did, by message id."""

    requeued: list[int] = field(default_factory=list)
    reset: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)


def backoff_seconds(attempts: int, *, rng: random.Random | None = None) -> float:
    """Seconds to wait after the `attempts`-th failed try: BASE * 2**(attempts-1), capped at MAX, jittered ±20%."""
    outbox = settings.OUTBOX
    exponent = min(max(attempts - 1, 0), 62)
    delay = min(float(outbox["BACKOFF_MAX_SECONDS"]), float(outbox["BACKOFF_BASE_SECONDS"]) * 2**exponent)
    # Jitter spreads the retries of many messages that failed together (gateway outage) over time.
    return delay * (rng or random).uniform(0.8, 1.2)


def sending_timeout_seconds() -> float:
    """After this long in "sending" a message is presumed lost with its worker (the sweep resets it)."""
    return float(settings.OUTBOX.get("SENDING_TIMEOUT_SECONDS", DEFAULT_SENDING_TIMEOUT_SECONDS))


def batch_size() -> int:
    """How many due messages one worker claims at a time; also the most that can go twice after a crash."""
    return max(1, int(settings.OUTBOX.get("BATCH_SIZE", DEFAULT_BATCH_SIZE)))


def claim_due_batch(*, limit: int) -> list[Message]:
    """Mark up to `limit` due queued messages as sending (attempts + 1) and return them, longest due first.

    Rows another worker is claiming at the same moment are skipped (PostgreSQL: FOR UPDATE SKIP LOCKED;
    SQLite's IMMEDIATE transaction serialises the claims), so workers draining together never share a row.
    """
    now = clock.now()
    with transaction.atomic():
        ids = list(
            Message.objects.select_for_update(skip_locked=True)
            .filter(status=MessageStatus.QUEUED, next_attempt_at__lte=now)
            .order_by("next_attempt_at", "pk")
            .values_list("pk", flat=True)[:limit]
        )
        if not ids:
            return []
        Message.objects.filter(pk__in=ids).update(
            status=MessageStatus.SENDING, sending_started_at=now, attempts=F("attempts") + 1
        )
        return list(Message.objects.filter(pk__in=ids).order_by("next_attempt_at", "pk"))


def claim_message(*, message_id: int) -> Message | None:
    """Mark a due queued message as sending (attempts + 1) and return it; None if not due, taken or finished.

    One conditional UPDATE, so of two tasks for the same id only one sends: duplicate enqueues are harmless.
    """
    now = clock.now()
    claimed = Message.objects.filter(
        pk=message_id, status=MessageStatus.QUEUED, next_attempt_at__lte=now
    ).update(status=MessageStatus.SENDING, sending_started_at=now, attempts=F("attempts") + 1)
    if not claimed:
        return None
    return Message.objects.get(pk=message_id)


def mark_sent(*, message: Message, provider_message_id: str) -> bool:
    """Record that the gateway accepted the message; False if it was already recorded as sent."""
    return mark_sent_many(provider_message_ids={message.pk: provider_message_id}) == 1


def mark_sent_many(*, provider_message_ids: Mapping[int, str]) -> int:
    """Record that the gateway accepted these messages (id -> gateway's id), in one UPDATE; returns how many
    were not already recorded as sent.

    Applies whatever a row's state now is: if the sweep had meanwhile put it back to queued, the SMS
    did go out, so it must not be sent again.
    """
    if not provider_message_ids:
        return 0
    provider_ids = Case(
        *(When(pk=pk, then=Value(gateway_id[:100])) for pk, gateway_id in provider_message_ids.items()),
        default=F("provider_message_id"),
        output_field=CharField(),
    )
    return (
        Message.objects.filter(pk__in=list(provider_message_ids))
        .exclude(status=MessageStatus.SENT)
        .update(status=MessageStatus.SENT, sent_at=clock.now(), failed_at=None, provider_message_id=provider_ids)
    )


def release_unsent(*, messages: Sequence[Message]) -> int:
    """Put claimed messages that were never handed to the gateway back to queued, the attempt not counted.

    For a batch that ran out of time: its last rows must not sit in "sending" until the sweep takes
    them for interrupted sends. Fenced on status and attempt like every outcome; returns how many.
    """
    released = 0
    by_attempt = sorted(messages, key=lambda message: message.attempts)
    for attempts, group in groupby(by_attempt, key=lambda message: message.attempts):
        released += Message.objects.filter(
            pk__in=[message.pk for message in group], status=MessageStatus.SENDING, attempts=attempts
        ).update(status=MessageStatus.QUEUED, attempts=F("attempts") - 1, sending_started_at=None)
    return released


def mark_retry_or_failed(*, message: Message, error: str, permanent: bool = False) -> MessageStatus | None:
    """Record a failed try: back to queued with back-off while attempts remain, else failed.

    A permanent failure fails at once. Applies only to the try this worker claimed (same status and
    attempt number); returns the new status, or None when the row had moved on without it.
    """
    now = clock.now()
    error = error[:ERROR_MAX_LENGTH]
    this_try = Message.objects.filter(pk=message.pk, status=MessageStatus.SENDING, attempts=message.attempts)
    if permanent or message.attempts >= settings.OUTBOX["MAX_ATTEMPTS"]:
        if not this_try.update(status=MessageStatus.FAILED, failed_at=now, last_error=error):
            return None
        logger.warning("Message %s failed after %s attempt(s): %s", message.pk, message.attempts, error)
        return MessageStatus.FAILED
    next_attempt_at = now + timedelta(seconds=backoff_seconds(message.attempts))
    with transaction.atomic():
        if not this_try.update(status=MessageStatus.QUEUED, next_attempt_at=next_attempt_at, last_error=error):
            return None
        transaction.on_commit(partial(enqueue_delivery, run_after=next_attempt_at))
    logger.info("Message %s attempt %s failed, retry at %s: %s", message.pk, message.attempts, next_attempt_at, error)
    return MessageStatus.QUEUED


def sweep_stuck() -> SweepResult:
    """Re-enqueue queued messages whose task was lost and reset messages stuck in "sending" by a dead worker.

    Queued: due for longer than OUTBOX["STUCK_AFTER_SECONDS"]; next_attempt_at is set to now, so a
    row is re-enqueued at most once per that period even while the worker is merely behind.
    Sending: claimed longer than OUTBOX["SENDING_TIMEOUT_SECONDS"] ago; back to queued (may send twice,
    see the module docstring), or failed when it has no attempts left.
    """
    now = clock.now()
    outbox = settings.OUTBOX
    stuck_before = now - timedelta(seconds=outbox["STUCK_AFTER_SECONDS"])
    sending_before = now - timedelta(seconds=sending_timeout_seconds())
    max_attempts = outbox["MAX_ATTEMPTS"]
    result = SweepResult()
    with transaction.atomic():
        lost = Message.objects.filter(status=MessageStatus.QUEUED, next_attempt_at__lt=stuck_before)
        result.requeued = list(lost.order_by("next_attempt_at").values_list("pk", flat=True)[:SWEEP_BATCH_SIZE])
        lost.filter(pk__in=result.requeued).update(next_attempt_at=now)

        stale = Message.objects.filter(status=MessageStatus.SENDING, sending_started_at__lt=sending_before)
        result.failed = list(
            stale.filter(attempts__gte=max_attempts).values_list("pk", flat=True)[:SWEEP_BATCH_SIZE]
        )
        stale.filter(pk__in=result.failed).update(
            status=MessageStatus.FAILED, failed_at=now, last_error=INTERRUPTED_ERROR
        )
        result.reset = list(stale.filter(attempts__lt=max_attempts).values_list("pk", flat=True)[:SWEEP_BATCH_SIZE])
        stale.filter(pk__in=result.reset).update(
            status=MessageStatus.QUEUED, next_attempt_at=now, last_error=INTERRUPTED_ERROR
        )
        if result.requeued or result.reset:
            transaction.on_commit(enqueue_delivery)
    if result.requeued or result.reset or result.failed:
        logger.warning(
            "Outbox sweep: re-enqueued %s lost, reset %s interrupted, failed %s exhausted message(s)",
            len(result.requeued), len(result.reset), len(result.failed),
        )
    return result


def requeue_failed(*, message_ids: Iterable[int]) -> int:
    """Give failed messages a fresh set of attempts and queue them now; other statuses are left alone.

    For operators, after the cause (gateway account, wrong number) is fixed. Returns how many were re-queued.
    """
    now = clock.now()
    with transaction.atomic():
        failed = Message.objects.select_for_update().filter(pk__in=list(message_ids), status=MessageStatus.FAILED)
        ids = list(failed.values_list("pk", flat=True))
        Message.objects.filter(pk__in=ids, status=MessageStatus.FAILED).update(
            status=MessageStatus.QUEUED, attempts=0, next_attempt_at=now, failed_at=None
        )
        if ids:
            transaction.on_commit(enqueue_delivery)
    return len(ids)


# Kannel's delivery-report types (the %d of a dlr-url) and what each means for the citizen's SMS.
KANNEL_DLR_STATUSES: dict[int, DeliveryStatus] = {
    1: DeliveryStatus.DELIVERED,
    2: DeliveryStatus.FAILED,
    4: DeliveryStatus.ACCEPTED,  # buffered by the SMSC: on its way, not delivered yet
    8: DeliveryStatus.ACCEPTED,  # accepted by the SMSC
    16: DeliveryStatus.REJECTED,
}
FINAL_DELIVERY_STATUSES = frozenset({DeliveryStatus.DELIVERED, DeliveryStatus.FAILED, DeliveryStatus.REJECTED})


def record_delivery_report(*, message_id: int, kannel_status: int) -> DeliveryStatus | None:
    """Store a gateway delivery report on the message; returns the status stored, None if ignored.

    Reports may arrive out of order or twice: an intermediate report ("accepted", "buffered") never
    overwrites a final one (delivered, failed, rejected). Unknown message ids and report types are ignored.
    """
    status = KANNEL_DLR_STATUSES.get(kannel_status)
    if status is None:
        logger.warning("Ignoring Kannel delivery report type %s for message %s", kannel_status, message_id)
        return None
    rows = Message.objects.filter(pk=message_id)
    if status not in FINAL_DELIVERY_STATUSES:
        rows = rows.exclude(delivery_status__in=FINAL_DELIVERY_STATUSES)
    if not rows.update(delivery_status=status, delivery_updated_at=clock.now()):
        return None
    return status
