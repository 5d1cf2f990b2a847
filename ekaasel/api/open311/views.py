"""Open311 GeoReport v2 at /open311/v2/: translation to the catalogue, grievance_file and selectors.

Filing needs an API key (an ApiToken): the system holding it vouches that the citizen's mobile is his,
since no one-time code proves it here. Reading a request by its ID shows the coarse status to anyone
who knows the ID, as tracking does; listing requests, and the service and agency of a request, need an
API key and are scoped to the remit of the key's official. No personal data is ever returned.
"""

import hashlib
from collections.abc import Callable
from datetime import datetime
from functools import wraps
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.views.decorators.csrf import csrf_exempt

from ekaasel.api.open311.render import error, respond
from ekaasel.api.tokens import official_for_token
from ekaasel.core import ratelimit
from ekaasel.core.errors import DomainError
from ekaasel.grievances import actions
from ekaasel.grievances.application_id import MalformedApplicationId, parse_application_id
from ekaasel.grievances.models import Channel, Grievance, ProblemKind
from ekaasel.grievances.selectors import (
    grievance_by_application_id_for_official,
    grievance_coarse_status,
    grievances_visible_to,
)
from ekaasel.grievances.states import OPEN_STATUSES, Status
from ekaasel.identity.checks import identity_check
from ekaasel.identity.models import Official
from ekaasel.identity.validation import normalise_mobile, normalise_national_id
from ekaasel.organisations.models import Service
from ekaasel.organisations.selectors import district_list, service_catalogue

CHANGESET = "2026-12-01T00:00:00Z"
MAX_REQUESTS = 1000
SPEC = "http://wiki.open311.org/GeoReport_v2"
# Filings per API key per hour.
FILING_LIMIT = (600, 3600)

View = Callable[..., HttpResponse]


def open311_view(*methods: str) -> Callable[[View], View]:
    """Only `methods`; a refusal in the spec's format; CSRF does not apply to an API-key endpoint."""

    def wrap(view: View) -> View:
        @csrf_exempt
        @wraps(view)
        def wrapper(request: HttpRequest, fmt: str, **kwargs: Any) -> HttpResponse:
            if request.method not in methods:
                response = error(fmt, 405, f"Use {' or '.join(methods)}.")
                response["Allow"] = ", ".join(methods)
                return response
            return view(request, fmt, **kwargs)

        return wrapper

    return wrap


def _iso(moment: datetime | None) -> str | None:
    return timezone.localtime(moment).isoformat(timespec="seconds") if moment is not None else None


def _official(request: HttpRequest) -> Official | None:
    key = request.POST.get("api_key") if request.method == "POST" else request.GET.get("api_key")
    return official_for_token(key or "")


# --- discovery and services --------------------------------------------------------------------------


@open311_view("GET")
def discovery(request: HttpRequest, fmt: str) -> HttpResponse:
    base = request.build_absolute_uri(reverse("open311:base"))
    return respond(fmt, "discovery", {
        "changeset": CHANGESET,
        "contact": settings.EKAASEL.get("OPEN311_CONTACT", "Cabinet Secretariat, grievance division"),
        "key_service": settings.EKAASEL.get("OPEN311_KEY_SERVICE", "API keys are issued by the system administrators."),
        "endpoints": [{
            "specification": SPEC, "url": base, "changeset": CHANGESET, "type": "production",
            "formats": ["text/xml", "application/json"],
        }],
    })


def _service(s: Service) -> dict[str, Any]:
    return {
        "service_code": s.code,
        "service_name": s.name,
        "description": s.department.name if s.department else s.ministry.name,
        "metadata": True,
        "type": "realtime",
        "keywords": s.delivery,
        "group": s.ministry.name,
    }


@open311_view("GET")
def services(request: HttpRequest, fmt: str) -> HttpResponse:
    return respond(fmt, "services", [_service(s) for s in service_catalogue()])


