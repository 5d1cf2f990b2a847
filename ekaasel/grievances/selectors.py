"""Reads of grievances, each scoped to who is asking. Views never query grievances themselves."""

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Any

from django.db import connection, connections, router
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from ekaasel.core import clock
from ekaasel.grievances.application_id import MalformedApplicationId, parse_application_id
from ekaasel.grievances.models import Attachment, Grievance, GrievanceEvent
from ekaasel.grievances.states import OPEN_STATUSES, Status
from ekaasel.identity.models import AGENCY_ROLES, Official, Role
from ekaasel.notifications.models import Message


@dataclass(frozen=True)
class CoarseStatus:
    """What anyone who knows an application ID may learn: no names, no text, no agency."""

    application_id: str
    status: Status
    submitted_at: datetime
    updated_at: datetime
    due_at: datetime | None


def grievance_coarse_status(*, application_id: str) -> CoarseStatus | None:
    """The coarse status of a (canonical) application ID, or None when no such grievance exists.

    The most asked read of the API (tracking): one plain statement on the unique index, without building
    an ORM query each time (which cost more CPU than the lookup itself).
    """
    using = router.db_for_read(Grievance)
    with connections[using].cursor() as cursor:
        cursor.execute(_coarse_status_sql(using), [application_id])
        row = cursor.fetchone()
    if row is None:
        return None
    return CoarseStatus(
        application_id=row[0], status=Status(row[1]), submitted_at=_aware(row[2]), updated_at=_aware(row[3]),
        due_at=_aware(row[4]) if row[4] is not None else None,
    )


@functools.cache
def _coarse_status_sql(using: str) -> str:
    meta = Grievance._meta
    quote = connections[using].ops.quote_name
    columns = ", ".join(quote(str(meta.get_field(name).column))  # type: ignore[union-attr]
                        for name in ("application_id", "status", "submitted_at", "updated_at", "due_at"))
    key = quote(str(meta.get_field("application_id").column))
    return f"SELECT {columns} FROM {quote(meta.db_table)} WHERE {key} = %s"  # noqa: S608 - the model's names


def _aware(value: datetime) -> datetime:
    """SQLite hands back stored UTC datetimes without their zone; PostgreSQL with it."""
    return value if timezone.is_aware(value) else timezone.make_aware(value, UTC)


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


# --- the officials' workspace: queues, lookups, messages -----------------------------------------


class Queue(StrEnum):
    """Which list of the workspace: the role's own queue, grievances returned by agencies, or all."""

    MINE = "mine"
    RETURNED = "returned"
    ALL = "all"


@dataclass(frozen=True)
class QueueFilters:
    """What an official narrowed his queue by; empty fields do not narrow it."""

    queue: Queue = Queue.MINE
    status: Status | None = None
    ministry_id: int | None = None
    department_id: int | None = None
    service_id: int | None = None
    district_id: int | None = None
    channel: str = ""
    problem_kind: str = ""
    open_only: bool = False
    overdue: bool = False
    resolved_from: date | None = None
    resolved_to: date | None = None
    submitted_from: date | None = None
    submitted_to: date | None = None
    search: str = ""


def _search(grievances: QuerySet[Grievance], text: str) -> QuerySet[Grievance]:
    text = text.strip()[:200]
    if not text:
        return grievances
    try:
        application_id = parse_application_id(text)
    except MalformedApplicationId:
        pass
    else:
        return grievances.filter(application_id=application_id)
    if connection.vendor == "postgresql":
        from django.contrib.postgres.search import SearchQuery, SearchVector

        return grievances.annotate(
            search_document=SearchVector("subject", "description", config="english")
        ).filter(search_document=SearchQuery(text, config="english", search_type="websearch"))
    for word in text.split()[:8]:
        grievances = grievances.filter(Q(subject__icontains=word) | Q(description__icontains=word))
    return grievances


