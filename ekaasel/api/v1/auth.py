"""The two bearer tokens of API v1: a citizen's (signed, bound to a proven mobile) and an official's."""

from django.http import HttpRequest
from ninja.security import HttpBearer

from ekaasel.api.citizen_tokens import mobile_for_citizen_token
from ekaasel.api.tokens import official_for_token
from ekaasel.identity.models import Official


class CitizenToken(HttpBearer):
    """`Authorization: Bearer <token from /otp/verify>`; request.auth is the proven mobile (E.164)."""

    openapi_scheme = "bearer"

    def authenticate(self, request: HttpRequest, token: str) -> str | None:
        return mobile_for_citizen_token(token)


class OfficialToken(HttpBearer):
    """`Authorization: Bearer ekt_…`; request.auth is the Official the token was issued to."""

    def authenticate(self, request: HttpRequest, token: str) -> Official | None:
        return official_for_token(token)


def bearer_token(request: HttpRequest) -> str | None:
    """The bearer token of a request, if it has one (for endpoints where it is optional)."""
    value = request.headers.get("Authorization", "")
    scheme, _, token = value.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def client_ip(request: HttpRequest) -> str | None:
    """The address the request came from; proxy headers are not trusted here (as in the portal)."""
    return request.META.get("REMOTE_ADDR") or None
