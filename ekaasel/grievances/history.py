"""The append-only, tamper-evident history of a grievance.

Each event carries the SHA-256 of its own content and of the previous event of the same grievance,
so a changed, removed or reordered event breaks the chain at that point. `verify_history` finds the
first broken link of every grievance. Events are written only here, under the grievance's row lock.
"""

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from ekaasel.core.inserts import insert
from ekaasel.grievances.models import Grievance, GrievanceEvent
from ekaasel.identity.models import Official


def event_digest(
    *,
    application_id: str,
    action: str,
    actor_kind: str,
    actor_official_id: int | None,
    from_status: str,
    to_status: str,
    note: str,
    internal: bool,
    data: dict[str, Any],
    created_at: datetime,
    prev_hash: str,
) -> str:
    """The hash of one event's content chained to its predecessor's hash."""
    payload = json.dumps(
        [
            application_id, action, actor_kind, actor_official_id, from_status, to_status, note, internal,
            data, created_at.astimezone(UTC).isoformat(), prev_hash,
        ],
        sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str,
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def record_event(
    grievance: Grievance,
    *,
    action: str,
    actor_kind: str,
    actor_official: Official | None,
    from_status: str,
    to_status: str,
    created_at: datetime,
    note: str = "",
    internal: bool = False,
    data: dict[str, Any] | None = None,
    first: bool = False,
) -> GrievanceEvent:
    """Append one event to the grievance's history. The caller holds the grievance's row lock.

    `first`: the grievance was created in this transaction, so there is no earlier event to link to.
    """
    data = data or {}
    prev_hash = "" if first else grievance.events.order_by("-id").values_list("hash", flat=True).first() or ""
    digest = event_digest(
        application_id=grievance.application_id, action=action, actor_kind=actor_kind,
        actor_official_id=actor_official.pk if actor_official else None, from_status=from_status,
        to_status=to_status, note=note, internal=internal, data=data, created_at=created_at, prev_hash=prev_hash,
    )
    event = GrievanceEvent(
        grievance=grievance, action=action, actor_official=actor_official, actor_kind=actor_kind,
        from_status=from_status, to_status=to_status, note=note, internal=internal, data=data,
        created_at=created_at, prev_hash=prev_hash, hash=digest,
    )
    insert(event)  # a new row: what GrievanceEvent.save() allows, from a statement built once
    return event


@dataclass(frozen=True)
class BrokenLink:
    application_id: str
    event_id: int
    position: int
    reason: str


def verify_grievance(grievance: Grievance) -> BrokenLink | None:
    """The first event whose content or link does not match, or None when the chain is whole."""
    prev_hash = ""
    for position, event in enumerate(grievance.events.order_by("id"), start=1):
        if event.prev_hash != prev_hash:
            return BrokenLink(grievance.application_id, event.pk, position, "link to the previous event broken")
        expected = event_digest(
            application_id=grievance.application_id, action=event.action, actor_kind=event.actor_kind,
            actor_official_id=event.actor_official_id, from_status=event.from_status, to_status=event.to_status,
            note=event.note, internal=event.internal, data=event.data, created_at=event.created_at,
            prev_hash=event.prev_hash,
        )
        if event.hash != expected:
            return BrokenLink(grievance.application_id, event.pk, position, "content changed")
        prev_hash = event.hash
    return None


def verify_history(*, batch_size: int = 1000) -> Iterator[BrokenLink]:
    """Check every grievance's chain; yields the first broken link of each damaged history."""
    for grievance in Grievance.objects.only("pk", "application_id").order_by("pk").iterator(chunk_size=batch_size):
        broken = verify_grievance(grievance)
        if broken is not None:
            yield broken
