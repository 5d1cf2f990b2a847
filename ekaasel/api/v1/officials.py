"""Officials' systems: the queue with the workspace's filters, a grievance with its history, and the
workspace's actions. Every read goes through a selector scoped to the token's official: outside his
remit is 404. Every write is the domain action the workspace calls.
"""

from collections.abc import Callable
from typing import Any

from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router
from ninja import Schema as NinjaSchema

from ekaasel.api.errors import ApiError
from ekaasel.api.v1.auth import OfficialToken
from ekaasel.api.v1.common import canonical_id, errors, limit_field, offset_field, page
from ekaasel.api.v1.present import official_grievance, official_summary
from ekaasel.api.v1.schemas import (
    AskInfoIn,
    AssigneeOut,
    AssignIn,
    ForwardIn,
    MarkDuplicateIn,
    NoteIn,
    OfficialGrievanceOut,
    OfficialGrievancePage,
    QueueParams,
    ReasonIn,
    RequiredNoteIn,
    ResolveIn,
)
from ekaasel.grievances import actions
from ekaasel.grievances.models import Grievance
from ekaasel.grievances.permissions import Actor
from ekaasel.grievances.selectors import (
    Queue,
    QueueFilters,
    grievance_by_application_id_for_official,
    grievance_for_official,
    grievance_queue,
    officials_assignable_to,
)
from ekaasel.grievances.states import Status
from ekaasel.identity.models import Official
from ekaasel.organisations.models import Department, District, Ministry, Service

router = Router(tags=["officials"], auth=OfficialToken())


def _catalogue_entry[M: models.Model](queryset: QuerySet[M], code: str | None, field: str, message: str) -> M | None:
    """The catalogue entry with this code (None when none was given); a 422 on `field` when there is none."""
    if not code:
        return None
    found = queryset.filter(code=code).first()
    if found is None:
        raise ApiError(422, "invalid_input", message, fields={field: [message]})
    return found


def _by_code(model: type[Ministry | Department | Service | District], code: str | None, field: str) -> int | None:
    """A queue filter's id from its code."""
    entry = _catalogue_entry(model.objects.all(), code, field, _("There is no such code."))
    return None if entry is None else int(entry.pk)


@router.get("/grievances", response={200: OfficialGrievancePage, **errors(401, 422)})
def queue(
    request: HttpRequest, filters: Query[QueueParams], limit: int = limit_field(),
    offset: int = offset_field(),
) -> dict[str, Any]:
    """The official's queue, with the workspace's filters and order (each order ends with the id)."""
    official: Official = request.auth  # type: ignore[attr-defined]
    if filters.submitted_from and filters.submitted_to and filters.submitted_from > filters.submitted_to:
        message = _("The end date must be on or after the start date.")
        raise ApiError(422, "invalid_input", message, fields={"submitted_to": [message]})
    chosen = QueueFilters(
        queue=Queue(filters.queue),
        status=Status(filters.status) if filters.status else None,
        ministry_id=_by_code(Ministry, filters.ministry, "ministry"),
        department_id=_by_code(Department, filters.department, "department"),
        service_id=_by_code(Service, filters.service, "service"),
        district_id=_by_code(District, filters.district, "district"),
        overdue=filters.overdue,
        submitted_from=filters.submitted_from,
        submitted_to=filters.submitted_to,
        search=filters.q,
    )
    count, items = page(grievance_queue(official=official, filters=chosen), limit, offset)
    return {"count": count, "limit": limit, "offset": offset, "items": [official_summary(g) for g in items]}


def _visible(official: Official, application_id: str) -> Grievance:
    found = grievance_by_application_id_for_official(official=official, application_id=canonical_id(application_id))
    grievance = grievance_for_official(official=official, grievance_id=found.pk) if found is not None else None
    if grievance is None:
        raise ApiError(404, "not_found", _("No such grievance."))
    return grievance


@router.get("/grievances/{application_id}", response={200: OfficialGrievanceOut, **errors(401, 404)})
def grievance(request: HttpRequest, application_id: str) -> dict[str, Any]:
    """One grievance within the official's remit, with its full history and the actions open to him now."""
    official: Official = request.auth  # type: ignore[attr-defined]
    return official_grievance(official, _visible(official, application_id))


@router.get("/grievances/{application_id}/assignees", response={200: list[AssigneeOut], **errors(401, 404)})
def assignees(request: HttpRequest, application_id: str) -> list[dict[str, Any]]:
    """The officers this grievance may be assigned to."""
    official: Official = request.auth  # type: ignore[attr-defined]
    g = _visible(official, application_id)
    return [
        {"id": o.pk, "name": o.user.get_full_name() or o.user.get_username(), "role": o.role}
        for o in officials_assignable_to(grievance=g)
    ]


# --- actions: one endpoint each, as the workspace has one form each ----------------------------------

Perform = Callable[[Grievance, Actor, Official, Any], Grievance]


