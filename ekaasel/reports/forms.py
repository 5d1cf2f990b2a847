"""The dashboards' filters: a period and the dimensions of the summary tables."""

from datetime import date
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from ekaasel.core.choices import CatalogueChoiceField, Select
from ekaasel.grievances.models import Channel, ProblemKind
from ekaasel.organisations.models import Department, District, Ministry, Service
from ekaasel.reports.figures import FigureFilters


class _DepartmentChoiceField(CatalogueChoiceField[Department]):
    def label_from_instance(self, obj: Department) -> str:
        return f"{obj.ministry} — {obj}"


def _date(label: Any) -> forms.DateField:
    return forms.DateField(label=label, required=False, widget=forms.DateInput(attrs={"type": "date"}),
                           error_messages={"invalid": _("Enter a date such as 2026-03-31.")})


class DashboardFilterForm(forms.Form):
    """GET parameters of a dashboard. Invalid values are reported and ignored; the period defaults to
    the last 12 months."""

    start = _date(_("From"))
    end = _date(_("To"))
    ministry = CatalogueChoiceField(label=_("Ministry"), queryset=Ministry.objects.order_by("name"),
                                      required=False, empty_label=_("Any ministry"))
    department = _DepartmentChoiceField(label=_("Department"), queryset=Department.objects.select_related("ministry")
                                        .order_by("ministry__name", "name"),
                                        required=False, empty_label=_("Any department"))
    service = CatalogueChoiceField(label=_("Public service"), queryset=Service.objects.order_by("name"),
                                     required=False, empty_label=_("Any service"))
    district = CatalogueChoiceField(label=_("District"), queryset=District.objects.order_by("name"),
                                      required=False, empty_label=_("Any district"))
    channel = forms.ChoiceField(label=_("Channel"), choices=[("", _("Any channel")), *Channel.choices],
                                required=False, widget=Select)
    kind = forms.ChoiceField(label=_("Kind of problem"), choices=[("", _("Any kind")), *ProblemKind.choices],
                             required=False, widget=Select)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "dash_%s")
        super().__init__(*args, **kwargs)

    def limit_to(self, *, ministry_id: int | None, department_id: int | None) -> None:
        """Offer only the choices within the official's remit."""
        if ministry_id:
            self.fields["ministry"].widget = forms.HiddenInput()
            fields: Any = self.fields
            fields["department"].queryset = fields["department"].queryset.filter(ministry_id=ministry_id)
            fields["service"].queryset = fields["service"].queryset.filter(ministry_id=ministry_id)
        if department_id:
            fields = self.fields
            fields["service"].queryset = fields["service"].queryset.filter(department_id=department_id)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if start and end and start > end:
            self.add_error("end", _("The end date must be on or after the start date."))
        return data

    def filters(self, today: date) -> FigureFilters:
        """The filters from the valid fields; a field with an error does not narrow the figures."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        default = FigureFilters.last_12_months(today)

        def pk(name: str) -> int | None:
            value = data.get(name)
            return value.pk if value is not None else None

        return FigureFilters(
            start=data.get("start") or default.start, end=data.get("end") or default.end,
            ministry_id=pk("ministry"), department_id=pk("department"), service_id=pk("service"),
            district_id=pk("district"), channel=data.get("channel") or "", problem_kind=data.get("kind") or "",
        )
