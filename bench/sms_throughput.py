"""End-to-end SMS throughput: outbox → worker(s) → Kannel (bearerbox + smsbox) → fakesmsc. Not a test.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ekaasel_bench .venv/bin/python bench/sms_throughput.py -n 2000 -w 4

Queues N messages in one transaction (as domain actions do; the commit enqueues one drain_outbox task,
and each full batch asks for another, so the workers drain side by side), starts W worker processes
(`manage.py run_worker`), and measures until every message has reached the phone side (fakesmsc).
Prints queue time, time until all are "sent" in the outbox, end-to-end time and messages per second.
Delivery reports are off here (no web server), so the figure is the send path only.
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.kannel_settings")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/ekaasel_bench")


def ensure_database() -> None:
    """Create the PostgreSQL database named in DATABASE_URL if it does not exist yet."""
    url = os.environ["DATABASE_URL"]
    if not url.startswith("postgres"):
        return
    import psycopg

    base, _, name = url.rpartition("/")
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", "--messages", type=int, default=2000)
    parser.add_argument("-w", "--workers", type=int, default=4)
    args = parser.parse_args()

    ensure_database()
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import transaction
    from django_tasks_db.models import DBTaskResult

    from ekaasel.notifications.models import Message, MessageStatus
    from ekaasel.notifications.outbox import queue_sms
    from tests.kannel.harness import Kannel, kannel_missing_reason

    missing = kannel_missing_reason()
    if missing:
        sys.exit(missing)
    call_command("migrate", verbosity=0)
    Message.objects.all().delete()
    DBTaskResult.objects.all().delete()

    with tempfile.TemporaryDirectory(prefix="ekaasel-bench-") as workdir:
        kannel = Kannel(workdir=Path(workdir), get_url="http://127.0.0.1:9/unused")
        kannel.start()
        env = {**os.environ, "KANNEL_SENDSMS_URL": kannel.sendsms_url, "KANNEL_USERNAME": kannel.username,
               "KANNEL_PASSWORD": kannel.password, "KANNEL_DLR_URL": ""}
        os.environ.update(env)
        workers: list[subprocess.Popen[bytes]] = []
        try:
            kannel.wait_received(0)
            run = time.strftime("%H%M%S")
            started = time.monotonic()
            with transaction.atomic():
                for n in range(args.messages):
                    queue_sms(to=f"+975170{n % 100000:05d}", template="otp",
                              context={"code": f"{n:06d}", "purpose": "bench"}, language="en",
                              event_key=f"bench:{run}:{n}")
            queued = time.monotonic()
            for w in range(args.workers):
                workers.append(subprocess.Popen(
                    [sys.executable, str(ROOT / "manage.py"), "run_worker", "--batch", "--interval", "0",
                     "--worker-id", f"bench-{w}"],
                    env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                ))
            for worker in workers:
                worker.wait()
            all_sent = time.monotonic()
            received = kannel.wait_received(args.messages, timeout=120)
            done = time.monotonic()
        finally:
            for worker in workers:
                if worker.poll() is None:
                    worker.terminate()
            kannel.stop()

    sent = Message.objects.filter(status=MessageStatus.SENT).count()
    print(f"messages: {args.messages}  workers: {args.workers}  database: {os.environ['DATABASE_URL'].split('@')[-1]}")
    print(f"synchronous_commit: {os.environ.get('BENCH_SYNCHRONOUS_COMMIT', 'on (default)')}")
    print(f"queue (one transaction): {queued - started:.2f} s")
    print(f"outbox -> Kannel accepted (all 'sent'): {all_sent - queued:.2f} s, {sent} sent")
    print(f"reached fakesmsc: {len(received)} in {done - queued:.2f} s")
    print(f"throughput end to end: {len(received) / (done - queued):.0f} msg/s")


if __name__ == "__main__":
    main()
