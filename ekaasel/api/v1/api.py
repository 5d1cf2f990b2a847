"""API v1: the NinjaAPI, its one error format, and the routers of citizens, officials and the catalogue."""

from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from ekaasel.api.errors import ApiError, domain_error_response, error_response, validation_fields
from ekaasel.api.v1 import catalogue, citizens, officials
from ekaasel.core.errors import DomainError

api = NinjaAPI(
    title="eKaaSel API",
    version="1",
    description=(
        "File and follow grievances (citizens, with a token from /otp/verify) and work on them "
        "(officials' systems, with an API token). Every error is "
        '`{"error": {"code", "message", "fields"}}`.'
    ),
    urls_namespace="api-v1",
    docs_url="/docs",
    openapi_url="/openapi.json",
)


@api.exception_handler(DomainError)
def _domain(request: HttpRequest, exc: DomainError) -> HttpResponse:
    return domain_error_response(exc)


@api.exception_handler(ApiError)
def _api_error(request: HttpRequest, exc: ApiError) -> HttpResponse:
    return error_response(exc.status, exc.code, exc.message, exc.fields)


@api.exception_handler(ValidationError)
def _validation(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    return error_response(422, "invalid_input", _("Some fields are not valid."), validation_fields(exc.errors))


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    response = error_response(401, "unauthorized", _("A valid bearer token is required."))
    response["WWW-Authenticate"] = "Bearer"
    return response


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    code = {400: "bad_request", 403: "not_permitted", 404: "not_found", 429: "rate_limited"}.get(
        exc.status_code, "error"
    )
    return error_response(exc.status_code, code, str(exc))


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return error_response(404, "not_found", str(exc) or _("Not found."))


@api.exception_handler(RequestDataTooBig)
def _too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    return error_response(413, "too_large", _("The request is too large."))


api.add_router("/", catalogue.router)
api.add_router("/", citizens.router)
api.add_router("/official/", officials.router)


def unknown_endpoint(request: HttpRequest, rest: str = "", **kwargs: Any) -> HttpResponse:
    """Any other path under /api/v1/: a 404 in the API's error format, not an HTML page."""
    return error_response(404, "not_found", _("There is no such API endpoint."))
