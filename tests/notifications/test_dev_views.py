"""/dev/sms/: every queued SMS for developers and browser tests; absent unless DEV_TOOLS is on."""

import importlib.util
import sys
from datetime import timedelta

import pytest
from django.conf import settings
from django.test import override_settings
from django.urls import Resolver404, resolve
from django.utils import timezone

from ekaasel.notifications.models import MessageStatus


def build_urlconf(*, dev_tools: bool) -> str:
    """The name of a fresh copy of config.urls built with DEV_TOOLS on or off; config.urls stays untouched."""
    spec = importlib.util.find_spec("config.urls")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    with override_settings(EKAASEL={**settings.EKAASEL, "DEV_TOOLS": dev_tools}):
        spec.loader.exec_module(module)
    name = f"tests.notifications.urls_dev_tools_{'on' if dev_tools else 'off'}"
    sys.modules[name] = module
    return name


@pytest.fixture
def three_messages(make_message):
    now = timezone.now()
    return [
        make_message(recipient="+97517000001", body="oldest text", created_at=now - timedelta(hours=2)),
        make_message(recipient="+97577000002", body="middle text", created_at=now - timedelta(hours=1),
                     status=MessageStatus.FAILED, attempts=8, last_error="gateway unreachable"),
        make_message(recipient="+97517000001", body="newest text", created_at=now, status=MessageStatus.SENT),
    ]


@pytest.mark.django_db
def test_sms_page_lists_every_message_newest_first(client, three_messages):
    response = client.get("/dev/sms/")

    assert response.status_code == 200
    html = response.content.decode()
    assert html.index("newest text") < html.index("middle text") < html.index("oldest text")
    assert '<html lang="en"' in html
    assert "<title>SMS outbox (developer tools) \u2013 eKaaSel</title>" in html
    assert "<h1>SMS outbox</h1>" in html
    assert html.count('<th scope="col">') == 5
    assert "gateway unreachable" in html
    assert response.headers["Cache-Control"].startswith("max-age=0")


@pytest.mark.django_db
@pytest.mark.parametrize("to", ["+97517000001", " 97517000001", "17000001", "+975 17 00 00 01"])
def test_sms_page_filters_by_recipient(client, three_messages, to):
    html = client.get("/dev/sms/", {"to": to}).content.decode()
    assert "newest text" in html and "oldest text" in html
    assert "middle text" not in html


@pytest.mark.django_db
def test_sms_page_without_messages(client):
    response = client.get("/dev/sms/")
    assert response.status_code == 200
    assert "No SMS yet." in response.content.decode()


@pytest.mark.django_db
def test_latest_json_returns_the_newest_messages_to_a_number(client, three_messages):
    response = client.get("/dev/sms/latest.json", {"to": "+97517000001", "limit": "1"})

    assert response.status_code == 200
    [newest] = response.json()["messages"]
    assert newest["id"] == three_messages[2].pk
    assert newest["to"] == "+97517000001"
    assert newest["text"] == "newest text"
    assert newest["status"] == "sent"


@pytest.mark.django_db
def test_latest_json_defaults_to_ten_and_ignores_a_bad_limit(client, make_message):
    for _ in range(12):
        make_message()
    assert len(client.get("/dev/sms/latest.json", {"limit": "many"}).json()["messages"]) == 10


def test_dev_urls_exist_only_when_dev_tools_are_on():
    assert resolve("/dev/sms/", urlconf=build_urlconf(dev_tools=True)).url_name == "sms"
    without = build_urlconf(dev_tools=False)
    for path in ("/dev/sms/", "/dev/sms/latest.json"):
        with pytest.raises(Resolver404):
            resolve(path, urlconf=without)


@pytest.mark.django_db
def test_dev_pages_answer_404_without_dev_tools(client, make_message):
    make_message(body="secret code 123456")
    with override_settings(ROOT_URLCONF=build_urlconf(dev_tools=False)):
        assert client.get("/dev/sms/").status_code == 404
    # Even if the URLs were mounted by mistake, the views refuse.
    with override_settings(EKAASEL={**settings.EKAASEL, "DEV_TOOLS": False}):
        for path in ("/dev/sms/", "/dev/sms/latest.json"):
            response = client.get(path)
            assert response.status_code == 404
            assert b"123456" not in response.content
