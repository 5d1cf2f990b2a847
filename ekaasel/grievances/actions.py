"""The only writers of grievances. One function per verb of the lifecycle.

Each action, in one transaction: locks the grievance, checks the expected version, the lifecycle
table and the actor's remit, writes the new state with its timestamp, appends a history event and
queues the citizen's SMS (sent by the worker after commit). Callers (views, API, commands, jobs)
never write a grievance themselves.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from ekaasel.core import clock
from ekaasel.core.errors import InvalidInput, InvalidTransition, StaleGrievance
from ekaasel.core.inserts import insert
from ekaasel.grievances import recipients, serials, sla
from ekaasel.grievances.application_id import ApplicationId
from ekaasel.grievances.attachments import check_attachments
from ekaasel.grievances.history import record_event
from ekaasel.grievances.models import (
    Attachment,
    Channel,
    Grievance,
    GrievanceEvent,
    ProblemKind,
)
from ekaasel.grievances.permissions import Actor, can_be_assigned, ensure_can
from ekaasel.grievances.states import Action, ActorKind, ClosureReason, Status, Transition, transition_for
from ekaasel.identity.models import Citizen, Official, Role
from ekaasel.notifications.models import NoticeKind
from ekaasel.notifications.officials import notify_officials
from ekaasel.notifications.outbox import queue_sms
from ekaasel.organisations.models import Department, District, Ministry, Service
from ekaasel.reports.summaries import record_transition

# The handling official is reminded once this share of the resolution time has passed.
REMIND_AT_FRACTION = 0.75

# --- shared steps ---------------------------------------------------------------------------------


@dataclass
class _Step:
    grievance: Grievance
    transition: Transition
    from_status: Status
    now: Any


def _begin(grievance_id: int, actor: Actor, action: Action, expected_version: int | None) -> _Step:
    """Lock the grievance and check version, lifecycle and remit. Must run inside a transaction."""
    grievance = Grievance.objects.select_for_update().get(pk=grievance_id)
    if expected_version is not None and grievance.version != expected_version:
        raise StaleGrievance(
            _("This grievance was changed by someone else while you were looking at it. "
              "Check its new state and try again.")
        )
    from_status = Status(grievance.status)
    transition = transition_for(action, from_status, actor.kind)
    ensure_can(actor, action, grievance)
    return _Step(grievance, transition, from_status, clock.now())


def _finish(
    step: _Step,
    actor: Actor,
    fields: Sequence[str],
    *,
    note: str = "",
    internal: bool = False,
    data: dict[str, Any] | None = None,
) -> GrievanceEvent:
    """Write the changed fields, bump the version and append the history event."""
    grievance = step.grievance
    grievance.status = step.transition.target_from(step.from_status)
    record_transition(grievance, step.from_status, Status(grievance.status), step.now)
    grievance.version = F("version") + 1
    grievance.updated_at = step.now
    grievance.save(update_fields=[*fields, "status", "version", "updated_at"])
    grievance.refresh_from_db(fields=["version"])
    return record_event(
        grievance,
        action=step.transition.action,
        actor_kind=actor.label,
        actor_official=actor.official,
        from_status=step.from_status,
        to_status=grievance.status,
        note=note,
        internal=internal,
        data=data,
        created_at=step.now,
    )


def _portal_url() -> str:
    return str(settings.PORTAL_URL)


def _notify_citizen(grievance: Grievance, event: GrievanceEvent, template: str, **context: object) -> None:
    queue_sms(
        to=grievance.mobile,
        template=template,
        context={"application_id": grievance.application_id, "portal_url": _portal_url(), **context},
        language=grievance.language,
        event_key=f"grievance-event:{event.pk}:{template}:{grievance.mobile}",
        grievance=grievance,
    )


def _due_text(g: Grievance, language: str | None = None) -> str:
    """The due date as the reader's language writes it (the citizen's for his SMS)."""
    if g.due_at is None:
        return "-"
    with translation.override(language or translation.get_language()):
        return formats.date_format(timezone.localtime(g.due_at), "j M Y")


def _agency_name(g: Grievance, language: str | None = None) -> str:
    """The department (or ministry) handling `g`, named in the reader's language."""
    with translation.override(language or translation.get_language()):
        return str(g.department or g.ministry or "")


