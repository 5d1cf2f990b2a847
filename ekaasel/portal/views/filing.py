"""Filing a grievance in three steps: verification details, the code sent by SMS, the grievance itself."""

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from ekaasel.core.errors import DomainError, RateLimited
from ekaasel.core.ratelimit import limit_posts
from ekaasel.grievances.actions import grievance_file
from ekaasel.grievances.models import Channel, Grievance
from ekaasel.identity.checks import identity_check
from ekaasel.identity.models import OtpPurpose
from ekaasel.identity.validation import mask_mobile
from ekaasel.portal import citizen_session as cs
from ekaasel.portal.forms import GrievanceForm, VerificationForm, add_domain_error
from ekaasel.portal.views.verification import code_step, send_code

STEPS = (gettext_lazy("Your details"), gettext_lazy("Confirm your mobile"), gettext_lazy("Your grievance"))


def _steps(current: int) -> dict[str, Any]:
    return {
        "current": current,
        "total": len(STEPS),
        "items": [
            {"number": n, "label": label, "current": n == current, "done": n < current}
            for n, label in enumerate(STEPS, start=1)
        ],
    }


@never_cache
@require_http_methods(["GET", "POST"])
@limit_posts("details")
def details(request: HttpRequest) -> HttpResponse:
    """Step 1: CID, name and mobile; a valid POST checks the identity and sends a code to the mobile."""
    if request.method == "POST":
        form = VerificationForm(request.POST)
        if form.is_valid():
            identity = cs.FilingIdentity(
                national_id=form.cleaned_data["national_id"],
                name=form.cleaned_data["name"],
                mobile=form.cleaned_data["mobile"],
            )
            result = identity_check().check(national_id=identity.national_id, name=identity.name)
            if not result.confirmed:
                form.add_error(
                    "national_id",
                    result.message or _("We could not confirm this CID number with this name. Check both."),
                )
            else:
                try:
                    send_code(request, mobile=identity.mobile, purpose=OtpPurpose.FILE)
                except RateLimited as exc:
                    form.add_error("mobile", str(exc.message))
                else:
                    cs.remember_pending_filing(request, identity)
                    return redirect("portal:file_verify")
    else:
        known = cs.pending_filing(request) or cs.filing_identity(request) or cs.filing_identity_expired(request)
        initial = {"national_id": known.national_id, "name": known.name, "mobile": known.mobile} if known else {}
        form = VerificationForm(initial=initial)
    return render(
        request,
        "portal/file_details.html",
        {"form": form, "steps": _steps(1), "verified": cs.filing_identity(request)},
    )


@never_cache
@require_http_methods(["GET", "POST"])
@limit_posts("code")
def verify(request: HttpRequest) -> HttpResponse:
    """Step 2: the code sent to the filing mobile; a right code opens the grievance form."""
    pending = cs.pending_filing(request)
    if pending is None:
        return redirect("portal:file")

    def proven() -> HttpResponse:
        cs.remember_filing_verified(request, pending)
        return redirect("portal:file_grievance")

    return code_step(
        request,
        mobile=pending.mobile,
        purpose=OtpPurpose.FILE,
        on_proven=proven,
        context={
            "title": _("Confirm your mobile number"),
            "steps": _steps(2),
            "change_url": reverse("portal:file"),
        },
    )


def _submission_key(request: HttpRequest, posted: object) -> str:
    """The posted key if this browser was given it, else the current one."""
    if isinstance(posted, str) and posted and cs.is_own_submission_key(request, posted):
        return posted
    return cs.current_submission_key(request)


def _submit(identity: cs.FilingIdentity, data: dict[str, Any], key: str, uploads: list[Any]) -> Grievance:
    arguments: dict[str, Any] = {
        "national_id": identity.national_id,
        "applicant_name": identity.name,
        "mobile": identity.mobile,
        "service": data["service"],
        "service_other": data["service_other"],
        "problem_kind": data["problem_kind"],
        "subject": data["subject"],
        "description": data["description"],
        "district": data["district"],
        "channel": Channel.WEB,
        # The citizen's SMS follow the language he is using now.
        "language": get_language() or "en",
        "attachments": uploads,
        "submission_key": key,
    }
    return grievance_file(**arguments).grievance


@never_cache
@require_http_methods(["GET", "POST"])
@limit_posts("filing")
def grievance(request: HttpRequest) -> HttpResponse:
    """Step 3: the grievance form; a valid POST files it once per submission key and shows the ID."""
    identity = cs.filing_identity(request)
    if identity is None:
        if request.method == "POST":
            cs.remember_draft(request, GrievanceForm(request.POST).draft())
            messages.warning(
                request,
                _("For your safety, a confirmation lasts 30 minutes and yours has ended. Confirm your mobile "
                  "number again: what you wrote is kept, but choose your attachments again."),
            )
        else:
            messages.info(request, _("First give your details and confirm your mobile number."))
        return redirect("portal:file")

    search = request.GET.get("q", "").strip()[:100]
    if request.method == "POST":
        form = GrievanceForm(request.POST, request.FILES)
        key = _submission_key(request, request.POST.get("submission_key"))
        if form.is_valid():
            try:
                filed = _submit(identity, form.cleaned_data, key, form.cleaned_data["attachments"])
            except DomainError as exc:
                add_domain_error(form, exc)
            else:
                cs.remember_filed(
                    request, application_id=filed.application_id, masked_mobile=mask_mobile(filed.mobile)
                )
                return redirect("portal:file_done", application_id=filed.application_id)
    else:
        saved = cs.draft(request)
        key = _submission_key(request, saved.get("submission_key"))
        form = GrievanceForm(initial=saved, search=search)
        if not saved and search and form.service_count == 1:
            form.initial["service"] = next(iter(form.services))
    return render(
        request,
        "portal/file_grievance.html",
        {
            "form": form,
            "steps": _steps(3),
            "identity": identity,
            "masked_mobile": mask_mobile(identity.mobile),
            "search": search,
            # Hidden in the form: the same key twice files one grievance (a double click, a resent POST).
            "submission_key": key,
        },
    )


@never_cache
@require_safe
def done(request: HttpRequest, application_id: str) -> HttpResponse:
    """The application ID of a grievance just filed from this browser; reloading changes nothing."""
    masked = cs.filed_masked_mobile(request, application_id)
    if masked is None:
        # Not filed from this browser: the public status page says all that may be said.
        return redirect("portal:track_status", application_id=application_id)
    return render(request, "portal/file_done.html", {"application_id": application_id, "masked_mobile": masked})
