"""The one interface every SMS gateway backend implements, and the two ways a send can fail.

A backend only talks to the gateway: it never touches the outbox rows. The worker (tasks.py) claims
a row, calls `send()` outside any transaction and records the outcome through delivery.py.

Fitting a real gateway (Kannel): `send()` is one HTTP sendsms request; `message_id` is our outbox id,
to put into the delivery-report URL (dlr-url) so that the report can find its row again; the gateway's
own id, if it gives one, is returned as `provider_message_id`. HTTP 5xx, timeouts and refused
connections are `TemporaryFailure` (retried with back-off); a rejected number or text is
`PermanentFailure` (marked failed at once).
"""

from abc import ABC, abstractmethod
from dataclasses import dataclass

from django.conf import settings


@dataclass(frozen=True)
class SendResult:
    """What the gateway said when it accepted the message."""

    provider_message_id: str


class SmsSendError(Exception):
    """The gateway did not accept the message; `reason` is stored on the outbox row for operators."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class TemporaryFailure(SmsSendError):
    """Worth trying again later: gateway down, timeout, throttled."""


class PermanentFailure(SmsSendError):
    """Trying again cannot help: invalid number, text refused, account blocked."""


class SmsBackend(ABC):
    """Sends one SMS through a gateway. Built once per send, so keep the constructor cheap."""

    def __init__(self, *, sender: str | None = None) -> None:
        self.sender = sender if sender is not None else settings.SMS_SENDER

    @abstractmethod
    def send(self, *, to: str, text: str, message_id: int) -> SendResult:
        """Hand one SMS to the gateway; raise TemporaryFailure or PermanentFailure when it is not accepted."""
