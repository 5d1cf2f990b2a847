"""A worker killed with SIGKILL in the middle of a batch loses nothing; only its batch in flight may go twice.

Real `manage.py run_worker` processes on the test database, so PostgreSQL only: the SQLite test
database lives in the test process's memory. `make test`'s PostgreSQL pass runs it.
"""

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection, transaction

from ekaasel.notifications.models import Message, MessageStatus
from ekaasel.notifications.outbox import queue_sms

ROOT = Path(__file__).resolve().parents[2]
MESSAGES = 100
BATCH_SIZE = 10
SENDING_TIMEOUT_SECONDS = 2

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="worker subprocesses need a shared database"),
]


def worker_env(sms_log: Path) -> dict[str, str]:
    db = settings.DATABASES["default"]  # NAME is the test database's by now
    port = f":{db['PORT']}" if db.get("PORT") else ""
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": f"postgres://{db['USER']}{password}@{db['HOST']}{port}/{db['NAME']}",
        "SMS_BACKEND": "tests.notifications.backends.SlowFileBackend",
        "SLOW_SMS_LOG": str(sms_log),
        "SLOW_SMS_SECONDS": "0.05",
        "OUTBOX_BATCH_SIZE": str(BATCH_SIZE),
        "OUTBOX_SENDING_TIMEOUT_SECONDS": str(SENDING_TIMEOUT_SECONDS),
    }


def start_worker(env: dict[str, str], name: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "manage.py", "run_worker", "--batch", "--interval", "0", "--worker-id", name],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )


def sent_ids(sms_log: Path) -> list[int]:
    return [int(line) for line in sms_log.read_text().split()] if sms_log.exists() else []


def test_a_worker_killed_mid_batch_loses_nothing(tmp_path):
    sms_log = tmp_path / "sent.log"
    env = worker_env(sms_log)
    with transaction.atomic():
        messages = [
            queue_sms(to=f"+975171{n:05d}", template="otp", context={"code": f"{n:06d}", "purpose": "sign-in"},
                      language="en", event_key=f"crash-test:{n}")
            for n in range(MESSAGES)
        ]
    deadline = time.monotonic() + 30

    first = start_worker(env, "doomed")
    try:
        while len(sent_ids(sms_log)) < 25 and time.monotonic() < deadline and first.poll() is None:
            time.sleep(0.01)
        assert first.poll() is None, first.stderr.read().decode() if first.stderr else ""
        first.send_signal(signal.SIGKILL)
        first.wait(5)
    finally:
        if first.poll() is None:
            first.kill()
    in_flight = set(Message.objects.filter(status=MessageStatus.SENDING).values_list("pk", flat=True))
    sent_before_kill = sent_ids(sms_log)
    assert 25 <= len(sent_before_kill) < MESSAGES
    assert 0 < len(in_flight) <= BATCH_SIZE

    # The new worker's start-up sweep resets the rows the dead one left "sending" once they are stale.
    time.sleep(SENDING_TIMEOUT_SECONDS + 0.5)
    second = start_worker(env, "successor")
    try:
        _, stderr = second.communicate(timeout=max(1.0, deadline - time.monotonic()))
    finally:
        if second.poll() is None:
            second.kill()
    assert second.returncode == 0, stderr.decode()

    statuses = Counter(Message.objects.values_list("status", flat=True))
    assert statuses == {MessageStatus.SENT: MESSAGES}
    times_sent = Counter(sent_ids(sms_log))
    assert set(times_sent) == {message.pk for message in messages}  # nothing lost
    duplicates = {pk for pk, count in times_sent.items() if count > 1}
    assert duplicates <= in_flight  # only the crash window: the batch in flight at the kill
    assert max(times_sent.values()) <= 2
