"""PostgreSQL stopped abruptly (pg_ctl stop -m immediate) while citizens file through the API, then restarted.

A private cluster on a free port (pg_cluster.py), a real gunicorn against it, and client threads that
each prove a mobile by OTP, then file grievances one after another, every filing with its own
Idempotency-Key and retried with that key until it is accepted, as a careful client would.

What a citizen or operator would notice is asserted: every application ID a client was given exists
with its history and its SMS in the outbox; every refusal on the way was a 503 JSON "try again"; while
the database is down a portal page says "Please try again" (503) and /healthz reports it; one grievance
per filing (retries did not file twice), and nothing half-written. Once with persistent connections,
once with a connection pool.
"""

import json
import os
import re
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import pytest

from tests.faults.pg_cluster import PrivateCluster, cluster_missing_reason
from tests.kannel.harness import free_port
from tests.needs import require

ROOT = Path(__file__).resolve().parents[2]
CLIENTS = 6
CRASHES = 2
OUTAGE_SECONDS = 2.0
# Every filing must be accepted within this long; the whole test stays well under a minute.
FILING_DEADLINE_SECONDS = 40.0
FILING = {"national_id": "10101001234", "name": "Karma Wangchuk", "problem_kind": "delayed",
          "subject": "Referral late", "description": "Three weeks and no answer.", "district": "thimphu"}


@dataclass
class Stack:
    cluster: PrivateCluster
    base_url: str
    log: Path


# Each server process keeps its connections open between requests (DATABASE_CONN_MAX_AGE) or takes
# them from a psycopg pool (DATABASE_POOL): both must come back by themselves after the restart.
CONNECTION_MODES = {
    "persistent": {"DATABASE_CONN_MAX_AGE": "60"},
    "pool": {"DATABASE_POOL": "true", "DATABASE_POOL_MIN_SIZE": "2", "DATABASE_POOL_MAX_SIZE": "4",
             "DATABASE_POOL_TIMEOUT": "3"},
}


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrivateCluster]:
    """The private cluster with the project migrated into it and one district."""
    require(cluster_missing_reason(), "a private PostgreSQL cluster cannot be started")
    var_dir = tmp_path_factory.mktemp("ekaasel-migrate")
    private = PrivateCluster(port=free_port())
    try:
        private.init()
        subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT,
                       env=_server_env(private, var_dir, 0), check=True, timeout=180)
        with psycopg.connect(private.url, autocommit=True) as connection:
            connection.execute("INSERT INTO organisations_district (code, name, name_dz) "
                               "VALUES ('thimphu', 'Thimphu', '')")
        yield private
    finally:
        private.destroy()


