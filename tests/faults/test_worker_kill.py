"""The worker killed with SIGKILL again and again in the middle of its work, as the kernel's OOM killer or
a lost machine would, then started again: every SMS goes out, none is lost, and only the crash
window of delivery.py (the batch in flight at each kill) may go twice.

Unlike tests/notifications/test_worker_crash.py (one kill, `--batch` runs), this runs the worker as
it runs in production, a long-lived `manage.py run_worker`, on SMS queued by citizens' filings, and
kills it three times. A report being generated when its worker is killed must be made all the same.
Real subprocesses share the test database, so this runs in the PostgreSQL pass.
"""

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection, transaction

from ekaasel.grievances.models import Grievance
from ekaasel.notifications.models import Message, MessageStatus
from ekaasel.reports.models import GeneratedReport
from ekaasel.reports.tasks import request_report

ROOT = Path(__file__).resolve().parents[2]
GRIEVANCES = 120
BATCH_SIZE = 10
SENDING_TIMEOUT_SECONDS = 2
KILLS = 3
DEADLINE_SECONDS = 60
# A year's PDF report takes a few seconds; after a restart it must be done within this long.
REPORT_SECONDS = 15
# The reports' running timeout the worker subprocesses are given (WORKER["REPORT_RUNNING_TIMEOUT_SECONDS"]).
REPORT_RUNNING_TIMEOUT_SECONDS = 2

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql",
                       reason="the worker subprocess needs a database shared with the test (PostgreSQL pass)"),
]


def worker_env(sms_log: Path) -> dict[str, str]:
    db = settings.DATABASES["default"]  # NAME is the test database's by now
    port = f":{db['PORT']}" if db.get("PORT") else ""
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": f"postgres://{db['USER']}{password}@{db['HOST']}{port}/{db['NAME']}",
        "TASKS_BACKEND": "database",
        "SMS_BACKEND": "tests.notifications.backends.SlowFileBackend",
        "SLOW_SMS_LOG": str(sms_log),
        "SLOW_SMS_SECONDS": "0.02",
        "OUTBOX_BATCH_SIZE": str(BATCH_SIZE),
        "OUTBOX_SENDING_TIMEOUT_SECONDS": str(SENDING_TIMEOUT_SECONDS),
        "WORKER_REPORT_RUNNING_TIMEOUT_SECONDS": str(REPORT_RUNNING_TIMEOUT_SECONDS),
    }
    env.pop("CI", None)
    return env


def start_worker(env: dict[str, str], name: str, log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as output:
        return subprocess.Popen(
            [sys.executable, "manage.py", "run_worker", "--interval", "0.1", "--worker-id", name],
            cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT,
        )


def sent_ids(sms_log: Path) -> list[int]:
    return [int(line) for line in sms_log.read_text().split()] if sms_log.exists() else []


def wait_until(condition: Callable[[], bool], *, deadline: float, what: str) -> None:
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.01)


def test_a_worker_killed_three_times_mid_work_loses_no_sms(tmp_path: Path, file_grievance) -> None:
    sms_log, worker_log = tmp_path / "sent.log", tmp_path / "worker.log"
    env = worker_env(sms_log)
    grievances = [file_grievance(subject=f"Grievance {n}") for n in range(GRIEVANCES)]
    expected = set(Message.objects.filter(grievance__in=grievances).values_list("pk", flat=True))
    assert len(expected) == GRIEVANCES  # one "submitted" SMS each, queued with the grievance
    deadline = time.monotonic() + DEADLINE_SECONDS

    in_flight_at_kills: list[set[int]] = []
    for kill in range(KILLS):
        worker = start_worker(env, f"doomed-{kill}", worker_log)
        try:
            target = len(set(sent_ids(sms_log))) + 15
            wait_until(lambda target=target, worker=worker: len(set(sent_ids(sms_log))) >= target
                       or worker.poll() is not None,
                       deadline=deadline, what=f"15 more SMS before kill {kill + 1}")
            assert worker.poll() is None, worker_log.read_text()[-3000:]
            worker.send_signal(signal.SIGKILL)
            worker.wait(5)
        finally:
            if worker.poll() is None:
                worker.kill()
        # Newly in flight at this kill: rows the previous worker left "sending" may still wait for the
        # sweep, which the new worker runs as a task after the drain it took first.
        sending = set(Message.objects.filter(status=MessageStatus.SENDING).values_list("pk", flat=True))
        in_flight_at_kills.append(sending - set().union(*in_flight_at_kills))
        assert len(in_flight_at_kills[-1]) <= BATCH_SIZE
        # The next worker's start-up sweep takes back what the dead one left "sending", once it is stale.
        time.sleep(SENDING_TIMEOUT_SECONDS + 0.5)
    assert len(set(sent_ids(sms_log))) < GRIEVANCES, "all SMS went out before the last kill: nothing was tested"

    survivor = start_worker(env, "survivor", worker_log)
    try:
        wait_until(lambda: not Message.objects.exclude(status=MessageStatus.SENT).exists(),
                   deadline=deadline, what="every SMS to be sent")
        survivor.send_signal(signal.SIGTERM)  # a clean stop still works after the crashes
        assert survivor.wait(15) == 0, worker_log.read_text()[-3000:]
    finally:
        if survivor.poll() is None:
            survivor.kill()

    assert Counter(Message.objects.values_list("status", flat=True)) == {MessageStatus.SENT: GRIEVANCES}
    times_sent = Counter(sent_ids(sms_log))
    assert set(times_sent) == expected  # none lost, nothing sent that was not queued
    for pk, count in times_sent.items():
        kills_in_flight = sum(pk in in_flight for in_flight in in_flight_at_kills)
        assert count <= 1 + kills_in_flight, (pk, count, kills_in_flight)
    assert Grievance.objects.count() == GRIEVANCES


def test_a_report_whose_worker_was_killed_mid_generation_is_still_made(tmp_path: Path) -> None:
    worker_log = tmp_path / "worker.log"
    env = {**worker_env(tmp_path / "sent.log"), "EKAASEL_TEST_MEDIA_ROOT": str(tmp_path / "media")}
    with transaction.atomic():
        report = request_report(period_kind="year", start=date(2026, 1, 1), end=date(2026, 12, 31),
                                file_format=GeneratedReport.Format.PDF)
    deadline = time.monotonic() + DEADLINE_SECONDS
    worker = start_worker(env, "doomed-reporter", worker_log)
    try:
        wait_until(lambda: GeneratedReport.objects.filter(pk=report.pk, status="running").exists(),
                   deadline=deadline, what="the report to start")
        worker.send_signal(signal.SIGKILL)
        worker.wait(5)
    finally:
        if worker.poll() is None:
            worker.kill()
    assert GeneratedReport.objects.get(pk=report.pk).status == "running", "done before the kill: nothing tested"
    # The new worker's start-up job takes back a report "running" longer than the reports' running timeout.
    time.sleep(REPORT_RUNNING_TIMEOUT_SECONDS + 0.5)
    survivor = start_worker(env, "reporter", worker_log)
    finished = GeneratedReport.objects.filter(pk=report.pk, status__in=["done", "failed"])
    try:
        wait_until(finished.exists, deadline=time.monotonic() + REPORT_SECONDS, what="the report after the restart")
    finally:
        survivor.kill()
        survivor.wait(5)
    report.refresh_from_db()
    assert report.status == "done" and report.file, report.error
