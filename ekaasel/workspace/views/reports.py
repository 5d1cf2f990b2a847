"""PSGRD periodic reports in the workspace: ask for a period as CSV, XLSX or PDF, and the archive.

For monitors (PSGRD), the PMO and assessors; anyone else gets a 404. Asking for a report queues it:
the worker generates the file (`reports.tasks.generate_report`), so a long yearly PDF never holds the
web request. The archive lists every report, asked for or scheduled, with who asked, when, its
status and, once done, a download link.
"""

from datetime import date
from typing import Any

from django import forms
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from ekaasel.core import clock
from ekaasel.reports import periodic
from ekaasel.reports.models import GeneratedReport
from ekaasel.reports.tasks import request_report
from ekaasel.workspace.access import can_read_reports, current_official, official_required


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
    format = forms.ChoiceField(label=_("Format"), choices=GeneratedReport.Format.choices, initial="pdf")

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


ARCHIVE_SIZE = 50


def _report_official(request: HttpRequest) -> Any:
    official = current_official(request)
    if not can_read_reports(official):
        raise Http404
    return official


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
@official_required
def reports(request: HttpRequest) -> HttpResponse:
    """The form that queues a report, and the archive of reports (refreshing itself while one is pending)."""
    official = _report_official(request)
    form = ReportPeriodForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        start, end = form.bounds(clock.today())
        period = form.cleaned_data["period"]
        request_report(period_kind="range" if period == "custom" else period, start=start, end=end,
                       file_format=form.cleaned_data["format"], requested_by=official)
        return redirect("workspace:reports")
    archive = list(GeneratedReport.objects.select_related("requested_by__user")[:ARCHIVE_SIZE])
    return render(request, "workspace/reports.html", {
        "official": official,
        "form": form,
        "archive": archive,
        "pending": any(report.pending for report in archive),
        "page_has_errors": bool(form.is_bound and form.errors),
    })


@never_cache
@require_safe
@official_required
def download(request: HttpRequest, report_id: int) -> FileResponse:
    """The file of a generated report (same roles as the page)."""
    _report_official(request)
    report = get_object_or_404(GeneratedReport, pk=report_id, status=GeneratedReport.Status.DONE)
    if not report.file:
        raise Http404
    content_type = periodic.RENDERERS[report.format][1]
    return FileResponse(report.file.open("rb"), as_attachment=True,
                        filename=(report.file.name or "").rsplit("/", 1)[-1], content_type=content_type)
