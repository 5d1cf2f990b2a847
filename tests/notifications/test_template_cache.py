"""Administrators' message texts are kept per process: a text changed in the admin is used by the next SMS."""

from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth import get_user_model

from ekaasel.notifications.models import Message, MessageTemplate
from tests.conftest import sign_in_verified

pytestmark = pytest.mark.django_db

NOW = "2026-03-02 09:00 +06:00"


@pytest.fixture(autouse=True)
def _keep_for_a_minute(settings):
    settings.EKAASEL = {**settings.EKAASEL, "REFERENCE_CACHE_SECONDS": 60}


@pytest.fixture
def operator_client(client):
    user = get_user_model().objects.create_superuser("operator", "operator@example.test", "a-long-password-1")
    sign_in_verified(client, user)
    return client


def sms_of(grievance) -> str:
    return Message.objects.get(grievance=grievance, template="submitted").body


def test_a_text_added_changed_and_removed_in_the_admin_is_used_by_the_next_sms(operator_client, file_grievance):
    with time_machine.travel(NOW, tick=False) as traveller:
        traveller.shift(timedelta(seconds=61))
        first = file_grievance()
        assert sms_of(first).startswith("eKaaSel: your grievance is received.")

        added = operator_client.post("/admin/notifications/messagetemplate/add/",
                                     {"key": "submitted", "language": "en", "body": "Received: {application_id}."})
        assert added.status_code == 302, added.content
        second = file_grievance()
        assert sms_of(second) == f"Received: {second.application_id}."

        template = MessageTemplate.objects.get(key="submitted", language="en")
        changed = operator_client.post(f"/admin/notifications/messagetemplate/{template.pk}/change/",
                                       {"key": "submitted", "language": "en", "body": "Got it: {application_id}"})
        assert changed.status_code == 302, changed.content
        third = file_grievance()
        assert sms_of(third) == f"Got it: {third.application_id}"

        removed = operator_client.post(f"/admin/notifications/messagetemplate/{template.pk}/delete/", {"post": "yes"})
        assert removed.status_code == 302, removed.content
        fourth = file_grievance()
        assert sms_of(fourth).startswith("eKaaSel: your grievance is received.")


def test_a_text_changed_where_this_process_hears_nothing_is_used_within_the_time_limit(file_grievance):
    with time_machine.travel(NOW, tick=False) as traveller:
        template = MessageTemplate.objects.create(key="submitted", language="en", body="Old: {application_id}")
        traveller.shift(timedelta(seconds=61))
        assert sms_of(file_grievance()).startswith("Old: ")
        # As another app server's admin would: an UPDATE this process gets no signal of.
        MessageTemplate.objects.filter(pk=template.pk).update(body="New: {application_id}")
        assert sms_of(file_grievance()).startswith("Old: ")  # the copy is a minute old at most
        traveller.shift(timedelta(seconds=61))
        assert sms_of(file_grievance()).startswith("New: ")
