"""Grievances in the admin: to look, never to change. State moves only through the domain actions,
and the history (events) is append-only, so nothing here can be added, edited or deleted."""

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from ekaasel.grievances.models import Grievance, GrievanceEvent
from ekaasel.identity.validation import mask_mobile
from ekaasel.portal.templatetags.portal_tags import mask_national_id


class ReadOnlyMixin:
    """No add, change or delete: the view permission alone opens the pages, read-only."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class GrievanceEventInline(ReadOnlyMixin, admin.TabularInline[GrievanceEvent, Grievance]):
    model = GrievanceEvent
    fields = ("created_at", "action", "actor_kind", "actor_official", "from_status", "to_status", "internal", "note")
    readonly_fields = fields
    ordering = ["created_at", "id"]
    extra = 0
    can_delete = False
    show_change_link = False


@admin.register(Grievance)
class GrievanceAdmin(ReadOnlyMixin, admin.ModelAdmin[Grievance]):
    list_display = [
        "application_id", "status", "ministry", "department", "submitted_at", "due_at",
        "masked_national_id", "masked_mobile",
    ]
    list_filter = ["status", "ministry", "channel", "problem_kind", "is_appeal", "is_returned"]
    list_select_related = ["ministry", "department", "citizen"]
    search_fields = ["=application_id"]
    date_hierarchy = "submitted_at"
    ordering = ["-submitted_at", "-id"]
    show_full_result_count = False  # COUNT(*) over millions of rows on every page is slow
    inlines = [GrievanceEventInline]
    actions = None
    readonly_fields = [f.name for f in Grievance._meta.concrete_fields if f.name != "id"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Grievance]:
        return super().get_queryset(request).select_related("citizen")

    @admin.display(description=_("CID number"))
    def masked_national_id(self, grievance: Grievance) -> str:
        return mask_national_id(grievance.citizen.national_id)

    @admin.display(description=_("mobile number"))
    def masked_mobile(self, grievance: Grievance) -> str:
        return mask_mobile(grievance.mobile)
