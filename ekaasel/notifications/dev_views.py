"""Developer pages: every SMS in the outbox, readable in a browser and as JSON for browser tests.

Mounted only when settings.EKAASEL["DEV_TOOLS"] is true (config/urls.py); each view checks again so a
stray include cannot expose phone numbers and one-time codes in production.
"""

import re
from functools import wraps
from typing import Any, Protocol

from django.conf import settings
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from ekaasel.notifications.models import Message

PAGE_SIZE = 100
LATEST_DEFAULT = 10
LATEST_MAX = 100


class _View(Protocol):
    def __call__(self, request: HttpRequest, /) -> HttpResponse: ...


def dev_tools_only(view: _View) -> _View:
    """404 unless developer tools are switched on."""

    @wraps(view)
    def wrapped(request: HttpRequest, /) -> HttpResponse:
        if not settings.EKAASEL["DEV_TOOLS"]:
            raise Http404
        return view(request)

    return wrapped


def messages_for(to: str) -> QuerySet[Message]:
    """Outbox SMS newest first, to recipients containing the digits of `to` (all when empty).

    Digits only, because a "+" typed in a query string arrives as a space, and "17123456",
    "97517123456" and "+975 17 12 34 56" should all find +97517123456.
    """
    messages = Message.objects.filter(channel="sms").order_by("-created_at", "-id")
    digits = re.sub(r"\D", "", to)
    if digits:
        messages = messages.filter(recipient__contains=digits)
    elif to.strip():
        messages = messages.filter(recipient=to.strip())
    return messages


@never_cache
@require_GET
@dev_tools_only
def sms_list(request: HttpRequest) -> HttpResponse:
    """Every SMS in the outbox, newest first, optionally only to one number (?to=)."""
    to = request.GET.get("to", "")
    page = Paginator(messages_for(to), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "notifications/dev_sms.html", {"page": page, "to": to.strip()})


@never_cache
@require_GET
@dev_tools_only
def sms_latest_json(request: HttpRequest) -> JsonResponse:
    """The newest SMS as JSON (?to=, ?limit= up to 100), e.g. for a browser test to read an OTP code."""
    try:
        limit = min(max(int(request.GET.get("limit", LATEST_DEFAULT)), 1), LATEST_MAX)
    except ValueError:
        limit = LATEST_DEFAULT
    rows = messages_for(request.GET.get("to", ""))[:limit]
    data: list[dict[str, Any]] = [
        {
            "id": message.pk,
            "to": message.recipient,
            "text": message.body,
            "template": message.template,
            "language": message.language,
            "status": message.status,
            "attempts": message.attempts,
            "created_at": message.created_at.isoformat(),
            "sent_at": message.sent_at.isoformat() if message.sent_at else None,
        }
        for message in rows
    ]
    return JsonResponse({"messages": data})
