"""One error format for the JSON API: {"error": {"code", "message", "fields"}}; one place maps domain errors."""

from typing import Any

from django.http import HttpRequest, JsonResponse
from django.utils.translation import gettext as _

from ekaasel.core.errors import DomainError, InvalidInput, InvalidTransition, NotPermitted, RateLimited, StaleGrievance
from ekaasel.identity.otp import CodeRejected

# Domain refusals and the answers they get; the first matching class wins (subclasses before bases).
DOMAIN_STATUS: tuple[tuple[type[DomainError], int, str], ...] = (
    (StaleGrievance, 409, "stale"),
    (InvalidTransition, 409, "invalid_transition"),
    (NotPermitted, 403, "not_permitted"),
    (RateLimited, 429, "rate_limited"),
    (CodeRejected, 422, "code_rejected"),
    (InvalidInput, 422, "invalid_input"),
)


class ApiError(Exception):
    """A refusal decided by the API layer itself (unknown code, malformed ID, too large, …)."""

    def __init__(self, status: int, code: str, message: str, *, fields: dict[str, list[str]] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.fields = fields or {}


def error_body(code: str, message: str, fields: dict[str, list[str]] | None = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "fields": fields or {}}}


def error_response(status: int, code: str, message: str, fields: dict[str, list[str]] | None = None) -> JsonResponse:
    return JsonResponse(error_body(code, message, fields), status=status)


def domain_error_response(exc: DomainError) -> JsonResponse:
    status, code = next(((s, c) for kind, s, c in DOMAIN_STATUS if isinstance(exc, kind)), (422, "refused"))
    fields = {exc.field: [str(exc.message)]} if exc.field else {}
    return error_response(status, code, str(exc.message), fields)


def validation_fields(errors: list[dict[str, Any]]) -> dict[str, list[str]]:
    """Ninja/pydantic errors as {field: [messages]}: the field is the last name in the error's location."""
    fields: dict[str, list[str]] = {}
    for error in errors:
        loc = [str(part) for part in error.get("loc", ()) if not isinstance(part, int)]
        name = loc[-1] if loc else "non_field"
        if name in ("body", "payload", "form", "query", "path", "header") and len(loc) <= 2:
            name = "non_field"
        fields.setdefault(name, []).append(str(error.get("msg", _("Invalid value."))))
    return fields


def not_found(request: HttpRequest, message: str = "") -> JsonResponse:
    return error_response(404, "not_found", message or _("Not found."))