def _notify_officials(
    g: Grievance, event: GrievanceEvent, kind: NoticeKind, officials: Iterable[Official], **context: object
) -> None:
    notify_officials(
        officials=officials,
        grievance=g,
        kind=kind,
        context={
            "application_id": g.application_id,
            "agency": _agency_name(g),
            "due_date": _due_text(g),
            "workspace_url": f"{_portal_url()}/workspace/grievances/{g.pk}/",
            **context,
        },
        event_key=f"grievance-event:{event.pk}:{kind}",
    )


def _require_text(value: str, field: str, message: str) -> str:
    value = (value or "").strip()
    if not value:
        raise InvalidInput(message, field=field)
    return value


def _store_attachments(grievance: Grievance, uploads: Sequence[UploadedFile]) -> list[Attachment]:
    stored = []
    for item in check_attachments(uploads):
        attachment = Attachment(
            grievance=grievance,
            original_name=(item.upload.name or "file")[:255],
            content_type=item.content_type,
            size=item.upload.size or 0,
        )
        attachment.file.save(f"{grievance.application_id}.{item.extension}", item.upload, save=False)
        attachment.save()
        stored.append(attachment)
    return stored


def _next_application_id() -> str:
    """The next application ID of the year (its serial from `serials`, which never hands one out twice)."""
    year = timezone.localtime(clock.now()).year % 100
    return str(ApplicationId(year=year, serial=serials.take(year)))


# --- filing ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Filing:
    """What a filing stored: the grievance, its attachments and its history, as written by this call.

    `new` is False when an earlier request with the same submission key had filed it; the lists are then
    empty and the caller reads them like any stored grievance's.
    """

    grievance: Grievance
    new: bool
    attachments: list[Attachment]
    history: list[GrievanceEvent]


@transaction.atomic
def grievance_file(
    *,
    national_id: str,
    applicant_name: str,
    mobile: str,
    service: Service | None,
    service_other: str = "",
    problem_kind: ProblemKind,
    subject: str,
    description: str,
    district: District,
    channel: Channel = Channel.WEB,
    language: str = "en",
    attachments: Sequence[UploadedFile] = (),
    submission_key: str | None = None,
) -> Filing:
    """File a grievance for a citizen whose mobile the caller has proven; returns it with what was stored.

    The same `submission_key` twice returns the first grievance and queues nothing more.
    """
    if submission_key:
        existing = Grievance.objects.filter(submission_key=submission_key).first()
        if existing is not None:
            return Filing(existing, new=False, attachments=[], history=[])
    subject = _require_text(subject, "subject", _("Write a subject."))
    description = _require_text(description, "description", _("Describe the problem."))
    now = clock.now()

    def create() -> Grievance:
        return _create_grievance(
            national_id=national_id, applicant_name=applicant_name, mobile=mobile, service=service,
            service_other=service_other, problem_kind=problem_kind, subject=subject,
            description=description, district=district, channel=channel, language=language,
            submission_key=submission_key, now=now,
        )

    if submission_key:
        try:
            # A savepoint: two submissions with one key at the same instant meet at the unique index,
            # and the loser returns the winner's grievance instead of an error.
            with transaction.atomic():
                grievance = create()
        except IntegrityError:
            winner = Grievance.objects.filter(submission_key=submission_key).first()
            if winner is None:
                raise
            return Filing(winner, new=False, attachments=[], history=[])
    else:  # nothing to meet at: no savepoint
        grievance = create()
    stored = _store_attachments(grievance, attachments)
    event = record_event(
        grievance,
        action=Action.SUBMIT,
        actor_kind=ActorKind.CITIZEN,
        actor_official=None,
        from_status=Status.SUBMITTED,
        to_status=Status.SUBMITTED,
        data={"channel": channel},
        created_at=now,
        first=True,
    )
    _notify_citizen(grievance, event, "submitted")
    # Last: the day's summary rows are the same for every filing, and each stays locked to the commit.
    record_transition(grievance, None, Status.SUBMITTED, now)
    return Filing(grievance, new=True, attachments=stored, history=[event])


