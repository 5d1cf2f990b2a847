"""Who may enter the workspace: a signed-in official whose second factor is verified."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponseBase
from django.urls import reverse

from ekaasel.identity.models import Official, Role

SIGN_IN_URL_NAME = "workspace:sign_in"


def official_for(user: Any) -> Official | None:
    """The Official profile of a user, or None (anonymous, or a user who is not an official)."""
    if user is None or not user.is_authenticated:
        return None
    try:
        official: Official = user.official
    except Official.DoesNotExist:
        return None
    return official


def is_verified_official(request: HttpRequest) -> bool:
    """Signed in with password, second factor verified by django-otp, and an Official profile."""
    user: Any = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return False
    is_verified = getattr(user, "is_verified", None)
    if is_verified is None or not is_verified():
        return False
    return official_for(user) is not None


def official_required[V: Callable[..., HttpResponseBase]](view: V) -> V:
    """Let the view run only for a verified official; anyone else goes to sign-in with ?next=."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not is_verified_official(request):
            return redirect_to_login(request.get_full_path(), reverse(SIGN_IN_URL_NAME))
        return view(request, *args, **kwargs)

    return wrapper  # type: ignore[return-value]


def current_official(request: HttpRequest) -> Official:
    """The official behind this request; only call it inside an @official_required view."""
    official = official_for(getattr(request, "user", None))
    if official is None:
        raise PermissionError("current_official() called for a request without an official")
    return official


# What each role finds in the workspace menu; the views refuse the same roles (404).
NATIONAL_ROLES = (Role.PMO, Role.MONITOR, Role.ASSESSOR)
REPORT_ROLES = (Role.MONITOR, Role.PMO, Role.ASSESSOR)


def has_dashboard(official: Official) -> bool:
    """National figures for the PMO, PSGRD and the Cabinet Secretariat; his own for a Secretary or HoD."""
    return official.role in (*NATIONAL_ROLES, Role.SECRETARY, Role.HEAD_OF_DEPARTMENT)


def can_read_reports(official: Official) -> bool:
    """The PSGRD periodic reports and their archive."""
    return official.role in REPORT_ROLES
