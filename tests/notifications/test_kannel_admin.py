"""The outbox list in the admin shows operators the queue at a glance, including the oldest queued age."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from ekaasel.notifications.models import MessageStatus
from tests.conftest import sign_in_verified

pytestmark = pytest.mark.django_db


def test_changelist_shows_counts_and_the_oldest_queued_age(client, make_message):
    user = get_user_model().objects.create_superuser("operator", "operator@example.test", "a-long-password-1")
    sign_in_verified(client, user)
    make_message(created_at=timezone.now() - timedelta(minutes=5, seconds=3))
    make_message(status=MessageStatus.FAILED, last_error="Kannel refused the credentials (403)")

    response = client.get("/admin/notifications/message/")

    assert response.status_code == 200
    text = response.content.decode()
    assert "Queued: 1" in text and "Failed: 1" in text
    assert "oldest queued: 5m0" in text


def test_changelist_says_when_nothing_waits(client):
    user = get_user_model().objects.create_superuser("operator", "operator@example.test", "a-long-password-1")
    sign_in_verified(client, user)
    assert "no message is waiting" in client.get("/admin/notifications/message/").content.decode()