def _create_grievance(*, national_id: str, applicant_name: str, mobile: str, service: Service | None,
                      service_other: str, problem_kind: ProblemKind, subject: str, description: str,
                      district: District, channel: Channel, language: str, submission_key: str | None,
                      now: Any) -> Grievance:
    # The citizen's row, created or found in one statement; the name he gives now is kept.
    citizen = Citizen(national_id=national_id, name=applicant_name, created_at=now)
    insert(citizen, unless_conflict_on="national_id", updating=("name",))
    grievance = Grievance(
        service=service,
        service_other="" if service else service_other.strip(),
        problem_kind=problem_kind,
        subject=subject,
        description=description,
        district=district,
        channel=channel,
        citizen=citizen,
        applicant_name=applicant_name,
        mobile=mobile,
        language=language,
        status=Status.SUBMITTED,
        submitted_at=now,
        updated_at=now,
        assessment_due_at=sla.assessment_due_at(start=now),
        submission_key=submission_key or None,
    )
    grievance.application_id = _next_application_id()
    insert(grievance)
    return grievance


# --- Cabinet Secretariat (assessment) ---------------------------------------------------------------


@transaction.atomic
def grievance_ask_info(
    *, grievance_id: int, actor: Actor, question: str, expected_version: int | None = None
) -> Grievance:
    """Ask the citizen for more information; the grievance waits for his answer."""
    question = _require_text(question, "question", _("Write the question for the citizen."))
    step = _begin(grievance_id, actor, Action.ASK_INFO, expected_version)
    g = step.grievance
    g.info_request = question
    g.info_requested_at = step.now
    event = _finish(step, actor, ["info_request", "info_requested_at"], note=question)
    _notify_citizen(g, event, "info_requested")
    return g


@transaction.atomic
def grievance_provide_info(
    *,
    grievance_id: int,
    actor: Actor,
    answer: str,
    attachments: Sequence[UploadedFile] = (),
    expected_version: int | None = None,
) -> Grievance:
    """The citizen answers an information request; the grievance returns to assessment."""
    answer = _require_text(answer, "answer", _("Write your answer."))
    step = _begin(grievance_id, actor, Action.PROVIDE_INFO, expected_version)
    g = step.grievance
    stored = _store_attachments(g, attachments)
    g.assessment_due_at = sla.assessment_due_at(start=step.now)
    _finish(step, actor, ["assessment_due_at"], note=answer, data={"attachments": [a.pk for a in stored]})
    return g


@transaction.atomic
def grievance_forward(
    *,
    grievance_id: int,
    actor: Actor,
    ministry: Ministry,
    department: Department | None = None,
    note: str = "",
    expected_version: int | None = None,
    service: Service | None = None,
    district: District | None = None,
) -> Grievance:
    """Send the grievance to the ministry (and department) that must fix it; the due date is set.

    The assessor may classify it on the way: `service` and `district` (None keeps them) correct what
    the citizen chose, or fill in what an SMS could not say. The history keeps the old and new values.
    """
    if department is not None and department.ministry_id != ministry.pk:
        raise InvalidInput(_("That department is not part of the chosen ministry."), field="department")
    if service is not None and not service.is_active:
        raise InvalidInput(_("That service is no longer offered; choose another."), field="service")
    step = _begin(grievance_id, actor, Action.FORWARD, expected_version)
    g = step.grievance
    reclassified = _reclassify(g, service=service, district=district)
    g.ministry = ministry
    g.department = department
    g.assignee = None
    g.is_returned = False
    g.forwarded_at = step.now
    g.due_at = sla.resolution_due_at(start=step.now, ministry=ministry, service=g.service)
    g.remind_at = step.now + (g.due_at - step.now) * REMIND_AT_FRACTION
    g.reminded_at = None
    g.escalation_level = 0  # a new stage with a new time limit: escalation starts again
    data: dict[str, Any] = {"ministry": ministry.code, "department": department.code if department else None}
    if reclassified:
        data["reclassified"] = reclassified
    event = _finish(
        step, actor,
        ["ministry", "department", "assignee", "is_returned", "forwarded_at", "due_at", "remind_at",
         "reminded_at", "escalation_level", "service", "district"],
        note=note, internal=True, data=data,
    )
    _notify_citizen(g, event, "forwarded", agency=_agency_name(g, g.language), due_date=_due_text(g, g.language))
    _notify_officials(g, event, NoticeKind.NEW_GRIEVANCE, recipients.agency_heads(g))
    return g


