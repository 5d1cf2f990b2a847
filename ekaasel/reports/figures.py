"""Reads of the summary tables: the measures the dashboards, the transparency page and the PSGRD
reports show, per ministry, department, service, district, channel or kind of problem.

A bounded number of queries whatever the number of grievances: one or two per table, grouped in the
database. Figures narrowed only by period, ministry and department, and grouped by nothing, ministry
or department (the usual dashboards, the transparency page), are read from the per-agency tables,
whose rows grow with days and departments, not with grievances: the whole calendar months of the
period from the monthly ones, the days around them from the daily ones. Any other filter or grouping
reads the fine tables. Both give the same figures.

"Overdue" (open and due_at < now) changes with the clock, not with an action. With the per-agency
tables it is the open grievances of `AgencyDueFigures` due before today plus those due earlier today,
read from the grievances table through the partial index of open grievances by due date
(`grievance_open_due`), which also gives the oldest overdue grievances; with the fine tables it is
counted from that index alone.
"""

import operator
from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from functools import reduce
from typing import Any

from django.core.exceptions import FullResultSet
from django.db import DEFAULT_DB_ALIAS, connection, connections, models, router, transaction
from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from ekaasel.grievances.models import Channel, Grievance, ProblemKind
from ekaasel.grievances.states import OPEN_STATUSES, Status
from ekaasel.identity.models import Official, Role
from ekaasel.organisations.models import Department, District, Ministry, Service
from ekaasel.reports.models import (
    DAY_COUNTERS,
    AgencyDailyFigures,
    AgencyDueFigures,
    AgencyMonthlyFigures,
    AgencyMonthlyResolutionDays,
    AgencyOpenFigures,
    AgencyResolutionDays,
    DailyFigures,
    OpenFigures,
    ResolutionDays,
)

GROUPS = ("ministry", "department", "service", "district", "channel", "problem_kind")
COUNTERS = DAY_COUNTERS
AGENCY_GROUPS = (None, "ministry", "department")


@dataclass(frozen=True)
class FigureFilters:
    """The period (local dates, both included) and the dimensions the figures are narrowed to."""

    start: date
    end: date
    ministry_id: int | None = None
    department_id: int | None = None
    service_id: int | None = None
    district_id: int | None = None
    channel: str = ""
    problem_kind: str = ""

    @classmethod
    def last_12_months(cls, today: date, **dims: Any) -> "FigureFilters":
        return cls(start=today - timedelta(days=364), end=today, **dims)

    def summary_q(self) -> Q:
        q = Q()
        for name, value in (("ministry", self.ministry_id), ("department", self.department_id),
                            ("service", self.service_id), ("district", self.district_id),
                            ("channel", self.channel), ("problem_kind", self.problem_kind)):
            if value:
                q &= Q(**{name: value})
        return q

    def grievance_q(self) -> Q:
        q = Q()
        for name, value in (("ministry_id", self.ministry_id), ("department_id", self.department_id),
                            ("service_id", self.service_id), ("district_id", self.district_id),
                            ("channel", self.channel), ("problem_kind", self.problem_kind)):
            if value:
                q &= Q(**{name: value})
        return q

    @property
    def by_agency_only(self) -> bool:
        """Narrowed by nothing but the period, the ministry and the department."""
        return not (self.service_id or self.district_id or self.channel or self.problem_kind)

    @property
    def at_agencies(self) -> bool:
        """Narrowed to a ministry or department: "received" then means forwarded to it."""
        return bool(self.ministry_id or self.department_id)


@dataclass(frozen=True)
class SummaryTables:
    daily: type[DailyFigures] | type[AgencyDailyFigures]
    days: type[ResolutionDays] | type[AgencyResolutionDays]
    open: type[OpenFigures] | type[AgencyOpenFigures]
    # The same as daily and days per calendar month, when there are such tables.
    monthly: type[AgencyMonthlyFigures] | None = None
    months: type[AgencyMonthlyResolutionDays] | None = None


