"""Filing and tracking through the real HTTP stack, against the raw database doing the same work. Not a test.

    .venv/bin/python bench/http_stack.py --databases ekaasel_bench_10k,ekaasel_bench   # after bench/generate.py

For each database (generate them first: `bench/generate.py -n 10000` into ekaasel_bench_10k, `-n 1000000`
into ekaasel_bench):
- gunicorn serves the project (config.wsgi, bench/settings.py: the production settings, DEBUG off) on a free
  loopback port;
- filing: POST /api/v1/grievances (form fields, a citizen's bearer token made by the project's own
  `issue_citizen_token`, as /otp/verify hands out) under wrk with a Lua script at several concurrencies
  (requests/s, p50/p95/p99), then at a fixed rate (default 300/s) from an open-loop client that measures
  each request from the moment it was due (no coordinated omission);
- tracking: GET /api/v1/grievances/<application ID> of stored grievances, the same way (fixed rate 500/s);
- the raw baseline in the same run: the same 3-insert transaction (grievance, history event, outbox SMS)
  and the same lookup by application ID, straight through psycopg from threads, and through pgbench
  with a custom script.
One table at the end, with the ratios app/raw. The grievances the benchmark files stay in the database
(real filings); the raw rows (application IDs RAW-…) are removed afterwards.

Goals (issue #8, 2 cores): filing >= 750 req/s and >= 0.14 of the raw rate, p95 <= 25 ms at 300 req/s;
tracking >= 1,500 req/s, p95 <= 10 ms at 500 req/s, the same at 10 thousand and 10 million grievances.
"""

import argparse
import asyncio
import json
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/ekaasel_bench")
SERVER = os.environ["DATABASE_URL"].rpartition("/")[0]


@dataclass
class Result:
    """One measurement: throughput and latency percentiles (ms)."""

    name: str
    database: str
    rate: float
    p50: float
    p95: float
    p99: float
    errors: int
    load: str
    note: str = ""


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def percentile(values: list[float], share: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# --- the app server -------------------------------------------------------------------------------


class AppServer:
    """gunicorn serving config.wsgi on a free loopback port, on one database."""

    def __init__(self, database: str, workers: int, threads: int, wsgi: str = "config.wsgi:application") -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "DATABASE_URL": f"{SERVER}/{database}", "DJANGO_SETTINGS_MODULE": "bench.settings",
               "LOG_LEVEL": "WARNING"}
        command = [str(ROOT / ".venv/bin/gunicorn"), wsgi, "--bind", f"127.0.0.1:{self.port}",
                   "--workers", str(workers), "--backlog", "2048", "--log-level", "warning"]
        if threads > 1:
            command += ["--worker-class", "gthread", "--threads", str(threads)]
        self.log = tempfile.NamedTemporaryFile(prefix="ekaasel-bench-gunicorn-", suffix=".log", delete=False)  # noqa: SIM115
        self.process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT)

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(self.url + "/api/v1/districts", timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.3)
        self.stop()
        sys.exit(f"gunicorn did not answer within {timeout:.0f} s; its log: {self.log.name}")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()
        if not Path(self.log.name).read_text().strip():
            os.unlink(self.log.name)  # kept only when gunicorn had something to say


# --- wrk -------------------------------------------------------------------------------------------

WRK_DONE = """
done = function(summary, latency, requests)
  io.write(string.format('WRK {"requests":%d,"duration_us":%d,"status_errors":%d,"socket_errors":%d,'
    .. '"p50":%d,"p95":%d,"p99":%d,"max":%d}\\n', summary.requests, summary.duration, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max))
end
"""


def lua_list(values: list[str]) -> str:
    return "{" + ",".join(json.dumps(v) for v in values) + "}"


def wrk_script(requests: list[tuple[str, str, dict[str, str], str]]) -> str:
    """A Lua script that sends the given (method, path, headers, body) requests in turn."""
    lines = ["local reqs = {}"]
    for method, path, headers, body in requests:
        header_table = "{" + ",".join(f"[{json.dumps(k)}]={json.dumps(v)}" for k, v in headers.items()) + "}"
        lines.append(f"reqs[#reqs+1] = wrk.format({json.dumps(method)}, {json.dumps(path)}, {header_table}, "
                     f"{json.dumps(body) if body else 'nil'})")
    lines.append("local i = 0")
    lines.append("init = function(args) i = math.random(#reqs) end")
    lines.append("request = function() i = i % #reqs + 1; return reqs[i] end")
    return "\n".join(lines) + WRK_DONE


