"""Browser tests: the real web server and worker on a free loopback port, driven by Debian's Chromium.

They run against their own SQLite file with the development settings (so /dev/sms/ exists), started
exactly as `make run` starts them. With CI=true a missing Chromium fails instead of skipping.
"""

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-quic",
]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LiveStack:
    """The web server and the worker, as separate processes, with helpers to read what they did."""

    def __init__(self, base_url: str, var_dir: Path) -> None:
        self.base_url = base_url
        self.var_dir = var_dir
        self._read: set[int] = set()
        self._codes_used: dict[str, str] = {}

    def url(self, path: str) -> str:
        return self.base_url + path

    def latest_sms(
        self, to: str, *, contains: str = "", template: str = "", timeout: float = 20.0
    ) -> dict[str, object]:
        """Wait until the worker has sent an SMS to `to` containing `contains` that this test has not read
        yet; return the newest such message."""
        deadline = time.monotonic() + timeout
        query = urllib.parse.urlencode({"to": to})
        while time.monotonic() < deadline:
            url = self.url(f"/dev/sms/latest.json?{query}")
            with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - loopback test server
                messages = json.load(response)["messages"]
            for message in messages:
                if message["id"] in self._read or (template and message["template"] != template):
                    continue
                if contains in message["text"] and message["status"] == "sent":
                    self._read.add(message["id"])
                    return message  # type: ignore[no-any-return]
            time.sleep(0.3)
        raise AssertionError(f"no SMS to {to} containing {contains!r} was sent within {timeout}s")

    def read_totp(self, username: str, *, timeout: float = 40.0) -> str:
        """The demo official's current second-factor code, from /dev/totp/ as a tester reads it.

        django-otp accepts a code once (replay protection): if this official's code has not changed
        since the last one handed out, wait for the next 30-second step.
        """
        pattern = re.compile(rf'data-username="{re.escape(username)}">(\d{{6}})<')
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with urllib.request.urlopen(self.url("/dev/totp/"), timeout=5) as response:  # noqa: S310 - loopback
                found = pattern.search(response.read().decode())
            if found is None:
                raise AssertionError(f"/dev/totp/ shows no code for {username!r}")
            if found[1] != self._codes_used.get(username):
                self._codes_used[username] = found[1]
                return found[1]
            time.sleep(1)
        raise AssertionError(f"the code of {username!r} did not change within {timeout}s")


def _wait_for_http(url: str, process: subprocess.Popen[bytes], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        try:
            urllib.request.urlopen(url, timeout=2)  # noqa: S310 - loopback test server
            return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"{url} did not answer within {timeout}s")


@pytest.fixture(scope="session")
def live_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveStack]:
    var_dir = tmp_path_factory.mktemp("ekaasel-e2e")
    port = _free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.development",
        "EKAASEL_VAR_DIR": str(var_dir),
        "DATABASE_URL": f"sqlite:///{var_dir / 'e2e.sqlite3'}",
        "MEDIA_ROOT": str(var_dir / "media"),
        "PORTAL_URL": f"http://127.0.0.1:{port}",
        "PYTHONUNBUFFERED": "1",
        # Every browser test asks for codes from 127.0.0.1; the per-address limit is tested elsewhere.
        "EKAASEL_OTP_MAX_PER_IP": "1000",
    }
    env.pop("CI", None)
    python = sys.executable
    log = open(var_dir / "stack.log", "wb")  # noqa: SIM115 - closed at teardown
    subprocess.run([python, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    subprocess.run([python, "manage.py", "seed_demo", "-v0"], cwd=ROOT, env=env, check=True, stdout=log)
    worker = subprocess.Popen([python, "manage.py", "run_worker", "--interval", "0.2"], cwd=ROOT, env=env,
                              stdout=log, stderr=subprocess.STDOUT)
    web = subprocess.Popen([python, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"], cwd=ROOT,
                           env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        _wait_for_http(f"http://127.0.0.1:{port}/", web)
        yield LiveStack(f"http://127.0.0.1:{port}", var_dir)
    finally:
        for process in (web, worker):
            process.terminate()
        for process in (web, worker):
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
        log.close()


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"Chromium not found at {CHROMIUM}; CI must run the browser tests.")
        pytest.skip(f"Chromium not found at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield instance
        instance.close()