def _forward(g: Grievance, actor: Actor, official: Official, d: ForwardIn) -> Grievance:
    no_ministry = _("There is no such ministry.")
    ministry = _catalogue_entry(Ministry.objects.filter(is_active=True), d.ministry, "ministry", no_ministry)
    if ministry is None:  # an empty code: the ministry is required
        raise ApiError(422, "invalid_input", no_ministry, fields={"ministry": [no_ministry]})
    return actions.grievance_forward(
        grievance_id=g.pk, actor=actor, ministry=ministry, note=d.note, expected_version=d.version,
        department=_catalogue_entry(Department.objects.filter(is_active=True), d.department, "department",
                                    _("There is no such department.")),
        service=_catalogue_entry(Service.objects.filter(is_active=True), d.service, "service",
                                 _("There is no such service.")),
        district=_catalogue_entry(District.objects.all(), d.district, "district", _("There is no such district.")),
    )


def _mark_duplicate(g: Grievance, actor: Actor, official: Official, d: MarkDuplicateIn) -> Grievance:
    original = grievance_by_application_id_for_official(
        official=official, application_id=canonical_id_or_422(d.original)
    )
    if original is None:
        raise ApiError(422, "invalid_input", _("No grievance has this application ID."),
                       fields={"original": [_("No grievance has this application ID.")]})
    return actions.grievance_mark_duplicate(grievance_id=g.pk, actor=actor, original=original, note=d.note,
                                            expected_version=d.version)


def canonical_id_or_422(raw: str) -> str:
    try:
        return canonical_id(raw)
    except ApiError:
        raise ApiError(422, "invalid_input", _("This is not a valid application ID."),
                       fields={"original": [_("This is not a valid application ID.")]}) from None


def _assign(g: Grievance, actor: Actor, official: Official, d: AssignIn) -> Grievance:
    assignee = officials_assignable_to(grievance=g).filter(pk=d.assignee).first()
    if assignee is None:
        message = _("That officer does not work in the agency handling this grievance.")
        raise ApiError(422, "invalid_input", message, fields={"assignee": [message]})
    return actions.grievance_assign(grievance_id=g.pk, actor=actor, assignee=assignee, note=d.note,
                                    expected_version=d.version)


ACTIONS: list[tuple[str, type[NinjaSchema], Perform, str]] = [
    ("forward", ForwardIn, _forward, "Forward to a ministry (and department); the due date is set."),
    ("resolve", ResolveIn, lambda g, a, _o, d: actions.grievance_resolve(
        grievance_id=g.pk, actor=a, resolution=d.resolution, expected_version=d.version),
     "Resolve, with the resolution the citizen reads."),
    ("reject", ReasonIn, lambda g, a, _o, d: actions.grievance_reject(
        grievance_id=g.pk, actor=a, reason=d.reason, expected_version=d.version),
     "Reject at assessment, with the reason the citizen reads."),
    ("ask-info", AskInfoIn, lambda g, a, _o, d: actions.grievance_ask_info(
        grievance_id=g.pk, actor=a, question=d.question, expected_version=d.version),
     "Ask the citizen for more information."),
    ("mark-duplicate", MarkDuplicateIn, _mark_duplicate, "Close as a duplicate of another grievance."),
    ("acknowledge", NoteIn, lambda g, a, _o, d: actions.grievance_acknowledge(
        grievance_id=g.pk, actor=a, note=d.note, expected_version=d.version),
     "The agency takes the grievance up."),
    ("assign", AssignIn, _assign, "Assign to an officer of the agency (see …/assignees)."),
    ("return", ReasonIn, lambda g, a, _o, d: actions.grievance_return(
        grievance_id=g.pk, actor=a, reason=d.reason, expected_version=d.version),
     "Return a mis-routed grievance to the Cabinet Secretariat."),
    ("escalate", NoteIn, lambda g, a, _o, d: actions.grievance_escalate(
        grievance_id=g.pk, actor=a, note=d.note, expected_version=d.version),
     "Escalate (PMO)."),
    ("take-up", NoteIn, lambda g, a, _o, d: actions.grievance_take_up(
        grievance_id=g.pk, actor=a, note=d.note, expected_version=d.version),
     "The PMO follows the grievance personally."),
    ("notes", RequiredNoteIn, lambda g, a, _o, d: actions.grievance_add_note(grievance_id=g.pk, actor=a, note=d.note),
     "Add an internal note (never shown to the citizen)."),
]


def _register(segment: str, schema: type[NinjaSchema], perform: Perform, summary: str) -> None:
    def endpoint(request: HttpRequest, application_id: str, payload: Any) -> dict[str, Any]:
        official: Official = request.auth  # type: ignore[attr-defined]
        g = _visible(official, application_id)
        done = perform(g, Actor.of_official(official), official, payload)
        # Returning a grievance takes it out of the agency's remit: then show what the action left.
        again = grievance_for_official(official=official, grievance_id=g.pk)
        return official_grievance(official, again if again is not None else done)

    endpoint.__annotations__["payload"] = schema
    endpoint.__name__ = "action_" + segment.replace("-", "_")
    endpoint.__doc__ = summary
    router.post(f"/grievances/{{application_id}}/{segment}",
                response={200: OfficialGrievanceOut, **errors(400, 401, 403, 404, 409, 422)},
                summary=summary, operation_id=endpoint.__name__)(endpoint)


for _segment, _schema, _perform, _summary in ACTIONS:
    _register(_segment, _schema, _perform, _summary)
