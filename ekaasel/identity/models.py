"""Citizens (national ID + proven mobile), officials and their roles, one-time codes."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ekaasel.core import clock
from ekaasel.organisations.models import Department, Ministry


class Citizen(models.Model):
    """A person who filed at least one grievance. The national ID is the key; the name as last given."""

    national_id = models.CharField(_("national ID number"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=200)
    created_at = models.DateTimeField(default=clock.now, editable=False)

    class Meta:
        verbose_name = _("citizen")
        verbose_name_plural = _("citizens")

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    ASSESSOR = "assessor", _("Assessor (Cabinet Secretariat)")
    SECRETARY = "secretary", _("Secretary (ministry)")
    HEAD_OF_DEPARTMENT = "head_of_department", _("Head of Department")
    AGENCY_OFFICER = "agency_officer", _("Agency officer")
    PMO = "pmo", _("Prime Minister's Office")
    MONITOR = "monitor", _("Monitor (PSGRD)")
    ADMINISTRATOR = "administrator", _("Administrator")


AGENCY_ROLES = frozenset({Role.SECRETARY, Role.HEAD_OF_DEPARTMENT, Role.AGENCY_OFFICER})


class Official(models.Model):
    """A government user of the workspace, with one role and, for agency roles, a remit."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="official")
    role = models.CharField(_("role"), max_length=30, choices=Role.choices)
    ministry = models.ForeignKey(
        Ministry, on_delete=models.PROTECT, null=True, blank=True, related_name="officials"
    )
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, null=True, blank=True, related_name="officials"
    )
    mobile = models.CharField(_("mobile number"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("official")
        verbose_name_plural = _("officials")
        constraints = [
            models.CheckConstraint(
                name="agency_role_has_ministry",
                condition=~models.Q(role__in=["secretary", "head_of_department", "agency_officer"])
                | models.Q(ministry__isnull=False),
            ),
            models.CheckConstraint(
                name="department_role_has_department",
                condition=~models.Q(role__in=["head_of_department", "agency_officer"])
                | models.Q(department__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user.get_full_name() or self.user.get_username()} ({self.get_role_display()})"

    @property
    def is_agency(self) -> bool:
        return self.role in AGENCY_ROLES


class OtpPurpose(models.TextChoices):
    FILE = "file", _("filing a grievance")
    TRACK = "track", _("following your grievances")


class OneTimeCode(models.Model):
    """A code sent by SMS to prove a mobile number. Only a keyed hash of the code is stored."""

    mobile = models.CharField(max_length=20, db_index=True)
    purpose = models.CharField(max_length=10, choices=OtpPurpose.choices)
    code_hash = models.CharField(max_length=128)
    requested_ip = models.GenericIPAddressField(null=True, blank=True, db_index=True)
    created_at = models.DateTimeField(default=clock.now, db_index=True)
    expires_at = models.DateTimeField()
    failed_attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["mobile", "purpose", "created_at"])]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} code for {self.mobile}"
