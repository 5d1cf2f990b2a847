"""One-time codes that prove a citizen holds a mobile number.

Rules: 6 random digits; only a keyed hash is stored; valid 10 minutes; single use; bound to the
number and the purpose; 5 wrong tries spend the code; at most 3 codes per number per 15 minutes
and a per-IP limit on requests. Every refusal is a DomainError whose message the citizen reads.
"""

import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ekaasel.core import clock
from ekaasel.core.errors import DomainError, RateLimited
from ekaasel.identity.models import OneTimeCode, OtpPurpose
from ekaasel.notifications.outbox import queue_sms

CODE_DIGITS = 6


class CodeRejected(DomainError):
    """The code typed is wrong, expired, spent, or was never sent."""


@dataclass(frozen=True)
class IssuedCode:
    otp_id: int
    expires_at_iso: str


def _hash(code: str, *, mobile: str, purpose: str) -> str:
    return salted_hmac("ekaasel.otp", f"{mobile}|{purpose}|{code}", algorithm="sha256").hexdigest()


def _minutes(seconds: float) -> int:
    return max(1, int(seconds // 60) + (1 if seconds % 60 else 0))


@transaction.atomic
def otp_issue(*, mobile: str, purpose: OtpPurpose, ip: str | None, language: str) -> IssuedCode:
    """Create a code for `mobile` and queue it by SMS, unless a rate limit says no."""
    cfg = settings.EKAASEL
    now = clock.now()
    number_window = now - timedelta(seconds=cfg["OTP_NUMBER_WINDOW_SECONDS"])
    recent = list(
        OneTimeCode.objects.select_for_update()
        .filter(mobile=mobile, created_at__gte=number_window)
        .order_by("created_at")
        .values_list("created_at", flat=True)
    )
    if len(recent) >= cfg["OTP_MAX_PER_NUMBER"]:
        wait = (recent[0] + timedelta(seconds=cfg["OTP_NUMBER_WINDOW_SECONDS"]) - now).total_seconds()
        minutes = _minutes(wait)
        raise RateLimited(
            ngettext(
                "Too many codes were sent to this number. Try again in %(minutes)d minute.",
                "Too many codes were sent to this number. Try again in %(minutes)d minutes.",
                minutes,
            )
            % {"minutes": minutes}
        )
    if ip:
        ip_window = now - timedelta(seconds=cfg["OTP_IP_WINDOW_SECONDS"])
        if OneTimeCode.objects.filter(requested_ip=ip, created_at__gte=ip_window).count() >= cfg["OTP_MAX_PER_IP"]:
            raise RateLimited(_("Too many codes were requested from this connection. Try again in an hour."))
    # An older unused code for the same purpose stops working once a new one is sent.
    OneTimeCode.objects.filter(mobile=mobile, purpose=purpose, used_at__isnull=True).update(used_at=now)
    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    otp = OneTimeCode.objects.create(
        mobile=mobile,
        purpose=purpose,
        code_hash=_hash(code, mobile=mobile, purpose=purpose),
        requested_ip=ip,
        created_at=now,
        expires_at=now + timedelta(seconds=cfg["OTP_VALID_SECONDS"]),
    )
    queue_sms(
        to=mobile,
        template="otp",
        context={"code": code, "purpose": OtpPurpose(purpose).label},
        language=language,
        event_key=f"otp:{otp.pk}",
    )
    return IssuedCode(otp_id=otp.pk, expires_at_iso=otp.expires_at.isoformat())


def otp_verify(*, mobile: str, purpose: OtpPurpose, code: str) -> None:
    """Accept `code` for `mobile` and `purpose` once; raise CodeRejected with the reason otherwise."""
    # The failed-attempt count must survive the refusal, so it commits in its own transaction.
    with transaction.atomic():
        otp = (
            OneTimeCode.objects.select_for_update()
            .filter(mobile=mobile, purpose=purpose, used_at__isnull=True)
            .order_by("-created_at")
            .first()
        )
        now = clock.now()
        if otp is None:
            raise CodeRejected(_("This code is no longer valid. Ask for a new code."), field="code")
        if otp.expires_at <= now:
            raise CodeRejected(_("This code has expired. Ask for a new code."), field="code")
        cleaned = "".join(ch for ch in (code or "") if ch.isdigit())
        if len(cleaned) == CODE_DIGITS and hmac.compare_digest(
            otp.code_hash, _hash(cleaned, mobile=mobile, purpose=purpose)
        ):
            otp.used_at = now
            otp.save(update_fields=["used_at"])
            return
        otp.failed_attempts += 1
        left = settings.EKAASEL["OTP_MAX_ATTEMPTS"] - otp.failed_attempts
        if left <= 0:
            otp.used_at = now
            otp.save(update_fields=["failed_attempts", "used_at"])
            message = _("Too many wrong codes. Ask for a new code.")
        else:
            otp.save(update_fields=["failed_attempts"])
            message = ngettext(
                "That code is not right. You have %(left)d more try.",
                "That code is not right. You have %(left)d more tries.",
                left,
            ) % {"left": left}
    raise CodeRejected(message, field="code")
