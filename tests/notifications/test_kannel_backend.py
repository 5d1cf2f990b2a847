"""KannelBackend against a stub HTTP server standing in for smsbox's sendsms, and the dlr endpoint."""

import http.server
import socket
import threading
import urllib.parse
from collections.abc import Iterator
from typing import Any, ClassVar

import pytest
from django.test import Client

from ekaasel.notifications import delivery
from ekaasel.notifications.backends import PermanentFailure, TemporaryFailure
from ekaasel.notifications.backends.kannel import KannelBackend, is_gsm7, sms_parts
from ekaasel.notifications.models import DeliveryStatus

DZONGKHA = "འབྲུག་གི་གཞུང་གིས་ཁྱོད་ཀྱི་ཞུ་ཡིག་འཐོབ་ཅི། " * 3  # > 70 characters: several UCS-2 parts
SECRET = "s3cret-for-tests"


class StubSendsms(http.server.BaseHTTPRequestHandler):
    answer: ClassVar[tuple[int, str]] = (202, "0: Accepted for delivery")
    requests: ClassVar[list[dict[str, str]]] = []

    def do_GET(self) -> None:
        query = urllib.parse.urlsplit(self.path).query
        StubSendsms.requests.append(dict(urllib.parse.parse_qsl(query)))
        status, body = self.answer
        self.send_response(status)
        self.send_header("Content-Type", "text/html")
        self.end_headers()
        self.wfile.write(body.encode())

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def sendsms(settings: Any) -> Iterator[type[StubSendsms]]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), StubSendsms)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.KANNEL_SENDSMS_URL = f"http://127.0.0.1:{server.server_port}/cgi-bin/sendsms"
    settings.KANNEL_USERNAME, settings.KANNEL_PASSWORD = "ekaasel", "pw"
    settings.KANNEL_DLR_URL = "http://127.0.0.1:8000/sms/dlr/kannel?message={message_id}"
    settings.KANNEL_SHARED_SECRET = SECRET
    settings.SMS_SENDER = "eKaaSel"
    StubSendsms.requests = []
    StubSendsms.answer = (202, "0: Accepted for delivery")
    yield StubSendsms
    server.shutdown()
    server.server_close()


def test_latin_text_goes_as_is_with_a_delivery_report_request(sendsms):
    result = KannelBackend().send(to="+97517123456", text="eKaaSel: received. ID EK-26-000001-3", message_id=42)

    assert result.provider_message_id == "kannel-42"
    [params] = sendsms.requests
    assert params["username"] == "ekaasel" and params["password"] == "pw" and params["from"] == "eKaaSel"
    assert params["to"] == "+97517123456"
    assert params["text"] == "eKaaSel: received. ID EK-26-000001-3"
    assert "coding" not in params
    assert params["dlr-mask"] == "31"
    assert params["dlr-url"] == (
        f"http://127.0.0.1:8000/sms/dlr/kannel?message=42&status=%d&at=%T&secret={SECRET}"
    )


def test_dzongkha_goes_as_ucs2_in_utf8_whole_for_kannel_to_split(sendsms):
    assert len(DZONGKHA) > 70 and sms_parts(DZONGKHA) > 1

    KannelBackend().send(to="+97517123456", text=DZONGKHA, message_id=7)

    [params] = sendsms.requests
    assert params["coding"] == "2" and params["charset"] == "UTF-8"
    assert params["text"] == DZONGKHA  # one request, the whole text: Kannel concatenates the parts


def test_long_latin_text_is_one_request_and_counts_as_concatenated_parts(sendsms):
    text = "eKaaSel " + "x" * 200
    assert is_gsm7(text) and sms_parts(text) == 2

    KannelBackend().send(to="+97517123456", text=text, message_id=8)

    assert [params["text"] for params in sendsms.requests] == [text]


def test_queued_for_later_delivery_is_accepted(sendsms):
    sendsms.answer = (202, "3: Queued for later delivery")
    assert KannelBackend().send(to="+97517123456", text="hi", message_id=1).provider_message_id == "kannel-1"


