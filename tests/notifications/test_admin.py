"""Operators in the admin: read the outbox, re-queue failed messages, edit message texts."""

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from ekaasel.notifications.admin import MessageTemplateForm
from ekaasel.notifications.models import MessageStatus
from ekaasel.notifications.tasks import drain_outbox
from tests.conftest import sign_in_verified

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator_client(client):
    user = get_user_model().objects.create_superuser("operator", "operator@example.test", "a-long-password-1")
    sign_in_verified(client, user)
    return client


def test_outbox_list_and_detail_are_readable(operator_client, make_message):
    message = make_message(body="eKaaSel: your grievance is received.")
    assert operator_client.get("/admin/notifications/message/", {"status__exact": "queued"}).status_code == 200
    response = operator_client.get(f"/admin/notifications/message/{message.pk}/change/")
    assert response.status_code == 200
    assert b"eKaaSel: your grievance is received." in response.content
    assert b'name="body"' not in response.content  # read-only, no form field
    assert operator_client.get("/admin/notifications/message/add/").status_code == 403


def test_requeue_action_requeues_only_the_failed_messages(
    operator_client, make_message, django_capture_on_commit_callbacks
):
    failed = make_message(status=MessageStatus.FAILED, attempts=8, failed_at=timezone.now())
    sent = make_message(status=MessageStatus.SENT, attempts=1, sent_at=timezone.now())

    with django_capture_on_commit_callbacks(execute=True):
        response = operator_client.post(
            "/admin/notifications/message/",
            {"action": "requeue_failed", "_selected_action": [failed.pk, sent.pk]},
            follow=True,
        )

    assert "1 message re-queued." in response.content.decode()
    failed.refresh_from_db()
    sent.refresh_from_db()
    assert (failed.status, failed.attempts) == (MessageStatus.QUEUED, 0)
    assert sent.status == MessageStatus.SENT
    assert DBTaskResult.objects.get().task_path == drain_outbox.module_path  # the worker will send it


def test_template_form_accepts_known_placeholders_and_refuses_unknown_ones():
    ok = MessageTemplateForm(data={"key": "submitted", "language": "dz", "body": "{application_id} {portal_url}"})
    assert ok.is_valid(), ok.errors

    bad = MessageTemplateForm(data={"key": "submitted", "language": "dz", "body": "{application_id} {code}"})
    assert not bad.is_valid()
    assert "Unknown placeholders: {code}" in bad.errors["body"][0]

    unknown_key = MessageTemplateForm(data={"key": "nope", "language": "en", "body": "x"})
    assert not unknown_key.is_valid()
    assert "key" in unknown_key.errors


def test_template_admin_pages_load(operator_client):
    assert operator_client.get("/admin/notifications/messagetemplate/add/").status_code == 200
