"""Request limits: a fixed-window counter in Django's cache, and the 429 answer of the portal's forms.

The counter is per cache: with the default local-memory cache each server process counts on its own,
so a deployment with several processes divides the flood among them (configure a shared cache, e.g.
Redis, to count across them). The domain's own limits (codes per number, per address) live with the
domain (identity/otp.py) and are exact; these only stop a client sending a form in a loop.
"""

from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ekaasel.core import clock

View = Callable[..., HttpResponse]

# POSTs one address may send to a portal form: scope -> (limit, window in seconds). Generous, because a
# whole office or a mobile operator's gateway may share one address; EKAASEL["PORTAL_POST_LIMITS"]
# overrides them per scope.
PORTAL_POST_LIMITS: dict[str, tuple[int, int]] = {
    "details": (60, 600),  # verification details: each valid one checks the identity and sends a code
    "code": (120, 600),  # typing a code or asking for a new one (guesses are also spent per code)
    "filing": (60, 3600),  # grievances filed
}


def hit(*, scope: str, key: str, limit: int, window_seconds: int) -> bool:
    """Count one request of `scope` by `key`; False once more than `limit` fall in the current window."""
    window = int(clock.now().timestamp()) // window_seconds
    cache_key = f"ekaasel:rl:{scope}:{key}:{window}"
    if cache.add(cache_key, 1, timeout=window_seconds + 1):
        return True
    try:
        count = cache.incr(cache_key)
    except ValueError:  # expired between add and incr
        cache.add(cache_key, 1, timeout=window_seconds + 1)
        return True
    return count <= limit


def portal_limit(scope: str) -> tuple[int, int]:
    """(limit, window in seconds) of a portal form's scope, settings first."""
    configured: dict[str, tuple[int, int]] = settings.EKAASEL.get("PORTAL_POST_LIMITS", {})
    return configured.get(scope) or PORTAL_POST_LIMITS[scope]


def seconds_left_in_window(window_seconds: int) -> int:
    """Seconds until the current fixed window ends and its counts start again."""
    return window_seconds - int(clock.now().timestamp()) % window_seconds


def too_many_requests(request: HttpRequest, *, retry_after: int) -> HttpResponse:
    """429 with Retry-After and a page, in the citizen's language, that says when to try again."""
    minutes = max(1, (retry_after + 59) // 60)
    text = ngettext(
        "Too many forms were sent from this connection. Wait %(minutes)d minute, then try again.",
        "Too many forms were sent from this connection. Wait %(minutes)d minutes, then try again.",
        minutes,
    ) % {"minutes": minutes}
    response = render(request, "includes/plain_page.html", {"heading": _("Please wait a moment"), "text": text},
                      status=429)
    response["Retry-After"] = str(retry_after)
    return response


def limit_posts(scope: str) -> Callable[[View], View]:
    """Decorate a portal view: POSTs beyond the scope's limit per client address get a 429 page.

    GETs are not counted: reading a form costs nothing and changes nothing.
    """

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
            if request.method == "POST":
                limit, window = portal_limit(scope)
                address = request.META.get("REMOTE_ADDR") or "-"
                if not hit(scope=f"portal:{scope}", key=address, limit=limit, window_seconds=window):
                    return too_many_requests(request, retry_after=seconds_left_in_window(window))
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