FINE = SummaryTables(DailyFigures, ResolutionDays, OpenFigures)
BY_AGENCY = SummaryTables(AgencyDailyFigures, AgencyResolutionDays, AgencyOpenFigures, AgencyMonthlyFigures,
                          AgencyMonthlyResolutionDays)


def summary_tables(filters: FigureFilters, group: str | None) -> SummaryTables:
    """The per-agency tables when they hold what the filters and the grouping need, else the fine ones."""
    return BY_AGENCY if filters.by_agency_only and group in AGENCY_GROUPS else FINE


def filters_within_remit(official: Official, filters: FigureFilters) -> FigureFilters | None:
    """The filters narrowed to what the official may see, or None when he sees no figures at all.

    PMO, monitors and assessors see every ministry; a Secretary his ministry; a Head of Department
    his department. Agency officers and administrators have no dashboard.
    """
    if official.role in (Role.PMO, Role.MONITOR, Role.ASSESSOR):
        return filters
    if official.role == Role.SECRETARY and official.ministry_id:
        department = filters.department_id
        if department and not Department.objects.filter(pk=department, ministry_id=official.ministry_id).exists():
            department = None
        return replace(filters, ministry_id=official.ministry_id, department_id=department)
    if official.role == Role.HEAD_OF_DEPARTMENT and official.department_id:
        return replace(filters, ministry_id=official.ministry_id, department_id=official.department_id)
    return None


@dataclass
class Measures:
    """The figures of one row (a ministry, a department, …, or the total)."""

    key: Any
    label: str
    received: int = 0
    open: int = 0
    overdue: int = 0
    counters: dict[str, int] = field(default_factory=dict)
    median_days: int | None = None

    def __getattr__(self, name: str) -> int:
        if name in COUNTERS:
            return self.__dict__.get("counters", {}).get(name, 0)
        raise AttributeError(name)

    @property
    def within_limit_percent(self) -> int | None:
        resolved = self.counters.get("resolved", 0)
        return round(100 * self.counters.get("resolved_within_limit", 0) / resolved) if resolved else None

    @property
    def average_days(self) -> float | None:
        resolved = self.counters.get("resolved", 0)
        return round(self.counters.get("resolution_working_days_sum", 0) / resolved, 1) if resolved else None

    @property
    def average_rating(self) -> float | None:
        count = self.counters.get("rating_count", 0)
        return round(self.counters.get("rating_sum", 0) / count, 1) if count else None

    @property
    def average_assessment_days(self) -> float | None:
        assessed = self.counters.get("assessed", 0)
        return round(self.counters.get("assessment_working_days_sum", 0) / assessed, 1) if assessed else None


def _median(histogram: dict[int, int]) -> int | None:
    total = sum(histogram.values())
    if not total:
        return None
    middle, seen = (total + 1) // 2, 0
    for days in sorted(histogram):
        seen += histogram[days]
        if seen >= middle:
            return days
    return None  # pragma: no cover


_GRIEVANCE_FIELD = {"ministry": "ministry_id", "department": "department_id", "service": "service_id",
                    "district": "district_id", "channel": "channel", "problem_kind": "problem_kind"}


def measures(*, filters: FigureFilters, group: str | None, now: datetime) -> list[Measures]:
    """One row of measures per value of `group` (in name order), or a single total row when None.

    Counted events (received, resolved, …) are those of the period; open and overdue are now.
    """
    if group is not None and group not in GROUPS:
        raise ValueError(group)
    names = [group] if group else []
    tables = summary_tables(filters, group)
    found = _Found(
        counters=[values for queryset in _period_parts(filters, tables.daily, tables.monthly)
                  for values in _grouped(queryset, names, **_COUNTER_SUMS)],
        open=_grouped(tables.open._default_manager.filter(filters.summary_q()), names, n=Sum("count")),
        overdue=_overdue_counts(filters, group, now, by_agency=tables is BY_AGENCY),
        days=_resolution_days(filters, tables, names),
    )
    return _assemble(filters, group, found)


