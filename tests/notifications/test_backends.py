"""Choosing the SMS backend from settings, and the console backend used in development."""

import logging

import pytest
from django.core.exceptions import ImproperlyConfigured

from ekaasel.notifications.backends import get_backend
from ekaasel.notifications.backends.console import ConsoleBackend
from tests.notifications.backends import RecordingBackend


def test_console_is_chosen_by_its_short_name(settings):
    settings.SMS_BACKEND = "console"
    assert isinstance(get_backend(), ConsoleBackend)


def test_a_dotted_path_plugs_in_any_backend_class(settings):
    settings.SMS_BACKEND = "tests.notifications.backends.RecordingBackend"
    assert isinstance(get_backend(), RecordingBackend)


@pytest.mark.parametrize(
    "name", ["tests.notifications.backends.Missing", "smpp", "tests.notifications.backends.NotABackend"]
)
def test_a_wrong_setting_is_a_configuration_error(settings, name):
    settings.SMS_BACKEND = name
    with pytest.raises(ImproperlyConfigured, match="SMS_BACKEND"):
        get_backend()


def test_console_backend_logs_the_sms_with_the_sender(settings, caplog):
    settings.SMS_SENDER = "eKaaSel"
    with caplog.at_level(logging.INFO, logger="ekaasel.sms"):
        result = ConsoleBackend().send(to="+97517123456", text="Your code is 123456", message_id=42)
    assert result.provider_message_id.startswith("console-42-")
    [record] = [r for r in caplog.records if r.name == "ekaasel.sms"]
    assert record.getMessage() == "SMS #42 from eKaaSel to +97517123456: Your code is 123456"
