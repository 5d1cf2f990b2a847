"""The step shared by filing, tracking and My grievances: type the code sent by SMS, or ask for a new one."""

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from ekaasel.core.errors import RateLimited
from ekaasel.identity.models import OtpPurpose
from ekaasel.identity.otp import CodeRejected, otp_issue, otp_verify
from ekaasel.identity.validation import mask_mobile
from ekaasel.portal.forms import CodeForm, ResendForm, add_domain_error


def client_ip(request: HttpRequest) -> str | None:
    """The address the request came from; proxy headers are not trusted here."""
    return request.META.get("REMOTE_ADDR") or None


def send_code(request: HttpRequest, *, mobile: str, purpose: OtpPurpose) -> None:
    """Queue a code for `mobile` in the citizen's language. Raises RateLimited."""
    otp_issue(mobile=mobile, purpose=purpose, ip=client_ip(request), language=get_language() or "en")


def code_step(
    request: HttpRequest,
    *,
    mobile: str,
    purpose: OtpPurpose,
    on_proven: Callable[[], HttpResponse],
    context: dict[str, Any],
) -> HttpResponse:
    """GET shows the code form; POST checks the code, or with "resend" sends a new code (PRG)."""
    code_form = CodeForm()
    resend_form = ResendForm()
    if request.method == "POST" and "resend" in request.POST:
        resend_form = ResendForm(request.POST)
        resend_form.is_valid()
        try:
            send_code(request, mobile=mobile, purpose=purpose)
        except RateLimited as exc:
            add_domain_error(resend_form, exc)
        else:
            messages.success(request, _("A new code was sent to %(mobile)s.") % {"mobile": mask_mobile(mobile)})
            return HttpResponseRedirect(request.path)
    elif request.method == "POST":
        code_form = CodeForm(request.POST)
        if code_form.is_valid():
            try:
                otp_verify(mobile=mobile, purpose=purpose, code=code_form.cleaned_data["code"])
            except CodeRejected as exc:
                add_domain_error(code_form, exc)
            else:
                return on_proven()
    return render(
        request,
        "portal/verify_code.html",
        {"form": code_form, "resend_form": resend_form, "masked_mobile": mask_mobile(mobile), **context},
    )
