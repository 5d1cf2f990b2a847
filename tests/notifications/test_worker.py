"""The worker process: django_tasks_db's Worker plus the scheduler thread (heartbeat, sweep)."""

import os
import signal
import socket
import threading
import time
from datetime import timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.db import transaction
from django.tasks import TaskResultStatus
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from ekaasel.core.models import WorkerHeartbeat
from ekaasel.notifications.management.commands.run_worker import _DatabaseWorker
from ekaasel.notifications.models import MessageStatus
from ekaasel.notifications.outbox import queue_sms
from ekaasel.notifications.scheduler import PeriodicJob, Scheduler, worker_jobs
from ekaasel.notifications.tasks import drain_outbox, enqueue_sweep_unless_waiting, sweep_outbox

DRAIN = drain_outbox.module_path


def queue_otp(n: int):
    return queue_sms(
        to=f"+9751712345{n}", template="otp", context={"code": f"00000{n}", "purpose": "sign-in"},
        language="en", event_key=f"otp:{n}",
    )


@pytest.mark.django_db(transaction=True)
def test_run_worker_batch_delivers_queued_messages_and_writes_a_heartbeat(sms_sent):
    with transaction.atomic():
        first, second = queue_otp(1), queue_otp(2)

    call_command("run_worker", batch=True, interval=0, worker_id="test-worker")

    assert sorted(sms.message_id for sms in sms_sent) == [first.pk, second.pk]  # each once
    for message in (first, second):
        message.refresh_from_db()
        assert message.status == MessageStatus.SENT
    deliveries = DBTaskResult.objects.filter(task_path=DRAIN)
    assert {task.status for task in deliveries} == {TaskResultStatus.SUCCESSFUL}
    assert all(task.worker_ids == ["test-worker"] for task in deliveries)
    # The sweep enqueued at start-up ran in the same batch.
    assert DBTaskResult.objects.get(task_path=sweep_outbox.module_path).status == TaskResultStatus.SUCCESSFUL

    heartbeat = WorkerHeartbeat.objects.get()
    assert heartbeat.worker_id == "test-worker"
    assert heartbeat.pid == os.getpid()
    assert heartbeat.hostname == socket.gethostname()
    assert timezone.now() - heartbeat.last_seen_at < timedelta(seconds=10)


@pytest.mark.django_db(transaction=True)
def test_run_worker_retries_after_the_back_off_once_the_gateway_is_back(sms_sent, use_backend):
    use_backend("GatewayDownBackend")
    with transaction.atomic():
        message = queue_otp(1)

    call_command("run_worker", batch=True, interval=0)

    message.refresh_from_db()
    assert message.status == MessageStatus.QUEUED
    assert message.attempts == 1
    retry = DBTaskResult.objects.get(task_path=DRAIN, status=TaskResultStatus.READY)
    assert retry.run_after == message.next_attempt_at > timezone.now()

    # Gateway back, but the back-off has not passed: nothing happens yet.
    use_backend("RecordingBackend")
    call_command("run_worker", batch=True, interval=0)
    assert sms_sent == []

    with time_machine.travel(message.next_attempt_at + timedelta(seconds=1)):
        call_command("run_worker", batch=True, interval=0)

    message.refresh_from_db()
    assert message.status == MessageStatus.SENT
    assert message.attempts == 2
    assert [sms.message_id for sms in sms_sent] == [message.pk]


@pytest.mark.django_db(transaction=True)
def test_sigterm_stops_the_worker_cleanly():
    original = signal.getsignal(signal.SIGTERM)

    def send_sigterm_once_the_worker_listens() -> None:
        deadline = time.monotonic() + 10
        while signal.getsignal(signal.SIGTERM) is original and time.monotonic() < deadline:
            time.sleep(0.01)
        if signal.getsignal(signal.SIGTERM) is not original:  # never kill the test run itself
            time.sleep(0.1)
            os.kill(os.getpid(), signal.SIGTERM)

    killer = threading.Thread(target=send_sigterm_once_the_worker_listens)
    killer.start()
    call_command("run_worker", interval=0.05)  # returns instead of running forever
    killer.join()

    assert signal.getsignal(signal.SIGTERM) is original
    assert not [thread for thread in threading.enumerate() if thread.name == "scheduler"]
    assert WorkerHeartbeat.objects.count() == 1


