"""What the task queue is asked beyond Django's Tasks API, answered by whichever backend settings chose.

Django's Tasks API enqueues tasks and fetches a result by id; it cannot say whether a task is already
waiting. The outbox and the worker's periodic jobs ask exactly that before they enqueue, so a busy or
stopped worker does not come back to a pile of identical tasks. Each supported backend answers from
its own store: django-tasks-db from its result table, django-tasks-redis from its status index.
"""

from datetime import datetime
from typing import Any

import redis
from django.db import DatabaseError
from django.db.models import Q
from django.tasks import DEFAULT_TASK_BACKEND_ALIAS, Task, TaskResultStatus, task_backends
from django.tasks.backends.base import BaseTaskBackend
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.models import DBTaskResult, get_date_max
from django_tasks_redis import RedisTaskBackend
from django_tasks_redis.utils import get_result_key, get_status_index_key

# What enqueuing raises when the queue's store does not answer. A message or report row committed
# before such a failure is not lost: the outbox sweep (and a re-request) enqueues it again.
QUEUE_UNAVAILABLE = (DatabaseError, redis.RedisError)


def current_backend() -> BaseTaskBackend:
    """The task backend settings chose (TASKS["default"])."""
    backend: BaseTaskBackend = task_backends[DEFAULT_TASK_BACKEND_ALIAS]
    return backend


def waiting_task_exists(
    task: Task[Any, Any], *, due_from: datetime | None = None, due_until: datetime | None = None
) -> bool:
    """Whether a task of this kind waits (READY, not yet started) with its due time in [due_from, due_until].

    A task's due time is its run_after, or when it was enqueued if it has none; an open bound is no
    bound. A backend this module does not know answers False, so callers enqueue: correct, only less
    thrifty.
    """
    backend = task.get_backend()
    if isinstance(backend, DatabaseBackend):
        return _waiting_in_database(task, backend=backend, due_from=due_from, due_until=due_until)
    if isinstance(backend, RedisTaskBackend):
        return _waiting_in_redis(task, backend=backend, due_from=due_from, due_until=due_until)
    return False


def _waiting_in_database(
    task: Task[Any, Any], *, backend: DatabaseBackend, due_from: datetime | None, due_until: datetime | None
) -> bool:
    waiting = DBTaskResult.objects.filter(
        backend_name=backend.alias, task_path=task.module_path, status=TaskResultStatus.READY
    )
    # django-tasks-db stores "no run_after" as the largest date: such a task is due as soon as it exists.
    if due_from is not None:
        waiting = waiting.filter(run_after__gte=due_from).exclude(run_after=get_date_max())
    if due_until is not None:
        waiting = waiting.filter(Q(run_after=get_date_max()) | Q(run_after__lte=due_until))
    return waiting.exists()


def _waiting_in_redis(
    task: Task[Any, Any], *, backend: RedisTaskBackend, due_from: datetime | None, due_until: datetime | None
) -> bool:
    # Until the index covers every stored task (see has_status_index) it cannot be trusted to be complete.
    if not backend.has_status_index():
        return False
    client = backend.get_client()
    # The READY index of a queue scores each task by when it started waiting: max(enqueued_at, run_after).
    index = get_status_index_key(backend.key_prefix, backend.alias, TaskResultStatus.READY, task.queue_name)
    task_ids = client.zrangebyscore(
        index,
        "-inf" if due_from is None else due_from.timestamp(),
        "+inf" if due_until is None else due_until.timestamp(),
    )
    if not task_ids:
        return False
    paths = client.pipeline(transaction=False)
    for task_id in task_ids:
        paths.hget(get_result_key(backend.key_prefix, backend.alias, task_id), "task_path")
    return task.module_path in paths.execute()


def queue_error() -> str | None:
    """None when the queue's store answers, else the error's class name (for /healthz).

    The database backend's store is the database, which the health check already asks.
    """
    backend = current_backend()
    if not isinstance(backend, RedisTaskBackend):
        return None
    try:
        backend.get_client().ping()
    except redis.RedisError as exc:
        return exc.__class__.__name__
    return None
