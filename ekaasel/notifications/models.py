"""The outbox: one row per message, written in the same transaction as the change that caused it."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from ekaasel.core import clock


class MessageStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class DeliveryStatus(models.TextChoices):
    UNKNOWN = "", _("Not reported")
    ACCEPTED = "accepted", _("Accepted by the SMS centre")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Not delivered")
    REJECTED = "rejected", _("Rejected")


class Message(models.Model):
    channel = models.CharField(max_length=10, default="sms")
    recipient = models.CharField(_("recipient"), max_length=64, db_index=True)
    body = models.TextField(_("text"))
    template = models.CharField(_("template"), max_length=50)
    language = models.CharField(max_length=8, default="en")
    # One message per event and recipient: queuing the same key twice returns the first row.
    event_key = models.CharField(max_length=120, unique=True)
    grievance = models.ForeignKey(
        "grievances.Grievance", on_delete=models.PROTECT, null=True, blank=True, related_name="messages"
    )
    status = models.CharField(_("status"), max_length=10, choices=MessageStatus.choices,
                              default=MessageStatus.QUEUED)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(default=clock.now)
    last_error = models.TextField(_("last error"), blank=True)
    provider_message_id = models.CharField(max_length=100, blank=True)
    delivery_status = models.CharField(_("delivery"), max_length=10, choices=DeliveryStatus.choices,
                                       blank=True, default=DeliveryStatus.UNKNOWN)
    delivery_updated_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=clock.now, db_index=True)
    sending_started_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"{self.template} to {self.recipient} ({self.status})"


class MessageTemplate(models.Model):
    """An administrator's wording of a message in one language; the built-in text applies without it."""

    key = models.CharField(_("template"), max_length=50)
    language = models.CharField(_("language"), max_length=8)
    body = models.TextField(
        _("text"),
        help_text=_(
            "Placeholders in braces, e.g. {application_id}. "
            "Keep SMS short: 160 Latin or 70 Dzongkha characters per part."
        ),
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        unique_together = [("key", "language")]
        verbose_name = _("message template")
        verbose_name_plural = _("message templates")

    def __str__(self) -> str:
        return f"{self.key} [{self.language}]"


class NoticeKind(models.TextChoices):
    NEW_GRIEVANCE = "new_grievance", _("New grievance for your agency")
    ASSIGNED = "assigned", _("Assigned to you")
    REMINDER = "reminder", _("Time limit approaching")
    ESCALATED = "escalated", _("Escalated to you")
    RETURNED = "returned", _("Returned by an agency")


class Notice(models.Model):
    """An in-app notice to an official about new work, a reminder or an escalation (also sent by SMS
    when the official has a mobile number)."""

    official = models.ForeignKey("identity.Official", on_delete=models.CASCADE, related_name="notices")
    grievance = models.ForeignKey(
        "grievances.Grievance", on_delete=models.PROTECT, null=True, blank=True, related_name="notices"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=NoticeKind.choices)
    text = models.TextField(_("text"))
    # One notice per event and official, however often it is asked.
    event_key = models.CharField(max_length=120, unique=True)
    created_at = models.DateTimeField(default=clock.now, db_index=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["official", "read_at", "-created_at"])]
        verbose_name = _("notice to an official")
        verbose_name_plural = _("notices to officials")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for {self.official_id}"
