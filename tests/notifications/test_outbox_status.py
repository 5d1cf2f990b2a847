"""manage.py outbox_status: counts per status and the age of the oldest queued message."""

from datetime import timedelta
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from ekaasel.notifications.models import MessageStatus

pytestmark = pytest.mark.django_db


def outbox_status() -> list[str]:
    out = StringIO()
    call_command("outbox_status", stdout=out)
    return out.getvalue().splitlines()


def test_counts_per_status_and_age_of_the_oldest_queued(make_message):
    with time_machine.travel(timezone.now(), tick=False):
        now = timezone.now()
        make_message(created_at=now - timedelta(minutes=5))
        make_message(created_at=now - timedelta(seconds=30))
        make_message(status=MessageStatus.SENT, created_at=now - timedelta(hours=3))
        make_message(status=MessageStatus.FAILED)

        lines = outbox_status()

    assert [line.split() for line in lines[:4]] == [["Queued", "2"], ["Sending", "0"], ["Sent", "1"], ["Failed", "1"]]
    assert lines[4].startswith("Oldest queued message: 5m00s old")


def test_an_empty_outbox():
    lines = outbox_status()
    assert [line.split()[-1] for line in lines[:4]] == ["0", "0", "0", "0"]
    assert lines[4] == "No message is waiting."