def grievance_queue(*, official: Official, filters: QueueFilters) -> QuerySet[Grievance]:
    """The official's queue, within his remit, narrowed by the filters, in a stable order.

    Mine: an assessor's grievances to assess (oldest first), an agency's open grievances (due date
    first), everything newest first for the PMO and monitors. Returned: submitted grievances an
    agency sent back. All: everything visible, newest first. A status filter replaces the queue's.
    """
    grievances = grievances_visible_to(official=official).select_related(
        "service", "ministry", "department", "district"
    )
    order: tuple[Any, ...] = ("-submitted_at", "-id")
    statuses: Iterable[Status] | None = None
    if filters.queue == Queue.RETURNED:
        grievances = grievances.filter(is_returned=True)
        statuses = [Status.SUBMITTED]
        order = ("submitted_at", "id")
    elif filters.queue == Queue.MINE:
        if official.role == Role.ASSESSOR:
            statuses = [Status.SUBMITTED]
            order = ("submitted_at", "id")
        elif official.role in AGENCY_ROLES:
            statuses = sorted(OPEN_STATUSES)
            order = (F("due_at").asc(nulls_last=True), "submitted_at", "id")
    if filters.status is not None:
        statuses = [filters.status]
    if statuses is not None:
        grievances = grievances.filter(status__in=list(statuses))
    if filters.ministry_id is not None:
        grievances = grievances.filter(ministry_id=filters.ministry_id)
    if filters.department_id is not None:
        grievances = grievances.filter(department_id=filters.department_id)
    if filters.service_id is not None:
        grievances = grievances.filter(service_id=filters.service_id)
    if filters.district_id is not None:
        grievances = grievances.filter(district_id=filters.district_id)
    if filters.channel:
        grievances = grievances.filter(channel=filters.channel)
    if filters.problem_kind:
        grievances = grievances.filter(problem_kind=filters.problem_kind)
    if filters.open_only:
        grievances = grievances.filter(status__in=sorted(OPEN_STATUSES))
    if filters.resolved_from is not None:
        grievances = grievances.filter(resolved_at__gte=_start_of(filters.resolved_from))
    if filters.resolved_to is not None:
        grievances = grievances.filter(resolved_at__lt=_start_of(filters.resolved_to + timedelta(days=1)))
    if filters.overdue:
        grievances = grievances.filter(due_at__lt=clock.now(), status__in=sorted(OPEN_STATUSES))
    if filters.submitted_from is not None:
        grievances = grievances.filter(submitted_at__gte=_start_of(filters.submitted_from))
    if filters.submitted_to is not None:
        grievances = grievances.filter(submitted_at__lt=_start_of(filters.submitted_to + timedelta(days=1)))
    return _search(grievances, filters.search).order_by(*order)


def _start_of(day: date) -> datetime:
    """Midnight at the start of `day` in the deployment's time zone."""
    return timezone.make_aware(datetime.combine(day, time.min))


def grievance_by_application_id_for_official(*, official: Official, application_id: str) -> Grievance | None:
    """A grievance by its (canonical) application ID, only if it is within the official's remit."""
    return grievances_visible_to(official=official).filter(application_id=application_id).first()


def attachment_for_official(*, official: Official, grievance_id: int, attachment_id: int) -> Attachment | None:
    """One attachment, only if its grievance is within the official's remit."""
    grievance = grievances_visible_to(official=official).filter(pk=grievance_id)
    return Attachment.objects.filter(pk=attachment_id, grievance__in=grievance).first()


def officials_assignable_to(*, grievance: Grievance) -> QuerySet[Official]:
    """The officials a grievance may be assigned to (the rule of permissions.can_be_assigned)."""
    officials = Official.objects.select_related("user")
    secretaries = Q(role=Role.SECRETARY, ministry_id=grievance.ministry_id)
    if grievance.ministry_id is None:
        return officials.none()
    if grievance.department_id is not None:
        allowed = secretaries | Q(
            role__in=[Role.HEAD_OF_DEPARTMENT, Role.AGENCY_OFFICER], department_id=grievance.department_id
        )
    else:
        allowed = Q(role__in=sorted(AGENCY_ROLES), ministry_id=grievance.ministry_id)
    return officials.filter(allowed).order_by("user__first_name", "user__last_name", "user__username", "id")


def messages_for_grievance(*, grievance: Grievance) -> QuerySet[Message]:
    """The SMS queued for a grievance, oldest first (officials see that the citizen was told)."""
    return Message.objects.filter(grievance=grievance).order_by("created_at", "id")
