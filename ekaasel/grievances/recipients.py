"""Which officials are told about a grievance: the agency handling it, the Secretary, the PMO."""

from django.db.models import QuerySet

from ekaasel.grievances.models import Grievance
from ekaasel.identity.models import Official, Role


def _officials() -> QuerySet[Official]:
    return Official.objects.filter(user__is_active=True).select_related("user")


def agency_heads(grievance: Grievance) -> QuerySet[Official]:
    """The Head(s) of the department it is forwarded to, or the ministry's Secretary without one."""
    if grievance.department_id is not None:
        return _officials().filter(role=Role.HEAD_OF_DEPARTMENT, department_id=grievance.department_id)
    return ministry_secretaries(grievance)


def handling_officials(grievance: Grievance) -> QuerySet[Official]:
    """The officer it is assigned to, else the agency's head(s)."""
    if grievance.assignee_id is not None:
        return _officials().filter(pk=grievance.assignee_id)
    return agency_heads(grievance)


def ministry_secretaries(grievance: Grievance) -> QuerySet[Official]:
    if grievance.ministry_id is None:
        return _officials().none()
    return _officials().filter(role=Role.SECRETARY, ministry_id=grievance.ministry_id)


def with_role(role: Role) -> QuerySet[Official]:
    return _officials().filter(role=role)


def escalation_recipients(grievance: Grievance, level: int) -> QuerySet[Official]:
    """Level 1: the ministry Secretary (the assessors while still in assessment); 2 and up: the PMO."""
    if level >= 2:
        return with_role(Role.PMO)
    if grievance.ministry_id is not None:
        return ministry_secretaries(grievance)
    return with_role(Role.ASSESSOR)