@pytest.fixture(scope="module", params=sorted(CONNECTION_MODES))
def stack(request: pytest.FixtureRequest, cluster: PrivateCluster,
          tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """gunicorn (2 processes, 4 threads each) on the private cluster, in one of the connection modes."""
    gunicorn = Path(sys.executable).parent / "gunicorn"
    require(None if gunicorn.exists() else f"not in the virtualenv ({gunicorn})", "gunicorn is missing")
    var_dir = tmp_path_factory.mktemp(f"ekaasel-outage-{request.param}")
    port = free_port()
    env = {**_server_env(cluster, var_dir, port), **CONNECTION_MODES[request.param]}
    log_path = var_dir / "gunicorn.log"
    with log_path.open("wb") as log:
        web = subprocess.Popen(
            [str(gunicorn), "config.wsgi", "--bind", f"127.0.0.1:{port}",
             "--workers", "2", "--threads", "4", "--timeout", "30", "--graceful-timeout", "2"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )
        try:
            _wait_for_http(f"http://127.0.0.1:{port}/api/v1/districts", web)
            yield Stack(cluster, f"http://127.0.0.1:{port}", log_path)
        finally:
            web.terminate()
            try:
                web.wait(timeout=10)
            except subprocess.TimeoutExpired:
                web.kill()


def _server_env(cluster: PrivateCluster, var_dir: Path, port: int) -> dict[str, str]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.faults.server_settings",
        "DATABASE_URL": cluster.url,
        "EKAASEL_VAR_DIR": str(var_dir),
        "EKAASEL_TEST_MEDIA_ROOT": str(var_dir / "media"),
        "PORTAL_URL": f"http://127.0.0.1:{port}",
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("CI", None)
    return env


def _wait_for_http(url: str, process: subprocess.Popen[bytes], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {process.returncode}")
        try:
            urllib.request.urlopen(url, timeout=2)  # noqa: S310 - loopback test server
            return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"{url} did not answer within {timeout}s")


@dataclass
class Answer:
    status: int
    content_type: str
    body: bytes

    def json(self) -> dict[str, object]:
        return json.loads(self.body)  # type: ignore[no-any-return]


def _call(url: str, *, data: bytes | None = None, headers: dict[str, str] | None = None) -> Answer:
    method = "POST" if data else "GET"
    request = urllib.request.Request(url, data=data, headers=headers or {}, method=method)  # noqa: S310 - loopback
    try:
        with urllib.request.urlopen(request, timeout=20) as response:  # noqa: S310 - loopback test server
            return Answer(response.status, response.headers.get("Content-Type", ""), response.read())
    except urllib.error.HTTPError as error:
        return Answer(error.code, error.headers.get("Content-Type", ""), error.read())


@dataclass
class Client:
    """One citizen's app: a proven mobile, then filings until told to stop."""

    stack: Stack
    mobile: str
    stop: threading.Event
    received: dict[str, str] = field(default_factory=dict)  # Idempotency-Key -> application ID
    refusals: list[Answer] = field(default_factory=list)
    unfinished: list[str] = field(default_factory=list)
    error: BaseException | None = None
    ready: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        try:
            token = self._token()
            self.ready.set()
            while not self.stop.is_set():
                self._file_one(token)
        except BaseException as exc:  # reported by the test, not lost in the thread
            self.error = exc

    def _json(self, path: str, payload: dict[str, str]) -> Answer:
        return _call(self.stack.base_url + path, data=json.dumps(payload).encode(),
                     headers={"Content-Type": "application/json"})

    def _token(self) -> str:
        answer = self._json("/api/v1/otp/request", {"mobile": self.mobile, "purpose": "file"})
        assert answer.status == 202, answer
        code = _latest_code(self.stack.cluster, self.mobile)
        answer = self._json("/api/v1/otp/verify", {"mobile": self.mobile, "purpose": "file", "code": code})
        assert answer.status == 200, answer
        return str(answer.json()["token"])

    def _file_one(self, token: str) -> None:
        key = uuid.uuid4().hex
        body = urllib.parse.urlencode(FILING).encode()
        headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": key,
                   "Content-Type": "application/x-www-form-urlencoded"}
        deadline = time.monotonic() + FILING_DEADLINE_SECONDS
        while time.monotonic() < deadline:
            try:
                answer = _call(self.stack.base_url + "/api/v1/grievances", data=body, headers=headers)
            except OSError as exc:  # the server itself must stay up: record it as a refusal
                self.refusals.append(Answer(0, "", repr(exc).encode()))
                time.sleep(0.2)
                continue
            if answer.status == 201:
                self.received[key] = str(answer.json()["application_id"])
                return
            self.refusals.append(answer)
            time.sleep(0.2)
        self.unfinished.append(key)


def _latest_code(cluster: PrivateCluster, mobile: str) -> str:
    """The code in the newest OTP SMS queued for `mobile` (E.164 in the outbox), as the phone would show it."""
    with psycopg.connect(cluster.url) as connection:
        row = connection.execute(
            "SELECT body FROM notifications_message WHERE recipient = %s AND template = 'otp' "
            "ORDER BY id DESC LIMIT 1", ["+975" + mobile],
        ).fetchone()
    assert row is not None, f"no code was queued for {mobile}"
    found = re.search(r"\b(\d{6})\b", row[0])
    assert found is not None, row[0]
    return found[1]


def _accepted(clients: list[Client]) -> int:
    return sum(len(client.received) for client in clients)


def _wait_for_accepted(clients: list[Client], count: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while _accepted(clients) < count:
        assert time.monotonic() < deadline, f"only {_accepted(clients)} filings accepted, expected {count}"
        assert all(c.error is None for c in clients), [c.error for c in clients]
        time.sleep(0.05)


def _assert_people_are_told_to_try_again(stack: Stack, application_id: str) -> None:
    """While the database is down: a portal page is a 503 page saying so, and /healthz reports it."""
    page = _call(f"{stack.base_url}/track/{application_id}/", headers={"Accept": "text/html"})
    assert page.status == 503 and page.content_type.startswith("text/html"), page
    assert b"Please try again" in page.body and b"Traceback" not in page.body
    health = _call(f"{stack.base_url}/healthz")
    assert health.status == 503 and health.json()["database"] == {"ok": False, "error": "OperationalError"}


def test_filings_survive_database_crashes_and_errors_say_try_again(stack: Stack) -> None:
    with psycopg.connect(stack.cluster.url) as connection:
        last_id = connection.execute("SELECT coalesce(max(id), 0) FROM grievances_grievance").fetchone()
    assert last_id is not None
    stop = threading.Event()
    clients = [Client(stack, f"17{n:06d}", stop) for n in range(1, CLIENTS + 1)]
    threads = [threading.Thread(target=client.run, name=f"citizen-{n}") for n, client in enumerate(clients)]
    for thread in threads:
        thread.start()
    try:
        # Every client holds its token before the first crash: the outage meets filings only.
        for client in clients:
            assert client.ready.wait(30), client.error or "a client got no token within 30 s"
        _wait_for_accepted(clients, 15)
        for _ in range(CRASHES):
            before = _accepted(clients)
            stack.cluster.crash()
            known_id = next(application_id for c in clients for application_id in list(c.received.values()))
            _assert_people_are_told_to_try_again(stack, known_id)
            time.sleep(OUTAGE_SECONDS)
            stack.cluster.start()
            # Service resumes after each restart: new filings are accepted again.
            _wait_for_accepted(clients, before + 15)
    finally:
        stop.set()
        for thread in threads:
            thread.join(FILING_DEADLINE_SECONDS + 10)
    assert all(c.error is None for c in clients), [c.error for c in clients]
    assert not any(thread.is_alive() for thread in threads)
    assert [key for c in clients for key in c.unfinished] == [], "filings never accepted after the restarts"

    # Refusals during the outage: 503 JSON "try again", never a stack trace or a server error page.
    refusals = [answer for client in clients for answer in client.refusals]
    assert refusals, "no filing met the outage: the test did not test it"
    statuses = Counter(answer.status for answer in refusals)
    assert set(statuses) == {503}, (statuses, [a.body[:300] for a in refusals if a.status != 503][:3])
    for answer in refusals:
        assert answer.content_type.startswith("application/json"), answer.body[:300]
        error = answer.json()["error"]
        assert isinstance(error, dict) and error["code"] == "unavailable"
        assert "try again" in str(error["message"]).lower()

    received = {key: application_id for client in clients for key, application_id in client.received.items()}
    with psycopg.connect(stack.cluster.url) as connection:
        rows = connection.execute(
            """
            SELECT g.application_id, g.submission_key,
                   (SELECT count(*) FROM grievances_grievanceevent e WHERE e.grievance_id = g.id),
                   (SELECT count(*) FROM notifications_message m
                     WHERE m.grievance_id = g.id AND m.template = 'submitted')
            FROM grievances_grievance g WHERE g.id > %s
            """, [last_id[0]],
        ).fetchall()
        orphan_sms = connection.execute(
            "SELECT count(*) FROM notifications_message WHERE template = 'submitted' AND grievance_id IS NULL"
        ).fetchone()
        orphan_history = connection.execute(
            "SELECT count(*) FROM grievances_grievanceevent e "
            "WHERE NOT EXISTS (SELECT 1 FROM grievances_grievance g WHERE g.id = e.grievance_id)"
        ).fetchone()
    stored = {application_id: (history, sms) for application_id, _key, history, sms in rows}
    # Every ID a client was given is stored, with its history and its SMS queued.
    missing = [application_id for application_id in received.values() if application_id not in stored]
    assert missing == []
    # Nothing half-written, and one grievance per filing: a retried filing did not file twice.
    assert all(history >= 1 and sms == 1 for history, sms in stored.values()), rows
    assert orphan_sms == (0,) and orphan_history == (0,)
    assert len(rows) == len(received) == len(set(received.values()))
