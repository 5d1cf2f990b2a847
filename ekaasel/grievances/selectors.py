"""Reads of grievances, each scoped to who is asking. Views never query grievances themselves."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q, QuerySet

from ekaasel.grievances.models import Attachment, Grievance, GrievanceEvent
from ekaasel.grievances.states import Status
from ekaasel.identity.models import Official, Role


@dataclass(frozen=True)
class CoarseStatus:
    """What anyone who knows an application ID may learn: no names, no text, no agency."""

    application_id: str
    status: Status
    submitted_at: datetime
    updated_at: datetime
    due_at: datetime | None


def grievance_coarse_status(*, application_id: str) -> CoarseStatus | None:
    """The coarse status of a (canonical) application ID, or None when no such grievance exists."""
    row = (
        Grievance.objects.filter(application_id=application_id)
        .values("application_id", "status", "submitted_at", "updated_at", "due_at")
        .first()
    )
    if row is None:
        return None
    return CoarseStatus(
        application_id=row["application_id"],
        status=Status(row["status"]),
        submitted_at=row["submitted_at"],
        updated_at=row["updated_at"],
        due_at=row["due_at"],
    )


def grievance_registered_mobile(*, application_id: str) -> str | None:
    """The mobile a grievance was filed with: where a tracking code is sent (never shown in full)."""
    return Grievance.objects.filter(application_id=application_id).values_list("mobile", flat=True).first()


def grievances_of_citizen(*, mobile: str) -> QuerySet[Grievance]:
    """All grievances filed with a proven mobile number, newest first."""
    return (
        Grievance.objects.filter(mobile=mobile)
        .select_related("service", "district", "ministry", "department")
        .order_by("-submitted_at", "-id")
    )


def grievance_of_citizen(*, mobile: str, application_id: str) -> Grievance | None:
    """One grievance, only if it was filed with the proven mobile."""
    return grievances_of_citizen(mobile=mobile).filter(application_id=application_id).first()


def attachment_of_citizen(*, mobile: str, application_id: str, attachment_id: int) -> Attachment | None:
    """One attachment, only if its grievance was filed with the proven mobile."""
    return (
        Attachment.objects.filter(pk=attachment_id, grievance__application_id=application_id, grievance__mobile=mobile)
        .first()
    )


def history_for_citizen(*, grievance: Grievance) -> QuerySet[GrievanceEvent]:
    """The history the citizen reads: everything but officials' internal notes and routing."""
    return grievance.events.filter(internal=False).order_by("created_at", "id")


def history_for_official(*, grievance: Grievance) -> QuerySet[GrievanceEvent]:
    return grievance.events.select_related("actor_official__user").order_by("created_at", "id")


def grievances_visible_to(*, official: Official) -> QuerySet[Grievance]:
    """Every grievance within the official's remit (the same rule as permissions.in_remit)."""
    grievances = Grievance.objects.all()
    role = official.role
    if role in (Role.ASSESSOR, Role.PMO, Role.MONITOR):
        return grievances
    if role == Role.SECRETARY and official.ministry_id is not None:
        return grievances.filter(ministry_id=official.ministry_id)
    if role == Role.HEAD_OF_DEPARTMENT and official.department_id is not None:
        return grievances.filter(department_id=official.department_id)
    if role == Role.AGENCY_OFFICER:
        return grievances.filter(assignee_id=official.pk)
    return grievances.none()


def grievance_for_official(*, official: Official, grievance_id: int) -> Grievance | None:
    """One grievance if it is within the official's remit; None reads as 404 to the caller."""
    return (
        grievances_visible_to(official=official)
        .select_related("service", "district", "ministry", "department", "assignee__user", "duplicate_of")
        .filter(Q(pk=grievance_id))
        .first()
    )
