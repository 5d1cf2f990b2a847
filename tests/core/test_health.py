"""/healthz: 200 while the database answers and a worker beat recently, 503 otherwise."""

from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.utils import timezone

from ekaasel.core.health import HEARTBEAT_RETENTION, record_heartbeat
from ekaasel.core.models import WorkerHeartbeat

pytestmark = pytest.mark.django_db


def beat(worker_id: str = "w1") -> WorkerHeartbeat:
    return record_heartbeat(worker_id=worker_id, hostname="host", pid=123, started_at=timezone.now())


def test_unhealthy_without_any_worker_heartbeat(client):
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {
        "status": "unhealthy",
        "database": {"ok": True},
        "worker": {"ok": False, "last_heartbeat": None},
        "queue": {"ok": True},
    }


def test_healthy_with_a_fresh_heartbeat(client):
    heartbeat = beat()
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["worker"] == {"ok": True, "last_heartbeat": heartbeat.last_seen_at.isoformat()}
    assert "no-cache" in response.headers["Cache-Control"]


def test_unhealthy_when_the_last_heartbeat_is_stale(client):
    window = settings.WORKER["HEALTHY_WITHIN_SECONDS"]
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        beat()
        traveller.shift(timedelta(seconds=window))
        assert client.get("/healthz").status_code == 200
        traveller.shift(timedelta(seconds=1))
        assert client.get("/healthz").status_code == 503
        beat()  # the worker comes back
        assert client.get("/healthz").status_code == 200


def test_heartbeat_is_one_row_per_worker_and_old_workers_are_forgotten():
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        first = beat("w1")
        traveller.shift(timedelta(seconds=15))
        again = beat("w1")
        assert again.pk == first.pk
        assert again.last_seen_at - first.last_seen_at == timedelta(seconds=15)
        traveller.shift(HEARTBEAT_RETENTION + timedelta(seconds=1))
        beat("w2")
    assert list(WorkerHeartbeat.objects.values_list("worker_id", flat=True)) == ["w2"]