def _reclassify(g: Grievance, *, service: Service | None, district: District | None) -> dict[str, list[str | None]]:
    """Set a new service and district on `g`; what changed, as {"service": [old code, new code], …}."""
    changed: dict[str, list[str | None]] = {}
    if service is not None and service.pk != g.service_id:
        changed["service"] = [g.service.code if g.service is not None else None, service.code]
        g.service = service
    if district is not None and district.pk != g.district_id:
        changed["district"] = [g.district.code, district.code]
        g.district = district
    return changed


@transaction.atomic
def grievance_reject(
    *, grievance_id: int, actor: Actor, reason: str, expected_version: int | None = None
) -> Grievance:
    """Refuse a grievance at assessment, with a reason the citizen reads (he may appeal)."""
    reason = _require_text(reason, "reason", _("Write the reason the citizen will read."))
    step = _begin(grievance_id, actor, Action.REJECT, expected_version)
    g = step.grievance
    g.rejection_reason = reason
    g.rejected_at = step.now
    event = _finish(step, actor, ["rejection_reason", "rejected_at"], note=reason)
    _notify_citizen(g, event, "rejected")
    return g


@transaction.atomic
def grievance_mark_duplicate(
    *, grievance_id: int, actor: Actor, original: Grievance, note: str = "", expected_version: int | None = None
) -> Grievance:
    """Close a grievance as a duplicate of another that is being (or was) handled."""
    if original.pk == grievance_id:
        raise InvalidInput(_("A grievance cannot be a duplicate of itself."), field="original")
    if original.closure_reason == ClosureReason.DUPLICATE:
        raise InvalidInput(
            _("%(id)s is itself a duplicate; choose the grievance it duplicates.") % {"id": original.application_id},
            field="original",
        )
    step = _begin(grievance_id, actor, Action.MARK_DUPLICATE, expected_version)
    g = step.grievance
    g.duplicate_of = original
    g.closure_reason = ClosureReason.DUPLICATE
    g.closed_at = step.now
    event = _finish(
        step, actor, ["duplicate_of", "closure_reason", "closed_at"], note=note,
        data={"duplicate_of": original.application_id},
    )
    _notify_citizen(g, event, "closed_duplicate", duplicate_of=original.application_id)
    return g


# --- agencies -------------------------------------------------------------------------------------


@transaction.atomic
def grievance_acknowledge(
    *, grievance_id: int, actor: Actor, note: str = "", expected_version: int | None = None
) -> Grievance:
    """The agency confirms it has taken the grievance up."""
    step = _begin(grievance_id, actor, Action.ACKNOWLEDGE, expected_version)
    step.grievance.acknowledged_at = step.now
    _finish(step, actor, ["acknowledged_at"], note=note, internal=True)
    return step.grievance


@transaction.atomic
def grievance_assign(
    *, grievance_id: int, actor: Actor, assignee: Official, note: str = "", expected_version: int | None = None
) -> Grievance:
    """Give the grievance to an officer of the agency it is forwarded to."""
    step = _begin(grievance_id, actor, Action.ASSIGN, expected_version)
    g = step.grievance
    if not can_be_assigned(assignee, g):
        raise InvalidInput(_("That officer does not work in the agency handling this grievance."), field="assignee")
    previous = g.assignee_id
    g.assignee = assignee
    event = _finish(step, actor, ["assignee"], note=note, internal=True,
                    data={"assignee": assignee.pk, "previous": previous})
    _notify_officials(g, event, NoticeKind.ASSIGNED, [assignee])
    return g


