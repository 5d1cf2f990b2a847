"""Grievances, their attachments and their append-only history.

Nothing outside `actions.py` writes a grievance's status or history.
"""

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from ekaasel.core import clock
from ekaasel.grievances.states import Action, ClosureReason, Status
from ekaasel.identity.models import Citizen, Official
from ekaasel.organisations.models import Department, District, Ministry, Service


class ProblemKind(models.TextChoices):
    NO_ACCESS = "no_access", _("Could not access the service")
    DELAYED = "delayed", _("Did not get the service in time")
    NOT_AS_ASKED = "not_as_asked", _("Did not get the service asked for")
    STAFF_CONDUCT = "staff_conduct", _("Conduct of staff")
    OTHER = "other", _("Other")


class Channel(models.TextChoices):
    WEB = "web", _("Web portal")
    MOBILE_APP = "mobile_app", _("Mobile app")
    SMS = "sms", _("SMS")
    API = "api", _("API")
    ASSISTED = "assisted", _("Assisted by an official")


class ApplicationSequence(models.Model):
    """The last serial issued per two-digit year: application IDs are sequential and unique."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last_serial = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year:02d}: {self.last_serial}"


class Grievance(models.Model):
    application_id = models.CharField(_("application ID"), max_length=24, unique=True)
    # What
    service = models.ForeignKey(
        Service, on_delete=models.PROTECT, null=True, blank=True, related_name="grievances",
        verbose_name=_("public service"),
    )
    service_other = models.CharField(_("other service"), max_length=200, blank=True)
    problem_kind = models.CharField(_("kind of problem"), max_length=20, choices=ProblemKind.choices)
    subject = models.CharField(_("subject"), max_length=200)
    description = models.TextField(_("description"), max_length=5000)
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="grievances",
                                 verbose_name=_("district"))
    channel = models.CharField(_("channel"), max_length=12, choices=Channel.choices, default=Channel.WEB)
    # Who
    citizen = models.ForeignKey(Citizen, on_delete=models.PROTECT, related_name="grievances")
    applicant_name = models.CharField(_("name"), max_length=200)
    # Looked up through the (mobile, -submitted_at) index below; one on mobile alone would only cost writes.
    mobile = models.CharField(_("mobile number"), max_length=20)
    language = models.CharField(_("language for messages"), max_length=8, default="en")
    # Where it is
    # Indexed as the first column of the (status, …) indexes below, which serve status-only filters too.
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.SUBMITTED)
    ministry = models.ForeignKey(Ministry, on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="grievances")
    department = models.ForeignKey(Department, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="grievances")
    assignee = models.ForeignKey(Official, on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="assigned_grievances")
    is_appeal = models.BooleanField(_("appeal"), default=False)
    is_returned = models.BooleanField(_("returned by an agency"), default=False)
    escalation_level = models.PositiveSmallIntegerField(_("escalation level"), default=0)
    pmo_following = models.BooleanField(_("followed by the PMO"), default=False)
    duplicate_of = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="duplicates")
    closure_reason = models.CharField(max_length=12, choices=ClosureReason.choices, blank=True)
    # What the citizen reads
    info_request = models.TextField(_("information requested"), blank=True)
    rejection_reason = models.TextField(_("reason for rejection"), blank=True)
    resolution = models.TextField(_("resolution"), blank=True)
    rating = models.PositiveSmallIntegerField(_("rating"), null=True, blank=True)
    rating_comment = models.TextField(_("rating comment"), blank=True)
    # Deadlines
    assessment_due_at = models.DateTimeField(_("assessment due"), null=True, blank=True)
    due_at = models.DateTimeField(_("resolution due"), null=True, blank=True)
    # The handling official is reminded at 75% of the resolution time (once per forwarding).
    remind_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    # One timestamp per status, for reports
    submitted_at = models.DateTimeField(_("submitted"), default=clock.now, db_index=True)
    info_requested_at = models.DateTimeField(null=True, blank=True)
    forwarded_at = models.DateTimeField(null=True, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    rejected_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    appealed_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(default=clock.now)
    # Incremented by every action: a form that loaded version N cannot overwrite version N+1.
    version = models.PositiveIntegerField(default=1)
    # Client-chosen key of the submission: the same key twice yields the same grievance.
    submission_key = models.CharField(max_length=64, unique=True, null=True, blank=True)

    class Meta:
        verbose_name = _("grievance")
        verbose_name_plural = _("grievances")
        indexes = [
            models.Index(fields=["mobile", "-submitted_at"]),
            models.Index(fields=["status", "submitted_at"]),
            models.Index(fields=["status", "due_at"]),
            models.Index(fields=["status", "assessment_due_at"]),
            models.Index(fields=["status", "resolved_at"]),
            models.Index(fields=["status", "remind_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                name="rating_between_1_and_5",
                condition=models.Q(rating__isnull=True) | models.Q(rating__gte=1, rating__lte=5),
            ),
        ]

    def __str__(self) -> str:
        return self.application_id

    @property
    def is_open(self) -> bool:
        from ekaasel.grievances.states import OPEN_STATUSES

        return self.status in OPEN_STATUSES

    @property
    def service_label(self) -> str:
        return str(self.service) if self.service_id and self.service else (self.service_other or str(_("Other")))


class Attachment(models.Model):
    grievance = models.ForeignKey(Grievance, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to="attachments/%Y/%m/")
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    created_at = models.DateTimeField(default=clock.now)

    def __str__(self) -> str:
        return self.original_name


class AppendOnlyError(Exception):
    """Raised on any attempt to change or remove a history event."""


class AppendOnlyQuerySet(models.QuerySet["GrievanceEvent"]):
    def update(self, **kwargs: Any) -> int:
        raise AppendOnlyError("grievance history is append-only")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("grievance history is append-only")


class GrievanceEvent(models.Model):
    """One line of a grievance's history: who, when, what, from which status to which, and a note.

    Append-only: the transparency record. Rows are never updated or deleted by the application.
    """

    # Indexed as the first column of (grievance, created_at) below.
    grievance = models.ForeignKey(Grievance, on_delete=models.PROTECT, related_name="events", db_index=False)
    action = models.CharField(max_length=20, choices=Action.choices)
    actor_official = models.ForeignKey(Official, on_delete=models.PROTECT, null=True, blank=True,
                                       related_name="+")
    # "citizen", "system", or the official's role: kept even if the official changes role later.
    actor_kind = models.CharField(max_length=20)
    from_status = models.CharField(max_length=20, choices=Status.choices)
    to_status = models.CharField(max_length=20, choices=Status.choices)
    note = models.TextField(blank=True)
    # Internal notes are for officials only; the citizen's history leaves them out.
    internal = models.BooleanField(default=False)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=clock.now)
    # Tamper evidence: the previous event's hash and this event's own (see history.py).
    prev_hash = models.CharField(max_length=64, blank=True)
    hash = models.CharField(max_length=64, blank=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["grievance", "created_at"])]

    def __str__(self) -> str:
        return f"{self.grievance_id} {self.action} {self.created_at:%Y-%m-%d %H:%M}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not self._state.adding:
            raise AppendOnlyError("grievance history is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("grievance history is append-only")
