import itertools
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from ekaasel.notifications.models import Message
from tests.notifications.backends import GatewayDownBackend, RecordingBackend

BACKENDS = "tests.notifications.backends"
_keys = itertools.count(1)


@pytest.fixture
def sms_sent(settings: Any) -> Iterator[list]:
    """Route SMS to the RecordingBackend; yields the list of SMS it accepted."""
    settings.SMS_BACKEND = f"{BACKENDS}.RecordingBackend"
    RecordingBackend.sent.clear()
    GatewayDownBackend.calls = 0
    yield RecordingBackend.sent
    RecordingBackend.sent.clear()


@pytest.fixture
def use_backend(settings: Any) -> Callable[[str], None]:
    """use_backend("GatewayDownBackend") switches settings.SMS_BACKEND to a test backend."""

    def switch(name: str) -> None:
        settings.SMS_BACKEND = f"{BACKENDS}.{name}"

    return switch


@pytest.fixture
def outbox_settings(settings: Any) -> Callable[..., None]:
    """outbox_settings(MAX_ATTEMPTS=3) overrides OUTBOX keys for one test."""

    def override(**values: object) -> None:
        settings.OUTBOX = {**settings.OUTBOX, **values}

    return override


@pytest.fixture
def make_message() -> Callable[..., Message]:
    """An outbox row written directly (no task enqueued); keyword arguments override fields."""

    def make(**fields: Any) -> Message:
        n = next(_keys)
        values: dict[str, Any] = {
            "recipient": "+97517123456",
            "body": f"eKaaSel test message {n}",
            "template": "submitted",
            "event_key": f"test:{n}",
        }
        values.update(fields)
        return Message.objects.create(**values)

    return make
