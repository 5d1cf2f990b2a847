"""Citizens: prove a mobile by OTP, file, track, list their grievances and act on them."""

import hashlib
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.files.uploadedfile import UploadedFile
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import File, Form, Header, Router
from ninja.files import UploadedFile as NinjaUploadedFile
from ninja.responses import Status as Reply

from ekaasel.api.citizen_tokens import citizen_token_lifetime, issue_citizen_token, mobile_for_citizen_token
from ekaasel.api.errors import ApiError
from ekaasel.api.v1.auth import CitizenToken, bearer_token, client_ip
from ekaasel.api.v1.common import canonical_id, checked_uploads, errors, limit_field, offset_field, page
from ekaasel.api.v1.present import citizen_grievance, citizen_summary
from ekaasel.api.v1.schemas import (
    CitizenGrievanceOut,
    CitizenGrievancePage,
    CitizenTokenOut,
    FilingIn,
    OtpRequestIn,
    OtpRequestOut,
    OtpVerifyIn,
    ProvideInfoIn,
    RateIn,
    ReasonIn,
    TrackOut,
    WithdrawIn,
)
from ekaasel.core import ratelimit
from ekaasel.grievances import actions
from ekaasel.grievances.models import Channel, Grievance, ProblemKind
from ekaasel.grievances.permissions import Actor
from ekaasel.grievances.selectors import grievance_coarse_status, grievance_of_citizen, grievances_of_citizen
from ekaasel.grievances.states import Status
from ekaasel.identity.checks import identity_check
from ekaasel.identity.models import OtpPurpose
from ekaasel.identity.otp import otp_issue, otp_verify
from ekaasel.identity.validation import mask_mobile, normalise_mobile, normalise_national_id
from ekaasel.organisations.selectors import active_service, district_of_code

router = Router(tags=["citizens"])
citizen_auth = CitizenToken()

# Filing limits per proven mobile and per address; a retry with the same Idempotency-Key counts too.
FILING_LIMITS = (("mobile", 10, 3600), ("ip", 30, 3600))


def _mobile(raw: str) -> str:
    try:
        return normalise_mobile(raw)
    except DjangoValidationError as exc:
        raise ApiError(422, "invalid_input", exc.messages[0], fields={"mobile": exc.messages}) from None


@router.post("/otp/request", response={202: OtpRequestOut, **errors(400, 422, 429)}, auth=None)
def otp_request(request: HttpRequest, payload: OtpRequestIn) -> Reply:
    """Send a one-time code by SMS to `mobile` (limited per number and per address: 429 when exceeded)."""
    mobile = _mobile(payload.mobile)
    issued = otp_issue(mobile=mobile, purpose=OtpPurpose(payload.purpose), ip=client_ip(request),
                       language=payload.language)
    return Reply(202, {"mobile": mask_mobile(mobile), "expires_at": issued.expires_at_iso})


@router.post("/otp/verify", response={200: CitizenTokenOut, **errors(400, 422)}, auth=None)
def otp_check(request: HttpRequest, payload: OtpVerifyIn) -> dict[str, Any]:
    """Check the code; the answer is a bearer token bound to that mobile, valid for 30 minutes."""
    mobile = _mobile(payload.mobile)
    otp_verify(mobile=mobile, purpose=OtpPurpose(payload.purpose), code=payload.code)
    return {"token": issue_citizen_token(mobile=mobile), "token_type": "Bearer",
            "expires_in": citizen_token_lifetime(), "mobile": mask_mobile(mobile)}


def _submission_key(mobile: str, key: str | None) -> str | None:
    """The client's key, scoped to the proven mobile: nobody can fetch another's filing by guessing keys."""
    if not key:
        return None
    return "api:" + hashlib.sha256(f"{mobile}\n{key}".encode()).hexdigest()[:60]


def _check_filing_rate(request: HttpRequest, mobile: str) -> None:
    limits = settings.EKAASEL.get("API_FILING_LIMITS", FILING_LIMITS)
    keys = {"mobile": mobile, "ip": client_ip(request) or "-"}
    for scope, limit, window in limits:
        if not ratelimit.hit(scope=f"file:{scope}", key=keys[scope], limit=limit, window_seconds=window):
            raise ApiError(429, "rate_limited", _("Too many grievances were filed. Try again in an hour."))


@router.post("/grievances", response={201: CitizenGrievanceOut, **errors(400, 401, 413, 422, 429)},
             auth=citizen_auth)
def file_grievance(
    request: HttpRequest,
    payload: Form[FilingIn],
    attachments: list[NinjaUploadedFile] = File(None),  # noqa: B008 - ninja declares params so
    idempotency_key: str | None = Header(None, alias="Idempotency-Key", max_length=200),
) -> Reply:
    """File a grievance for the token's mobile (multipart; up to 3 JPEG/PNG/PDF files of 5 MB).

    With an `Idempotency-Key` header, a retried request returns the grievance the first one filed (201).
    """
    mobile: str = request.auth  # type: ignore[attr-defined]
    try:
        national_id = normalise_national_id(payload.national_id)
    except DjangoValidationError as exc:
        raise ApiError(422, "invalid_input", exc.messages[0], fields={"national_id": exc.messages}) from None
    name = payload.name.strip()
    if not name:
        raise ApiError(422, "invalid_input", _("Enter your name."), fields={"name": [_("Enter your name.")]})
    service = None
    if payload.service:
        service = active_service(payload.service)
        if service is None:
            message = _("There is no such service; see /services.")
            raise ApiError(422, "invalid_input", message, fields={"service": [message]})
    district = district_of_code(payload.district)
    if district is None:
        message = _("There is no such district; see /districts.")
        raise ApiError(422, "invalid_input", message, fields={"district": [message]})
    uploads: list[UploadedFile] = checked_uploads(attachments)
    result = identity_check().check(national_id=national_id, name=name)
    if not result.confirmed:
        message = result.message or _("We could not confirm this CID number with this name. Check both.")
        raise ApiError(422, "invalid_input", message, fields={"national_id": [message]})
    _check_filing_rate(request, mobile)
    filing = actions.grievance_file(
        national_id=national_id, applicant_name=name, mobile=mobile, service=service,
        service_other=payload.service_other, problem_kind=ProblemKind(payload.problem_kind),
        subject=payload.subject, description=payload.description, district=district,
        channel=Channel.API, language=payload.language, attachments=uploads,
        submission_key=_submission_key(mobile, idempotency_key),
    )
    if not filing.new:  # an earlier request with this Idempotency-Key filed it
        return Reply(201, citizen_grievance(filing.grievance))
    return Reply(201, citizen_grievance(filing.grievance, attachments=filing.attachments, history=filing.history))


