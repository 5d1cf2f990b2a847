"""Kannel's callbacks: delivery reports (dlr-url) and incoming SMS (sms-service get-url).

Both are reachable only from the gateway: the client address must be in settings.KANNEL_ALLOWED_IPS
(default loopback) and the request must carry settings.KANNEL_SHARED_SECRET (compared in constant time);
otherwise 403. Both answer with an empty body: a reply to an SMS goes through the outbox, so Kannel's
sms-service must have `omit-empty = true`.
"""

import logging
import urllib.parse
from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseForbidden
from django.utils.crypto import constant_time_compare
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from ekaasel.notifications import delivery
from ekaasel.notifications.inbound import InboundSms, handle_inbound_sms

logger = logging.getLogger(__name__)

DEFAULT_ALLOWED_IPS = ["127.0.0.1", "::1"]

_View = Callable[[HttpRequest], HttpResponse]


def gateway_only(view: _View) -> _View:
    """403 unless the request comes from an allowed gateway address with the shared secret."""

    @wraps(view)
    def wrapped(request: HttpRequest) -> HttpResponse:
        allowed = getattr(settings, "KANNEL_ALLOWED_IPS", DEFAULT_ALLOWED_IPS)
        secret = getattr(settings, "KANNEL_SHARED_SECRET", "")
        client = request.META.get("REMOTE_ADDR", "")
        given = request.GET.get("secret", "")
        if client not in allowed or not secret or not constant_time_compare(given, secret):
            logger.warning("Refused a Kannel callback from %s to %s", client, request.path)
            return HttpResponseForbidden()
        return view(request)

    return wrapped


def _query_bytes(request: HttpRequest) -> dict[str, bytes]:
    """The raw query parameters as bytes: Kannel may send UCS-2 text, which is not UTF-8."""
    pairs = urllib.parse.parse_qsl(request.META.get("QUERY_STRING", ""), keep_blank_values=True, encoding="latin-1")
    return {key: value.encode("latin-1") for key, value in pairs}


def decode_text(raw: bytes, *, coding: str, charset: str) -> str:
    """Kannel's %a as text: UTF-8 unless coding is 2 (UCS-2) with a UTF-16/UCS-2 charset."""
    charset = (charset or "").upper()
    if coding == "2" and charset in ("UTF-16BE", "UTF-16", "UCS-2", "UCS-2BE", "UTF16-BE"):
        return raw.decode("utf-16-be", "replace")
    try:
        return raw.decode(charset or "utf-8")
    except (LookupError, UnicodeDecodeError):
        return raw.decode("utf-8", "replace")


@never_cache
@require_GET
@gateway_only
def delivery_report(request: HttpRequest) -> HttpResponse:
    """dlr-url: ?message=<outbox id>&status=<Kannel report type %d>."""
    try:
        message_id = int(request.GET["message"])
        kannel_status = int(request.GET["status"])
    except (KeyError, ValueError):
        return HttpResponseBadRequest()
    delivery.record_delivery_report(message_id=message_id, kannel_status=kannel_status)
    return HttpResponse(b"", content_type="text/plain")


@never_cache
@require_GET
@gateway_only
def inbound_sms(request: HttpRequest) -> HttpResponse:
    """sms-service get-url: ?from=%p&text=%a&id=%I&time=%t&coding=%c&charset=%C; the reply goes via the outbox."""
    params = _query_bytes(request)
    sender = params.get("from", b"").decode("utf-8", "replace").strip()
    if not sender:
        return HttpResponseBadRequest()
    text = decode_text(
        params.get("text", b""),
        coding=params.get("coding", b"").decode("ascii", "replace"),
        charset=params.get("charset", b"").decode("ascii", "replace"),
    )
    handle_inbound_sms(
        InboundSms(
            sender=sender,
            text=text,
            gateway_id=params.get("id", b"").decode("ascii", "replace"),
            received_at=params.get("time", b"").decode("ascii", "replace"),
        )
    )
    return HttpResponse(b"", content_type="text/plain")
