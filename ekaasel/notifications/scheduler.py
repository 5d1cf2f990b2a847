"""A small in-process scheduler: the worker's daemon thread that runs periodic jobs (heartbeat, sweep, time limits).

Jobs must be quick (write a row, enqueue a task); real work goes through the task queue. A job that
raises, e.g. because the database is briefly unreachable, is logged and simply runs again next time.
"""

import logging
import os
import socket
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import partial

from django.conf import settings
from django.db import connection

from ekaasel.core import clock
from ekaasel.core.health import record_heartbeat

logger = logging.getLogger(__name__)


@dataclass
class PeriodicJob:
    """`run` is called every `every_seconds`, the first time as soon as the scheduler starts."""

    name: str
    every_seconds: float
    run: Callable[[], object]
    next_run_at: float = 0.0  # on the monotonic clock


class Scheduler:
    """Runs due jobs in a daemon thread named "scheduler" until stopped."""

    def __init__(self, jobs: Sequence[PeriodicJob], *, monotonic: Callable[[], float] = time.monotonic) -> None:
        self.jobs = list(jobs)
        self._monotonic = monotonic
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def run_due(self) -> None:
        """Run every job whose time has come; a failing job is logged and does not stop the others."""
        now = self._monotonic()
        for job in self.jobs:
            if now < job.next_run_at:
                continue
            job.next_run_at = now + job.every_seconds
            try:
                job.run()
            except Exception:
                logger.exception("Scheduled job %s failed; it runs again in %ss", job.name, job.every_seconds)

    def seconds_until_next(self) -> float:
        """How long the loop may sleep before a job is due (never negative)."""
        if not self.jobs:
            return 1.0
        return max(0.0, min(job.next_run_at for job in self.jobs) - self._monotonic())

    def start(self) -> None:
        """Start the daemon thread; it ends when stop() is called or the process exits."""
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="scheduler", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Ask the thread to finish its current cycle and wait up to `timeout` seconds for it."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _loop(self) -> None:
        while not self._stop.is_set():
            self.run_due()
            # Give the connection back each cycle: a long-lived idle connection in a thread that wakes
            # every few seconds outlives database restarts and holds SQLite's file open for nothing.
            try:
                connection.close()
            except Exception:
                logger.exception("Closing the scheduler's database connection failed")
            self._stop.wait(self.seconds_until_next())


def worker_jobs(*, worker_id: str, started_at: datetime | None = None) -> list[PeriodicJob]:
    """The worker's periodic jobs: its heartbeat (for /healthz), enqueuing the outbox sweep, and the
    grievances' time limits (escalation, closing unrated resolutions) and the scheduled PSGRD reports."""
    # Imported here: the task modules import PeriodicJob from this module.
    from ekaasel.grievances.tasks import scheduled_jobs as grievance_jobs
    from ekaasel.notifications.tasks import enqueue_sweep_unless_waiting
    from ekaasel.reports.tasks import scheduled_jobs as report_jobs

    heartbeat = partial(
        record_heartbeat,
        worker_id=worker_id,
        hostname=socket.gethostname(),
        pid=os.getpid(),
        started_at=started_at or clock.now(),
    )
    return [
        PeriodicJob("heartbeat", float(settings.WORKER["HEARTBEAT_SECONDS"]), heartbeat),
        PeriodicJob("sweep_outbox", float(settings.WORKER["SWEEP_SECONDS"]), enqueue_sweep_unless_waiting),
        *grievance_jobs(),
        *report_jobs(),
    ]