@router.get("/grievances", response={200: CitizenGrievancePage, **errors(401, 422)}, auth=citizen_auth)
def my_grievances(
    request: HttpRequest, limit: int = limit_field(), offset: int = offset_field()
) -> dict[str, Any]:
    """The grievances filed with the token's mobile, newest first."""
    count, items = page(grievances_of_citizen(mobile=request.auth), limit, offset)  # type: ignore[attr-defined]
    return {"count": count, "limit": limit, "offset": offset, "items": [citizen_summary(g) for g in items]}


@router.get("/grievances/{application_id}", response={200: TrackOut, **errors(401, 404)}, auth=None,
            openapi_extra={"security": [{}, {"CitizenToken": []}]})
def track(request: HttpRequest, application_id: str) -> dict[str, Any]:
    """Coarse status for anyone who knows the ID; with the owner's token, everything in `details`."""
    canonical = canonical_id(application_id)
    coarse = grievance_coarse_status(application_id=canonical)
    if coarse is None:
        raise ApiError(404, "not_found", _("No grievance has this application ID."))
    details = None
    token = bearer_token(request)
    if token is not None:
        mobile = mobile_for_citizen_token(token)
        if mobile is None:
            raise ApiError(401, "unauthorized", _("The token is not valid or has expired. Verify your mobile again."))
        own = grievance_of_citizen(mobile=mobile, application_id=canonical)
        details = citizen_grievance(own) if own is not None else None
    return {
        "application_id": coarse.application_id, "status": coarse.status,
        "status_label": str(Status(coarse.status).label), "submitted_at": coarse.submitted_at,
        "updated_at": coarse.updated_at, "due_at": coarse.due_at, "details": details,
    }


def _own(request: HttpRequest, application_id: str) -> tuple[Grievance, Actor]:
    mobile: str = request.auth  # type: ignore[attr-defined]
    grievance = grievance_of_citizen(mobile=mobile, application_id=canonical_id(application_id))
    if grievance is None:
        raise ApiError(404, "not_found", _("No grievance with this application ID was filed with your mobile number."))
    return grievance, Actor.citizen(mobile)


_ACT = {200: CitizenGrievanceOut, **errors(400, 401, 404, 409, 422)}


@router.post("/grievances/{application_id}/info", response={**_ACT, **errors(413)}, auth=citizen_auth)
def provide_info(
    request: HttpRequest, application_id: str, payload: Form[ProvideInfoIn],
    attachments: list[NinjaUploadedFile] = File(None),  # noqa: B008 - ninja declares params so
) -> dict[str, Any]:
    """Answer the Cabinet Secretariat's request for information (multipart: `answer`, optional files)."""
    grievance, actor = _own(request, application_id)
    uploads: list[UploadedFile] = checked_uploads(attachments)
    updated = actions.grievance_provide_info(grievance_id=grievance.pk, actor=actor, answer=payload.answer,
                                             attachments=uploads, expected_version=payload.version)
    return citizen_grievance(updated)


@router.post("/grievances/{application_id}/rating", response=_ACT, auth=citizen_auth)
def rate(request: HttpRequest, application_id: str, payload: RateIn) -> dict[str, Any]:
    """Rate the resolution from 1 to 5; this closes the grievance."""
    grievance, actor = _own(request, application_id)
    updated = actions.grievance_rate(grievance_id=grievance.pk, actor=actor, rating=payload.rating,
                                     comment=payload.comment, expected_version=payload.version)
    return citizen_grievance(updated)


@router.post("/grievances/{application_id}/appeal", response=_ACT, auth=citizen_auth)
def appeal(request: HttpRequest, application_id: str, payload: ReasonIn) -> dict[str, Any]:
    """Appeal a resolution or a rejection, once, within the appeal window."""
    grievance, actor = _own(request, application_id)
    updated = actions.grievance_appeal(grievance_id=grievance.pk, actor=actor, reason=payload.reason,
                                       expected_version=payload.version)
    return citizen_grievance(updated)


@router.post("/grievances/{application_id}/withdraw", response=_ACT, auth=citizen_auth)
def withdraw(request: HttpRequest, application_id: str, payload: WithdrawIn) -> dict[str, Any]:
    """Withdraw an open grievance."""
    grievance, actor = _own(request, application_id)
    updated = actions.grievance_withdraw(grievance_id=grievance.pk, actor=actor, reason=payload.reason,
                                         expected_version=payload.version)
    return citizen_grievance(updated)