def run_wrk(url: str, script: str, connections: int, duration: int) -> dict[str, Any]:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(script)
    try:
        out = subprocess.run(
            ["wrk", "-t", "2", "-c", str(connections), "-d", f"{duration}s", "--timeout", "10s", "-s", handle.name,
             url], capture_output=True, text=True, check=True, timeout=duration + 60,
        ).stdout
    finally:
        os.unlink(handle.name)
    line = next(line for line in out.splitlines() if line.startswith("WRK "))
    return dict(json.loads(line[4:]))


# --- the open-loop fixed-rate client -----------------------------------------------------------------


async def _send(port: int, raw: bytes) -> int:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(raw)
        await writer.drain()
        data = await reader.read()
    finally:
        writer.close()
    return int(data[9:12]) if len(data) >= 12 else 0


async def _fixed_rate(port: int, requests: list[bytes], rate: float, duration: float,
                      expect: int) -> tuple[list[float], int, float]:
    loop = asyncio.get_running_loop()
    latencies: list[float] = []
    errors = 0

    async def one(due: float, raw: bytes) -> None:
        nonlocal errors
        try:
            status = await asyncio.wait_for(_send(port, raw), timeout=10)
        except (OSError, TimeoutError):
            status = 0
        latencies.append((loop.time() - due) * 1000)
        if status != expect:
            errors += 1

    start = loop.time() + 0.05
    tasks = []
    for index in range(int(rate * duration)):
        due = start + index / rate
        delay = due - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(due, requests[index % len(requests)])))
    await asyncio.gather(*tasks)
    return latencies, errors, loop.time() - start


def fixed_rate(port: int, requests: list[tuple[str, str, dict[str, str], str]], rate: float, duration: float,
               expect: int) -> tuple[list[float], int, float]:
    """Send at `rate` per second for `duration` seconds; latencies (ms) are counted from each request's due
    time. Returns the latencies, the number of failed answers and the seconds until the last answer."""
    raw = []
    for method, path, headers, body in requests:
        head = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", "Connection: close",
                *(f"{k}: {v}" for k, v in headers.items())]
        if body:
            head.append(f"Content-Length: {len(body.encode())}")
        raw.append(("\r\n".join(head) + "\r\n\r\n" + body).encode())
    return asyncio.run(_fixed_rate(port, raw, rate, duration, expect))


# --- requests --------------------------------------------------------------------------------------


def filing_requests(count: int) -> list[tuple[str, str, dict[str, str], str]]:
    """Distinct citizens filing about catalogue services, each with a token for his proven mobile."""
    from ekaasel.api.citizen_tokens import issue_citizen_token
    from ekaasel.organisations.models import District, Service

    rng = random.Random(5)
    services = list(Service.objects.values_list("code", flat=True))
    districts = list(District.objects.values_list("code", flat=True))
    requests = []
    for n in range(count):
        mobile = f"+97517{900000 + n:06d}"
        body = urlencode({
            "national_id": f"119{n:08d}", "name": "Tashi Dorji", "service": rng.choice(services),
            "problem_kind": rng.choice(["delayed", "no_access", "not_as_asked"]),
            "subject": "Still waiting for my certificate",
            "description": "I applied two months ago and have heard nothing since. Please help.",
            "district": rng.choice(districts), "language": "en",
        })
        headers = {"Authorization": f"Bearer {issue_citizen_token(mobile=mobile)}",
                   "Content-Type": "application/x-www-form-urlencoded"}
        requests.append(("POST", "/api/v1/grievances", headers, body))
    return requests


def tracking_requests(application_ids: list[str]) -> list[tuple[str, str, dict[str, str], str]]:
    return [("GET", f"/api/v1/grievances/{aid}", {}, "") for aid in application_ids]


def sample_application_ids(dsn: str, count: int) -> list[str]:
    import psycopg

    with psycopg.connect(dsn) as conn:
        rows = conn.execute(
            "SELECT application_id FROM grievances_grievance WHERE application_id NOT LIKE 'RAW-%%' "
            "AND id IN (SELECT (random() * (SELECT max(id) FROM grievances_grievance))::bigint + 1 "
            "FROM generate_series(1, %s))", [count * 2]).fetchall()
    ids = [r[0] for r in rows][:count]
    if not ids:
        sys.exit("No grievances in this database: run bench/generate.py first.")
    return ids


