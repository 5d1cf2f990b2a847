"""Admin: the outbox for operators (read-only, with re-queue of failed messages) and message texts."""

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.db.models import Count, Min, QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from ekaasel.core import clock
from ekaasel.notifications import delivery
from ekaasel.notifications.management.commands.outbox_status import format_age
from ekaasel.notifications.models import Message, MessageStatus, MessageTemplate
from ekaasel.notifications.templates_registry import DEFAULT_TEXTS, placeholders


def queue_summary() -> str:
    """One line for operators: messages per status and how long the oldest queued one has waited."""
    counts = dict(Message.objects.order_by().values_list("status").annotate(n=Count("id")))
    parts = [f"{status.label}: {counts.get(status.value, 0)}" for status in MessageStatus]
    oldest = Message.objects.filter(status=MessageStatus.QUEUED).aggregate(oldest=Min("created_at"))["oldest"]
    if oldest is None:
        parts.append(str(_("no message is waiting")))
    else:
        parts.append(str(_("oldest queued: %(age)s") % {"age": format_age(clock.now() - oldest)}))
    return " · ".join(parts)


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin[Message]):
    """Outbox rows are written by domain actions and the worker only; operators read and re-queue."""

    list_display = [
        "created_at", "recipient", "template", "language", "status", "attempts",
        "next_attempt_at", "delivery_status", "sent_at",
    ]
    list_filter = ["status", "delivery_status", "template", "language"]
    search_fields = ["recipient", "event_key", "provider_message_id"]
    date_hierarchy = "created_at"
    ordering = ["-created_at", "-id"]
    list_select_related = False
    show_full_result_count = False  # COUNT(*) over millions of rows on every page is slow
    actions = ["requeue_failed"]
    _main_fields = ("recipient", "channel", "template", "language", "body", "event_key", "grievance", "created_at")
    _sending_fields = (
        "status", "attempts", "next_attempt_at", "sending_started_at", "sent_at", "failed_at", "last_error",
    )
    _delivery_fields = ("provider_message_id", "delivery_status", "delivery_updated_at")
    fieldsets = [
        (None, {"fields": _main_fields}),
        (_("Sending"), {"fields": _sending_fields}),
        (_("Delivery report"), {"fields": _delivery_fields}),
    ]
    readonly_fields = [*_main_fields, *_sending_fields, *_delivery_fields]

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        """The outbox list, headed by the queue's state: counts per status and the oldest queued age."""
        if request.method == "GET":
            self.message_user(request, queue_summary(), messages.INFO)
        return super().changelist_view(request, extra_context)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Message | None = None) -> bool:
        # Viewing goes through the view permission; nothing here may be edited by hand.
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Message | None = None) -> bool:
        return False

    def has_requeue_permission(self, request: HttpRequest) -> bool:
        """Re-queuing changes rows, so it takes the model's change permission (granted by role, not here)."""
        opts = self.opts
        return request.user.has_perm(f"{opts.app_label}.change_{opts.model_name}")

    @admin.action(description=_("Re-queue failed messages"), permissions=["requeue"])
    def requeue_failed(self, request: HttpRequest, queryset: QuerySet[Message]) -> None:
        """Give the selected failed messages fresh attempts; others in the selection are left alone."""
        ids = list(queryset.filter(status=MessageStatus.FAILED).values_list("pk", flat=True))
        count = delivery.requeue_failed(message_ids=ids)
        if count:
            self.message_user(
                request,
                ngettext("%(count)d message re-queued.", "%(count)d messages re-queued.", count) % {"count": count},
                messages.SUCCESS,
            )
        else:
            self.message_user(request, _("None of the selected messages had failed."), messages.WARNING)


class MessageTemplateForm(forms.ModelForm[MessageTemplate]):
    """Keys and languages come from the built-in texts and settings; placeholders must be known ones."""

    key = forms.ChoiceField(label=_("template"), choices=[])
    language = forms.ChoiceField(label=_("language"), choices=[])

    class Meta:
        model = MessageTemplate
        fields = ["key", "language", "body"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["key"].choices = [(key, key) for key in DEFAULT_TEXTS]  # type: ignore[attr-defined]
        self.fields["language"].choices = settings.LANGUAGES  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        key, body = cleaned.get("key"), cleaned.get("body")
        if key in DEFAULT_TEXTS and body:
            unknown = placeholders(body) - placeholders(str(DEFAULT_TEXTS[key]))
            if unknown:
                self.add_error(
                    "body",
                    _("Unknown placeholders: %(names)s. This message can use: %(allowed)s.") % {
                        "names": ", ".join(f"{{{name}}}" for name in sorted(unknown)),
                        "allowed": ", ".join(f"{{{name}}}" for name in sorted(placeholders(str(DEFAULT_TEXTS[key])))),
                    },
                )
        return cleaned


@admin.register(MessageTemplate)
class MessageTemplateAdmin(admin.ModelAdmin[MessageTemplate]):
    """Administrators' wording of a message per language; without a row the built-in text is used."""

    form = MessageTemplateForm
    list_display = ["key", "language", "updated_at"]
    list_filter = ["key", "language"]
    search_fields = ["key", "body"]
    ordering = ["key", "language"]
    readonly_fields = ["built_in_text"]
    fields = ["key", "language", "built_in_text", "body"]

    @admin.display(description=_("Built-in text"))
    def built_in_text(self, obj: MessageTemplate) -> str:
        """The built-in text of this message in the row's language, as a starting point."""
        text = DEFAULT_TEXTS.get(obj.key) if obj.pk else None
        if text is None:
            return "—"
        with translation.override(obj.language):
            return str(text)