def test_the_first_signal_ends_the_loop_without_interrupting_it_and_a_second_one_exits_at_once():
    # The library's own handler raised SystemExit from inside whatever statement was running (a claim in
    # its transaction): the clean-up then failed and `systemctl stop` saw status 1.
    worker = _DatabaseWorker(queue_names=["default"], interval=0.05, batch=False, backend_name="default",
                             startup_delay=False, max_tasks=None, worker_id="signals", excluded_queue_names=[])
    worker.shutdown(signal.SIGTERM, None)  # no exception: the statement in hand completes
    assert worker.running is False
    original = signal.getsignal(signal.SIGTERM)
    try:
        with pytest.raises(SystemExit) as stopped:
            worker.shutdown(signal.SIGTERM, None)
        assert stopped.value.code == 1
    finally:
        signal.signal(signal.SIGTERM, original)


@pytest.mark.django_db
def test_the_sweep_is_enqueued_only_if_none_is_waiting():
    assert enqueue_sweep_unless_waiting() is True
    assert enqueue_sweep_unless_waiting() is False
    DBTaskResult.objects.update(status=TaskResultStatus.SUCCESSFUL)
    assert enqueue_sweep_unless_waiting() is True
    assert DBTaskResult.objects.filter(task_path=sweep_outbox.module_path).count() == 2


@pytest.mark.django_db
def test_worker_jobs_write_the_heartbeat_and_enqueue_the_sweep(settings):
    settings.WORKER = {**settings.WORKER, "HEARTBEAT_SECONDS": 15, "SWEEP_SECONDS": 60}
    now = [1000.0]
    scheduler = Scheduler(worker_jobs(worker_id="w1"), monotonic=lambda: now[0])

    scheduler.run_due()
    first_seen = WorkerHeartbeat.objects.get(worker_id="w1").last_seen_at
    assert DBTaskResult.objects.filter(task_path=sweep_outbox.module_path).count() == 1
    assert scheduler.seconds_until_next() == 15

    now[0] += 15
    with time_machine.travel(timezone.now() + timedelta(seconds=15)):
        scheduler.run_due()
    assert WorkerHeartbeat.objects.get(worker_id="w1").last_seen_at > first_seen
    assert DBTaskResult.objects.filter(task_path=sweep_outbox.module_path).count() == 1


def test_a_failing_job_is_logged_and_the_others_still_run(caplog):
    now = [0.0]
    ran: list[str] = []

    def broken() -> None:
        ran.append("broken")
        raise ConnectionError("database is down")

    scheduler = Scheduler(
        [PeriodicJob("broken", 10, broken), PeriodicJob("fine", 10, lambda: ran.append("fine"))],
        monotonic=lambda: now[0],
    )
    scheduler.run_due()
    assert ran == ["broken", "fine"]
    assert "Scheduled job broken failed" in caplog.text

    scheduler.run_due()  # not due yet
    assert ran == ["broken", "fine"]
    now[0] = 10.0
    scheduler.run_due()  # tried again on the next cycle
    assert ran == ["broken", "fine", "broken", "fine"]


def test_the_scheduler_thread_runs_jobs_repeatedly_until_stopped():
    ticks = threading.Semaphore(0)
    scheduler = Scheduler([PeriodicJob("tick", 0.01, ticks.release)])
    scheduler.start()
    try:
        assert all(ticks.acquire(timeout=5) for _ in range(3))
    finally:
        scheduler.stop()
    assert not [thread for thread in threading.enumerate() if thread.name == "scheduler"]
