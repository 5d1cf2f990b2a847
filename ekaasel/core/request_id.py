"""A request id on every request, its response and every log record written while serving it.

The id comes from the proxy's X-Request-ID header when it looks like an id (nginx's `$request_id`,
a UUID, …), so one id follows a request from the load balancer to the application log; otherwise a
new one is made. It lives in a context variable for the duration of the request, and
`RequestIdLogFilter` copies it onto each log record ("-" outside a request). It is cleared when the
response is finished (`request_finished`), not when the middleware returns, because Django writes its
own "Not Found: /…" line after the middleware chain.

`RequestIdMiddleware` also writes one access-log line per request (logger `ekaasel.access`): method,
path without the query string, status, duration in milliseconds and the request id. Nothing else of
the request is logged: no query string, form field, header or cookie, so no password, one-time code,
national ID or mobile number can reach the log through it.
"""

import logging
import re
import time
import uuid
from collections.abc import Callable
from contextvars import ContextVar

from django.core.signals import request_finished
from django.http import HttpRequest, HttpResponse

HEADER = "X-Request-ID"
META_KEY = "HTTP_X_REQUEST_ID"
NO_REQUEST = "-"
# Letters, digits and . _ : - only (nothing that could forge a log line or a header), 8 to 128 long.
VALID_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{8,128}")

_current: ContextVar[str | None] = ContextVar("ekaasel_request_id", default=None)
access_logger = logging.getLogger("ekaasel.access")


def current_request_id() -> str | None:
    """The id of the request being served by this thread or task, if any."""
    return _current.get()


def request_id_from(header_value: str | None) -> str:
    """The proxy's id when it is well-formed, else a new random one."""
    if header_value and VALID_REQUEST_ID.fullmatch(header_value):
        return header_value
    return uuid.uuid4().hex


def _forget_request_id(**kwargs: object) -> None:
    _current.set(None)


request_finished.connect(_forget_request_id, dispatch_uid="ekaasel.core.request_id")


class RequestIdLogFilter(logging.Filter):
    """Put `request_id` on every record that passes (set on handlers, so propagated records get it too)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = _current.get() or NO_REQUEST
        return True


class RequestIdMiddleware:
    """First in MIDDLEWARE: every later middleware, the view and their log records see the id."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = request_id_from(request.META.get(META_KEY))
        _current.set(request_id)
        started = time.perf_counter()
        response = self.get_response(request)
        response[HEADER] = request_id
        duration_ms = round((time.perf_counter() - started) * 1000, 1)
        access_logger.info(
            "%s %s %s %.1fms", request.method, request.path, response.status_code, duration_ms,
            extra={"method": request.method, "path": request.path, "status": response.status_code,
                   "duration_ms": duration_ms},
        )
        return response