def _overdue_counts(filters: FigureFilters, group: str | None, now: datetime, *,
                    by_agency: bool) -> list[dict[str, Any]]:
    """Open grievances past their due date, per `group`: {group: key, "n": count}, or [{"n": count}].

    From the per-agency due dates when the figures allow it (the days before today: rows bounded by
    days and departments) plus the grievances due earlier today (an index range of one day); otherwise
    counted from the open grievances.
    """
    names = [group] if group else []
    if not by_agency:
        return [{group: v[_GRIEVANCE_FIELD[group]], "n": v["n"]} if group else v
                for v in _grouped(_overdue(filters, now), [_GRIEVANCE_FIELD[n] for n in names], n=Count("id"))]
    today = timezone.localdate(now)
    start_of_today = timezone.make_aware(datetime.combine(today, time.min))
    counts: dict[Any, int] = defaultdict(int)
    before_today = AgencyDueFigures.objects.filter(filters.summary_q(), due_day__lt=today)
    for v in _grouped(before_today, names, n=Sum("count")):
        counts[v.get(group) if group else None] += v["n"] or 0
    earlier_today = _overdue(filters, now).filter(due_at__gte=start_of_today)
    for v in _grouped(earlier_today, [_GRIEVANCE_FIELD[n] for n in names], n=Count("id")):
        counts[(v[_GRIEVANCE_FIELD[group]] or 0) if group else None] += v["n"] or 0
    if not group:
        return [{"n": counts[None]}]
    return [{group: key, "n": n} for key, n in counts.items()]


def breakdowns(*, filters: FigureFilters, groups: list[str], now: datetime) -> dict[str, list[Measures]]:
    """`measures` grouped by each of `groups`, the same rows, in fewer queries.

    On PostgreSQL the groups that read the fine tables (service, district, channel, kind of problem, or
    any group under such a filter) are counted together: one scan of each table with GROUPING SETS
    instead of one per group, which is most of a yearly report's time at a million grievances.
    """
    for group in groups:
        if group not in GROUPS:
            raise ValueError(group)
    fine = [g for g in groups if summary_tables(filters, g) is FINE]
    if connection.vendor != "postgresql" or len(fine) < 2:
        fine = []
    result = {g: measures(filters=filters, group=g, now=now) for g in groups if g not in fine}
    if fine:
        result.update(_fine_breakdowns(filters, fine, now))
    return {g: result[g] for g in groups}


def _fine_breakdowns(filters: FigureFilters, fine: list[str], now: datetime) -> dict[str, list[Measures]]:
    """`breakdowns` of groups read from the fine tables, with GROUPING SETS (PostgreSQL).

    In one transaction of the database the caller reads from (the replica when it reads from one).
    """
    using = router.db_for_read(DailyFigures) or DEFAULT_DB_ALIAS
    with transaction.atomic(using=using):
        with connections[using].cursor() as cursor:
            # Compiling these few aggregates to machine code (PostgreSQL's JIT, chosen for their cost) takes
            # longer than running them: about 0.5 s of a yearly report at a million grievances. The
            # combinations of a year's fine rows (about 36,000 at a million) are added up in memory.
            cursor.execute("SET LOCAL jit = off")
            cursor.execute("SET LOCAL work_mem = '64MB'")
        (daily,) = _period_parts(filters, FINE.daily, None)
        (days,) = _period_parts(filters, FINE.days, None)
        grievance_fields = [_GRIEVANCE_FIELD[g] for g in fine]
        counters = _grouping_sets(daily.using(using), fine, [], {f"sum_{c}": ("SUM", c) for c in COUNTERS},
                                  combinations_first=True)
        open_rows = _grouping_sets(OpenFigures.objects.using(using).filter(filters.summary_q()), fine, [],
                                   {"n": ("SUM", "count")})
        overdue = _grouping_sets(_overdue(filters, now).using(using), grievance_fields, [], {"n": ("COUNT", "id")})
        histograms = _grouping_sets(days.using(using), fine, ["working_days"], {"n": ("SUM", "count")})
    result = {}
    for group, field_name in zip(fine, grievance_fields, strict=True):
        found = _Found(counters=counters[group], open=open_rows[group],
                       overdue=[{group: v[field_name], "n": v["n"]} for v in overdue[field_name]],
                       days=histograms[group])
        result[group] = _assemble(filters, group, found)
    return result


