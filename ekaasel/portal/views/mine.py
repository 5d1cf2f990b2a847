"""My grievances: the list and details for a proven mobile, and the citizen's actions on each grievance."""

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from ekaasel.core.downloads import file_download
from ekaasel.core.errors import DomainError, InvalidInput, RateLimited
from ekaasel.core.ratelimit import limit_posts
from ekaasel.grievances.actions import (
    grievance_appeal,
    grievance_provide_info,
    grievance_rate,
    grievance_withdraw,
)
from ekaasel.grievances.models import Grievance
from ekaasel.grievances.permissions import Actor
from ekaasel.grievances.selectors import (
    attachment_of_citizen,
    grievance_of_citizen,
    grievances_of_citizen,
    history_for_citizen,
)
from ekaasel.grievances.states import Action, ActorKind, Status, actions_available
from ekaasel.identity.models import OtpPurpose
from ekaasel.identity.validation import mask_mobile
from ekaasel.portal import citizen_session as cs
from ekaasel.portal.forms import AppealForm, MobileForm, ProvideInfoForm, RateForm, WithdrawForm, add_domain_error
from ekaasel.portal.views.tracking import canonical_or_404
from ekaasel.portal.views.verification import code_step, send_code

PAGE_SIZE = 25


@never_cache
@require_http_methods(["GET", "POST"])
@limit_posts("details")
def my_grievances(request: HttpRequest) -> HttpResponse:
    """Without a proven mobile: the mobile form (a code is sent); with one: his grievances, newest first."""
    mobile = cs.proven_mobile(request)
    if mobile is not None:
        if request.method == "POST":
            return redirect("portal:my")
        page = Paginator(grievances_of_citizen(mobile=mobile), PAGE_SIZE).get_page(request.GET.get("page"))
        return render(request, "portal/my_list.html", {"page": page, "masked_mobile": mask_mobile(mobile)})
    if request.method == "POST":
        form = MobileForm(request.POST)
        if form.is_valid():
            number = form.cleaned_data["mobile"]
            try:
                send_code(request, mobile=number, purpose=OtpPurpose.TRACK)
            except RateLimited as exc:
                form.add_error("mobile", str(exc.message))
            else:
                cs.remember_pending_track(request, cs.PendingTrackCode(mobile=number, next_url=reverse("portal:my")))
                return redirect("portal:my_verify")
    else:
        pending = cs.pending_track(request)
        form = MobileForm(initial={"mobile": pending.mobile} if pending else {})
    return render(request, "portal/my_start.html", {"form": form})


@never_cache
@require_http_methods(["GET", "POST"])
@limit_posts("code")
def verify(request: HttpRequest) -> HttpResponse:
    """The code sent to the mobile typed on My grievances."""
    pending = cs.pending_track(request)
    if pending is None:
        return redirect("portal:my")

    def proven() -> HttpResponse:
        cs.remember_proven_mobile(request, pending.mobile)
        cs.clear_pending_track(request)
        return redirect(pending.next_url)

    return code_step(
        request,
        mobile=pending.mobile,
        purpose=OtpPurpose.TRACK,
        on_proven=proven,
        context={"title": _("Confirm your mobile number"), "change_url": reverse("portal:my")},
    )


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    """Forget the proven mobile (and any filing verification) in this browser."""
    cs.forget(request)
    messages.success(request, _("You are signed out. To see your grievances again, confirm your mobile number."))
    return redirect("portal:home")


def _own_grievance(request: HttpRequest, application_id: str) -> tuple[Grievance, str] | HttpResponseRedirect:
    """The grievance if this browser proved its mobile; a redirect to prove it; 404 for another's."""
    canonical = canonical_or_404(application_id)
    mobile = cs.proven_mobile(request)
    if mobile is None:
        messages.info(request, _("To see the details, confirm that you hold the mobile number it was filed with."))
        return redirect("portal:track_verify", application_id=canonical)
    grievance = grievance_of_citizen(mobile=mobile, application_id=canonical)
    if grievance is None:
        raise Http404(_("No grievance with this application ID was filed with your mobile number."))
    return grievance, mobile


def _appeal_until(grievance: Grievance) -> datetime | None:
    decided_at = grievance.resolved_at if grievance.status == Status.RESOLVED else grievance.rejected_at
    if decided_at is None:
        return None
    return decided_at + timedelta(days=settings.EKAASEL["APPEAL_WINDOW_DAYS"])


def _render_detail(request: HttpRequest, grievance: Grievance, mobile: str, **bound: forms.Form) -> HttpResponse:
    available = actions_available(Status(grievance.status), ActorKind.CITIZEN)
    version = {"version": grievance.version}
    context: dict[str, Any] = {
        "grievance": grievance,
        "masked_mobile": mask_mobile(mobile),
        "history": history_for_citizen(grievance=grievance),
        "attachments": grievance.attachments.order_by("created_at", "id"),
        "can_provide_info": Action.PROVIDE_INFO in available,
        "can_rate": Action.RATE in available,
        "can_appeal": Action.APPEAL in available and not grievance.is_appeal,
        "can_withdraw": Action.WITHDRAW in available,
        "appeal_until": _appeal_until(grievance),
        "info_form": bound.get("info_form") or ProvideInfoForm(initial=version),
        "rate_form": bound.get("rate_form") or RateForm(initial=version),
        "appeal_form": bound.get("appeal_form") or AppealForm(initial=version),
        "page_has_errors": any(form.errors for form in bound.values()),
    }
    return render(request, "portal/my_detail.html", context)