def _attributes() -> list[dict[str, Any]]:
    def attribute(order: int, code: str, description: str, *, required: bool = True, datatype: str = "string",
                  values: list[dict[str, str]] | None = None) -> dict[str, Any]:
        item: dict[str, Any] = {
            "variable": True, "code": code, "datatype": datatype, "required": required,
            "datatype_description": None, "order": order, "description": description,
        }
        if values is not None:
            item["values"] = values
        return item

    return [
        attribute(1, "national_id", "National ID number of the citizen (Bhutan: 11-digit CID)."),
        attribute(2, "name", "Name of the citizen, as on the national ID."),
        attribute(3, "mobile", "Mobile number of the citizen (+975…); SMS about the grievance go to it. "
                               "The API key holder vouches that it is the citizen's."),
        attribute(4, "district", "District (dzongkhag) where the problem happened.", datatype="singlevaluelist",
                  values=[{"key": d.code, "name": d.name} for d in district_list()]),
        attribute(5, "problem_kind", "Kind of problem (default: other).", required=False,
                  datatype="singlevaluelist",
                  values=[{"key": k, "name": str(label)} for k, label in ProblemKind.choices]),
        attribute(6, "subject", "Short subject (default: the start of the description).", required=False),
    ]


@open311_view("GET")
def service_definition(request: HttpRequest, fmt: str, code: str) -> HttpResponse:
    service = service_catalogue().filter(code=code).first()
    if service is None:
        return error(fmt, 404, f"No service has the code {code!r}.")
    return respond(fmt, "service_definition", {"service_code": service.code, "attributes": _attributes()})


# --- requests ----------------------------------------------------------------------------------------


def _open_or_closed(status: str) -> str:
    return "open" if status in OPEN_STATUSES else "closed"


def _request(g: Grievance, *, full: bool) -> dict[str, Any]:
    """A grievance as an Open311 service request: never the citizen's name, ID, mobile or words."""
    agency = None
    if full:
        agency = g.department.name if g.department else (g.ministry.name if g.ministry else None)
    return {
        "service_request_id": g.application_id,
        "status": _open_or_closed(g.status),
        "status_notes": str(Status(g.status).label),
        "service_name": (g.service.name if g.service else "Other") if full else None,
        "service_code": (g.service.code if g.service else None) if full else None,
        "description": None,
        "agency_responsible": agency,
        "service_notice": None,
        "requested_datetime": _iso(g.submitted_at),
        "updated_datetime": _iso(g.updated_at),
        "expected_datetime": _iso(g.due_at),
        "address": g.district.name if full else None,
        "address_id": None,
        "zipcode": None,
        "lat": None,
        "long": None,
        "media_url": None,
    }


@open311_view("GET", "POST")
def requests(request: HttpRequest, fmt: str) -> HttpResponse:
    if request.method == "POST":
        return _create(request, fmt)
    official = _official(request)
    if official is None:
        return error(fmt, 403, "A valid api_key is required to list requests.")
    grievances: QuerySet[Grievance] = grievances_visible_to(official=official).select_related(
        "service", "ministry", "department", "district")
    params = request.GET
    ids = [i for i in params.get("service_request_id", "").split(",") if i.strip()]
    if ids:
        try:
            canonical = [parse_application_id(i) for i in ids]
        except MalformedApplicationId:
            return error(fmt, 400, "service_request_id is not a valid application ID.")
        grievances = grievances.filter(application_id__in=canonical)
    else:
        codes = [c for c in params.get("service_code", "").split(",") if c.strip()]
        if codes:
            grievances = grievances.filter(service__code__in=codes)
        bounds: dict[str, datetime] = {}
        for name in ("start_date", "end_date"):
            raw = params.get(name)
            if raw:
                try:
                    moment = parse_datetime(raw.replace(" ", "+"))
                except ValueError:
                    moment = None
                if moment is None:
                    return error(fmt, 400, f"{name} must be a date and time in ISO 8601 (2026-03-31T00:00:00Z).")
                bounds[name] = moment if timezone.is_aware(moment) else timezone.make_aware(moment)
        if "start_date" in bounds:
            grievances = grievances.filter(submitted_at__gte=bounds["start_date"])
        if "end_date" in bounds:
            grievances = grievances.filter(submitted_at__lte=bounds["end_date"])
        statuses = {s.strip() for s in params.get("status", "").split(",") if s.strip()}
        if statuses - {"open", "closed"}:
            return error(fmt, 400, "status must be open, closed, or both separated by a comma.")
        if statuses == {"open"}:
            grievances = grievances.filter(status__in=sorted(OPEN_STATUSES))
        elif statuses == {"closed"}:
            grievances = grievances.exclude(status__in=sorted(OPEN_STATUSES))
    found = grievances.order_by("-submitted_at", "-id")[:MAX_REQUESTS]
    return respond(fmt, "service_requests", [_request(g, full=True) for g in found])


