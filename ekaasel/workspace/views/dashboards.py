"""Dashboards: every figure within the official's remit, each a link to the queue behind it.

The figures come from the summary tables (reports.figures); a view makes a bounded number of
queries whatever the number of grievances.
"""

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from ekaasel.core import clock
from ekaasel.core.db_router import replica_reads
from ekaasel.identity.models import Official, Role
from ekaasel.reports import figures
from ekaasel.reports.charts import trend_chart
from ekaasel.reports.figures import FigureFilters, Measures
from ekaasel.reports.forms import DashboardFilterForm
from ekaasel.workspace.access import NATIONAL_ROLES, current_official, official_required

_QUEUE_PARAM = {"ministry": "ministry", "department": "department", "service": "service", "district": "district",
                "channel": "channel", "problem_kind": "kind"}



def queue_url(filters: FigureFilters, **params: Any) -> str:
    """The workspace queue (all grievances within the remit) narrowed to the filters and `params`."""
    query: dict[str, Any] = {"queue": "all"}
    for name, value in (("ministry", filters.ministry_id), ("department", filters.department_id),
                        ("service", filters.service_id), ("district", filters.district_id),
                        ("channel", filters.channel), ("kind", filters.problem_kind)):
        if value:
            query[name] = value
    query.update({k: v for k, v in params.items() if v not in (None, "")})
    return f"{reverse('workspace:queue')}?{urlencode(query)}"


@dataclass(frozen=True)
class Row:
    """A row of measures with the links to the grievances behind its counts (None: no such list)."""

    measures: Measures
    received_url: str | None
    open_url: str | None
    overdue_url: str | None
    resolved_url: str | None


def _row(m: Measures, filters: FigureFilters, group: str | None) -> Row:
    dims: dict[str, Any] = {}
    if group is not None:
        if not m.key:  # "not with an agency" / "other service": the queue has no filter for "none"
            return Row(m, None, None, None, None)
        dims[_QUEUE_PARAM[group]] = m.key
    period = {"submitted_from": filters.start.isoformat(), "submitted_to": filters.end.isoformat()}
    resolved = {"resolved_from": filters.start.isoformat(), "resolved_to": filters.end.isoformat()}
    return Row(
        m,
        received_url=queue_url(filters, **dims, **period),
        open_url=queue_url(filters, **dims, open="on"),
        overdue_url=queue_url(filters, **dims, overdue="on"),
        resolved_url=queue_url(filters, **dims, **resolved),
    )


def _group_for(official: Official, filters: FigureFilters) -> str:
    if official.role == Role.HEAD_OF_DEPARTMENT or filters.department_id:
        return "service"
    if official.role == Role.SECRETARY or filters.ministry_id:
        return "department"
    return "ministry"


_GROUP_TITLES = {"ministry": "Ministry", "department": "Department", "service": "Public service"}


@never_cache
@require_safe
@official_required
@replica_reads
def dashboard(request: HttpRequest) -> HttpResponse:
    """PMO, monitors and assessors: every ministry side by side (or one ministry's departments when
    narrowed to it); a Secretary: his ministry's departments; a Head of Department: his department."""
    official = current_official(request)
    now = clock.now()
    form = DashboardFilterForm(request.GET or None)
    requested = form.filters(clock.today())
    filters = figures.filters_within_remit(official, requested)
    if filters is None:
        raise Http404
    if official.role not in NATIONAL_ROLES:
        form.limit_to(ministry_id=official.ministry_id,
                      department_id=official.department_id if official.role == Role.HEAD_OF_DEPARTMENT else None)
    group = _group_for(official, filters)
    total = figures.measures(filters=filters, group=None, now=now)[0]
    rows = [_row(m, filters, group) for m in figures.measures(filters=filters, group=group, now=now)]
    trend = figures.monthly_trend(filters=filters)
    show_officers = official.role in (Role.SECRETARY, Role.HEAD_OF_DEPARTMENT) or bool(filters.department_id)
    return render(request, "workspace/dashboard.html", {
        "official": official,
        "form": form,
        "filters": filters,
        "group_title": _(_GROUP_TITLES[group]),
        "total": _row(total, filters, None),
        "rows": rows,
        "trend": trend,
        "chart": trend_chart(trend),
        "chart_title": _("Grievances received and resolved per month"),
        "oldest_overdue": figures.oldest_overdue(filters=filters, now=now),
        "officers": figures.open_by_officer(filters=filters, now=now) if show_officers else None,
        "is_national": official.role in NATIONAL_ROLES,
        "now": now,
        "page_has_errors": bool(form.is_bound and form.errors),
    })


@never_cache
@require_safe
@official_required
@replica_reads
def assessment_dashboard(request: HttpRequest) -> HttpResponse:
    """The Cabinet Secretariat's queue: waiting, oldest, overdue, and the time assessment takes."""
    official = current_official(request)
    if official.role not in NATIONAL_ROLES:
        raise Http404
    now = clock.now()
    form = DashboardFilterForm(request.GET or None)
    requested = form.filters(clock.today())
    filters = FigureFilters(start=requested.start, end=requested.end)
    total = figures.measures(filters=filters, group=None, now=now)[0]
    return render(request, "workspace/dashboard_assessment.html", {
        "official": official,
        "form": form,
        "filters": filters,
        "queue": figures.assessment_queue(now=now),
        "total": total,
        "waiting_url": f"{reverse('workspace:queue')}?{urlencode({'queue': 'all', 'status': 'submitted'})}",
        "awaiting_url": f"{reverse('workspace:queue')}?{urlencode({'queue': 'all', 'status': 'awaiting_citizen'})}",
        "now": now,
        "page_has_errors": bool(form.is_bound and form.errors),
    })
