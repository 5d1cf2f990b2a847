"""The public transparency page: aggregate figures only, never a name, a number or a grievance's text."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from ekaasel.core import clock
from ekaasel.core.db_router import replica_reads
from ekaasel.reports import figures
from ekaasel.reports.charts import trend_chart
from ekaasel.reports.figures import FigureFilters


@require_safe
@replica_reads
def transparency(request: HttpRequest) -> HttpResponse:
    """Per ministry, the last 12 months: received, resolved, within the time limit, average days; a chart."""
    now = clock.now()
    filters = FigureFilters.last_12_months(clock.today())
    rows = [m for m in figures.measures(filters=filters, group="ministry", now=now) if m.key]
    trend = figures.monthly_trend(filters=filters)
    return render(request, "reports/transparency.html", {
        "filters": filters,
        "rows": rows,
        "total": figures.measures(filters=filters, group=None, now=now)[0],
        "trend": trend,
        "chart": trend_chart(trend),
        "chart_title": _("Grievances received and resolved per month, all ministries"),
    })