_COUNTER_SUMS = {f"sum_{c}": Sum(c) for c in COUNTERS}


@dataclass(frozen=True)
class _Found:
    """The grouped rows read for one grouping: `group` (when any) and the sums of each table."""

    counters: list[dict[str, Any]]  # sum_<counter>
    open: list[dict[str, Any]]  # n
    overdue: list[dict[str, Any]]  # n
    days: list[dict[str, Any]]  # working_days, n


def _grouped(queryset: QuerySet[Any], fields: list[str], **sums: Any) -> list[dict[str, Any]]:
    """GROUP BY `fields`, or one aggregate over everything when there are none."""
    if not fields:
        return [dict(queryset.aggregate(**sums))]
    return [dict(v) for v in queryset.values(*fields).annotate(**sums)]


def _overdue(filters: FigureFilters, now: datetime) -> QuerySet[Grievance]:
    return Grievance.objects.filter(filters.grievance_q(), status__in=sorted(OPEN_STATUSES), due_at__lt=now)


def _grouping_sets(queryset: QuerySet[Any], fields: list[str], extra: list[str], sums: dict[str, tuple[str, str]],
                   *, combinations_first: bool = False) -> dict[str, list[dict[str, Any]]]:
    """The rows of `queryset` grouped by each of `fields` (with `extra`) in one statement (PostgreSQL's
    GROUP BY GROUPING SETS), as `_grouped(queryset, [field, *extra], ...)` would give for each field.

    `sums` maps each result's name to an aggregate function and the field it aggregates: ("SUM", "count").
    With `combinations_first`, the rows are first added up per combination of all the fields, which
    PostgreSQL can share among parallel workers (it cannot for grouping sets): worth it when the
    combinations are far fewer than the rows.
    """
    model = queryset.model
    compiler = queryset.query.get_compiler(using=queryset.db)
    try:
        where, params = compiler.compile(queryset.query.where)
    except FullResultSet:  # no condition at all
        where, params = "", ()
    quote = connections[queryset.db].ops.quote_name
    column = {name: quote(model._meta.get_field(name).column) for name in [*fields, *extra]}
    columns = ", ".join(column.values())
    aggregates = {alias: f"{function}({quote(model._meta.get_field(name).column)})"
                  for alias, (function, name) in sums.items()}
    # Only the model's quoted names and the ORM's own WHERE (with its parameters) go into the SQL.
    source = f"{quote(model._meta.db_table)} {'WHERE ' + where if where else ''}"
    if combinations_first:
        inner = ", ".join(f"{aggregate} AS {quote(alias)}" for alias, aggregate in aggregates.items())
        source = f"(SELECT {columns}, {inner} FROM {source} GROUP BY {columns}) combinations"  # noqa: S608
        aggregates = {alias: f"SUM({quote(alias)})" for alias in aggregates}
    grouping = ", ".join(f"GROUPING({column[f]}) AS {quote('grouping_' + f)}" for f in fields)
    summed = ", ".join(f"{aggregate} AS {quote(alias)}" for alias, aggregate in aggregates.items())
    sets = ", ".join("(" + ", ".join(column[n] for n in (f, *extra)) + ")" for f in fields)
    sql = f"SELECT {columns}, {grouping}, {summed} FROM {source} GROUP BY GROUPING SETS ({sets})"  # noqa: S608
    result: dict[str, list[dict[str, Any]]] = {f: [] for f in fields}
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(sql, params)
        names = [c.name for c in cursor.description]
        for record in cursor.fetchall():
            values = dict(zip(names, record, strict=True))
            (grouped_by,) = [f for f in fields if values[f"grouping_{f}"] == 0]
            result[grouped_by].append({n: values[n] for n in (grouped_by, *extra, *sums)})
    return result


