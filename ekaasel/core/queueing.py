"""What the task queue is asked beyond Django's Tasks API, answered by whichever backend settings chose.

Django's Tasks API enqueues tasks and fetches a result by id; it cannot say whether a task is already
waiting. The outbox and the worker's periodic jobs ask exactly that before they enqueue, so a busy or
stopped worker does not come back to a pile of identical tasks. Each supported backend answers from
its own store: django-tasks-db from its result table, django-tasks-redis from its status index.
"""

from datetime import datetime
from functools import cache
from typing import Any

import redis
from django.db import DatabaseError, connections, router
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
    # Asked after every commit that queues a message: one plain statement, without building an ORM query
    # each time (the conditions of DBTaskResult.objects.filter(...).exists() as it was written before).
    using = router.db_for_read(DBTaskResult)
    connection = connections[using]
    field = DBTaskResult._meta.get_field("run_after")
    never = field.get_db_prep_value(get_date_max(), connection)
    params: list[Any] = [backend.alias, task.module_path, TaskResultStatus.READY.value]
    if due_from is not None:
        params += [field.get_db_prep_value(due_from, connection), never]
    if due_until is not None:
        params += [never, field.get_db_prep_value(due_until, connection)]
    with connection.cursor() as cursor:
        cursor.execute(_waiting_sql(using, due_from is not None, due_until is not None), params)
        return cursor.fetchone() is not None


@cache
def _waiting_sql(using: str, due_from: bool, due_until: bool) -> str:
    meta = DBTaskResult._meta
    quote = connections[using].ops.quote_name

    def column(name: str) -> str:
        return quote(str(meta.get_field(name).column))  # type: ignore[union-attr]

    conditions = [f"{column(name)} = %s" for name in ("backend_name", "task_path", "status")]
    # django-tasks-db stores "no run_after" as the largest date: such a task is due as soon as it exists.
    run_after = column("run_after")
    if due_from:
        conditions.append(f"{run_after} >= %s AND {run_after} <> %s")
    if due_until:
        conditions.append(f"({run_after} = %s OR {run_after} <= %s)")
    return f"SELECT 1 FROM {quote(meta.db_table)} WHERE {' AND '.join(conditions)} LIMIT 1"  # noqa: S608 - the model's names


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
