"""SMS backends for tests only: plug one in with settings.SMS_BACKEND = "tests.notifications.backends.<Name>"."""

import os
import time
from dataclasses import dataclass
from typing import ClassVar

from ekaasel.notifications.backends import PermanentFailure, SendResult, SmsBackend, TemporaryFailure


@dataclass(frozen=True)
class SentSms:
    to: str
    text: str
    message_id: int


class RecordingBackend(SmsBackend):
    """Accepts every SMS and remembers it in the class-level `sent` list (cleared by the fixture)."""

    sent: ClassVar[list[SentSms]] = []

    def send(self, *, to: str, text: str, message_id: int) -> SendResult:
        self.sent.append(SentSms(to=to, text=text, message_id=message_id))
        return SendResult(provider_message_id=f"test-{message_id}-{len(self.sent)}")


class GatewayDownBackend(SmsBackend):
    """The gateway is unreachable: every send is a temporary failure."""

    calls: ClassVar[int] = 0

    def send(self, *, to: str, text: str, message_id: int) -> SendResult:
        GatewayDownBackend.calls += 1
        raise TemporaryFailure("gateway unreachable")


class RejectingBackend(SmsBackend):
    """The gateway refuses the number: a permanent failure."""

    def send(self, *, to: str, text: str, message_id: int) -> SendResult:
        raise PermanentFailure("number not in service")


class BrokenBackend(SmsBackend):
    """A bug in the backend: an unexpected exception."""

    def send(self, *, to: str, text: str, message_id: int) -> SendResult:
        raise RuntimeError("backend bug")


class NotABackend:
    """Has a send() but does not implement the interface."""

    def send(self, *, to: str, text: str, message_id: int) -> SendResult:
        return SendResult(provider_message_id="x")


REJECTED_NUMBER = "+97517000000"


class RejectsOneNumberBackend(RecordingBackend):
    """Accepts every SMS except to REJECTED_NUMBER, which it refuses permanently."""

    def send(self, *, to: str, text: str, message_id: int) -> SendResult:
        if to == REJECTED_NUMBER:
            raise PermanentFailure("number not in service")
        return super().send(to=to, text=text, message_id=message_id)


class SlowFileBackend(SmsBackend):
    """For worker subprocesses: takes SLOW_SMS_SECONDS (default 0.05) per SMS and appends the outbox id
    of each accepted one as a line to the file SLOW_SMS_LOG (one short O_APPEND write: safe across processes)."""

    def send(self, *, to: str, text: str, message_id: int) -> SendResult:
        time.sleep(float(os.environ.get("SLOW_SMS_SECONDS", "0.05")))
        with open(os.environ["SLOW_SMS_LOG"], "a") as log:
            log.write(f"{message_id}\n")
        return SendResult(provider_message_id=f"slow-{message_id}")
