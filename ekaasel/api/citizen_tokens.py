"""Short-lived signed tokens that prove a citizen holds a mobile number (issued after an OTP)."""

from django.conf import settings
from django.core import signing

SALT = "ekaasel.api.citizen-token"
MAX_AGE_SECONDS = 30 * 60


def citizen_token_lifetime() -> int:
    return int(settings.EKAASEL.get("API_CITIZEN_TOKEN_SECONDS", MAX_AGE_SECONDS))


def issue_citizen_token(*, mobile: str) -> str:
    """A token bound to the proven mobile (E.164); it expires citizen_token_lifetime() seconds after issue."""
    return signing.TimestampSigner(salt=SALT).sign_object({"mobile": mobile})


def mobile_for_citizen_token(token: str) -> str | None:
    """The mobile a valid, unexpired token was issued for; None otherwise."""
    try:
        data = signing.TimestampSigner(salt=SALT).unsign_object(token, max_age=citizen_token_lifetime())
    except (signing.BadSignature, ValueError, TypeError):
        return None
    mobile = data.get("mobile") if isinstance(data, dict) else None
    return mobile if isinstance(mobile, str) else None
