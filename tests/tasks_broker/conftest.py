"""The Redis task backend against the real Redis: worker subprocesses on the test database.

Redis comes from TEST_REDIS_URL (default: database 14 on 127.0.0.1:6379, kept for these tests); every
run uses its own key prefix and deletes its keys afterwards. Without an answering Redis the tests
skip, except with CI=true, where they fail. The workers share the test database, so PostgreSQL only.
"""

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import pytest
import redis
from django.conf import settings
from django.db import connection
from django.tasks import task_backends
from django.test import override_settings
from django_tasks_redis import RedisTaskBackend

from tests.needs import require

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/14")
# A worker killed mid-task has its task taken over after this long (the production default is 300 s).
CLAIM_TIMEOUT_SECONDS = 3
SENDING_TIMEOUT_SECONDS = 2
BATCH_SIZE = 10


def answering_redis() -> redis.Redis:
    """A client for the tests' Redis; skips the test when it does not answer, fails it when CI=true."""
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2, decode_responses=True)
    try:
        client.ping()
    except redis.RedisError as exc:
        require(f"Redis does not answer at {REDIS_URL} ({exc.__class__.__name__}: {exc})", "the broker is missing")
    return client


def _forget_task_backends() -> None:
    # Django builds each task backend once from settings.TASKS; a changed TASKS needs a fresh one.
    for alias in list(task_backends.settings):
        with suppress(AttributeError):  # not built yet
            del task_backends[alias]
    task_backends.__dict__.pop("settings", None)


@pytest.fixture
def key_prefix() -> str:
    return f"ekaasel-test-{uuid.uuid4().hex[:10]}"


@pytest.fixture
def redis_tasks(transactional_db: None, key_prefix: str) -> Iterator[RedisTaskBackend]:
    """This test process enqueues on Redis, under a key prefix of its own; yields the backend."""
    client = answering_redis()
    try:
        with redis_task_settings(url=REDIS_URL, key_prefix=key_prefix) as backend:
            yield backend
    finally:
        keys = list(client.scan_iter(match=f"{key_prefix}:*", count=500))
        if keys:
            client.delete(*keys)


@contextmanager
def redis_task_settings(*, url: str, key_prefix: str) -> Iterator[RedisTaskBackend]:
    """settings.TASKS on the Redis backend at `url` for the duration; yields the backend."""
    redis_backend = settings.TASK_BACKENDS["redis"]
    options = {**redis_backend["OPTIONS"], "REDIS_URL": url, "REDIS_KEY_PREFIX": key_prefix,
               "REDIS_CLAIM_TIMEOUT": CLAIM_TIMEOUT_SECONDS}
    try:
        with override_settings(TASKS={"default": {**redis_backend, "OPTIONS": options}}):
            _forget_task_backends()
            backend = task_backends["default"]
            assert isinstance(backend, RedisTaskBackend)
            yield backend
    finally:
        _forget_task_backends()


@pytest.fixture
def worker_env(key_prefix: str, tmp_path: Path) -> dict[str, str]:
    """The environment of a `manage.py run_worker` on the test database and the tests' Redis."""
    if connection.vendor != "postgresql":
        pytest.skip("worker subprocesses need a shared database: run with DATABASE_URL on PostgreSQL")
    db = settings.DATABASES["default"]  # NAME is the test database's by now
    port = f":{db['PORT']}" if db.get("PORT") else ""
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": f"postgres://{db['USER']}{password}@{db['HOST']}{port}/{db['NAME']}",
        "TASKS_BACKEND": "redis",
        "REDIS_URL": REDIS_URL,
        "TASKS_KEY_PREFIX": key_prefix,
        "TASKS_CLAIM_TIMEOUT_SECONDS": str(CLAIM_TIMEOUT_SECONDS),
        "SMS_BACKEND": "tests.notifications.backends.SlowFileBackend",
        "SLOW_SMS_LOG": str(tmp_path / "sent.log"),
        "SLOW_SMS_SECONDS": "0.05",
        "OUTBOX_BATCH_SIZE": str(BATCH_SIZE),
        "OUTBOX_SENDING_TIMEOUT_SECONDS": str(SENDING_TIMEOUT_SECONDS),
        "EKAASEL_TEST_MEDIA_ROOT": str(settings.MEDIA_ROOT),
    }


@pytest.fixture
def start_worker(worker_env: dict[str, str]) -> Iterator[Callable[..., subprocess.Popen[bytes]]]:
    """start_worker(name, *options) starts `manage.py run_worker`; every one still running is killed at the end."""
    started: list[subprocess.Popen[bytes]] = []

    def start(name: str, *options: str) -> subprocess.Popen[bytes]:
        process = subprocess.Popen(
            [sys.executable, "manage.py", "run_worker", "--interval", "0.2", "--claim-interval", "1",
             "--worker-id", name, *options],
            cwd=ROOT, env=worker_env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            process.kill()
            process.wait(5)


def sent_ids(worker_env: dict[str, str]) -> list[int]:
    """Outbox ids of the SMS the gateway accepted, once per acceptance."""
    log = Path(worker_env["SLOW_SMS_LOG"])
    return [int(line) for line in log.read_text().split()] if log.exists() else []


def wait_until(condition: Callable[[], Any], *, seconds: float, what: str,
               workers: tuple[subprocess.Popen[bytes], ...] = ()) -> None:
    """Poll `condition` until true; fail with `what` (and a dead worker's stderr) after `seconds`."""
    deadline = time.monotonic() + seconds
    while not condition():
        for worker in workers:
            if worker.poll() is not None:
                stderr = worker.stderr.read().decode() if worker.stderr else ""
                pytest.fail(f"worker exited with {worker.returncode} before {what}:\n{stderr}")
        if time.monotonic() > deadline:
            pytest.fail(f"not within {seconds}s: {what}")
        time.sleep(0.05)