# --- the raw baseline ------------------------------------------------------------------------------


def raw_statements(dsn: str) -> tuple[str, str, str, str]:
    """The three INSERTs of a filing (grievance, history event, outbox SMS) and the tracking lookup."""
    import psycopg

    from bench.generate import EVENT_COLUMNS, GRIEVANCE_COLUMNS, MESSAGE_COLUMNS

    with psycopg.connect(dsn) as conn:
        citizen, district, service = conn.execute(
            "SELECT citizen_id, district_id, service_id FROM grievances_grievance "
            "WHERE service_id IS NOT NULL LIMIT 1").fetchone() or (None, None, None)
    values = {
        "application_id": "%(aid)s", "service_id": str(service), "service_other": "''",
        "problem_kind": "'delayed'", "subject": "'Still waiting for my certificate'",
        "description": "'I applied two months ago and have heard nothing since. Please help.'",
        "district_id": str(district), "channel": "'api'", "citizen_id": str(citizen),
        "applicant_name": "'Tashi Dorji'", "mobile": "'+97517900001'", "language": "'en'",
        "status": "'submitted'", "is_appeal": "false", "is_returned": "false", "escalation_level": "0",
        "pmo_following": "false", "closure_reason": "''", "info_request": "''", "rejection_reason": "''",
        "resolution": "''", "rating_comment": "''", "assessment_due_at": "now() + interval '3 days'",
        "submitted_at": "now()", "updated_at": "now()", "version": "1",
    }
    columns = [c for c in GRIEVANCE_COLUMNS if c != "id"]
    grievance = (f"INSERT INTO grievances_grievance ({', '.join(columns)}) VALUES "
                 f"({', '.join(values.get(c, 'NULL') for c in columns)}) RETURNING id")
    event_values = {
        "grievance_id": "%(gid)s", "action": "'submit'", "actor_kind": "'citizen'", "from_status": "'submitted'",
        "to_status": "'submitted'", "note": "''", "internal": "false", "data": "'{\"channel\": \"api\"}'",
        "created_at": "now()", "prev_hash": "''", "hash": "md5(%(aid)s) || md5(%(aid)s)",
    }
    columns = [c for c in EVENT_COLUMNS if c != "id"]
    event = (f"INSERT INTO grievances_grievanceevent ({', '.join(columns)}) VALUES "
             f"({', '.join(event_values.get(c, 'NULL') for c in columns)})")
    message_values = {
        "channel": "'sms'", "recipient": "'+97517900001'",
        "body": "'eKaaSel: your grievance is received. Application ID ' || %(aid)s || '.'",
        "template": "'submitted'", "language": "'en'", "event_key": "'raw:' || %(aid)s",
        "grievance_id": "%(gid)s", "status": "'queued'", "attempts": "0", "next_attempt_at": "now()",
        "last_error": "''", "provider_message_id": "''", "delivery_status": "''", "created_at": "now()",
    }
    columns = [c for c in MESSAGE_COLUMNS if c != "id"]
    message = (f"INSERT INTO notifications_message ({', '.join(columns)}) VALUES "
               f"({', '.join(message_values.get(c, 'NULL') for c in columns)})")
    # What grievance_coarse_status asks (Django's .first() orders by the primary key).
    lookup = ("SELECT application_id, status, submitted_at, updated_at, due_at FROM grievances_grievance "
              "WHERE application_id = %(aid)s ORDER BY id LIMIT 1")
    return grievance, event, message, lookup


def raw_threads(dsn: str, threads: int, duration: float,
                work: Callable[[Any, int, int], None]) -> tuple[float, list[float]]:
    """Run `work(connection, thread, n)` in a loop on `threads` connections; (per second, latencies ms)."""
    import psycopg

    latencies: list[list[float]] = [[] for _ in range(threads)]
    deadline = time.monotonic() + duration

    def loop(index: int) -> None:
        with psycopg.connect(dsn, autocommit=True) as conn:
            n = 0
            while time.monotonic() < deadline:
                started = time.perf_counter()
                work(conn, index, n)
                latencies[index].append((time.perf_counter() - started) * 1000)
                n += 1

    workers = [threading.Thread(target=loop, args=(i,)) for i in range(threads)]
    started = time.monotonic()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    elapsed = time.monotonic() - started
    flat = [v for per in latencies for v in per]
    return len(flat) / elapsed, flat