@transaction.atomic
def grievance_return(
    *, grievance_id: int, actor: Actor, reason: str, expected_version: int | None = None
) -> Grievance:
    """Send a mis-routed grievance back to the Cabinet Secretariat for re-routing."""
    reason = _require_text(reason, "reason", _("Say why this grievance is not for your agency."))
    step = _begin(grievance_id, actor, Action.RETURN, expected_version)
    g = step.grievance
    returned_by = {"ministry": g.ministry.code if g.ministry else None,
                   "department": g.department.code if g.department else None}
    returned_from = _agency_name(g)
    g.is_returned = True
    g.ministry = None
    g.department = None
    g.assignee = None
    g.due_at = None
    g.assessment_due_at = sla.assessment_due_at(start=step.now)
    g.escalation_level = 0
    g.remind_at = None
    event = _finish(
        step, actor,
        ["is_returned", "ministry", "department", "assignee", "due_at", "remind_at", "assessment_due_at",
         "escalation_level"],
        note=reason, internal=True, data=returned_by,
    )
    _notify_officials(g, event, NoticeKind.RETURNED, recipients.with_role(Role.ASSESSOR), agency=returned_from)
    return g


@transaction.atomic
def grievance_resolve(
    *, grievance_id: int, actor: Actor, resolution: str, expected_version: int | None = None
) -> Grievance:
    """Record how the grievance was addressed; the citizen is told and may rate or appeal."""
    resolution = _require_text(resolution, "resolution", _("Write the resolution the citizen will read."))
    step = _begin(grievance_id, actor, Action.RESOLVE, expected_version)
    g = step.grievance
    g.resolution = resolution
    g.resolved_at = step.now
    event = _finish(step, actor, ["resolution", "resolved_at"], note=resolution)
    _notify_citizen(g, event, "resolved")
    return g


# --- oversight ------------------------------------------------------------------------------------


@transaction.atomic
def grievance_escalate(
    *, grievance_id: int, actor: Actor, note: str = "", expected_version: int | None = None
) -> Grievance:
    """Raise the escalation level: 1 brings in the ministry Secretary, 2 the PMO."""
    step = _begin(grievance_id, actor, Action.ESCALATE, expected_version)
    g = step.grievance
    g.escalation_level += 1
    event = _finish(step, actor, ["escalation_level"], note=note, internal=True, data={"level": g.escalation_level})
    _notify_officials(g, event, NoticeKind.ESCALATED, recipients.escalation_recipients(g, g.escalation_level),
                      reason=note or _("overdue."))
    return g


@transaction.atomic
def grievance_remind(*, grievance_id: int) -> Grievance:
    """Remind the handling official once most of the resolution time has passed (system, once per forwarding)."""
    actor = Actor.system()
    step = _begin(grievance_id, actor, Action.REMIND, None)
    g = step.grievance
    if g.reminded_at is not None or g.remind_at is None or g.remind_at > step.now:
        raise InvalidTransition(_("No reminder is due for this grievance."))
    g.reminded_at = step.now
    handling = list(recipients.handling_officials(g))
    event = _finish(step, actor, ["reminded_at"], internal=True, data={"officials": [o.pk for o in handling]})
    _notify_officials(g, event, NoticeKind.REMINDER, handling)
    return g


@transaction.atomic
def grievance_add_note(*, grievance_id: int, actor: Actor, note: str) -> Grievance:
    """An official's internal note or comment on the grievance: in its history, never shown to the citizen."""
    note = _require_text(note, "note", _("Write the note."))
    step = _begin(grievance_id, actor, Action.NOTE, None)
    _finish(step, actor, [], note=note, internal=True)
    return step.grievance


