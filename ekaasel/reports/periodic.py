"""PSGRD periodic reports: the figures of a period (month, quarter, year or any range) by ministry,
department, service, district, channel and kind of problem, with the previous period of equal length
for comparison, rendered as CSV, XLSX and PDF.

Everything comes from `figures.measures`, `figures.breakdowns` and `figures.monthly_trend` (the
summary tables), so a report holds counts and averages only: no names, ID numbers, mobile numbers or
free text can reach it. Row labels are the names of ministries, departments, services, districts and
the labels of the channel and kind-of-problem enums.

Open and overdue are counts as of `now` (the moment of generation), not of the period.

The PDF lists the top services only (the rest summed in one row): the CSV and XLSX list every service.
"""

import csv
import io
import math
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Literal

from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ekaasel.reports import charts, figures
from ekaasel.reports.figures import FigureFilters, Measures, TrendPoint

PeriodKind = Literal["month", "quarter", "year"]
TOP_SERVICES = 10
BREAKDOWNS: tuple[tuple[str, str], ...] = (
    ("ministry", "Ministry"), ("department", "Department"), ("service", "Public service"),
    ("district", "District"), ("channel", "Channel"), ("problem_kind", "Kind of problem"),
)


def period_bounds(kind: PeriodKind, day: date) -> tuple[date, date]:
    """The calendar month, quarter or year containing `day`, as (first day, last day)."""
    if kind == "month":
        start = day.replace(day=1)
        months = 1
    elif kind == "quarter":
        start = day.replace(month=(day.month - 1) // 3 * 3 + 1, day=1)
        months = 3
    elif kind == "year":
        start = day.replace(month=1, day=1)
        months = 12
    else:
        raise ValueError(kind)
    month_index = start.month - 1 + months
    following = start.replace(year=start.year + month_index // 12, month=month_index % 12 + 1)
    return start, following - timedelta(days=1)


def previous_period(start: date, end: date) -> tuple[date, date]:
    """The period of equal length just before [start, end]: the previous month, quarter or year when
    the period is one, else the same number of days."""
    kinds: tuple[PeriodKind, ...] = ("month", "quarter", "year")
    for kind in kinds:
        if (start, end) == period_bounds(kind, start):
            return period_bounds(kind, start - timedelta(days=1))
    length = (end - start).days + 1
    return start - timedelta(days=length), start - timedelta(days=1)


@dataclass(frozen=True)
class ReportRow:
    """One line of figures: a ministry, a service, …, a whole period, or a month of the trend."""

    label: str
    received: int
    resolved: int
    resolved_within_limit: int
    within_limit: float | None  # a fraction (0.75), None when nothing was resolved
    average_days: float | None
    median_days: int | None
    rating_count: int
    average_rating: float | None
    rejected: int
    closed: int
    withdrawn: int
    appeals: int
    open: int | None  # now; None where it has no meaning (previous period, a month of the trend)
    overdue: int | None

    @classmethod
    def of(cls, m: Measures, *, label: str | None = None, with_now: bool = True) -> "ReportRow":
        resolved = m.resolved
        return cls(
            label=m.label if label is None else label,
            received=m.received, resolved=resolved, resolved_within_limit=m.resolved_within_limit,
            within_limit=round(m.resolved_within_limit / resolved, 4) if resolved else None,
            average_days=m.average_days, median_days=m.median_days,
            rating_count=m.rating_count, average_rating=m.average_rating,
            rejected=m.rejected, closed=m.closed, withdrawn=m.withdrawn, appeals=m.appeals,
            open=m.open if with_now else None, overdue=m.overdue if with_now else None,
        )

    @classmethod
    def of_month(cls, point: TrendPoint) -> "ReportRow":
        return cls(label=point.month.strftime("%Y-%m"), received=point.received, resolved=point.resolved,
                   resolved_within_limit=0, within_limit=None, average_days=None, median_days=None,
                   rating_count=0, average_rating=None, rejected=0, closed=0, withdrawn=0, appeals=0,
                   open=None, overdue=None)


# (attribute, column title, kind) — kind "percent" is a fraction shown as a percentage.
COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("received", "Received", "int"),
    ("resolved", "Resolved", "int"),
    ("resolved_within_limit", "Resolved within time limit", "int"),
    ("within_limit", "Within time limit (%)", "percent"),
    ("average_days", "Average working days to resolve", "decimal"),
    ("median_days", "Median working days to resolve", "int"),
    ("rating_count", "Ratings", "int"),
    ("average_rating", "Average rating (1-5)", "decimal"),
    ("rejected", "Rejected", "int"),
    ("closed", "Closed", "int"),
    ("withdrawn", "Withdrawn", "int"),
    ("appeals", "Appeals", "int"),
    ("open", "Open now", "int"),
    ("overdue", "Overdue now", "int"),
)
TREND_COLUMNS = COLUMNS[:2]


@dataclass(frozen=True)
class Section:
    """A table of the report: `key` names it in the CSV and is the XLSX sheet's name source."""

    key: str
    title: str
    label_title: str
    rows: list[ReportRow]
    sheet: str  # the XLSX sheet's name (at most 31 characters)
    columns: tuple[tuple[str, str, str], ...] = COLUMNS


@dataclass(frozen=True)
class ReportData:
    start: date
    end: date
    previous_start: date
    previous_end: date
    generated_at: datetime
    current: ReportRow
    previous: ReportRow
    breakdowns: dict[str, list[ReportRow]]
    top_services: list[ReportRow]
    trend: list[ReportRow]
    # What the PDF shows after the top services: the other catalogue services summed in one row, then
    # the grievances filed without a catalogue service.
    other_services: list[ReportRow] = field(default_factory=list)

    @property
    def sections(self) -> list[Section]:
        """Every table in the order of the report."""
        summary = Section("summary", _("This period and the previous one"), _("Period"), [self.current, self.previous],
                          _("Summary"))
        result = [summary]
        for group, title in BREAKDOWNS:
            result.append(Section(group, _("By %(group)s") % {"group": _(title).lower()}, _(title),
                                  self.breakdowns[group], _(title)))
        result.append(Section("top_services", _("Top %(n)d services by grievances received") % {"n": TOP_SERVICES},
                              _("Public service"), self.top_services, _("Top services")))
        result.append(Section("monthly_trend", _("Received and resolved per month"), _("Month"), self.trend,
                              _("Monthly trend"), TREND_COLUMNS))
        return result


def build_report(*, start: date, end: date, now: datetime) -> ReportData:
    """The figures of the period [start, end] (local dates, both included), nationally.

    A fixed number of queries whatever the number of grievances: about 4 per breakdown, and on
    PostgreSQL 4 for service, district, channel and kind of problem together (`figures.breakdowns`).
    """
    previous_start, previous_end = previous_period(start, end)
    filters = FigureFilters(start=start, end=end)
    current = figures.measures(filters=filters, group=None, now=now)[0]
    before = figures.measures(filters=FigureFilters(start=previous_start, end=previous_end), group=None, now=now)[0]
    raw = figures.breakdowns(filters=filters, groups=[group for group, _title in BREAKDOWNS], now=now)
    breakdowns = {group: [ReportRow.of(m) for m in rows] for group, rows in raw.items()}
    # "Other service" (no catalogue service) is not a service: it is left out of the ranking.
    ranked = sorted((m for m in raw["service"] if m.key and m.received), key=lambda m: (-m.received, m.label.lower()))
    top = ranked[:TOP_SERVICES]
    top_keys = {m.key for m in top}
    rest = [m for m in raw["service"] if m.key and m.key not in top_keys]
    rest_label = ngettext("The other %(count)d service", "The other %(count)d services", len(rest)) % {
        "count": len(rest)}
    other_services = [ReportRow.of(_combined(rest, rest_label))] if rest else []
    other_services += [ReportRow.of(m, label=_("Not in the service catalogue")) for m in raw["service"] if not m.key]
    fmt = "%d %b %Y"
    return ReportData(
        start=start, end=end, previous_start=previous_start, previous_end=previous_end, generated_at=now,
        current=ReportRow.of(current, label=f"{start.strftime(fmt)} - {end.strftime(fmt)}"),
        previous=ReportRow.of(before, label=f"{previous_start.strftime(fmt)} - {previous_end.strftime(fmt)}",
                              with_now=False),
        breakdowns=breakdowns, top_services=[ReportRow.of(m) for m in top],
        trend=[ReportRow.of_month(p) for p in figures.monthly_trend(filters=filters)],
        other_services=other_services,
    )


def _combined(rows: list[Measures], label: str) -> Measures:
    """The measures of several rows as one (counts added up; no median: it cannot be added up)."""
    total = Measures(key=None, label=label)
    for m in rows:
        total.received += m.received
        total.open += m.open
        total.overdue += m.overdue
        for name, value in m.counters.items():
            total.counters[name] = total.counters.get(name, 0) + value
    return total


def file_name(data: ReportData, extension: str) -> str:
    return f"ekaasel-report-{data.start.isoformat()}-{data.end.isoformat()}.{extension}"


# CSV: one file, a `section` column first (summary, ministry, …, top_services, monthly_trend) and the
# same columns on every line, so it loads into a spreadsheet or `pandas` as one table and filters by
# section. Percentages are written as percent numbers (75.0), empty where there is nothing to average.

def render_csv(data: ReportData) -> bytes:
    """The whole report as one CSV table (UTF-8 with BOM, so spreadsheets read Dzongkha names)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["section", "label", *(name for name, _title, _kind in COLUMNS)])
    for section in data.sections:
        names = {name for name, _title, _kind in section.columns}
        for row in section.rows:
            cells: list[Any] = []
            for name, _title, kind in COLUMNS:
                value = getattr(row, name) if name in names else None
                if value is not None and kind == "percent":
                    value = round(100 * value, 1)
                cells.append("" if value is None else value)
            writer.writerow([section.key, row.label, *cells])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def render_xlsx(data: ReportData) -> bytes:
    """One sheet per table; numbers are numbers, percentages fractions with a percent format."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    workbook.remove(workbook.active)
    bold = Font(bold=True)
    for section in data.sections:
        sheet = workbook.create_sheet(section.sheet[:31])
        sheet.append([section.label_title, *(_(title) for _name, title, _kind in section.columns)])
        for cell in sheet[1]:
            cell.font = bold
        for row in section.rows:
            sheet.append([row.label, *(getattr(row, name) for name, _title, _kind in section.columns)])
        for index, (_name, _title, kind) in enumerate(section.columns, start=2):
            number_format = {"percent": "0%", "decimal": "0.0", "int": "0"}[kind]
            for (cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
                cell.number_format = number_format
        sheet.column_dimensions["A"].width = 42
        sheet.freeze_panes = "B2"
    sheet = workbook.create_sheet(_("About"))
    for line in ([_("eKaaSel periodic report")], [_("From"), data.start], [_("To"), data.end],
                 [_("Previous period from"), data.previous_start], [_("Previous period to"), data.previous_end],
                 [_("Open and overdue as of"), data.generated_at.replace(tzinfo=None)]):
        sheet.append(line)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


# PDF
# WeasyPrint lays out every table cell, so the PDF's cost grows with its rows: it shows the top services
# and one row for the rest (the XLSX and CSV list them all). The charts are drawn as plain SVG and HTML
# bars from the same figures (no plotting library: its start-up and its glyphs-as-paths SVG cost more
# than the rest of the PDF).

FONT_FAMILY = '"DejaVu Sans", "Jomolhari", "DDC Uchen", sans-serif'  # Jomolhari: fonts-dzongkha
MONTH_LABELS = 12  # at most this many month labels under the trend chart; the table has every month


def _trend_chart(data: ReportData) -> dict[str, Any]:
    """Received and resolved per month: the bars and scale of `charts.trend_chart`, labelled 2025-01."""
    points = [TrendPoint(date.fromisoformat(f"{row.label}-01"), row.received, row.resolved) for row in data.trend]
    chart = charts.trend_chart(points)
    every = math.ceil(len(points) / MONTH_LABELS) if points else 1
    labels = [(label.x, row.label) for index, (label, row) in enumerate(zip(chart.labels, data.trend, strict=True))
              if index % every == 0]
    return {"chart": chart, "labels": labels, "label_y": chart.baseline + 14, "axis_x": chart.left - 6}


def _ministry_bars(data: ReportData) -> list[dict[str, Any]]:
    """Received and resolved per ministry as bar lengths in percent of the largest figure."""
    ministries = [r for r in data.breakdowns["ministry"] if r.received or r.resolved]
    largest = max([r.received for r in ministries] + [r.resolved for r in ministries] + [1])
    return [{"label": r.label, "received": r.received, "resolved": r.resolved,
             "received_width": round(100 * r.received / largest, 1),
             "resolved_width": round(100 * r.resolved / largest, 1)} for r in ministries]


def _percent(fraction: float | None) -> int | None:
    return None if fraction is None else round(100 * fraction)


def _change(current: float | None, previous: float | None) -> str:
    if current is None or previous is None:
        return "\N{EN DASH}"
    difference = round(current - previous, 1)
    return f"{difference:+g}" if difference else "0"


def _cell(value: Any, kind: str) -> str:
    if value is None:
        return "\N{EN DASH}"
    if kind == "percent":
        return f"{round(100 * value)} %"
    if kind == "decimal":
        return f"{value:.1f}"
    return str(value)


def _pdf_table(section: Section, *, more: list[ReportRow] | None = None, note: str = "") -> dict[str, Any]:
    # The PDF leaves out the columns of rare events to fit A4 landscape; the XLSX and CSV have them all.
    columns = [c for c in section.columns if c[0] not in ("rejected", "closed", "withdrawn", "resolved_within_limit")]
    return {
        "key": section.key, "title": section.title, "label_title": section.label_title, "note": note,
        "headers": [_(title) for _name, title, _kind in columns],
        "rows": [(row.label, [_cell(getattr(row, name), kind) for name, _title, kind in columns])
                 for row in [*section.rows, *(more or [])]],
    }


def _pdf_tables(data: ReportData) -> list[dict[str, Any]]:
    """The tables of the PDF: every section but the summary (shown as the comparison) and the full list
    of services (the top services stand for it, followed by the rest in a row)."""
    tables = []
    for section in data.sections:
        if section.key == "top_services":
            note = _("The XLSX and CSV versions of this report list every public service.")
            tables.append(_pdf_table(section, more=data.other_services, note=note))
        elif section.key not in ("summary", "service"):
            tables.append(_pdf_table(section))
    return tables


def render_pdf(data: ReportData) -> bytes:
    """The report as an A4 PDF (WeasyPrint) with charts, the comparison and every table."""
    from weasyprint import HTML

    comparison: list[tuple[str, float | None, float | None]] = [
        (_("Received"), data.current.received, data.previous.received),
        (_("Resolved"), data.current.resolved, data.previous.resolved),
        (_("Within time limit (%)"), _percent(data.current.within_limit), _percent(data.previous.within_limit)),
        (_("Average working days to resolve"), data.current.average_days, data.previous.average_days),
        (_("Average rating (1-5)"), data.current.average_rating, data.previous.average_rating),
        (_("Appeals"), data.current.appeals, data.previous.appeals),
    ]
    html = render_to_string("reports/periodic.html", {
        "data": data,
        "font_family": FONT_FAMILY,
        "trend": _trend_chart(data),
        "ministry_bars": _ministry_bars(data),
        "comparison": [(label, now, before, _change(now, before)) for label, now, before in comparison],
        "tables": _pdf_tables(data),
    })
    return HTML(string=html).write_pdf()


RENDERERS = {
    "csv": (render_csv, "text/csv; charset=utf-8"),
    "xlsx": (render_xlsx, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "pdf": (render_pdf, "application/pdf"),
}
