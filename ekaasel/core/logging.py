"""Logging configuration: one line per record on standard error, as JSON (production) or plain text.

JSON lines carry `time`, `level`, `logger`, `message`, `request_id` and the record's own fields (the
access log adds `method`, `path`, `status`, `duration_ms`). Django attaches the whole request object
to some of its records; it is left out, because its text holds the query string.
"""

from typing import Any

from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.json import JsonFormatter

LOG_FORMATS = ("json", "text")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"
JSON_FIELDS = "%(levelname)s %(name)s %(message)s %(request_id)s"
# Attributes Django puts on records that must not be written out (the request's repr has its query string).
LEFT_OUT = ("request", "server_time")


class JsonLogFormatter(JsonFormatter):
    """python-json-logger's formatter with our field names and without Django's request object."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("rename_fields", {"levelname": "level", "name": "logger"})
        kwargs.setdefault("timestamp", "time")  # ISO 8601 in UTC
        kwargs.setdefault("reserved_attrs", [*RESERVED_ATTRS, *LEFT_OUT])
        super().__init__(*args, **kwargs)


def logging_config(*, log_format: str, level: str) -> dict[str, Any]:
    """The LOGGING setting for `log_format` ("json" or "text") at `level` (e.g. "INFO")."""
    if log_format not in LOG_FORMATS:
        raise ValueError(f"LOG_FORMAT must be one of {', '.join(LOG_FORMATS)}, not {log_format!r}")
    formatter: dict[str, Any] = (
        {"()": JsonLogFormatter, "fmt": JSON_FIELDS}
        if log_format == "json"
        else {"format": TEXT_FORMAT}
    )
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": "ekaasel.core.request_id.RequestIdLogFilter"}},
        "formatters": {"default": formatter},
        "handlers": {
            "console": {"class": "logging.StreamHandler", "formatter": "default", "filters": ["request_id"]},
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            "django": {"handlers": ["console"], "level": "INFO", "propagate": False},
            "django.db.backends": {"level": "WARNING"},
            # runserver's own request lines repeat the access log (and include the query string).
            "django.server": {"handlers": ["console"], "level": "WARNING", "propagate": False},
        },
    }