@open311_view("GET")
def request_detail(request: HttpRequest, fmt: str, request_id: str) -> HttpResponse:
    try:
        canonical = parse_application_id(request_id)
    except MalformedApplicationId:
        return error(fmt, 404, "No service request has this ID.")
    official = _official(request)
    if official is not None:
        g = grievance_by_application_id_for_official(official=official, application_id=canonical)
        if g is not None:
            return respond(fmt, "service_requests", [_request(g, full=True)])
    coarse = grievance_coarse_status(application_id=canonical)
    if coarse is None:
        return error(fmt, 404, "No service request has this ID.")
    return respond(fmt, "service_requests", [{
        "service_request_id": coarse.application_id,
        "status": _open_or_closed(coarse.status),
        "status_notes": str(Status(coarse.status).label),
        "requested_datetime": _iso(coarse.submitted_at),
        "updated_datetime": _iso(coarse.updated_at),
        "expected_datetime": _iso(coarse.due_at),
    }])


@open311_view("GET")
def token(request: HttpRequest, fmt: str, token: str) -> HttpResponse:
    """Requests are created at once, so the token of a request is its ID; an unknown token is 404."""
    try:
        canonical = parse_application_id(token)
    except MalformedApplicationId:
        canonical = ""
    if not canonical or grievance_coarse_status(application_id=canonical) is None:
        return error(fmt, 404, "No service request has this token.")
    return respond(fmt, "service_requests", [{"token": token, "service_request_id": canonical}])


def _create(request: HttpRequest, fmt: str) -> HttpResponse:
    data = request.POST
    # GeoReport v2: "403 - api_key was not provided or is invalid".
    official = official_for_token(data.get("api_key", ""))
    if official is None:
        return error(fmt, 403, "A valid api_key is required to file a request.")
    # jurisdiction_id is accepted: this endpoint serves one jurisdiction.
    code = data.get("service_code", "").strip()
    if not code:
        return error(fmt, 400, "service_code is required.")
    service = service_catalogue().filter(code=code).first()
    if service is None:
        return error(fmt, 404, f"No service has the code {code!r}.")
    description = data.get("description", "").strip()
    if not description:
        return error(fmt, 400, "description is required.")

    def attribute(name: str) -> str:
        return data.get(f"attribute[{name}]", "").strip()

    given = (data.get("first_name", ""), data.get("last_name", ""))
    name = attribute("name") or " ".join(p for p in given if p).strip()
    missing = [n for n, v in (("attribute[national_id]", attribute("national_id")), ("attribute[name]", name),
                              ("attribute[mobile]", attribute("mobile") or data.get("phone", "")),
                              ("attribute[district]", attribute("district"))) if not v]
    if missing:
        return error(fmt, 400, f"{', '.join(missing)} required.")
    try:
        national_id = normalise_national_id(attribute("national_id"))
        mobile = normalise_mobile(attribute("mobile") or data.get("phone", ""))
    except DjangoValidationError as exc:
        return error(fmt, 400, exc.messages[0])
    district = district_list().filter(code=attribute("district")).first()
    if district is None:
        return error(fmt, 400, "attribute[district] is not a district code (see the service definition).")
    kind = attribute("problem_kind") or ProblemKind.OTHER
    if kind not in ProblemKind.values:
        return error(fmt, 400, "attribute[problem_kind] is not one of the listed values.")
    if len(description) > 5000 or len(name) > 200:
        return error(fmt, 400, "description may have 5000 characters and name 200 at most.")
    subject = (attribute("subject") or description.splitlines()[0])[:200]
    result = identity_check().check(national_id=national_id, name=name)
    if not result.confirmed:
        return error(fmt, 400, result.message or "The national ID could not be confirmed with this name.")
    limit, window = FILING_LIMIT
    if not ratelimit.hit(scope="open311", key=str(official.pk), limit=limit, window_seconds=window):
        return error(fmt, 429, "Too many requests were filed with this api_key. Try again in an hour.")
    key = request.headers.get("Idempotency-Key", "")
    submission_key = "o311:" + hashlib.sha256(f"{official.pk}\n{key}".encode()).hexdigest()[:59] if key else None
    try:
        g = actions.grievance_file(
            national_id=national_id, applicant_name=name, mobile=mobile, service=service,
            problem_kind=ProblemKind(kind), subject=subject, description=description, district=district,
            channel=Channel.API, submission_key=submission_key,
        ).grievance
    except DomainError as exc:
        return error(fmt, 400, str(exc.message))
    notice = f"Grievance {g.application_id} was received; the citizen is told by SMS."
    return respond(fmt, "service_requests", [
        {"service_request_id": g.application_id, "service_notice": notice, "account_id": None}
    ], status=201)