@transaction.atomic
def grievance_take_up(
    *, grievance_id: int, actor: Actor, note: str = "", expected_version: int | None = None
) -> Grievance:
    """The PMO follows the grievance personally."""
    step = _begin(grievance_id, actor, Action.TAKE_UP, expected_version)
    g = step.grievance
    if g.pmo_following:
        raise InvalidTransition(_("The PMO already follows this grievance."))
    g.pmo_following = True
    _finish(step, actor, ["pmo_following"], note=note, internal=True)
    return g


# --- citizen after the outcome --------------------------------------------------------------------


@transaction.atomic
def grievance_rate(
    *, grievance_id: int, actor: Actor, rating: int, comment: str = "", expected_version: int | None = None
) -> Grievance:
    """The citizen rates the resolution from 1 to 5; this closes the grievance."""
    if not 1 <= int(rating) <= 5:
        raise InvalidInput(_("Choose a rating from 1 to 5."), field="rating")
    step = _begin(grievance_id, actor, Action.RATE, expected_version)
    g = step.grievance
    g.rating = int(rating)
    g.rating_comment = (comment or "").strip()
    g.closure_reason = ClosureReason.RATED
    g.closed_at = step.now
    _finish(step, actor, ["rating", "rating_comment", "closure_reason", "closed_at"],
            note=g.rating_comment, data={"rating": g.rating})
    return g


@transaction.atomic
def grievance_close_unrated(*, grievance_id: int) -> Grievance:
    """Close a resolved grievance the citizen has not rated within the configured days."""
    actor = Actor.system()
    step = _begin(grievance_id, actor, Action.CLOSE, None)
    g = step.grievance
    limit = timedelta(days=settings.EKAASEL["AUTO_CLOSE_AFTER_DAYS"])
    if g.resolved_at is None or step.now - g.resolved_at < limit:
        raise InvalidTransition(_("This grievance is not yet due to be closed."))
    g.closure_reason = ClosureReason.NO_RATING
    g.closed_at = step.now
    _finish(step, actor, ["closure_reason", "closed_at"])
    return g


@transaction.atomic
def grievance_appeal(
    *, grievance_id: int, actor: Actor, reason: str, expected_version: int | None = None
) -> Grievance:
    """Appeal a resolution or a rejection, once, within the appeal window; back to assessment."""
    reason = _require_text(reason, "reason", _("Say why you are not satisfied."))
    step = _begin(grievance_id, actor, Action.APPEAL, expected_version)
    g = step.grievance
    if g.is_appeal:
        raise InvalidTransition(_("This grievance has already been appealed once; it cannot be appealed again."))
    decided_at = g.resolved_at if step.from_status == Status.RESOLVED else g.rejected_at
    window = timedelta(days=settings.EKAASEL["APPEAL_WINDOW_DAYS"])
    if decided_at is None or step.now - decided_at > window:
        raise InvalidTransition(
            _("The %(days)d days for an appeal have passed.") % {"days": settings.EKAASEL["APPEAL_WINDOW_DAYS"]}
        )
    g.is_appeal = True
    g.appealed_at = step.now
    g.assignee = None
    g.due_at = None
    g.remind_at = None
    g.assessment_due_at = sla.assessment_due_at(start=step.now)
    g.escalation_level = 0
    event = _finish(step, actor,
                    ["is_appeal", "appealed_at", "assignee", "due_at", "remind_at", "assessment_due_at",
                     "escalation_level"],
                    note=reason)
    _notify_citizen(g, event, "appeal_received")
    return g


@transaction.atomic
def grievance_withdraw(
    *, grievance_id: int, actor: Actor, reason: str = "", expected_version: int | None = None
) -> Grievance:
    """The citizen withdraws an open grievance."""
    step = _begin(grievance_id, actor, Action.WITHDRAW, expected_version)
    g = step.grievance
    g.withdrawn_at = step.now
    event = _finish(step, actor, ["withdrawn_at"], note=(reason or "").strip())
    _notify_citizen(g, event, "withdrawn")
    return g