@never_cache
@require_safe
def detail(request: HttpRequest, application_id: str) -> HttpResponse:
    """Everything about one of his grievances: what he gave, the history, and what he can do now."""
    found = _own_grievance(request, application_id)
    if isinstance(found, HttpResponseRedirect):
        return found
    grievance, mobile = found
    if grievance.application_id != application_id:
        return redirect("portal:detail", application_id=grievance.application_id)
    return _render_detail(request, grievance, mobile)


@never_cache
@require_safe
def attachment(request: HttpRequest, application_id: str, attachment_id: int) -> HttpResponseBase:
    """Download one of the files attached to his grievance."""
    canonical = canonical_or_404(application_id)
    mobile = cs.proven_mobile(request)
    if mobile is None:
        return redirect("portal:track_verify", application_id=canonical)
    stored = attachment_of_citizen(mobile=mobile, application_id=canonical, attachment_id=attachment_id)
    if stored is None:
        raise Http404(_("No such file."))
    return file_download(stored.file, filename=stored.original_name, content_type=stored.content_type)


def _back_to_detail(application_id: str) -> HttpResponse:
    # A GET here (a reload, or the language switch after a form error) shows the grievance again.
    return redirect("portal:detail", application_id=canonical_or_404(application_id))


Perform = Callable[[Grievance, Actor, dict[str, Any]], object]


def _citizen_action(
    request: HttpRequest,
    application_id: str,
    *,
    form: forms.Form,
    form_key: str,
    perform: Perform,
    done: str,
    template: str | None = None,
) -> HttpResponse:
    """Run one citizen action from a posted form; refusals go next to the field or at the top of the page."""
    found = _own_grievance(request, application_id)
    if isinstance(found, HttpResponseRedirect):
        return found
    grievance, mobile = found
    detail_url = reverse("portal:detail", args=[grievance.application_id])
    if form.is_valid():
        try:
            perform(grievance, Actor.citizen(mobile), form.cleaned_data)
        except InvalidInput as exc:
            add_domain_error(form, exc)
        except DomainError as exc:
            # The grievance changed under him (or the action is no longer possible): show its new state.
            messages.error(request, str(exc.message))
            return redirect(detail_url)
        else:
            messages.success(request, done)
            return redirect(detail_url)
    if template is not None:
        return render(request, template, {"grievance": grievance, form_key: form})
    return _render_detail(request, grievance, mobile, **{form_key: form})


@require_http_methods(["GET", "POST"])
def provide_info(request: HttpRequest, application_id: str) -> HttpResponse:
    """Answer the Cabinet Secretariat's request for information (text and optional files)."""
    if request.method == "GET":
        return _back_to_detail(application_id)
    return _citizen_action(
        request,
        application_id,
        form=ProvideInfoForm(request.POST, request.FILES),
        form_key="info_form",
        perform=lambda g, actor, data: grievance_provide_info(
            grievance_id=g.pk, actor=actor, answer=data["answer"], attachments=data["attachments"],
            expected_version=data["version"],
        ),
        done=_("Thank you. Your answer was sent; your grievance is being assessed again."),
    )


@require_http_methods(["GET", "POST"])
def rate(request: HttpRequest, application_id: str) -> HttpResponse:
    """Rate the resolution from 1 to 5, with an optional comment; this closes the grievance."""
    if request.method == "GET":
        return _back_to_detail(application_id)
    return _citizen_action(
        request,
        application_id,
        form=RateForm(request.POST),
        form_key="rate_form",
        perform=lambda g, actor, data: grievance_rate(
            grievance_id=g.pk, actor=actor, rating=data["rating"], comment=data["comment"],
            expected_version=data["version"],
        ),
        done=_("Thank you for your rating. Your grievance is now closed."),
    )


@require_http_methods(["GET", "POST"])
def appeal(request: HttpRequest, application_id: str) -> HttpResponse:
    """Appeal a resolution or a rejection (once), with the reason."""
    if request.method == "GET":
        return _back_to_detail(application_id)
    return _citizen_action(
        request,
        application_id,
        form=AppealForm(request.POST),
        form_key="appeal_form",
        perform=lambda g, actor, data: grievance_appeal(
            grievance_id=g.pk, actor=actor, reason=data["reason"], expected_version=data["version"],
        ),
        done=_("Your appeal was received. Your grievance will be assessed again."),
    )


@never_cache
@require_http_methods(["GET", "POST"])
def withdraw(request: HttpRequest, application_id: str) -> HttpResponse:
    """GET asks to confirm (works without JavaScript); POST withdraws the grievance."""
    if request.method == "POST":
        return _citizen_action(
            request,
            application_id,
            form=WithdrawForm(request.POST),
            form_key="form",
            perform=lambda g, actor, data: grievance_withdraw(
                grievance_id=g.pk, actor=actor, reason=data["reason"], expected_version=data["version"],
            ),
            done=_("Your grievance is withdrawn."),
            template="portal/my_withdraw.html",
        )
    found = _own_grievance(request, application_id)
    if isinstance(found, HttpResponseRedirect):
        return found
    grievance, _mobile = found
    if Action.WITHDRAW not in actions_available(Status(grievance.status), ActorKind.CITIZEN):
        messages.error(request, _("This grievance can no longer be withdrawn."))
        return redirect("portal:detail", application_id=grievance.application_id)
    form = WithdrawForm(initial={"version": grievance.version})
    return render(request, "portal/my_withdraw.html", {"grievance": grievance, "form": form})
