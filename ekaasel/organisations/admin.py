"""Admin for the catalogue: ministries with their departments, services, districts, holidays.

Administrators and PSGRD keep the catalogue here; `export_catalogue` carries it to another server.
Rows are deactivated, never deleted, once grievances may point at them (the foreign keys protect).
"""

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.utils.dateformat import format as date_format
from django.utils.translation import gettext_lazy as _

from ekaasel.organisations.models import Department, District, Holiday, Ministry, Service


class DepartmentInline(admin.TabularInline):
    model = Department
    fields = ["code", "name", "name_dz", "is_active"]
    extra = 0
    show_change_link = True


@admin.register(Ministry)
class MinistryAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "resolution_working_days", "department_count", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["code", "name", "name_dz"]
    ordering = ["name"]
    inlines = [DepartmentInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Ministry]:
        return super().get_queryset(request).annotate(department_total=Count("departments"))

    @admin.display(description=_("departments"), ordering="department_total")
    def department_count(self, ministry: Any) -> int:
        return int(ministry.department_total)


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "ministry", "is_active"]
    list_filter = ["ministry", "is_active"]
    list_select_related = ["ministry"]
    search_fields = ["code", "name", "name_dz", "ministry__name"]
    autocomplete_fields = ["ministry"]


class ServiceAdminForm(forms.ModelForm):
    class Meta:
        model = Service
        fields = [
            "code", "name", "name_dz", "ministry", "department", "delivery", "resolution_working_days",
            "is_active",
        ]

    def clean(self) -> dict[str, Any]:
        """A service's department must belong to the service's ministry (as on import)."""
        cleaned = super().clean() or {}
        ministry, department = cleaned.get("ministry"), cleaned.get("department")
        if ministry is not None and department is not None and department.ministry_id != ministry.pk:
            self.add_error(
                "department",
                _("%(department)s belongs to %(owner)s, not to %(ministry)s.")
                % {"department": department, "owner": department.ministry, "ministry": ministry},
            )
        return cleaned


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    form = ServiceAdminForm
    list_display = ["name", "code", "ministry", "department", "delivery", "resolution_working_days", "is_active"]
    list_filter = ["ministry", "delivery", "is_active"]
    list_select_related = ["ministry", "department"]
    search_fields = ["code", "name", "name_dz", "ministry__name", "department__name"]
    autocomplete_fields = ["ministry", "department"]


@admin.register(District)
class DistrictAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "name_dz"]
    search_fields = ["code", "name", "name_dz"]


@admin.register(Holiday)
class HolidayAdmin(admin.ModelAdmin):
    list_display = ["date", "weekday", "name"]
    date_hierarchy = "date"
    search_fields = ["name"]
    ordering = ["date"]

    @admin.display(description=_("weekday"), ordering="date")
    def weekday(self, holiday: Holiday) -> str:
        return date_format(holiday.date, "l")
