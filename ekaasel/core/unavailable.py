"""A database that cannot be reached is a "try again" answer (503), never a stack trace or a debug page.

While PostgreSQL restarts or fails over, a request can fail at its first query (connection refused)
or half way (connection lost). The domain actions are atomic, so such a request wrote nothing (or, when
only the answer to its commit was lost, all of it: a retry with the same submission key finds it). The
client is told, in its language, to try again shortly: JSON for the API and Open311, a page otherwise.

Two entry points, because Django turns an exception into a response at each middleware layer:
`DatabaseUnavailableMiddleware` answers errors raised by a view; `server_error` (the `handler500`)
answers those raised elsewhere, e.g. by the session middleware saving the session at the end.
"""

import logging
import sys
from collections.abc import Callable

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views import defaults

logger = logging.getLogger(__name__)

# Errors that mean "the database is not there right now", as opposed to a bug in a query.
UNAVAILABLE_ERRORS: tuple[type[Exception], ...] = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 5
JSON_PREFIXES = ("/api/", "/open311/")


def _wants_json(request: HttpRequest) -> bool:
    if request.path.startswith(JSON_PREFIXES):
        return True
    accept = request.headers.get("Accept", "")
    return "application/json" in accept and "text/html" not in accept


def plain_page(*, heading: str, text: str, status: int) -> HttpResponse:
    """A page that needs neither the database nor the session: no context processors, no forms."""
    return HttpResponse(render_to_string("includes/plain_page.html", {"heading": heading, "text": text}),
                        status=status)


def unavailable_response(request: HttpRequest) -> HttpResponse:
    """503 with a Retry-After and a message saying to try again shortly."""
    message = _("The service is briefly unavailable. Please try again in a few moments.")
    response: HttpResponse
    if _wants_json(request):
        response = JsonResponse({"error": {"code": "unavailable", "message": message, "fields": {}}}, status=503)
    else:
        response = plain_page(heading=_("Please try again"), text=message, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


class DatabaseUnavailableMiddleware:
    """Answer a view's database-connection error with 503 "try again" (see the module docstring)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, UNAVAILABLE_ERRORS):
            return None
        logger.warning("Database unavailable during %s %s: %s", request.method, request.path, exception)
        return unavailable_response(request)


def server_error(request: HttpRequest, template_name: str = defaults.ERROR_500_TEMPLATE_NAME) -> HttpResponse:
    """handler500: a database-connection error is a 503 "try again"; anything else the usual 500 page."""
    exception = sys.exc_info()[1]
    if isinstance(exception, UNAVAILABLE_ERRORS):
        return unavailable_response(request)
    return defaults.server_error(request, template_name)
