"""Admin for officials and their roles (also inline on the user), and a read-only list of citizens.

An administrator creates the user, sets or resets the password (the user admin's password form) and
gives the role and remit on one page. One-time codes are secrets and are not in the admin at all.
"""

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.db.models import OuterRef, QuerySet, Subquery
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from ekaasel.identity.models import AGENCY_ROLES, Citizen, Official, Role
from ekaasel.identity.validation import mask_mobile
from ekaasel.portal.templatetags.portal_tags import mask_national_id

DEPARTMENT_ROLES = frozenset({Role.HEAD_OF_DEPARTMENT, Role.AGENCY_OFFICER})


class OfficialAdminForm(forms.ModelForm[Official]):
    """An agency role needs its ministry, a department role its department, and the two must agree."""

    class Meta:
        model = Official
        fields = ["user", "role", "ministry", "department", "mobile"]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        role, ministry, department = cleaned.get("role"), cleaned.get("ministry"), cleaned.get("department")
        if role in AGENCY_ROLES and ministry is None and "ministry" not in self.errors:
            self.add_error("ministry", _("A Secretary, Head of Department or agency officer needs a ministry."))
        if role in DEPARTMENT_ROLES and department is None and "department" not in self.errors:
            self.add_error("department", _("A Head of Department or agency officer needs a department."))
        if ministry is not None and department is not None and department.ministry_id != ministry.pk:
            self.add_error(
                "department",
                _("%(department)s belongs to %(owner)s, not to %(ministry)s.")
                % {"department": department, "owner": department.ministry, "ministry": ministry},
            )
        if role is not None and role not in AGENCY_ROLES and (ministry is not None or department is not None):
            self.add_error("ministry", _("Only agency roles have a ministry or department; leave them empty."))
        return cleaned


@admin.register(Official)
class OfficialAdmin(admin.ModelAdmin[Official]):
    form = OfficialAdminForm
    list_display = ["user", "role", "ministry", "department"]
    list_filter = ["role", "ministry"]
    list_select_related = ["user", "ministry", "department"]
    search_fields = ["user__username", "user__first_name", "user__last_name"]
    autocomplete_fields = ["user", "ministry", "department"]
    ordering = ["user__username"]

    def has_delete_permission(self, request: HttpRequest, obj: Official | None = None) -> bool:
        # History rows point at officials: take the role away or deactivate the user instead.
        return False


class OfficialInline(admin.StackedInline[Official, Any]):
    model = Official
    form = OfficialAdminForm
    fields = ["role", "ministry", "department", "mobile"]
    can_delete = False
    extra = 1
    max_num = 1
    verbose_name_plural = _("official role")


User = get_user_model()


class OfficialUserAdmin(UserAdmin):
    """The user admin with the official's role on the same page."""

    inlines = [OfficialInline]
    list_display = ["username", "first_name", "last_name", "official_role", "is_active", "is_staff"]
    list_select_related = ["official"]

    @admin.display(description=_("role"), ordering="official__role")
    def official_role(self, user: Any) -> str:
        official: Official | None = getattr(user, "official", None)
        return official.get_role_display() if official is not None else "—"


if admin.site.is_registered(User):
    admin.site.unregister(User)
admin.site.register(User, OfficialUserAdmin)


@admin.register(Citizen)
class CitizenAdmin(admin.ModelAdmin[Citizen]):
    """Citizens are created by filing; administrators only look. Numbers are masked in the list."""

    list_display = ["name", "masked_national_id", "masked_mobile", "created_at"]
    search_fields = ["name", "=national_id"]
    fields = ("name", "national_id", "mobiles", "created_at")
    readonly_fields = ("name", "national_id", "mobiles", "created_at")
    ordering = ["-created_at", "-id"]
    show_full_result_count = False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Citizen]:
        from ekaasel.grievances.models import Grievance  # grievances depends on identity, not the reverse

        latest = Grievance.objects.filter(citizen=OuterRef("pk")).order_by("-submitted_at", "-id")
        return super().get_queryset(request).annotate(latest_mobile=Subquery(latest.values("mobile")[:1]))

    @admin.display(description=_("national ID number"))
    def masked_national_id(self, citizen: Citizen) -> str:
        return mask_national_id(citizen.national_id)

    @admin.display(description=_("mobile number"))
    def masked_mobile(self, citizen: Citizen) -> str:
        latest: str | None = getattr(citizen, "latest_mobile", None)
        return mask_mobile(latest) if latest else "—"

    @admin.display(description=_("mobile numbers"))
    def mobiles(self, citizen: Citizen) -> str:
        numbers = citizen.grievances.order_by("mobile").values_list("mobile", flat=True).distinct()
        return ", ".join(numbers) or "—"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Citizen | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Citizen | None = None) -> bool:
        return False