def run_pgbench(dsn: str, script: str, clients: int, duration: int, variables: dict[str, str]) -> float:
    """Transactions per second of pgbench running `script`."""
    with tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False) as handle:
        handle.write(script)
    try:
        command = ["pgbench", "-n", "-c", str(clients), "-j", "2", "-T", str(duration), "-f", handle.name]
        for key, value in variables.items():
            command += ["-D", f"{key}={value}"]
        out = subprocess.run([*command, dsn], capture_output=True, text=True, check=True, timeout=duration + 60).stdout
    finally:
        os.unlink(handle.name)
    line = next(line for line in out.splitlines() if line.startswith("tps"))
    return float(line.split("=")[1].split()[0])


def remove_raw_rows(dsn: str) -> None:
    import psycopg

    with psycopg.connect(dsn) as conn:
        conn.execute("SET session_replication_role = replica")  # the history refuses DELETE otherwise
        conn.execute("DELETE FROM notifications_message WHERE event_key LIKE 'raw:%%'")
        conn.execute("DELETE FROM grievances_grievanceevent WHERE grievance_id IN "
                     "(SELECT id FROM grievances_grievance WHERE application_id LIKE 'RAW-%%')")
        conn.execute("DELETE FROM grievances_grievance WHERE application_id LIKE 'RAW-%%'")
        conn.execute("DROP TABLE IF EXISTS bench_track_ids")
        conn.execute("DROP SEQUENCE IF EXISTS bench_raw_serial")


# --- the run ---------------------------------------------------------------------------------------


def measure_database(database: str, args: argparse.Namespace) -> list[Result]:
    import psycopg

    dsn = f"{SERVER}/{database}"
    with psycopg.connect(dsn) as conn:
        stored = conn.execute("SELECT count(*) FROM grievances_grievance").fetchone()[0]  # type: ignore[index]
    label = f"{database} ({stored:,})" + ("" if args.wsgi.startswith("config.") else " *")
    results: list[Result] = []
    filings = filing_requests(2000)
    ids = sample_application_ids(dsn, 2000)
    tracks = tracking_requests(ids)
    for kind, requests, expect, rate in (("track", tracks, 200, args.track_rate),
                                         ("submit", filings, 201, args.submit_rate)):
        if kind not in args.only:
            continue
        # A fresh server per kind: an overrun fixed-rate phase leaves no queue behind for the next one.
        server = AppServer(database, args.workers, args.threads, args.wsgi)
        try:
            server.wait_ready()
            script = wrk_script(requests)
            for connections in args.concurrency:
                run_wrk(server.url, script, connections, 2)  # warm-up: workers' connections, caches
                found = run_wrk(server.url, script, connections, args.duration)
                results.append(Result(
                    f"{kind} app, wrk c={connections}", label, found["requests"] / found["duration_us"] * 1e6,
                    found["p50"] / 1000, found["p95"] / 1000, found["p99"] / 1000,
                    found["status_errors"] + found["socket_errors"], load_average()))
                print(results[-1], flush=True)
            latencies, errors, elapsed = fixed_rate(server.port, requests, rate, args.duration, expect)
            # Answered as asked per second: below `rate` when the server falls behind or fails requests.
            results.append(Result(f"{kind} app, fixed {rate:.0f}/s", label, (len(latencies) - errors) / elapsed,
                                  percentile(latencies, 0.5), percentile(latencies, 0.95),
                                  percentile(latencies, 0.99), errors, load_average()))
            print(results[-1], flush=True)
        finally:
            server.stop()
    results += raw_baseline(dsn, label, ids, args)
    return results


