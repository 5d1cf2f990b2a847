"""PSGRD periodic reports in the workspace: choose a period, download it as CSV, XLSX or PDF.

For monitors (PSGRD), the PMO and assessors; anyone else gets a 404. The report is generated on
request from the summary tables (a fixed number of queries whatever the number of grievances).
"""

from datetime import date
from typing import Any

from django import forms
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from ekaasel.core import clock
from ekaasel.identity.models import Role
from ekaasel.reports import periodic
from ekaasel.workspace.access import current_official, official_required

REPORT_ROLES = (Role.MONITOR, Role.PMO, Role.ASSESSOR)


def _date(label: Any, help_text: Any = "") -> forms.DateField:
    return forms.DateField(label=label, help_text=help_text, required=False,
                           widget=forms.DateInput(attrs={"type": "date"}),
                           error_messages={"invalid": _("Enter a date such as 2026-03-31.")})


class ReportPeriodForm(forms.Form):
    """A calendar month, quarter or year (the one containing `day`), or any range of dates."""

    period = forms.ChoiceField(label=_("Period"), choices=[
        ("month", _("Month")), ("quarter", _("Quarter")), ("year", _("Year")), ("custom", _("Date range")),
    ], initial="month")
    day = _date(_("Any day in the month, quarter or year"), _("Leave empty for the last complete one."))
    start = _date(_("From (date range)"))
    end = _date(_("To (date range)"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "report_%s")
        super().__init__(*args, **kwargs)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("period") == "custom":
            start, end = data.get("start"), data.get("end")
            if not start:
                self.add_error("start", _("Enter the first day of the range."))
            if not end:
                self.add_error("end", _("Enter the last day of the range."))
            if start and end and start > end:
                self.add_error("end", _("The end date must be on or after the start date."))
        return data

    def bounds(self, today: date) -> tuple[date, date]:
        """The period chosen; only call on a valid form."""
        data = self.cleaned_data
        if data["period"] == "custom":
            return data["start"], data["end"]
        kind = data["period"]
        if data.get("day"):
            return periodic.period_bounds(kind, data["day"])
        # The last complete period: the one containing the last day before the current one began.
        current_start, _end = periodic.period_bounds(kind, today)
        return periodic.period_bounds(kind, date.fromordinal(current_start.toordinal() - 1))


@never_cache
@require_safe
@official_required
def reports(request: HttpRequest) -> HttpResponse:
    """The period form and download links; with ?format=csv|xlsx|pdf, the report file itself."""
    official = current_official(request)
    if official.role not in REPORT_ROLES:
        raise Http404
    form = ReportPeriodForm(request.GET or None)
    bounds = form.bounds(clock.today()) if form.is_bound and form.is_valid() else None
    file_format = request.GET.get("format", "")
    if bounds is not None and file_format in periodic.RENDERERS:
        render_file, content_type = periodic.RENDERERS[file_format]
        data = periodic.build_report(start=bounds[0], end=bounds[1], now=clock.now())
        response = HttpResponse(render_file(data), content_type=content_type)
        response["Content-Disposition"] = f'attachment; filename="{periodic.file_name(data, file_format)}"'
        return response
    query = request.GET.copy()
    query.pop("format", None)
    downloads = [(name, label, f"?{query.urlencode()}&format={name}") for name, label in
                 (("pdf", "PDF"), ("xlsx", "XLSX"), ("csv", "CSV"))] if bounds else []
    return render(request, "workspace/reports.html", {
        "official": official,
        "form": form,
        "bounds": bounds,
        "downloads": downloads,
        "page_has_errors": bool(form.is_bound and form.errors),
    })
