"""Officials sign in: username and password, then a TOTP code (or, the first time, setting one up).

The password step does not log the user in. It records in the session who proved a password, and only
the second factor completes the sign-in (``auth.login`` then ``django_otp.login``). So a stolen password
alone opens nothing, not even the Django admin. django-axes counts failed passwords and failed codes.
"""

import re
from datetime import timedelta
from typing import Any

from axes.helpers import get_cool_off
from django import forms
from django.conf import settings
from django.contrib import auth, messages
from django.contrib.auth.signals import user_login_failed
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp import user_has_device
from django_otp.plugins.otp_totp.models import TOTPDevice

from ekaasel.core import clock
from ekaasel.identity import authenticator
from ekaasel.identity.authenticator import CodeCheck
from ekaasel.workspace.access import official_for

PENDING_USER = "workspace_pending_user"
PENDING_SINCE = "workspace_pending_since"
PENDING_NEXT = "workspace_pending_next"
PENDING_FAILURES = "workspace_pending_failures"
# How long a proven password waits for its code, and how many wrong codes it survives.
PENDING_SECONDS = 300
MAX_CODE_FAILURES = 5

WRONG_CREDENTIALS = gettext_lazy("The username or password is not right. Check them and try again.")
NOT_AN_OFFICIAL = gettext_lazy("This account is not an official's account of the workspace.")
WRONG_CODE = gettext_lazy("This code is not right or has expired. Type the 6 digits your app shows now.")
WAIT = gettext_lazy("Too many wrong codes in a row. Wait a few seconds, then type the code your app shows now.")
START_AGAIN = gettext_lazy("Your sign-in took too long or had too many wrong codes. Sign in again.")


class SignInForm(forms.Form):
    username = forms.CharField(
        label=gettext_lazy("Username"), max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"}),
        error_messages={"required": gettext_lazy("Enter your username.")},
    )
    password = forms.CharField(
        label=gettext_lazy("Password"), strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        error_messages={"required": gettext_lazy("Enter your password.")},
    )


class CodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("6-digit code"), max_length=20,
        help_text=gettext_lazy("The code your authenticator app shows for eKaaSel now."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
        error_messages={"required": gettext_lazy("Enter the 6-digit code.")},
    )

    def clean_code(self) -> str:
        code = "".join(str(self.cleaned_data["code"]).split())  # "123 456", as the apps show it, is fine
        if not re.fullmatch(r"\d{6}", code):
            raise forms.ValidationError(gettext_lazy("The code is 6 digits, like 123456."))
        return code


def _safe_next(request: HttpRequest, candidate: str | None) -> str:
    """Where to go after signing in: ?next= if it is on this site, else the workspace home."""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    try:
        return reverse("workspace:queue")
    except NoReverseMatch:
        return "/workspace/"


def _pending_user(request: HttpRequest) -> Any | None:
    """The user who proved his password in this session and still owes a code, if any and still fresh."""
    user_id = request.session.get(PENDING_USER)
    since = request.session.get(PENDING_SINCE)
    if user_id is None or since is None:
        return None
    if clock.now().timestamp() - float(since) > PENDING_SECONDS:
        _forget_pending(request)
        return None
    user = auth.get_user_model()._default_manager.filter(pk=user_id, is_active=True).first()
    if user is None or official_for(user) is None:
        _forget_pending(request)
        return None
    return user


def _forget_pending(request: HttpRequest) -> None:
    for key in (PENDING_USER, PENDING_SINCE, PENDING_NEXT, PENDING_FAILURES):
        request.session.pop(key, None)


def _start_again(request: HttpRequest, *, expired: bool) -> HttpResponse:
    if expired:
        messages.error(request, START_AGAIN)
    return HttpResponseRedirect(reverse("workspace:sign_in"))


def _complete_sign_in(request: HttpRequest, user: Any, device: TOTPDevice) -> HttpResponse:
    destination = request.session.get(PENDING_NEXT) or _safe_next(request, None)
    _forget_pending(request)
    auth.login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    otp_login(request, device)
    return HttpResponseRedirect(destination)


def _count_code_failure(request: HttpRequest, user: Any) -> bool:
    """Record a wrong code (django-axes counts it like a wrong password). True if the sign-in must restart."""
    user_login_failed.send(
        sender=__name__, credentials={"username": user.get_username()}, request=request
    )
    failures = int(request.session.get(PENDING_FAILURES, 0)) + 1
    request.session[PENDING_FAILURES] = failures
    return failures >= MAX_CODE_FAILURES


