"""The production processes as deployed: gunicorn with deploy/gunicorn.conf.py and the worker as a
separate process, production settings, static files collected and served by WhiteNoise.

What a browser behind nginx sees: HTTPS enforced (redirect, HSTS, secure cookies), the security
headers and the Content Security Policy, hashed and compressed static files cached for a year, the
request id echoed; and what the operator sees: JSON log lines with that id, /healthz green once the
worker beats.
"""

import json
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.core.production_env import ROOT, manage, production_env

REQUEST_ID = "edge-7f3c9a2b4d5e6f70"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        return None


_opener = urllib.request.build_opener(_NoRedirect)


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    set_cookies: list[str]
    body: bytes


def fetch(url: str, **headers: str) -> Answer:
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 - loopback test server
    try:
        response = _opener.open(request, timeout=10)
    except urllib.error.HTTPError as error:
        response = error
    with response:
        return Answer(response.status, dict(response.headers), response.headers.get_all("Set-Cookie") or [],
                      response.read())


@dataclass
class Server:
    base: str
    web: subprocess.Popen[bytes]
    log: Path


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    var = tmp_path_factory.mktemp("production")
    port = _free_port()
    env = production_env(var, ALLOWED_HOSTS="127.0.0.1", WEB_BIND=f"127.0.0.1:{port}", WEB_WORKERS="2",
                         WEB_THREADS="2")
    # The pages asked for here use the portal's files only; compressing the admin's and the API
    # documentation's large bundles would add a minute to the test.
    collect = ("collectstatic", "--noinput", "-v0", "-i", "admin", "-i", "ninja")
    for command in (("migrate", "--noinput", "-v0"), collect):
        result = manage(env, *command)
        assert result.returncode == 0, result.stderr
    log = var / "web.log"
    with open(log, "wb") as web_log, open(var / "worker.log", "wb") as worker_log:
        web = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py"], cwd=ROOT,
                               env=env, stdout=web_log, stderr=subprocess.STDOUT)
        worker = subprocess.Popen([sys.executable, "manage.py", "run_worker", "--interval", "0.5"], cwd=ROOT,
                                  env=env, stdout=worker_log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert web.poll() is None, log.read_text()
            try:
                fetch(base + "/healthz")
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.3)
        yield Server(base, web, log)
    finally:
        for process in (web, worker):
            process.terminate()
        for process in (web, worker):
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()


def test_plain_http_is_redirected_to_https(server):
    answer = fetch(server.base + "/file/?x=1")
    assert answer.status == 301
    assert answer.headers["Location"] == server.base.replace("http://", "https://") + "/file/?x=1"


def test_pages_behind_the_tls_proxy_carry_the_security_headers_and_the_csp(server):
    answer = fetch(server.base + "/file/", **{"X-Forwarded-Proto": "https", "X-Request-ID": REQUEST_ID})
    assert answer.status == 200
    assert answer.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert answer.headers["X-Frame-Options"] == "DENY"
    assert answer.headers["Referrer-Policy"] == "same-origin"
    assert answer.headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert answer.headers["X-Request-ID"] == REQUEST_ID
    policy = dict(part.strip().split(" ", 1) for part in answer.headers["Content-Security-Policy"].split(";"))
    assert policy["default-src"] == "'self'"
    assert policy["script-src"].split()[0] == "'self'" and "unsafe" not in policy["script-src"]
    assert "unsafe" not in policy["style-src"] and policy["frame-ancestors"] == "'none'"
    cookies = {cookie.split("=", 1)[0]: cookie for cookie in answer.set_cookies}
    assert "csrftoken" in cookies, answer.set_cookies
    assert all("; Secure" in cookie for cookie in cookies.values()), answer.set_cookies
    assert "sessionid" not in cookies or "HttpOnly" in cookies["sessionid"]


def test_static_files_are_hashed_compressed_and_cached_for_a_year(server):
    page = fetch(server.base + "/", **{"X-Forwarded-Proto": "https"})
    found = re.search(rb'href="(/static/portal/portal\.[0-9a-f]{12}\.css)"', page.body)
    assert found, "the page does not link the hashed stylesheet"
    answer = fetch(server.base + found[1].decode(), **{"X-Forwarded-Proto": "https", "Accept-Encoding": "gzip"})
    assert answer.status == 200
    assert answer.headers["Content-Encoding"] == "gzip"
    assert "immutable" in answer.headers["Cache-Control"]
    assert "max-age=315360000" in answer.headers["Cache-Control"]


def test_health_answers_over_plain_http_and_turns_green_with_the_separate_worker(server):
    deadline = time.monotonic() + 30
    answer = fetch(server.base + "/healthz")
    while answer.status != 200 and time.monotonic() < deadline:
        time.sleep(0.5)
        answer = fetch(server.base + "/healthz")
    assert answer.status == 200, answer.body
    assert json.loads(answer.body)["worker"]["ok"] is True


def test_the_web_process_writes_json_access_lines_with_the_request_id(server):
    fetch(server.base + "/track/?mobile=17999111", **{"X-Forwarded-Proto": "https", "X-Request-ID": REQUEST_ID})
    deadline = time.monotonic() + 10
    while True:
        records = [json.loads(line) for line in server.log.read_text().splitlines() if line.startswith("{")]
        access = [r for r in records if r.get("logger") == "ekaasel.access" and r.get("path") == "/track/"]
        if access or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert access, server.log.read_text()[-2000:]
    assert access[0]["request_id"] == REQUEST_ID and access[0]["status"] == 200 and access[0]["method"] == "GET"
    assert "17999111" not in server.log.read_text()
    assert any(r.get("logger") == "gunicorn.error" for r in records), "gunicorn's own lines are JSON too"
