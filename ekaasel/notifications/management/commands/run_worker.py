"""`manage.py run_worker`: the background worker plus the scheduler thread.

The worker is the one of the task backend settings chose: django_tasks_db's Worker for the database
backend, our RedisWorker (ekaasel.core.redis_worker) for Redis. The scheduler thread (heartbeat,
outbox sweep, time limits, report schedule) is the same for both, and several workers may run side
by side on either.
"""

import logging
import os
import signal
import socket
import threading
from argparse import ArgumentParser
from collections.abc import Callable
from types import FrameType
from typing import Any

from django.core.management.base import BaseCommand
from django.tasks import DEFAULT_TASK_BACKEND_ALIAS
from django.utils.crypto import get_random_string
from django_tasks_db.management.commands.db_worker import (
    Worker,
    valid_interval,
    valid_max_tasks,
    validate_worker_id,
)
from django_tasks_redis import RedisTaskBackend

from ekaasel.core.queueing import current_backend
from ekaasel.core.redis_worker import RedisWorker
from ekaasel.notifications.scheduler import Scheduler, worker_jobs

logger = logging.getLogger(__name__)

_Handler = Callable[[int, FrameType | None], Any] | int | signal.Handlers | None
_SIGNALS = tuple(s for s in (signal.SIGINT, signal.SIGTERM, getattr(signal, "SIGQUIT", None)) if s is not None)


def default_worker_id() -> str:
    """hostname-pid-random: readable in the admin, unique across restarts and containers (max 64)."""
    return f"{socket.gethostname()[:40]}-{os.getpid()}-{get_random_string(6)}"


class _DatabaseWorker(Worker):
    """django_tasks_db's Worker, stopped by SIGTERM/SIGINT only between two steps of its loop.

    The library's handler exits at once when no task runs, even in the middle of claiming the next one
    inside a transaction: the interrupted statement then fails the transaction's clean-up and the process
    ends with an error (seen under `systemctl stop`). Here the first signal only ends the loop, which
    notices it after the step in hand (at most one polling interval); a second signal stops at once.
    """

    def shutdown(self, signum: int, frame: FrameType | None) -> None:
        if not self.running:
            super().shutdown(signum, frame)  # the second signal: exit now
            return
        logger.warning("Received %s: stopping after the current step.", signal.strsignal(signum))
        self.running = False


class Command(BaseCommand):
    help = "Run the background worker: queued tasks, the worker heartbeat and the periodic outbox sweep."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--interval", type=valid_interval, default=1.0,
            help="Seconds to wait when no task is ready (default: %(default)s).",
        )
        parser.add_argument(
            "--batch", action="store_true",
            help="Run every task that is ready, then exit (for tests and one-off runs).",
        )
        parser.add_argument(
            "--queue-name", default="*",
            help="Queues to process, comma-separated; '*' for all (default: %(default)s).",
        )
        parser.add_argument("--max-tasks", type=valid_max_tasks, default=None, help="Exit after this many tasks.")
        parser.add_argument(
            "--worker-id", type=validate_worker_id, default=None,
            help="Unique id of this worker (default: hostname-pid-random).",
        )
        parser.add_argument(
            "--claim-interval", type=valid_interval, default=60.0,
            help="Redis backend: seconds between looks for tasks of dead workers to take over (default: %(default)s).",
        )

    def handle(
        self,
        *args: Any,
        interval: float,
        batch: bool,
        queue_name: str,
        max_tasks: int | None,
        worker_id: str | None,
        claim_interval: float,
        **options: Any,
    ) -> None:
        worker_id = worker_id or default_worker_id()
        backend = current_backend()
        if isinstance(backend, RedisTaskBackend):
            redis_worker = RedisWorker(
                backend=backend,
                worker_id=worker_id,
                queue_name=None if queue_name == "*" else queue_name,
                interval=interval,
                batch=batch,
                max_tasks=max_tasks,
                claim_interval=claim_interval,
            )
            self._run_redis_worker(redis_worker, batch=batch)
            return
        worker = _DatabaseWorker(
            queue_names=queue_name.split(","),
            interval=interval,
            batch=batch,
            backend_name=DEFAULT_TASK_BACKEND_ALIAS,
            startup_delay=not batch,
            max_tasks=max_tasks,
            worker_id=worker_id,
            excluded_queue_names=[],
        )
        scheduler = Scheduler(worker_jobs(worker_id=worker_id))
        # First heartbeat (and sweep) before any task, so /healthz turns green as soon as we run.
        scheduler.run_due()
        if not batch:
            scheduler.start()
        in_main_thread = threading.current_thread() is threading.main_thread()
        previous: dict[int, _Handler] = {}
        if in_main_thread:  # signal handlers can only be set from the main thread
            previous = {sig: signal.getsignal(sig) for sig in _SIGNALS}
            worker.configure_signals()  # SIGTERM/SIGINT: finish the running task, then stop
        try:
            worker.run()  # returns after SIGTERM/SIGINT; a second signal exits with status 1
        finally:
            scheduler.stop()
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        logger.info("Worker %s stopped", worker_id)

    def _run_redis_worker(self, worker: RedisWorker, *, batch: bool) -> None:
        """Run the Redis worker beside the scheduler thread; SIGTERM/SIGINT finish the running task, then stop.

        A second signal is not caught, so it ends the process at once.
        """
        worker_id = worker.worker_id
        scheduler = Scheduler(worker_jobs(worker_id=worker_id))
        scheduler.run_due()  # first heartbeat (and sweep) before any task, so /healthz turns green at once
        if not batch:
            scheduler.start()
        previous: dict[int, _Handler] = {}
        if threading.current_thread() is threading.main_thread():
            previous = {sig: signal.getsignal(sig) for sig in _SIGNALS}

            def stop_on_signal(signum: int, frame: FrameType | None) -> None:
                logger.info("Worker %s stops after its running task (signal %s)", worker_id, signum)
                for sig, handler in previous.items():
                    signal.signal(sig, handler)
                worker.stop()

            for sig in _SIGNALS:
                signal.signal(sig, stop_on_signal)
        logger.info("Worker %s started on the Redis task queue", worker_id)
        try:
            processed = worker.run()
        finally:
            scheduler.stop()
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        logger.info("Worker %s stopped after %s task(s)", worker_id, processed)
