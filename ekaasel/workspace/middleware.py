"""Sign an official out after a period without activity (settings.WORKSPACE_IDLE_SECONDS, default 30 minutes).

The time of the last request is written to the session at most once a minute (LAST_SEEN_PRECISION):
writing it on every request cost every page of the workspace a database write. An official is
therefore signed out after between 29 and 30 minutes without activity, never later.

Place after AuthenticationMiddleware, OTPMiddleware and MessageMiddleware. Only signed-in users are
concerned; citizens of the portal have no Django user and are never touched.
"""

from collections.abc import Callable

from django.conf import settings
from django.contrib import auth, messages
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from ekaasel.core import clock

LAST_SEEN = "workspace_last_seen"
DEFAULT_IDLE_SECONDS = 1800
LAST_SEEN_PRECISION = 60  # seconds


def idle_seconds() -> int:
    return int(getattr(settings, "WORKSPACE_IDLE_SECONDS", DEFAULT_IDLE_SECONDS))


class WorkspaceIdleTimeoutMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = clock.now().timestamp()
            last_seen = request.session.get(LAST_SEEN)
            if last_seen is not None and now - float(last_seen) > idle_seconds():
                auth.logout(request)  # flushes the session; request.user becomes anonymous
                minutes = max(1, idle_seconds() // 60)
                messages.info(
                    request,
                    _("You were signed out after %(minutes)d minutes without activity. Sign in again.")
                    % {"minutes": minutes},
                )
            elif last_seen is None or now - float(last_seen) >= LAST_SEEN_PRECISION:
                request.session[LAST_SEEN] = now
        return self.get_response(request)
