"""The same tasks on the Redis backend: SMS and reports go through the real broker and a real worker,
and a worker killed with SIGKILL mid-way loses nothing once workers run again."""

import signal
import time
from collections import Counter
from collections.abc import Callable
from datetime import date
from subprocess import Popen

import pytest
from django.db import transaction
from django.tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult
from django_tasks_redis import RedisTaskBackend

from ekaasel.core.models import WorkerHeartbeat
from ekaasel.grievances.models import Grievance
from ekaasel.notifications.models import Message, MessageStatus
from ekaasel.notifications.outbox import queue_sms
from ekaasel.notifications.tasks import drain_outbox, enqueue_sweep_unless_waiting, sweep_outbox
from ekaasel.reports.models import GeneratedReport
from ekaasel.reports.tasks import generate_report, request_report
from tests.tasks_broker.conftest import BATCH_SIZE, CLAIM_TIMEOUT_SECONDS, SENDING_TIMEOUT_SECONDS, sent_ids, wait_until

pytestmark = pytest.mark.django_db(transaction=True)

WorkerStarter = Callable[..., Popen[bytes]]


def tasks_of(backend: RedisTaskBackend, task_path: str) -> list[dict[str, str]]:
    """The stored tasks (the backend's Redis hashes) of one task function."""
    tasks, _total = backend.get_all_tasks(task_path=task_path, limit=1000)
    return tasks


def stop(worker: Popen[bytes]) -> None:
    """SIGTERM: the worker finishes its running task and exits cleanly."""
    worker.send_signal(signal.SIGTERM)
    _, stderr = worker.communicate(timeout=15)
    assert worker.returncode == 0, stderr.decode()


def test_a_filed_grievance_s_sms_is_sent_by_a_worker_through_redis(
    redis_tasks: RedisTaskBackend, file_grievance: Callable[..., Grievance],
    start_worker: WorkerStarter, worker_env: dict[str, str],
) -> None:
    grievance = file_grievance()
    message = Message.objects.get(grievance=grievance)
    assert message.status == MessageStatus.QUEUED
    # The drain waits on the broker, not in the database queue.
    assert not DBTaskResult.objects.exists()
    assert [t["status"] for t in tasks_of(redis_tasks, drain_outbox.module_path)] == [TaskResultStatus.READY]

    worker = start_worker("sms-worker")
    wait_until(lambda: Message.objects.get(pk=message.pk).status == MessageStatus.SENT, seconds=30,
               what="the submission SMS is sent", workers=(worker,))
    stop(worker)

    assert sent_ids(worker_env) == [message.pk]
    assert grievance.application_id in message.body
    assert [t["status"] for t in tasks_of(redis_tasks, drain_outbox.module_path)] == [TaskResultStatus.SUCCESSFUL]
    assert not DBTaskResult.objects.exists()


def test_a_requested_report_is_generated_by_a_worker_through_redis(
    redis_tasks: RedisTaskBackend, start_worker: WorkerStarter,
) -> None:
    with transaction.atomic():
        report = request_report(period_kind="month", start=date(2026, 3, 1), end=date(2026, 3, 31),
                                file_format=GeneratedReport.Format.CSV)
    assert [t["args_json"] for t in tasks_of(redis_tasks, generate_report.module_path)] == [f"[{report.pk}]"]

    worker = start_worker("report-worker")
    wait_until(lambda: GeneratedReport.objects.get(pk=report.pk).status != GeneratedReport.Status.QUEUED
               and GeneratedReport.objects.get(pk=report.pk).status != GeneratedReport.Status.RUNNING,
               seconds=60, what="the report is generated", workers=(worker,))
    stop(worker)

    report.refresh_from_db()
    assert report.status == GeneratedReport.Status.DONE, report.error
    with report.file.open("rb") as csv_file:
        assert csv_file.read().strip()
    [stored] = tasks_of(redis_tasks, generate_report.module_path)
    assert stored["status"] == TaskResultStatus.SUCCESSFUL
    assert stored["return_value_json"] == '"done"'


def test_a_worker_killed_mid_drain_loses_nothing_and_its_drain_runs_again(
    redis_tasks: RedisTaskBackend, start_worker: WorkerStarter, worker_env: dict[str, str],
) -> None:
    count = 100
    with transaction.atomic():
        messages = [
            queue_sms(to=f"+975171{n:05d}", template="otp", context={"code": f"{n:06d}", "purpose": "sign-in"},
                      language="en", event_key=f"broker-crash-test:{n}")
            for n in range(count)
        ]

    doomed = start_worker("doomed")
    wait_until(lambda: len(sent_ids(worker_env)) >= 25, seconds=30, what="25 SMS sent", workers=(doomed,))
    doomed.send_signal(signal.SIGKILL)
    doomed.wait(5)

    sent_before_kill = sent_ids(worker_env)
    in_flight = set(Message.objects.filter(status=MessageStatus.SENDING).values_list("pk", flat=True))
    assert 25 <= len(sent_before_kill) < count
    assert 0 < len(in_flight) <= BATCH_SIZE
    interrupted = [t for t in tasks_of(redis_tasks, drain_outbox.module_path)
                   if t["status"] == TaskResultStatus.RUNNING]
    assert len(interrupted) == 1  # the drain the killed worker was running

    # Two workers from now on: several may serve one queue. Their sweep resets the rows the dead worker
    # left "sending" once those are stale; the interrupted drain is taken over after the claim timeout.
    time.sleep(SENDING_TIMEOUT_SECONDS + 0.5)
    successors = (start_worker("successor-1"), start_worker("successor-2"))
    wait_until(lambda: Message.objects.filter(status=MessageStatus.SENT).count() == count, seconds=60,
               what="every SMS sent", workers=successors)
    wait_until(lambda: redis_tasks.get_result(interrupted[0]["task_id"]).status == TaskResultStatus.SUCCESSFUL,
               seconds=CLAIM_TIMEOUT_SECONDS + 15, what="the interrupted drain ran again", workers=successors)
    for worker in successors:
        stop(worker)

    rerun = redis_tasks.get_result(interrupted[0]["task_id"])
    assert rerun.worker_ids[0] == "doomed" and rerun.worker_ids[1].startswith("successor-")
    times_sent = Counter(sent_ids(worker_env))
    assert set(times_sent) == {message.pk for message in messages}  # nothing lost
    duplicates = {pk for pk, times in times_sent.items() if times > 1}
    assert duplicates <= in_flight  # only the crash window: the batch in flight at the kill
    assert max(times_sent.values()) <= 2
    counts = redis_tasks.get_status_counts()
    assert counts[TaskResultStatus.READY] == counts[TaskResultStatus.RUNNING] == 0  # no task left behind
    assert counts[TaskResultStatus.FAILED] == 0


def test_a_batch_worker_runs_what_is_ready_then_exits_and_reports_its_heartbeat(
    redis_tasks: RedisTaskBackend, start_worker: WorkerStarter,
) -> None:
    assert enqueue_sweep_unless_waiting()

    worker = start_worker("batch-worker", "--batch")
    _, stderr = worker.communicate(timeout=60)

    assert worker.returncode == 0, stderr.decode()
    [sweep] = tasks_of(redis_tasks, sweep_outbox.module_path)
    assert sweep["status"] == TaskResultStatus.SUCCESSFUL
    counts = redis_tasks.get_status_counts()
    assert counts[TaskResultStatus.READY] == counts[TaskResultStatus.RUNNING] == 0
    assert WorkerHeartbeat.objects.filter(worker_id="batch-worker").exists()  # /healthz sees the worker
