"""Health of the parts the service depends on: the database, the task queue and the background worker."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import DatabaseError, connection

from ekaasel.core import clock
from ekaasel.core.models import WorkerHeartbeat
from ekaasel.core.queueing import queue_error


@dataclass(frozen=True)
class HealthReport:
    database_ok: bool
    worker_ok: bool
    worker_last_heartbeat: str | None
    detail: dict[str, str]
    queue_ok: bool = True

    @property
    def healthy(self) -> bool:
        return self.database_ok and self.worker_ok and self.queue_ok

    def as_dict(self) -> dict[str, object]:
        return {
            "status": "ok" if self.healthy else "unhealthy",
            "database": {
                "ok": self.database_ok,
                **({"error": self.detail["database"]} if "database" in self.detail else {}),
            },
            "worker": {"ok": self.worker_ok, "last_heartbeat": self.worker_last_heartbeat},
            "queue": {"ok": self.queue_ok, **({"error": self.detail["queue"]} if "queue" in self.detail else {})},
        }


def check_health() -> HealthReport:
    """Database answers a query; some worker wrote a heartbeat recently enough."""
    detail: dict[str, str] = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        database_ok = True
    except DatabaseError as exc:
        database_ok = False
        detail["database"] = exc.__class__.__name__
    last_seen = None
    worker_ok = False
    if database_ok:
        latest = WorkerHeartbeat.objects.order_by("-last_seen_at").values_list("last_seen_at", flat=True).first()
        if latest is not None:
            last_seen = latest.isoformat()
            window = timedelta(seconds=settings.WORKER["HEALTHY_WITHIN_SECONDS"])
            worker_ok = clock.now() - latest <= window
    queue_problem = queue_error()  # a broker-backed queue (Redis); the database queue is the database
    if queue_problem is not None:
        detail["queue"] = queue_problem
    return HealthReport(database_ok, worker_ok, last_seen, detail, queue_ok=queue_problem is None)


# Heartbeats of workers gone this long are deleted, so restarts do not pile up rows.
HEARTBEAT_RETENTION = timedelta(days=7)


def record_heartbeat(*, worker_id: str, hostname: str, pid: int, started_at: datetime) -> WorkerHeartbeat:
    """Upsert this worker's heartbeat with last_seen_at = now; drop heartbeats of long-gone workers."""
    now = clock.now()
    heartbeat, _created = WorkerHeartbeat.objects.update_or_create(
        worker_id=worker_id,
        defaults={"hostname": hostname[:255], "pid": pid, "started_at": started_at, "last_seen_at": now},
    )
    WorkerHeartbeat.objects.filter(last_seen_at__lt=now - HEARTBEAT_RETENTION).delete()
    return heartbeat
