"""Tracking by application ID: the coarse status for anyone, the details after proving the mobile."""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from ekaasel.core.errors import RateLimited
from ekaasel.core.ratelimit import limit_posts
from ekaasel.grievances.application_id import MalformedApplicationId, parse_application_id
from ekaasel.grievances.selectors import grievance_coarse_status, grievance_registered_mobile
from ekaasel.identity.models import OtpPurpose
from ekaasel.identity.validation import mask_mobile
from ekaasel.portal import citizen_session as cs
from ekaasel.portal.forms import NO_SUCH_GRIEVANCE, ResendForm, TrackForm, add_domain_error
from ekaasel.portal.views.verification import code_step, send_code


def canonical_or_404(application_id: str) -> str:
    """The canonical form of an application ID from a URL; a malformed one is not a page."""
    try:
        return parse_application_id(application_id)
    except MalformedApplicationId as exc:
        raise Http404(_("This is not a valid application ID.")) from exc


@never_cache
@require_safe
def track(request: HttpRequest) -> HttpResponse:
    """The tracking form (GET, so it works from a bookmark or a link in a message)."""
    if "application_id" in request.GET:
        form = TrackForm(request.GET)
        if form.is_valid():
            application_id = form.cleaned_data["application_id"]
            if grievance_coarse_status(application_id=application_id) is None:
                form.add_error("application_id", NO_SUCH_GRIEVANCE)
            else:
                return redirect("portal:track_status", application_id=application_id)
    else:
        form = TrackForm()
    return render(request, "portal/track.html", {"form": form})


@never_cache
@require_safe
def status(request: HttpRequest, application_id: str) -> HttpResponse:
    """The coarse status of one grievance: status and dates, nothing personal."""
    canonical = canonical_or_404(application_id)
    if canonical != application_id:
        return redirect("portal:track_status", application_id=canonical)
    coarse = grievance_coarse_status(application_id=canonical)
    if coarse is None:
        raise Http404(NO_SUCH_GRIEVANCE)
    return render(request, "portal/track_status.html", {"coarse": coarse})


@never_cache
@require_http_methods(["GET", "POST"])
@limit_posts("code")
def verify(request: HttpRequest, application_id: str) -> HttpResponse:
    """Details need the registered mobile proven: send a code to it, then check the code typed."""
    canonical = canonical_or_404(application_id)
    registered = grievance_registered_mobile(application_id=canonical)
    if registered is None:
        raise Http404(NO_SUCH_GRIEVANCE)
    detail_url = reverse("portal:detail", args=[canonical])
    if cs.proven_mobile(request) == registered:
        return redirect(detail_url)
    status_url = reverse("portal:track_status", args=[canonical])
    send_form = ResendForm()
    if request.method == "POST" and "send" in request.POST:
        send_form = ResendForm(request.POST)
        send_form.is_valid()
        try:
            send_code(request, mobile=registered, purpose=OtpPurpose.TRACK)
        except RateLimited as exc:
            add_domain_error(send_form, exc)
        else:
            cs.remember_pending_track(
                request, cs.PendingTrackCode(mobile=registered, next_url=detail_url, application_id=canonical)
            )
            messages.success(request, _("A code was sent to %(mobile)s.") % {"mobile": mask_mobile(registered)})
            return redirect(request.path)
    pending = cs.pending_track(request, application_id=canonical)
    if pending is None or pending.mobile != registered or "send" in request.POST:
        return render(
            request,
            "portal/track_send_code.html",
            {"form": send_form, "application_id": canonical, "masked_mobile": mask_mobile(registered),
             "back_url": status_url},
        )

    def proven() -> HttpResponse:
        cs.remember_proven_mobile(request, registered)
        cs.clear_pending_track(request)
        return redirect(detail_url)

    return code_step(
        request,
        mobile=registered,
        purpose=OtpPurpose.TRACK,
        on_proven=proven,
        context={"title": _("Confirm it is your grievance"), "application_id": canonical, "back_url": status_url},
    )
