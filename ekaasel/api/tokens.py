"""Issuing, revoking and checking API tokens. The plaintext exists only in the caller's hands."""

import hashlib
import secrets
from datetime import timedelta

from django.db import transaction
from django.db.models import F, QuerySet

from ekaasel.api.models import ApiToken
from ekaasel.core import clock
from ekaasel.identity.models import Official

TOKEN_PREFIX = "ekt_"  # noqa: S105 - a marker, not a secret
# last_used_at is written at most this often per token: a busy system does not write on every call.
LAST_USED_GRANULARITY = timedelta(minutes=1)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(*, official: Official, name: str) -> str:
    """Create a token for `official` and return its plaintext (shown once, never stored)."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    ApiToken.objects.create(
        official=official, name=name.strip()[:100] or "token", token_hash=_hash(token), prefix=token[:12]
    )
    return token


@transaction.atomic
def revoke_token(*, token_id: int, official: Official | None = None) -> bool:
    """Revoke a token (only the official's own when `official` is given); False if there was none to revoke."""
    tokens = ApiToken.objects.select_for_update().filter(pk=token_id, revoked_at__isnull=True)
    if official is not None:
        tokens = tokens.filter(official=official)
    return tokens.update(revoked_at=clock.now()) > 0


def official_for_token(token: str) -> Official | None:
    """The official a live token acts for, or None for an unknown or revoked token."""
    if not token or not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        return None
    found = (
        ApiToken.objects.select_related("official__user")
        .filter(token_hash=_hash(token), revoked_at__isnull=True)
        .first()
    )
    if found is None or not found.official.user.is_active:
        return None
    now = clock.now()
    if found.last_used_at is None or now - found.last_used_at > LAST_USED_GRANULARITY:
        ApiToken.objects.filter(pk=found.pk).update(last_used_at=now)
    return found.official


def tokens_of(*, official: Official) -> "QuerySet[ApiToken]":
    """The official's own tokens, live first, newest first."""
    return ApiToken.objects.filter(official=official).order_by(F("revoked_at").desc(nulls_first=True), "-created_at")