def raw_baseline(dsn: str, label: str, ids: list[str], args: argparse.Namespace) -> list[Result]:
    import psycopg

    results: list[Result] = []
    grievance, event, message, lookup = raw_statements(dsn)

    def submit(conn: Any, thread: int, n: int) -> None:
        aid = f"RAW-{os.getpid() % 1000}-{thread}-{n}-{random.randrange(10**6)}"[:24]
        with conn.transaction():
            gid = conn.execute(grievance, {"aid": aid}).fetchone()[0]
            conn.execute(event, {"aid": aid, "gid": gid})
            conn.execute(message, {"aid": aid, "gid": gid})

    def track(conn: Any, thread: int, n: int) -> None:
        conn.execute(lookup, {"aid": ids[(thread * 7919 + n) % len(ids)]}).fetchone()

    try:
        for kind, work in (("track", track), ("submit", submit)):
            if kind not in args.only:
                continue
            rate, latencies = raw_threads(dsn, args.raw_threads, args.duration, work)
            results.append(Result(f"{kind} raw, psycopg {args.raw_threads} threads", label, rate,
                                  percentile(latencies, 0.5), percentile(latencies, 0.95),
                                  percentile(latencies, 0.99), 0, load_average()))
            print(results[-1], flush=True)
        if shutil.which("pgbench"):
            with psycopg.connect(dsn) as conn:
                conn.execute("CREATE SEQUENCE IF NOT EXISTS bench_raw_serial")
                conn.execute("DROP TABLE IF EXISTS bench_track_ids")
                conn.execute("CREATE TABLE bench_track_ids (n serial PRIMARY KEY, application_id text)")
                with conn.cursor().copy("COPY bench_track_ids (application_id) FROM STDIN") as copy:
                    for aid in ids:
                        copy.write_row((aid,))
            pg_aid = "('RAW-P' || nextval('bench_raw_serial'))"
            submit_sql = ("BEGIN;\n" + grievance.replace("%(aid)s", pg_aid) + " \\gset\n"
                          + event.replace("%(gid)s", ":id").replace("%(aid)s", "currval('bench_raw_serial')::text")
                          + ";\n"
                          + message.replace("%(gid)s", ":id").replace("%(aid)s", "('P' || currval('bench_raw_serial'))")
                          + ";\nEND;\n")
            track_sql = (f"\\set n random(1, {len(ids)})\n" + lookup.replace(
                "%(aid)s", "(SELECT application_id FROM bench_track_ids WHERE n = :n)") + ";\n")
            for kind, script in (("track", track_sql), ("submit", submit_sql)):
                if kind not in args.only:
                    continue
                tps = run_pgbench(dsn, script, args.raw_threads, args.duration, {})
                results.append(Result(f"{kind} raw, pgbench c={args.raw_threads}", label, tps, float("nan"),
                                      float("nan"), float("nan"), 0, load_average()))
                print(results[-1], flush=True)
    finally:
        remove_raw_rows(dsn)
    return results


def print_table(results: list[Result]) -> None:
    print()
    print(f"{'measurement':<34} {'database (grievances)':<32} {'req/s':>8} {'p50 ms':>7} {'p95 ms':>7} "
          f"{'p99 ms':>7} {'errors':>6} {'app/raw':>8}  load average")
    for r in results:
        kind = r.name.split()[0]
        ratio = ""
        if " app" in r.name:
            raw = [x.rate for x in results if x.database == r.database and x.name.startswith(f"{kind} raw")]
            if raw:
                ratio = f"{r.rate / max(raw):.2f}"
        print(f"{r.name:<34} {r.database:<32} {r.rate:8.0f} {r.p50:7.1f} {r.p95:7.1f} {r.p99:7.1f} "
              f"{r.errors:6d} {ratio:>8}  {r.load}")
    print("app/raw: the app's requests/s over the best raw rate of the same work on the same database.")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--databases", default="ekaasel_bench_10k,ekaasel_bench",
                        help="comma-separated databases on the DATABASE_URL server, each made by generate.py")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=1, help="threads per worker (>1: gthread workers)")
    parser.add_argument("--concurrency", default="8,32,64", help="wrk connections, comma-separated")
    parser.add_argument("--duration", type=int, default=10, help="seconds per measurement")
    parser.add_argument("--submit-rate", type=float, default=300)
    parser.add_argument("--track-rate", type=float, default=500)
    parser.add_argument("--raw-threads", type=int, default=8)
    parser.add_argument("--only", default="submit,track", help="submit (or file), track or both")
    parser.add_argument("--wsgi", default="config.wsgi:application",
                        help="the WSGI application gunicorn serves (to measure an experiment against the project)")
    args = parser.parse_args()
    args.concurrency = [int(c) for c in args.concurrency.split(",")]
    args.only = {"submit" if kind == "file" else kind for kind in args.only.split(",")}  # "file" is "submit"
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed (apt-get install -y wrk).")

    import django

    django.setup()
    from bench.dashboards import ensure_static

    ensure_static()
    results: list[Result] = []
    for database in args.databases.split(","):
        results += measure_database(database.strip(), args)
    print_table(results)


if __name__ == "__main__":
    main()
