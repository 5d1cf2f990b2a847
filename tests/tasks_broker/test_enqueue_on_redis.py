"""Enqueuing on the Redis backend: no pile of identical tasks, and a Redis outage loses no SMS."""

from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.tasks import TaskResultStatus
from django_tasks_redis import RedisTaskBackend

from ekaasel.core import clock
from ekaasel.core.queueing import queue_error
from ekaasel.grievances.models import Grievance
from ekaasel.notifications.models import Message, MessageStatus
from ekaasel.notifications.tasks import (
    drain_outbox,
    enqueue_drain_unless_waiting,
    enqueue_sweep_unless_waiting,
    sweep_outbox,
)
from tests.tasks_broker.conftest import redis_task_settings

pytestmark = pytest.mark.django_db(transaction=True)


def waiting(backend: RedisTaskBackend, task_path: str) -> list[str]:
    """run_after ("" for now) of each waiting task of one task function."""
    tasks, _total = backend.get_all_tasks(task_path=task_path, status=TaskResultStatus.READY)
    return sorted(t["run_after"] for t in tasks)


def test_a_waiting_drain_or_sweep_is_not_enqueued_twice(redis_tasks: RedisTaskBackend) -> None:
    assert enqueue_drain_unless_waiting() is True
    assert enqueue_drain_unless_waiting() is False
    assert enqueue_sweep_unless_waiting() is True
    assert enqueue_sweep_unless_waiting() is False
    assert waiting(redis_tasks, drain_outbox.module_path) == [""]
    assert waiting(redis_tasks, sweep_outbox.module_path) == [""]


def test_retries_due_within_a_second_share_one_drain(redis_tasks: RedisTaskBackend) -> None:
    retry_at = clock.now() + timedelta(seconds=30)
    assert enqueue_drain_unless_waiting(run_after=retry_at + timedelta(milliseconds=400)) is True
    assert enqueue_drain_unless_waiting(run_after=retry_at) is False  # that drain claims 0.4 s later
    # An earlier drain would find the message not yet due; one due 30 s later does not do for "now".
    assert enqueue_drain_unless_waiting(run_after=retry_at + timedelta(seconds=5)) is True
    assert enqueue_drain_unless_waiting() is True
    assert len(waiting(redis_tasks, drain_outbox.module_path)) == 3


@pytest.fixture
def redis_down() -> Iterator[None]:
    with redis_task_settings(url="redis://127.0.0.1:1/0", key_prefix="ekaasel-unreachable"):
        yield


def test_with_redis_down_a_grievance_is_still_filed_and_its_sms_waits_for_the_sweep(
    redis_down: None, file_grievance: Callable[..., Grievance],
) -> None:
    grievance = file_grievance()

    assert Grievance.objects.filter(application_id=grievance.application_id).exists()
    message = Message.objects.get(grievance=grievance)
    assert message.status == MessageStatus.QUEUED
    assert grievance.application_id in message.body


def test_the_queue_answers_while_redis_does(redis_tasks: RedisTaskBackend) -> None:
    assert queue_error() is None


def test_an_unreachable_redis_is_named_for_the_health_check(redis_down: None) -> None:
    assert queue_error() == "ConnectionError"


def test_healthz_is_unhealthy_while_redis_is_unreachable(redis_down: None, client: Any) -> None:
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["queue"] == {"ok": False, "error": "ConnectionError"}