@pytest.mark.parametrize(
    ("answer", "error", "words"),
    [
        ((403, "Authorization failed for sendsms"), PermanentFailure, "credentials"),
        ((400, "Number(s) has/have been denied by white- and/or black-lists."), PermanentFailure, "denied"),
        ((503, "Service unavailable"), TemporaryFailure, "503"),
        ((202, "Something odd"), TemporaryFailure, "odd"),
    ],
)
def test_gateway_answers_map_to_temporary_or_permanent_failures(sendsms, answer, error, words):
    sendsms.answer = answer
    with pytest.raises(error) as caught:
        KannelBackend().send(to="+97517123456", text="hi", message_id=1)
    assert words in caught.value.reason


def test_refused_connection_is_temporary(settings):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.KANNEL_SENDSMS_URL = f"http://127.0.0.1:{port}/cgi-bin/sendsms"
    with pytest.raises(TemporaryFailure, match="unreachable"):
        KannelBackend().send(to="+97517123456", text="hi", message_id=1)


def test_timeout_is_temporary(settings):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)  # accepts the connection, never answers
    settings.KANNEL_SENDSMS_URL = f"http://127.0.0.1:{listener.getsockname()[1]}/cgi-bin/sendsms"
    settings.KANNEL_TIMEOUT_SECONDS = 0.3
    try:
        with pytest.raises(TemporaryFailure):
            KannelBackend().send(to="+97517123456", text="hi", message_id=1)
    finally:
        listener.close()


# --- delivery reports --------------------------------------------------------------------------------


@pytest.fixture
def kannel_settings(settings: Any) -> Any:
    settings.KANNEL_SHARED_SECRET = SECRET
    settings.KANNEL_ALLOWED_IPS = ["127.0.0.1"]
    return settings


@pytest.mark.django_db
@pytest.mark.urls("tests.kannel.urls")
def test_delivery_reports_update_status_and_never_go_back_from_final(kannel_settings, make_message):
    message = make_message()
    client = Client(REMOTE_ADDR="127.0.0.1")
    url = f"/sms/dlr/kannel?message={message.pk}&secret={SECRET}&status="

    assert client.get(url + "8").status_code == 200
    message.refresh_from_db()
    assert message.delivery_status == DeliveryStatus.ACCEPTED and message.delivery_updated_at is not None

    client.get(url + "1")
    client.get(url + "8")  # late "accepted" after "delivered"
    message.refresh_from_db()
    assert message.delivery_status == DeliveryStatus.DELIVERED


@pytest.mark.django_db
@pytest.mark.parametrize(("code", "status"), [(2, DeliveryStatus.FAILED), (16, DeliveryStatus.REJECTED),
                                               (4, DeliveryStatus.ACCEPTED)])
def test_kannel_report_types(make_message, code, status):
    message = make_message()
    assert delivery.record_delivery_report(message_id=message.pk, kannel_status=code) == status
    assert delivery.record_delivery_report(message_id=message.pk, kannel_status=99) is None
    assert delivery.record_delivery_report(message_id=message.pk + 1000, kannel_status=1) is None


@pytest.mark.django_db
@pytest.mark.urls("tests.kannel.urls")
@pytest.mark.parametrize(
    ("address", "secret"), [("127.0.0.1", ""), ("127.0.0.1", "wrong"), ("10.0.0.9", SECRET)]
)
def test_callbacks_refuse_without_the_secret_or_from_another_address(kannel_settings, make_message, address, secret):
    message = make_message()
    client = Client(REMOTE_ADDR=address)
    assert client.get(f"/sms/dlr/kannel?message={message.pk}&status=1&secret={secret}").status_code == 403
    assert client.get(f"/sms/inbound/kannel?from=%2B97517123456&text=HELP&secret={secret}").status_code == 403
    message.refresh_from_db()
    assert message.delivery_status == DeliveryStatus.UNKNOWN


@pytest.mark.django_db
@pytest.mark.urls("tests.kannel.urls")
def test_callbacks_refuse_everything_while_no_secret_is_configured(settings, make_message):
    settings.KANNEL_SHARED_SECRET = ""
    message = make_message()
    assert Client().get(f"/sms/dlr/kannel?message={message.pk}&status=1&secret=").status_code == 403
