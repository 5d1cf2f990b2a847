"""Fixtures starting a real Kannel (see harness.py) wired to Django's live server.

Without bearerbox the tests are skipped, except under CI=true, where that is a failure: CI installs
kannel and kannel-extras, so a missing gateway there means the tests silently stopped testing it.
"""

import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.db import DEFAULT_DB_ALIAS, connections

from tests.kannel.harness import Kannel, kannel_missing_reason
from tests.needs import require

SECRET = "kannel-test-secret"
INBOUND_QUERY = "from=%p&to=%P&text=%a&id=%I&time=%t&coding=%c&charset=%C"


@pytest.fixture(scope="session")
def kannel(live_server: Any) -> Iterator[Kannel]:
    """One gateway for the session, calling the live server back for delivery reports and inbound SMS."""
    require(kannel_missing_reason(), "the real SMS gateway cannot run")
    # KANNEL_KEEP_WORKDIR=1 keeps the gateway's configuration and logs for a look after the run.
    keep = bool(os.environ.get("KANNEL_KEEP_WORKDIR"))
    with tempfile.TemporaryDirectory(prefix="ekaasel-kannel-", delete=not keep) as workdir:
        gateway = Kannel(
            workdir=Path(workdir),
            get_url=f"{live_server.url}/sms/inbound/kannel?secret={SECRET}&{INBOUND_QUERY}",
        )
        try:
            gateway.start()
            yield gateway
        finally:
            gateway.stop()


@pytest.fixture
def kannel_settings(settings: Any, kannel: Kannel, live_server: Any) -> Iterator[Kannel]:
    """Send through the real Kannel; its callbacks reach our live server with the shared secret."""
    # Kannel's callbacks run in the live server's request threads; with persistent connections those
    # would keep the PostgreSQL test database open and its teardown would fail.
    database = connections.settings[DEFAULT_DB_ALIAS]
    max_age = database.get("CONN_MAX_AGE", 0)
    database["CONN_MAX_AGE"] = 0
    settings.SMS_BACKEND = "ekaasel.notifications.backends.kannel.KannelBackend"
    settings.SMS_SENDER = "eKaaSel"
    settings.KANNEL_SENDSMS_URL = kannel.sendsms_url
    settings.KANNEL_USERNAME = kannel.username
    settings.KANNEL_PASSWORD = kannel.password
    settings.KANNEL_DLR_URL = f"{live_server.url}/sms/dlr/kannel?message={{message_id}}"
    settings.KANNEL_SHARED_SECRET = SECRET
    settings.KANNEL_ALLOWED_IPS = ["127.0.0.1", "::1"]
    yield kannel
    database["CONN_MAX_AGE"] = max_age


@pytest.fixture
def run_worker() -> Callable[[], None]:
    """Run every ready outbox task once, as the worker process would."""

    def run() -> None:
        call_command("run_worker", batch=True, interval=0, worker_id="kannel-test")

    return run
