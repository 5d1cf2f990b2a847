"""The worker loop for the Redis task backend (django-tasks-redis): take a task off the stream, run it,
acknowledge it.

At least once: a message is acknowledged only after its task ran, so the task of a worker killed
mid-run stays pending on the stream, and another worker (or this one, restarted) takes it over once
it has been idle for the backend's claim timeout, and runs it again. Our tasks are written for that:
each claims its rows with a conditional update. Several workers read the same consumer group; each
message goes to one of them.
"""

import logging
import threading
import time

import redis
from django.db import close_old_connections
from django_tasks_redis import RedisTaskBackend
from django_tasks_redis.brokers import BrokerMessage

logger = logging.getLogger(__name__)


class RedisWorker:
    """Runs tasks from the backend's streams until stopped, or, with `batch`, until none is ready."""

    def __init__(
        self,
        *,
        backend: RedisTaskBackend,
        worker_id: str,
        queue_name: str | None = None,
        interval: float = 1.0,
        batch: bool = False,
        max_tasks: int | None = None,
        claim_interval: float = 60.0,
    ) -> None:
        self.backend = backend
        self.broker = backend.broker
        self.worker_id = worker_id
        self.queue_name = queue_name
        self.interval = interval
        self.batch = batch
        self.max_tasks = max_tasks
        self.claim_interval = claim_interval
        self._stop = threading.Event()

    def stop(self) -> None:
        """Start no new task; the running one finishes and is acknowledged first."""
        self._stop.set()

    def run(self) -> int:
        """Run tasks until stopped (or, in batch mode, until none is ready); returns how many ran."""
        processed = 0
        next_claim_at = 0.0  # take over a dead worker's tasks at once, then every claim_interval
        try:
            while not self._stop.is_set():
                if time.monotonic() >= next_claim_at:
                    next_claim_at = time.monotonic() + self.claim_interval
                    self._claim_stale()
                message = self._receive()
                if message is None:
                    if self.batch:
                        break
                    continue
                if self._run(message):
                    processed += 1
                if self.max_tasks is not None and processed >= self.max_tasks:
                    break
        finally:
            self._leave_group()
        return processed

    def _claim_stale(self) -> None:
        try:
            claimed = self.broker.claim_stale_messages(self.worker_id)
        except redis.RedisError:
            logger.exception("Worker %s could not take over the tasks of dead workers", self.worker_id)
            return
        if claimed:
            logger.warning("Worker %s took over %s task(s) of a worker that stopped mid-run", self.worker_id, claimed)

    def _receive(self) -> BrokerMessage | None:
        """The next message for this worker (its own unacknowledged ones first); waits up to `interval`."""
        try:
            messages = self.broker.receive(
                queue_name=self.queue_name,
                max_messages=1,
                wait_seconds=0 if self.batch else self.interval,
                worker_id=self.worker_id,
            )
        except redis.RedisError:
            logger.exception("Worker %s could not read the task queue; retrying in %ss", self.worker_id, self.interval)
            if not self.batch:
                self._stop.wait(self.interval)
            return None
        return messages[0] if messages else None

    def _run(self, message: BrokerMessage) -> bool:
        """Run the message's task and acknowledge it; True if the task ran here (whatever its outcome)."""
        # The task's own exceptions are recorded by the backend as a FAILED result. What escapes is a
        # failure to reach Redis or the database around it: the message stays pending and runs again.
        close_old_connections()  # a connection broken since the last task is replaced, not reused
        try:
            result = self.backend.run_task(message.task_id, worker_id=self.worker_id)
        except Exception:
            logger.exception("Worker %s could not run task %s; it stays queued", self.worker_id, message.task_id)
            self._stop.wait(self.interval)
            return False
        finally:
            close_old_connections()
        try:
            self.broker.ack(message)
        except redis.RedisError:
            # Unacknowledged, the message is handed out again; the finished task is not run twice
            # (run_task only starts a READY task).
            logger.exception("Worker %s could not acknowledge task %s", self.worker_id, message.task_id)
        return result is not None

    def _leave_group(self) -> None:
        try:
            self.broker.remove_consumer(self.worker_id)
        except redis.RedisError:
            logger.exception("Worker %s could not leave the consumer group; the next claim removes it", self.worker_id)
