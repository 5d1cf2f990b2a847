"""Request ids and the access log: one id per request on the response and on every log line of that
request, taken from the proxy when well-formed; the access log never holds what a citizen typed."""

import io
import json
import logging
import re
from collections.abc import Iterator

import pytest
from django.test import Client

from ekaasel.core.logging import JSON_FIELDS, JsonLogFormatter, logging_config
from ekaasel.core.request_id import RequestIdLogFilter, current_request_id

pytestmark = pytest.mark.django_db

CID = "11410007777"
MOBILE = "17999888"
PASSWORD = "a very secret password 2026"


@pytest.fixture
def json_log() -> Iterator[io.StringIO]:
    """The JSON lines the production handler would write, for the access log and Django's request log."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RequestIdLogFilter())
    handler.setFormatter(JsonLogFormatter(JSON_FIELDS))
    loggers = [logging.getLogger("ekaasel.access"), logging.getLogger("django.request")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
    try:
        yield stream
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.removeHandler(handler)
            logger.setLevel(level)


def lines(stream: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_a_request_without_an_id_gets_a_new_one_on_the_response_and_in_the_access_log(client: Client, json_log):
    first = client.get("/")
    second = client.get("/")
    assert first.status_code == 200
    ids = [first["X-Request-ID"], second["X-Request-ID"]]
    assert all(re.fullmatch(r"[0-9a-f]{32}", i) for i in ids) and ids[0] != ids[1]
    access = [line for line in lines(json_log) if line["logger"] == "ekaasel.access"]
    assert [(a["method"], a["path"], a["status"], a["request_id"]) for a in access] == [
        ("GET", "/", 200, ids[0]), ("GET", "/", 200, ids[1]),
    ]
    assert all(isinstance(a["duration_ms"], float) and a["duration_ms"] >= 0 for a in access)
    assert {"time", "level", "message"} <= access[0].keys()
    assert current_request_id() is None  # nothing leaks into whatever runs after the request


def test_the_proxys_id_is_kept_and_every_line_of_the_request_carries_it(client: Client, json_log):
    response = client.get("/no-such-page/", HTTP_X_REQUEST_ID="4f0c2a9e1b7d4c3a8e6f5d2c1b0a9f8e")
    assert response.status_code == 404
    assert response["X-Request-ID"] == "4f0c2a9e1b7d4c3a8e6f5d2c1b0a9f8e"
    logged = lines(json_log)
    assert {line["logger"] for line in logged} == {"django.request", "ekaasel.access"}
    assert {line["request_id"] for line in logged} == {"4f0c2a9e1b7d4c3a8e6f5d2c1b0a9f8e"}


@pytest.mark.parametrize("header", ["short", "x" * 129, "abc def ghi", 'id"}\n{"forged": 1', "ünïcode-id-value"])
def test_a_malformed_id_from_outside_is_replaced(client: Client, header: str):
    response = client.get("/", HTTP_X_REQUEST_ID=header)
    assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"])


def test_the_access_log_never_holds_query_strings_form_fields_or_passwords(client: Client, json_log):
    client.get(f"/track/?mobile={MOBILE}&national_id={CID}")
    client.post("/file/", {"national_id": CID, "name": "Pema Choden", "mobile": MOBILE})
    client.post("/workspace/sign-in/", {"username": "assessor", "password": PASSWORD})
    client.post("/file/verify/", {"code": "654321"})
    written = json_log.getvalue()
    access = [line for line in lines(json_log) if line["logger"] == "ekaasel.access"]
    assert [a["path"] for a in access] == ["/track/", "/file/", "/workspace/sign-in/", "/file/verify/"]
    for secret in (CID, MOBILE, PASSWORD, "654321", "Pema"):
        assert secret not in written


def test_log_format_is_json_or_text_and_nothing_else():
    assert logging_config(log_format="json", level="INFO")["formatters"]["default"]["()"] is JsonLogFormatter
    assert "request_id" in logging_config(log_format="text", level="INFO")["formatters"]["default"]["format"]
    with pytest.raises(ValueError, match="LOG_FORMAT"):
        logging_config(log_format="xml", level="INFO")


def test_text_lines_carry_the_request_id_too(client: Client):
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RequestIdLogFilter())
    handler.setFormatter(logging.Formatter(logging_config(log_format="text", level="INFO")["formatters"]
                                           ["default"]["format"]))
    access = logging.getLogger("ekaasel.access")
    access.addHandler(handler)
    try:
        response = client.get("/")
    finally:
        access.removeHandler(handler)
    assert f"[{response['X-Request-ID']}] GET / 200 " in stream.getvalue()
