"""Grievances as API v1 shows them: the citizen's view and the official's view."""

from typing import Any

from ekaasel.core import clock
from ekaasel.core.errors import NotPermitted
from ekaasel.grievances.models import Attachment, Grievance, GrievanceEvent
from ekaasel.grievances.permissions import Actor, ensure_can
from ekaasel.grievances.selectors import history_for_citizen, history_for_official
from ekaasel.grievances.states import OPEN_STATUSES, Action, ActorKind, Status, actions_available
from ekaasel.identity.models import Official, Role

# The citizen's actions and the API path segment of each (…/grievances/{application_id}/<segment>).
CITIZEN_ACTIONS: dict[Action, str] = {
    Action.PROVIDE_INFO: "info",
    Action.RATE: "rating",
    Action.APPEAL: "appeal",
    Action.WITHDRAW: "withdraw",
}


def _code_name(obj: Any) -> dict[str, str] | None:
    return {"code": obj.code, "name": obj.name} if obj is not None else None


def _agency(g: Grievance) -> str | None:
    if g.department is not None:
        return g.department.name
    return g.ministry.name if g.ministry is not None else None


def _attachments(g: Grievance, files: list[Attachment] | None = None) -> list[dict[str, Any]]:
    if files is None:
        files = list(g.attachments.order_by("created_at", "id"))
    return [{"id": a.pk, "name": a.original_name, "content_type": a.content_type, "size": a.size} for a in files]


def _event(e: GrievanceEvent) -> dict[str, Any]:
    return {
        "action": e.action,
        "action_label": str(Action(e.action).label),
        "at": e.created_at,
        "from_status": e.from_status,
        "to_status": e.to_status,
        "note": e.note,
    }


def citizen_actions_now(g: Grievance) -> list[str]:
    """What the citizen may do now (the actions re-check; an appealed grievance cannot be appealed again)."""
    available = actions_available(Status(g.status), ActorKind.CITIZEN)
    return [
        CITIZEN_ACTIONS[a] for a in available
        if a in CITIZEN_ACTIONS and not (a == Action.APPEAL and g.is_appeal)
    ]


def citizen_grievance(
    g: Grievance, *, attachments: list[Attachment] | None = None, history: list[GrievanceEvent] | None = None
) -> dict[str, Any]:
    """The citizen's view of `g`; `attachments` and `history` when they are at hand (a filing just wrote them),
    else they are read (the history as history_for_citizen gives it)."""
    if history is None:
        history = list(history_for_citizen(grievance=g))
    return {
        "application_id": g.application_id,
        "status": g.status,
        "status_label": str(Status(g.status).label),
        "service": _code_name(g.service),
        "service_other": g.service_other,
        "problem_kind": g.problem_kind,
        "subject": g.subject,
        "description": g.description,
        "district": g.district.code,
        "channel": g.channel,
        "agency": _agency(g),
        "submitted_at": g.submitted_at,
        "updated_at": g.updated_at,
        "due_at": g.due_at,
        "info_request": g.info_request if g.status == Status.AWAITING_CITIZEN else "",
        "rejection_reason": g.rejection_reason,
        "resolution": g.resolution,
        "rating": g.rating,
        "is_appeal": g.is_appeal,
        "version": g.version,
        "available_actions": citizen_actions_now(g),
        "attachments": _attachments(g, attachments),
        "history": [_event(e) for e in history if not e.internal],
    }


def citizen_summary(g: Grievance) -> dict[str, Any]:
    return {
        "application_id": g.application_id,
        "status": g.status,
        "status_label": str(Status(g.status).label),
        "subject": g.subject,
        "service_name": g.service_label,
        "submitted_at": g.submitted_at,
        "updated_at": g.updated_at,
        "due_at": g.due_at,
    }


# --- officials --------------------------------------------------------------------------------------

# The workspace's action set (ekaasel/workspace/views/grievance.py ACTIONS) and each one's API path segment.
OFFICIAL_ACTIONS: dict[Action, str] = {
    Action.FORWARD: "forward",
    Action.RESOLVE: "resolve",
    Action.REJECT: "reject",
    Action.ASK_INFO: "ask-info",
    Action.MARK_DUPLICATE: "mark-duplicate",
    Action.ACKNOWLEDGE: "acknowledge",
    Action.ASSIGN: "assign",
    Action.RETURN: "return",
    Action.ESCALATE: "escalate",
    Action.TAKE_UP: "take-up",
    Action.NOTE: "notes",
}


def official_actions_now(official: Official, g: Grievance) -> list[str]:
    """The actions this official may take now, judged by the lifecycle table and the remit rules."""
    try:
        actor = Actor.of_official(official)
    except NotPermitted:  # monitors and administrators read only
        return []
    names = []
    for action in actions_available(Status(g.status), actor.kind):
        if action not in OFFICIAL_ACTIONS or (action == Action.TAKE_UP and g.pmo_following):
            continue
        try:
            ensure_can(actor, action, g)
        except NotPermitted:  # not his to take: not offered
            continue
        names.append(OFFICIAL_ACTIONS[action])
    return names


def official_summary(g: Grievance) -> dict[str, Any]:
    now = clock.now()
    return {
        "id": g.pk,
        "application_id": g.application_id,
        "status": g.status,
        "status_label": str(Status(g.status).label),
        "subject": g.subject,
        "service": _code_name(g.service),
        "ministry": _code_name(g.ministry),
        "department": _code_name(g.department),
        "district": g.district.code,
        "channel": g.channel,
        "submitted_at": g.submitted_at,
        "due_at": g.due_at,
        "assessment_due_at": g.assessment_due_at,
        "is_overdue": g.status in OPEN_STATUSES and g.due_at is not None and g.due_at < now,
        "is_appeal": g.is_appeal,
        "is_returned": g.is_returned,
        "escalation_level": g.escalation_level,
        "version": g.version,
    }


def _official_event(e: GrievanceEvent) -> dict[str, Any]:
    actor = e.actor_kind
    if e.actor_official is not None:
        user = e.actor_official.user
        actor = user.get_full_name() or user.get_username()
    return {**_event(e), "actor": actor, "internal": e.internal}


def official_grievance(official: Official, g: Grievance) -> dict[str, Any]:
    personal = official.role != Role.MONITOR
    assignee = None
    if g.assignee is not None:
        assignee = g.assignee.user.get_full_name() or g.assignee.user.get_username()
    return {
        **official_summary(g),
        "description": g.description,
        "problem_kind": g.problem_kind,
        "service_other": g.service_other,
        "applicant": (
            {"name": g.applicant_name, "national_id": g.citizen.national_id, "mobile": g.mobile} if personal else None
        ),
        "assignee": assignee,
        "pmo_following": g.pmo_following,
        "duplicate_of": g.duplicate_of.application_id if g.duplicate_of is not None else None,
        "info_request": g.info_request,
        "rejection_reason": g.rejection_reason,
        "resolution": g.resolution,
        "rating": g.rating,
        "rating_comment": g.rating_comment,
        "available_actions": official_actions_now(official, g),
        "attachments": _attachments(g),
        "history": [_official_event(e) for e in history_for_official(grievance=g)],
    }
