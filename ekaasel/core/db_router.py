"""Dashboards and reports read from the PostgreSQL streaming replica; everything else uses the primary.

A replica is configured with DATABASE_REPLICA_URL (the "replica" database alias). Code that only
reads aggregate figures, where a second or two of replication lag does not matter, runs inside
`reading_from_replica()` (or a function decorated with `@replica_reads`); the router then sends its
reads to the replica. Everything else, every write, and any read inside a transaction on the primary
(a row lock, a read-then-write) stays on the primary. Without a replica alias all reads use the
primary, so the same code runs on one machine unchanged.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import wraps
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections

REPLICA = "replica"

_replica_reads: ContextVar[bool] = ContextVar("ekaasel_replica_reads", default=False)


@contextmanager
def reading_from_replica() -> Iterator[None]:
    """Within this block, reads outside a primary transaction go to the replica (when one is configured)."""
    token = _replica_reads.set(True)
    try:
        yield
    finally:
        _replica_reads.reset(token)


def replica_reads[**P, R](function: Callable[P, R]) -> Callable[P, R]:
    """Run `function` inside `reading_from_replica()`."""

    @wraps(function)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with reading_from_replica():
            return function(*args, **kwargs)

    return wrapper


def replica_configured() -> bool:
    return REPLICA in connections.settings


class ReplicaRouter:
    """DATABASE_ROUTERS entry: replica reads only where asked for, the primary for everything else."""

    def db_for_read(self, model: type[Any], **hints: Any) -> str | None:
        if not _replica_reads.get() or not replica_configured():
            return None
        # A transaction on the primary wants its own consistent view (and SELECT … FOR UPDATE).
        if connections[DEFAULT_DB_ALIAS].in_atomic_block:
            return None
        return REPLICA

    def db_for_write(self, model: type[Any], **hints: Any) -> str:
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool:
        # Both aliases hold the same data: objects read from the replica may refer to the primary's.
        return True

    def allow_migrate(self, db: str, app_label: str, model_name: str | None = None, **hints: Any) -> bool:
        # The replica follows the primary's WAL; it is never migrated itself.
        return db != REPLICA
