"""A lost database connection is answered 503 "try again" (JSON for the API, a page for people), not a 500."""

from typing import Any

import pytest
from django.db import InterfaceError, OperationalError
from django.test import Client, RequestFactory

from ekaasel.core.unavailable import server_error
from tests.portal.conftest import text_of

pytestmark = pytest.mark.django_db

MIDDLEWARE = "ekaasel.core.unavailable.DatabaseUnavailableMiddleware"
TRY_AGAIN = "The service is briefly unavailable. Please try again in a few moments."


@pytest.fixture
def with_middleware(settings: Any) -> None:
    if MIDDLEWARE not in settings.MIDDLEWARE:
        settings.MIDDLEWARE = [*settings.MIDDLEWARE, MIDDLEWARE]


def lost_connection(*args: object, **kwargs: object) -> None:
    raise OperationalError("server closed the connection unexpectedly")


def test_the_api_answers_503_json_when_the_connection_is_lost(with_middleware, file_grievance, monkeypatch) -> None:
    grievance = file_grievance()
    monkeypatch.setattr("ekaasel.api.v1.citizens.grievance_coarse_status", lost_connection)
    response = Client().get(f"/api/v1/grievances/{grievance.application_id}")
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert response.json() == {"error": {"code": "unavailable", "message": TRY_AGAIN, "fields": {}}}


def test_a_portal_page_answers_503_with_a_page_in_the_citizens_language(with_middleware, file_grievance,
                                                                         monkeypatch) -> None:
    grievance = file_grievance()
    monkeypatch.setattr("ekaasel.portal.views.tracking.grievance_coarse_status", lost_connection)
    client = Client()
    response = client.get(f"/track/{grievance.application_id}/")
    assert response.status_code == 503
    assert response.headers["Content-Type"].startswith("text/html")
    assert "Please try again" in text_of(response) and TRY_AGAIN in text_of(response)
    client.cookies["django_language"] = "dz"
    assert 'lang="dz"' in client.get(f"/track/{grievance.application_id}/").content.decode()


def test_other_errors_are_not_taken_for_an_outage(with_middleware, file_grievance, monkeypatch) -> None:
    grievance = file_grievance()

    def bug(*args: object, **kwargs: object) -> None:
        raise ValueError("a bug, not an outage")

    monkeypatch.setattr("ekaasel.portal.views.tracking.grievance_coarse_status", bug)
    with pytest.raises(ValueError, match="a bug"):
        Client().get(f"/track/{grievance.application_id}/")


@pytest.mark.parametrize("error", [OperationalError("connection refused"), InterfaceError("connection already closed")])
def test_the_500_handler_answers_503_for_errors_outside_views(error: Exception) -> None:
    # E.g. the session middleware saving the session after the database went away.
    request = RequestFactory().get("/api/v1/districts")
    try:
        raise error
    except type(error):
        response = server_error(request)
    assert response.status_code == 503
    assert response["Content-Type"] == "application/json"


def test_the_500_handler_keeps_the_500_page_for_bugs() -> None:
    request = RequestFactory().get("/file/")
    try:
        raise ValueError("a bug")
    except ValueError:
        response = server_error(request)
    assert response.status_code == 500
    assert "Something went wrong" in text_of(response)
