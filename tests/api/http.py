"""What every API test does: send JSON, and check an answer in the one error format."""

import json
from typing import Any

from django.http import HttpResponse
from django.test import Client


def post_json(client: Client, url: str, data: Any, **extra: Any) -> HttpResponse:
    return client.post(url, json.dumps(data), content_type="application/json", **extra)


def assert_error(response: HttpResponse, status: int, code: str, field: str | None = None) -> None:
    """The answer is `status` with {"error": {"code", "message", "fields"}}, naming `field` when given."""
    assert response.status_code == status, response.content
    body = response.json()["error"]
    assert body["code"] == code
    assert body["message"]
    assert isinstance(body["fields"], dict)
    if field:
        assert field in body["fields"], body