@sensitive_post_parameters("password")
@csrf_protect
@never_cache
def sign_in(request: HttpRequest) -> HttpResponse:
    """Step 1: username and password. Success goes to the code step, or to setting up the second factor."""
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if request.method == "POST":
        form = SignInForm(request.POST)
        if form.is_valid():
            user = auth.authenticate(
                request, username=form.cleaned_data["username"], password=form.cleaned_data["password"]
            )
            if user is None:
                # When django-axes has locked the account, its middleware replaces this page with locked_out().
                form.add_error(None, WRONG_CREDENTIALS)
            elif official_for(user) is None:
                form.add_error(None, NOT_AN_OFFICIAL)
            else:
                request.session.cycle_key()
                request.session[PENDING_USER] = user.pk
                request.session[PENDING_SINCE] = clock.now().timestamp()
                request.session[PENDING_NEXT] = _safe_next(request, next_url)
                request.session[PENDING_FAILURES] = 0
                step = "workspace:sign_in_code" if user_has_device(user) else "workspace:second_factor_setup"
                return HttpResponseRedirect(reverse(step))
    else:
        form = SignInForm()
    return render(request, "workspace/auth/sign_in.html", {"form": form, "next": next_url})


@csrf_protect
@never_cache
def sign_in_code(request: HttpRequest) -> HttpResponse:
    """Step 2: the 6-digit code of the official's authenticator app."""
    user = _pending_user(request)
    if user is None:
        return _start_again(request, expired=request.method == "POST")
    if not user_has_device(user):
        return HttpResponseRedirect(reverse("workspace:second_factor_setup"))
    form = CodeForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        result, device = authenticator.check_sign_in_code(user, form.cleaned_data["code"])
        if result is CodeCheck.WAIT:
            form.add_error("code", WAIT)
            return render(request, "workspace/auth/code.html", {"form": form})
        if result is CodeCheck.ACCEPTED and device is not None:
            return _complete_sign_in(request, user, device)
        if _count_code_failure(request, user):
            _forget_pending(request)
            return _start_again(request, expired=True)
        form.add_error("code", WRONG_CODE)
    return render(request, "workspace/auth/code.html", {"form": form})


@csrf_protect
@never_cache
def second_factor_setup(request: HttpRequest) -> HttpResponse:
    """First sign-in: show a new TOTP secret (text and QR code) and confirm it with a code from the app."""
    user = _pending_user(request)
    if user is None:
        return _start_again(request, expired=request.method == "POST")
    if user_has_device(user):
        return HttpResponseRedirect(reverse("workspace:sign_in_code"))
    device = authenticator.device_being_set_up(user)
    form = CodeForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        result = authenticator.confirm_device(device, form.cleaned_data["code"])
        if result is CodeCheck.ACCEPTED:
            return _complete_sign_in(request, user, device)
        if result is CodeCheck.WAIT:
            form.add_error("code", WAIT)
        elif _count_code_failure(request, user):
            _forget_pending(request)
            return _start_again(request, expired=True)
        else:
            form.add_error("code", WRONG_CODE)
    return render(
        request,
        "workspace/auth/setup.html",
        {"form": form, "secret": authenticator.readable_secret(device), "qr_svg": authenticator.qr_svg(device),
         "issuer": settings.OTP_TOTP_ISSUER},
    )


@require_POST
@csrf_protect
def sign_out(request: HttpRequest) -> HttpResponse:
    """Sign out (POST only, so a link or an image cannot sign an official out)."""
    auth.logout(request)
    messages.success(request, _("You have signed out."))
    return HttpResponseRedirect(reverse("workspace:sign_in"))


def locked_out(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: dict[str, Any] | None = None
) -> HttpResponse:
    """django-axes AXES_LOCKOUT_CALLABLE: the sign-in page with the lock explained, HTTP 429."""
    cool_off = get_cool_off(request) or timedelta(minutes=30)
    minutes = max(1, int(cool_off.total_seconds() // 60))
    _forget_pending(request)
    return render(
        request,
        "workspace/auth/locked.html",
        {"minutes": minutes, "form": SignInForm(), "next": ""},
        status=429,
    )