def _assemble(filters: FigureFilters, group: str | None, found: _Found) -> list[Measures]:
    """The rows of measures from the sums read for `group`."""
    rows: dict[Any, Measures] = {}

    def row(values: dict[str, Any]) -> Measures:
        key = values.get(group) if group else None
        key = key or 0 if group in ("ministry", "department", "service", "district") else key
        if key not in rows:
            rows[key] = Measures(key=key, label="")
        return rows[key]

    for values in found.counters:
        r = row(values)
        r.counters = {c: r.counters.get(c, 0) + (values[f"sum_{c}"] or 0) for c in COUNTERS}
    for values in found.open:
        row(values).open = values["n"] or 0
    for values in found.overdue:
        row(values).overdue = values["n"] or 0
    histograms: dict[Any, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for values in found.days:
        histograms[row(values).key][values["working_days"]] += values["n"] or 0
    by_agency = filters.at_agencies or group in ("ministry", "department")
    for r in rows.values():
        r.median_days = _median(histograms.get(r.key, {}))
        r.received = r.counters.get("forwarded" if by_agency else "received", 0)
    if group is None and not rows:
        rows[None] = Measures(key=None, label="")
    labels = _labels(group, [k for k in rows if k])
    for r in rows.values():
        r.label = labels.get(r.key, "") if r.key else _none_label(group)
    return sorted(rows.values(), key=lambda r: (r.key in (0, ""), r.label.lower()))


def _period_parts(filters: FigureFilters, daily: type[models.Model],
                  monthly: type[models.Model] | None) -> list[QuerySet[Any]]:
    """The rows of the period in a daily table, narrowed by the filters' dimensions.

    With a monthly twin (whose `day` is the first of each month), the whole calendar months of the
    period are read from it and only the days before and after them from the daily table.
    """
    dims = filters.summary_q()
    first_month = filters.start if filters.start.day == 1 else _next_month(filters.start)
    after_months = _next_month(filters.end)
    if after_months - timedelta(days=1) != filters.end:
        after_months = filters.end.replace(day=1)
    if monthly is None or first_month >= after_months:
        return [daily._default_manager.filter(dims, day__gte=filters.start, day__lte=filters.end)]
    parts = [monthly._default_manager.filter(dims, day__gte=first_month, day__lt=after_months)]
    edges = [Q(day__gte=start, day__lte=end) for start, end in ((filters.start, first_month - timedelta(days=1)),
                                                                (after_months, filters.end)) if start <= end]
    if edges:
        parts.append(daily._default_manager.filter(dims, reduce(operator.or_, edges)))
    return parts


def _next_month(day: date) -> date:
    """The first day of the month after the one of `day`."""
    return (day.replace(day=1) + timedelta(days=32)).replace(day=1)


def _resolution_days(filters: FigureFilters, tables: SummaryTables, names: list[str]) -> list[dict[str, Any]]:
    """Resolutions per working days to resolve (and per `names`) in the period, in parts to be added up."""
    return [dict(v) for queryset in _period_parts(filters, tables.days, tables.months)
            for v in queryset.values(*names, "working_days").annotate(n=Sum("count"))]


def _none_label(group: str | None) -> str:
    if group in ("ministry", "department"):
        return _("Not with an agency (assessment)") if group == "ministry" else _("Ministry as a whole")
    if group == "service":
        return _("Other service")
    return _("All")


def _labels(group: str | None, keys: list[Any]) -> dict[Any, str]:
    model = {"ministry": Ministry, "department": Department, "service": Service, "district": District}.get(group or "")
    if model is not None:
        return {pk: name for pk, name in model._default_manager.filter(pk__in=keys).values_list("pk", "name")}
    if group == "channel":
        return {k: str(Channel(k).label) for k in keys if k in Channel.values}
    if group == "problem_kind":
        return {k: str(ProblemKind(k).label) for k in keys if k in ProblemKind.values}
    return {}


@dataclass(frozen=True)
class TrendPoint:
    month: date
    received: int
    resolved: int


def monthly_trend(*, filters: FigureFilters) -> list[TrendPoint]:
    """Received and resolved per calendar month of the period (months without any event included)."""
    received_field = "forwarded" if filters.at_agencies else "received"
    tables = summary_tables(filters, None)
    found: dict[date, tuple[int, int]] = {}
    for queryset in _period_parts(filters, tables.daily, tables.monthly):
        for v in (queryset.annotate(month=TruncMonth("day")).values("month")
                  .annotate(received=Sum(received_field), resolved=Sum("resolved"))):
            month = v["month"].date() if isinstance(v["month"], datetime) else v["month"]
            received, resolved = found.get(month, (0, 0))
            found[month] = (received + (v["received"] or 0), resolved + (v["resolved"] or 0))
    points = []
    month = filters.start.replace(day=1)
    while month <= filters.end:
        points.append(TrendPoint(month, *found.get(month, (0, 0))))
        month = _next_month(month)
    return points


def oldest_overdue(*, filters: FigureFilters, now: datetime, limit: int = 10) -> QuerySet[Grievance]:
    """The open grievances longest past their due date (the first entries of the partial index
    `grievance_open_due`, reports migration 0005)."""
    return (Grievance.objects.filter(filters.grievance_q(), status__in=sorted(OPEN_STATUSES), due_at__lt=now)
            .select_related("ministry", "department").order_by("due_at", "id")[:limit])


@dataclass(frozen=True)
class OfficerLoad:
    official_id: int | None
    name: str
    open: int
    overdue: int


def open_by_officer(*, filters: FigureFilters, now: datetime) -> list[OfficerLoad]:
    """Open grievances of the ministry/department per assigned officer (unassigned first)."""
    rows = (Grievance.objects.filter(filters.grievance_q(), status__in=sorted(OPEN_STATUSES))
            .values("assignee_id", "assignee__user__first_name", "assignee__user__last_name",
                    "assignee__user__username")
            .annotate(n=Count("id"), late=Count("id", filter=Q(due_at__lt=now))))
    loads = []
    for r in rows:
        name = " ".join(p for p in (r["assignee__user__first_name"], r["assignee__user__last_name"]) if p)
        loads.append(OfficerLoad(r["assignee_id"], name or r["assignee__user__username"] or _("Not assigned"),
                                 r["n"], r["late"]))
    return sorted(loads, key=lambda load: (load.official_id is not None, load.name.lower()))


@dataclass(frozen=True)
class AssessmentQueue:
    waiting: int
    awaiting_citizen: int
    overdue: int
    oldest: list[Grievance]


def assessment_queue(*, now: datetime, limit: int = 10) -> AssessmentQueue:
    """The Cabinet Secretariat's queue now (indexes (status, submitted_at), (status, assessment_due_at))."""
    waiting = Grievance.objects.filter(status=Status.SUBMITTED)
    counts = Grievance.objects.filter(status__in=[Status.SUBMITTED, Status.AWAITING_CITIZEN]).aggregate(
        # Counting status (never NULL), not id: the (status, assessment_due_at) index holds every column asked,
        # so the counts are an index-only scan instead of one heap page per waiting grievance.
        waiting=Count("status", filter=Q(status=Status.SUBMITTED)),
        awaiting=Count("status", filter=Q(status=Status.AWAITING_CITIZEN)),
        overdue=Count("status", filter=Q(status=Status.SUBMITTED, assessment_due_at__lt=now)),
    )
    return AssessmentQueue(
        waiting=counts["waiting"], awaiting_citizen=counts["awaiting"], overdue=counts["overdue"],
        oldest=list(waiting.order_by("submitted_at", "id")[:limit]),
    )
