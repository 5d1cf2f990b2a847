"""Keeping the summary tables equal to what the grievances and their history say.

`record_transition` is called by the grievance actions (in their transaction) for every change of
status and for the filing; `rebuild` replays every grievance's history from scratch, one grievance at
a time, and replaces the stored tables with the result (`recount` is the same replay kept in memory, for
checks). Both paths go through one pure function, `effects`, so they cannot disagree about what a
transition counts for. The per-agency tables (Agency*) are the fine ones summed (`by_agency` in `apply`,
GROUP BY in `rebuild`).

Definitions (the dashboards and reports rely on them):
- received: filed; forwarded: sent to a ministry (the ministry "receives" it that day; a grievance
  forwarded again after a return or an appeal is received again).
- working days to resolve: from filing (or from the appeal, for an appealed grievance's second round)
  to the resolution, counted as `calendar.working_days_between` of the local dates.
- resolved within the time limit: at an agency, at most the ministry's (or service's) resolution
  limit of working days after the last forwarding; resolved directly at assessment, at most the
  assessment limit after filing (or appeal). Limits are today's configuration: a rebuild after an
  administrator changes a limit re-judges past resolutions by the new one.
- time to assess: working days from filing (or appeal) to leaving assessment (forwarded, resolved,
  rejected, closed as duplicate); a returned grievance is assessed again and counts again.
"""

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache, lru_cache
from itertools import groupby
from operator import itemgetter
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connection, connections, models, router, transaction
from django.db.backends.utils import CursorWrapper
from django.db.models import Count, QuerySet, Sum
from django.db.models.functions import Coalesce, TruncDate, TruncMonth
from django.utils import timezone

from ekaasel.core.calendar import working_days_between
from ekaasel.grievances.models import Grievance, GrievanceEvent
from ekaasel.grievances.states import AGENCY_STATUSES, OPEN_STATUSES, Action, Status
from ekaasel.organisations.models import Department, District, Holiday, Ministry, Service
from ekaasel.organisations.selectors import holidays_between
from ekaasel.reports.models import (
    DAY_COUNTERS,
    DAYS_BUCKETS,
    DIMENSIONS,
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

# --- the pure part --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Dims:
    ministry: int
    department: int
    service: int
    district: int
    channel: str
    problem_kind: str

    def as_key(self) -> dict[str, Any]:
        return {"ministry": self.ministry, "department": self.department, "service": self.service,
                "district": self.district, "channel": self.channel, "problem_kind": self.problem_kind}


@dataclass(frozen=True)
class Moment:
    """What the figures need to know about one transition of one grievance."""

    from_status: Status | None  # None: the grievance is being filed
    to_status: Status
    before: Dims
    after: Dims
    now: datetime
    round_start: datetime  # filed, or appealed
    forwarded_at: datetime | None
    rating: int | None
    resolution_limit: int  # working days, of the grievance's ministry/service


@dataclass
class Effects:
    """Increments to the three tables (a Counter per key)."""

    daily: dict[tuple[date, Dims], Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    days: Counter[tuple[date, Dims, int]] = field(default_factory=Counter)
    open: Counter[tuple[Dims, str]] = field(default_factory=Counter)


@dataclass
class AgencyEffects:
    """The same increments per ministry and department only (keys without service, district, channel, kind)."""

    daily: dict[tuple[date, int, int], Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    days: Counter[tuple[date, int, int, int]] = field(default_factory=Counter)
    open: Counter[tuple[int, int, str]] = field(default_factory=Counter)
    # `daily` and `days` per first day of the month:
    monthly: dict[tuple[date, int, int], Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    months: Counter[tuple[date, int, int, int]] = field(default_factory=Counter)


def by_agency(found: Effects) -> AgencyEffects:
    """`found` summed over service, district, channel and kind of problem: the rows of the Agency* tables."""
    coarse = AgencyEffects()
    for (day, dims), counters in found.daily.items():
        coarse.daily[(day, dims.ministry, dims.department)].update(counters)
        coarse.monthly[(day.replace(day=1), dims.ministry, dims.department)].update(counters)
    for (day, dims, working_days), count in found.days.items():
        coarse.days[(day, dims.ministry, dims.department, working_days)] += count
        coarse.months[(day.replace(day=1), dims.ministry, dims.department, working_days)] += count
    for (dims, status), count in found.open.items():
        coarse.open[(dims.ministry, dims.department, status)] += count
    return coarse


WorkingDays = Callable[[datetime, datetime], int]


def effects(m: Moment, working_days: WorkingDays, into: Effects) -> None:
    """Add what transition `m` counts for to `into`."""
    if m.from_status == m.to_status:
        return
    day = timezone.localtime(m.now).date()
    daily = into.daily[(day, m.after)]
    if m.from_status in OPEN_STATUSES:
        into.open[(m.before, str(m.from_status))] -= 1
    if m.to_status in OPEN_STATUSES:
        into.open[(m.after, str(m.to_status))] += 1
    if m.from_status is None:
        daily["received"] += 1
    if m.from_status == Status.SUBMITTED and m.to_status in (
        Status.FORWARDED, Status.RESOLVED, Status.REJECTED, Status.CLOSED,
    ):
        daily["assessed"] += 1
        daily["assessment_working_days_sum"] += working_days(m.round_start, m.now)
    if m.to_status == Status.FORWARDED:
        daily["forwarded"] += 1
    elif m.to_status == Status.RESOLVED:
        taken = working_days(m.round_start, m.now)
        daily["resolved"] += 1
        daily["resolution_working_days_sum"] += taken
        into.days[(day, m.after, min(taken, DAYS_BUCKETS))] += 1
        if m.from_status in AGENCY_STATUSES and m.forwarded_at is not None:
            within = working_days(m.forwarded_at, m.now) <= m.resolution_limit
        else:
            within = taken <= settings.EKAASEL["ASSESSMENT_WORKING_DAYS"]
        daily["resolved_within_limit"] += int(within)
    elif m.to_status == Status.REJECTED:
        daily["rejected"] += 1
    elif m.to_status == Status.WITHDRAWN:
        daily["withdrawn"] += 1
    elif m.to_status == Status.CLOSED:
        daily["closed"] += 1
        if m.from_status == Status.RESOLVED and m.rating is not None:
            daily["rating_sum"] += m.rating
            daily["rating_count"] += 1
    elif m.to_status == Status.SUBMITTED and m.from_status in (Status.RESOLVED, Status.REJECTED):
        daily["appeals"] += 1


def resolution_limit(ministry_days: int | None, service_days: int | None) -> int:
    """The rule of sla.resolution_working_days, on plain numbers."""
    if service_days:
        return service_days
    return ministry_days or settings.EKAASEL["DEFAULT_RESOLUTION_WORKING_DAYS"]


def _local(moment: datetime) -> date:
    return timezone.localtime(moment).date()


def _working_days_with(holidays: Iterable[date]) -> WorkingDays:
    holiday_set = set(holidays)
    weekend = settings.EKAASEL["WEEKEND_DAYS"]
    zone = timezone.get_current_timezone()

    # A replay asks for the same few spans of days millions of times: remember the latest ones.
    @lru_cache(maxsize=1 << 16)
    def between(start: date, end: date) -> int:
        return working_days_between(start, end, holidays=holiday_set, weekend=weekend)

    def count(start: datetime, end: datetime) -> int:
        return between(start.astimezone(zone).date(), end.astimezone(zone).date())

    return count


# --- in the action's transaction ------------------------------------------------------------------


_UNSET = -1


def _dims(g: Grievance, *, ministry: int | None, department: int | None, service: int | None = _UNSET,
          district: int = _UNSET) -> Dims:
    return Dims(ministry or 0, department or 0, (g.service_id if service == _UNSET else service) or 0,
                g.district_id if district == _UNSET else district, str(g.channel), str(g.problem_kind))


def record_transition(grievance: Grievance, from_status: Status | None, to_status: Status, now: datetime) -> None:
    """Count one change of status (or the filing, `from_status=None`) in the summary tables.

    Called by the actions inside their transaction, after the new values are set on `grievance` and
    before they are saved: a forwarding or a return moves the grievance between ministries, and the
    ministry it leaves is still the stored one. Changes without a new status count for nothing.
    """
    if from_status == to_status:
        return
    after = _dims(grievance, ministry=grievance.ministry_id, department=grievance.department_id)
    before = after
    due_before = grievance.due_at
    if from_status in OPEN_STATUSES and to_status in (Status.FORWARDED, Status.SUBMITTED):
        # A forwarding may also reclassify the service and district: the open count leaves the old ones.
        # A return clears the ministry and the due date: the due count leaves the stored ones.
        stored = Grievance.objects.filter(pk=grievance.pk).values_list(
            "ministry_id", "department_id", "service_id", "district_id", "due_at").get()
        before = _dims(grievance, ministry=stored[0], department=stored[1], service=stored[2],
                       district=stored[3])
        due_before = stored[4]
    due_moves = _due_moves(_due_key(from_status, before, due_before), _due_key(to_status, after, grievance.due_at))
    limit = 0
    if to_status == Status.RESOLVED and from_status in AGENCY_STATUSES:
        ministry_days = Ministry.objects.filter(pk=grievance.ministry_id or 0).values_list(
            "resolution_working_days", flat=True).first()
        service_days = Service.objects.filter(pk=grievance.service_id).values_list(
            "resolution_working_days", flat=True).first() if grievance.service_id else None
        limit = resolution_limit(ministry_days, service_days)
    round_start = grievance.appealed_at if grievance.is_appeal and grievance.appealed_at else grievance.submitted_at
    moment = Moment(
        from_status=from_status, to_status=to_status, before=before, after=after, now=now,
        round_start=round_start, forwarded_at=grievance.forwarded_at, rating=grievance.rating,
        resolution_limit=limit,
    )
    needs_calendar = to_status == Status.RESOLVED or from_status == Status.SUBMITTED
    if needs_calendar:
        earliest = min(round_start, grievance.forwarded_at or round_start)
        working_days = _working_days_with(holidays_between(_local(earliest), _local(now)))
    else:
        working_days = _working_days_with(())
    found = Effects()
    effects(moment, working_days, found)
    apply(found, also=due_moves)


def _due_key(status: Status | None, dims: Dims, due_at: datetime | None) -> tuple[int, int, date] | None:
    """The AgencyDueFigures row a grievance in `status` counts in, if any (open at an agency, with a due date)."""
    if status not in AGENCY_STATUSES or due_at is None:
        return None
    return dims.ministry, dims.department, _local(due_at)


# A summary row and what to add to its counters: (table, the row's key, increments).
Bump = tuple[type[models.Model], dict[str, Any], dict[str, int]]


def _due_moves(before: tuple[int, int, date] | None, after: tuple[int, int, date] | None) -> list[Bump]:
    if before == after:
        return []
    return [(AgencyDueFigures, {"ministry": key[0], "department": key[1], "due_day": key[2]}, {"count": step})
            for key, step in ((before, -1), (after, 1)) if key is not None]


def _bump_all(bumps: Iterable[Bump]) -> None:
    """Add each bump's increments to its row, creating it: INSERT ... ON CONFLICT DO UPDATE (two transactions
    creating the same row at once meet at its unique key, and the second one adds to it).

    On PostgreSQL all of them are one statement (each upsert a data-modifying WITH clause): the rows every
    action of the day shares stay locked from that statement to the commit, and nothing else runs between.
    """
    statements: dict[str, list[tuple[str, list[Any]]]] = defaultdict(list)
    for model, key, increments in bumps:
        increments = {name: value for name, value in increments.items() if value}
        if not increments:
            continue
        using = router.db_for_write(model) or DEFAULT_DB_ALIAS
        connection_ = connections[using]
        names = (*key, *increments)
        values = {**key, **increments}
        params = [f.get_db_prep_save(values[f.name], connection_) for f in _fields(model, names)]
        statements[using].append((_upsert_sql(model, using, tuple(key), tuple(increments)), params))
    for using, upserts in statements.items():
        with connections[using].cursor() as cursor:
            if connections[using].vendor == "postgresql" and len(upserts) > 1:
                clauses = ", ".join(f"u{i} AS ({sql} RETURNING 1)" for i, (sql, _) in enumerate(upserts))
                cursor.execute(f"WITH {clauses} SELECT 1", [p for _, params in upserts for p in params])
            else:
                for sql, params in upserts:
                    cursor.execute(sql, params)


@cache
def _fields(model: type[models.Model], names: tuple[str, ...]) -> list[Any]:
    return [model._meta.get_field(name) for name in names]


@cache
def _upsert_sql(model: type[models.Model], using: str, key: tuple[str, ...], counters: tuple[str, ...]) -> str:
    """The upsert of one row naming only its key and the counters it adds to (the others start at their
    database default, 0): a short statement with few parameters, which psycopg parses once per process."""
    quote = connections[using].ops.quote_name
    table = quote(model._meta.db_table)
    column = {f.name: quote(str(f.column)) for f in _fields(model, (*key, *counters))}
    updates = ", ".join(f"{column[c]} = {table}.{column[c]} + EXCLUDED.{column[c]}" for c in counters)
    return (f"INSERT INTO {table} ({', '.join(column.values())}) "  # noqa: S608 - the model's names
            f"VALUES ({', '.join(['%s'] * len(column))}) "
            f"ON CONFLICT ({', '.join(column[k] for k in key)}) DO UPDATE SET {updates}")


def apply(found: Effects, *, also: Iterable[Bump] = ()) -> None:
    """Add the increments of `found` (and the bumps `also`) to the stored tables, fine and per agency."""
    coarse = by_agency(found)
    _bump_all([
        *also,
        *((DailyFigures, {"day": day, **dims.as_key()}, dict(counters))
          for (day, dims), counters in found.daily.items()),
        *((ResolutionDays, {"day": day, **dims.as_key(), "working_days": working_days}, {"count": count})
          for (day, dims, working_days), count in found.days.items()),
        *((OpenFigures, {**dims.as_key(), "status": status}, {"count": count})
          for (dims, status), count in found.open.items()),
        *((AgencyDailyFigures, {"day": day, "ministry": ministry, "department": department}, dict(counters))
          for (day, ministry, department), counters in coarse.daily.items()),
        *((AgencyMonthlyFigures, {"day": month, "ministry": ministry, "department": department}, dict(counters))
          for (month, ministry, department), counters in coarse.monthly.items()),
        *((AgencyResolutionDays, {"day": day, "ministry": ministry, "department": department,
                                  "working_days": working_days}, {"count": count})
          for (day, ministry, department, working_days), count in coarse.days.items()),
        *((AgencyMonthlyResolutionDays, {"day": month, "ministry": ministry, "department": department,
                                         "working_days": working_days}, {"count": count})
          for (month, ministry, department, working_days), count in coarse.months.items()),
        *((AgencyOpenFigures, {"ministry": ministry, "department": department, "status": status}, {"count": count})
          for (ministry, department, status), count in coarse.open.items()),
    ])


# --- from scratch ---------------------------------------------------------------------------------

_REPLAYED = (Action.SUBMIT, Action.FORWARD, Action.RETURN, Action.APPEAL, Action.RATE, Action.RESOLVE,
             Action.REJECT, Action.MARK_DUPLICATE, Action.CLOSE, Action.WITHDRAW, Action.ASK_INFO,
             Action.PROVIDE_INFO, Action.ACKNOWLEDGE)

# A replayed event with the columns of its grievance: (grievance, service, district, channel, kind of problem,
# action, from status, to status, data, time). One query gives both: no table of all grievances in memory.
_EVENT_COLUMNS = ("grievance_id", "grievance__service_id", "grievance__district_id", "grievance__channel",
                  "grievance__problem_kind", "action", "from_status", "to_status", "data", "created_at")
Event = tuple[int, int | None, int, str, str, str, str, str, Any, datetime]


@dataclass(frozen=True)
class _Catalogue:
    """What a replay needs besides the history: the catalogue's codes and time limits, and the holidays."""

    ministry_ids: dict[str, int]
    department_ids: dict[str, int]
    service_ids: dict[str, int]
    district_ids: dict[str, int]
    ministry_days: dict[int, int | None]
    service_days: dict[int, int | None]
    working_days: WorkingDays

    @classmethod
    def load(cls) -> "_Catalogue":
        return cls(
            ministry_ids=dict(Ministry.objects.values_list("code", "id")),
            department_ids=dict(Department.objects.values_list("code", "id")),
            service_ids=dict(Service.objects.values_list("code", "id")),
            district_ids=dict(District.objects.values_list("code", "id")),
            ministry_days=dict(Ministry.objects.values_list("id", "resolution_working_days")),
            service_days=dict(Service.objects.values_list("id", "resolution_working_days")),
            working_days=_working_days_with(Holiday.objects.values_list("date", flat=True)),
        )


def histories(*, chunk_size: int = 10_000) -> Iterator[list[Event]]:
    """Each grievance's replayed events in order, one list per grievance, in order of grievance.

    One ordered read (a server-side cursor on PostgreSQL): memory holds one grievance's history at a time.
    """
    events = (GrievanceEvent.objects.filter(action__in=_REPLAYED)
              .order_by("grievance_id", "created_at", "id").values_list(*_EVENT_COLUMNS))
    for _, history in groupby(events.iterator(chunk_size=chunk_size), key=itemgetter(0)):
        yield list(history)


def replay(history: Sequence[Event], catalogue: _Catalogue, into: Effects) -> None:
    """Add what one grievance's history (its events from `histories`) counts for to `into`.

    The same `effects` as the actions, with the grievance's ministry, department, service and district
    as they were at each event.
    """
    _, service_id, district_id, channel, problem_kind = history[0][:5]
    # A grievance reclassified at forwarding was counted under its first service and district until then.
    first: dict[str, int | None] = {}
    for event in history:
        data = event[8]
        if event[5] == Action.FORWARD and isinstance(data, dict) and "reclassified" in data:
            for name, ids in (("service", catalogue.service_ids), ("district", catalogue.district_ids)):
                if name in data["reclassified"] and name not in first:
                    first[name] = ids.get(str(data["reclassified"][name][0]))
    state: dict[str, Any] = {"ministry": 0, "department": 0, "round_start": history[0][9], "forwarded_at": None,
                             "service": first.get("service", service_id),
                             "district": first.get("district", district_id)}
    kind = (channel, problem_kind)
    for _, _, _, _, _, action, from_status, to_status, data, created_at in history:
        before = _replay_dims(state, kind)
        if action == Action.FORWARD:
            state["ministry"] = catalogue.ministry_ids.get(str((data or {}).get("ministry")), 0)
            state["department"] = catalogue.department_ids.get(str((data or {}).get("department")), 0)
            state["forwarded_at"] = created_at
            changed = (data or {}).get("reclassified", {})
            if "service" in changed:
                state["service"] = catalogue.service_ids.get(str(changed["service"][1]))
            if "district" in changed:
                state["district"] = catalogue.district_ids.get(str(changed["district"][1]))
        elif action == Action.RETURN:
            state["ministry"] = state["department"] = 0
        elif action == Action.APPEAL:
            state["round_start"] = created_at
        rating = (data or {}).get("rating") if action == Action.RATE else None
        moment = Moment(
            from_status=None if action == Action.SUBMIT else Status(from_status),
            to_status=Status(to_status), before=before, after=_replay_dims(state, kind), now=created_at,
            round_start=state["round_start"], forwarded_at=state["forwarded_at"], rating=rating,
            resolution_limit=resolution_limit(catalogue.ministry_days.get(state["ministry"]),
                                              catalogue.service_days.get(state["service"])),
        )
        effects(moment, catalogue.working_days, into)


def _replay_dims(state: dict[str, Any], kind: tuple[str, str]) -> Dims:
    return Dims(state["ministry"], state["department"], state["service"] or 0, state["district"], *kind)


def recount() -> Effects:
    """The three tables as the grievances and their history say they should be (no writes), in memory.

    For checks on test-sized data: `rebuild` streams the same replay into the database.
    """
    catalogue = _Catalogue.load()
    found = Effects()
    for history in histories():
        replay(history, catalogue, found)
    return found


def stored() -> Effects:
    """The three tables as stored, in the shape of `recount` (rows at zero left out)."""
    found = Effects()
    daily: list[dict[str, Any]] = [dict(r) for r in DailyFigures.objects.values()]
    for row in daily:
        key = (row["day"], _row_dims(row))
        for name in DAY_COUNTERS:
            if row[name]:
                found.daily[key][name] += row[name]
    days: list[dict[str, Any]] = [dict(r) for r in ResolutionDays.objects.values()]
    for row in days:
        if row["count"]:
            found.days[(row["day"], _row_dims(row), row["working_days"])] += row["count"]
    open_rows: list[dict[str, Any]] = [dict(r) for r in OpenFigures.objects.values()]
    for row in open_rows:
        if row["count"]:
            found.open[(_row_dims(row), row["status"])] += row["count"]
    return found


def stored_by_agency() -> AgencyEffects:
    """The three Agency* tables as stored, in the shape of `by_agency`."""
    found = AgencyEffects()
    daily: list[dict[str, Any]] = [dict(r) for r in AgencyDailyFigures.objects.values()]
    for row in daily:
        for name in DAY_COUNTERS:
            if row[name]:
                found.daily[(row["day"], row["ministry"], row["department"])][name] += row[name]
    days: list[dict[str, Any]] = [dict(r) for r in AgencyResolutionDays.objects.values()]
    for row in days:
        if row["count"]:
            found.days[(row["day"], row["ministry"], row["department"], row["working_days"])] += row["count"]
    monthly: list[dict[str, Any]] = [dict(r) for r in AgencyMonthlyFigures.objects.values()]
    for row in monthly:
        for name in DAY_COUNTERS:
            if row[name]:
                found.monthly[(row["day"], row["ministry"], row["department"])][name] += row[name]
    months: list[dict[str, Any]] = [dict(r) for r in AgencyMonthlyResolutionDays.objects.values()]
    for row in months:
        if row["count"]:
            found.months[(row["day"], row["ministry"], row["department"], row["working_days"])] += row["count"]
    open_rows: list[dict[str, Any]] = [dict(r) for r in AgencyOpenFigures.objects.values()]
    for row in open_rows:
        if row["count"]:
            found.open[(row["ministry"], row["department"], row["status"])] += row["count"]
    return found


def normalised(found: Effects | AgencyEffects) -> tuple[dict[Any, dict[str, int]], dict[Any, int], dict[Any, int]]:
    """`found` without zero counters, for comparing a recount with the stored tables."""
    daily = {key: {k: v for k, v in c.items() if v} for key, c in found.daily.items()}
    return (
        {key: c for key, c in daily.items() if c},
        {key: v for key, v in found.days.items() if v},
        {key: v for key, v in found.open.items() if v},
    )


def _row_dims(row: dict[str, Any]) -> Dims:
    return Dims(row["ministry"], row["department"], row["service"], row["district"], row["channel"],
                row["problem_kind"])


def open_recount() -> dict[tuple[Dims, str], int]:
    """Open grievances per dimensions and status, straight from the grievances table (a check)."""
    rows = (Grievance.objects.filter(status__in=sorted(OPEN_STATUSES))
            .values("ministry_id", "department_id", "service_id", "district_id", "channel", "problem_kind", "status")
            .annotate(n=Count("id")))
    return {
        (Dims(r["ministry_id"] or 0, r["department_id"] or 0, r["service_id"] or 0, r["district_id"], r["channel"],
              r["problem_kind"]), r["status"]): r["n"]
        for r in rows
    }



def _due_rows() -> QuerySet[Any, Any]:
    """Grievances open at an agency per ministry, department (0: none) and local due date."""
    return (Grievance.objects.filter(status__in=sorted(AGENCY_STATUSES), due_at__isnull=False)
            .annotate(m=Coalesce("ministry_id", 0), d=Coalesce("department_id", 0),
                      due_day=TruncDate("due_at", tzinfo=timezone.get_current_timezone()))
            .values("m", "d", "due_day").annotate(n=Count("id")).order_by("m", "d", "due_day"))


def due_recount() -> dict[tuple[int, int, date], int]:
    """AgencyDueFigures as the grievances table says it should be."""
    return {(r["m"], r["d"], r["due_day"]): r["n"] for r in _due_rows()}


def stored_due() -> dict[tuple[int, int, date], int]:
    """AgencyDueFigures as stored, in the shape of `due_recount` (rows at zero left out)."""
    return {(r.ministry, r.department, r.due_day): r.count for r in AgencyDueFigures.objects.exclude(count=0)}


# --- the rebuild ----------------------------------------------------------------------------------

REBUILD_CHUNK = 50_000  # grievances replayed between two writes to the staging tables

# Each fine table, the staging table its rows are summed from, its key and its summed columns.
_FINE = (
    (DailyFigures, "summaries_staging_daily", ("day", *DIMENSIONS), DAY_COUNTERS),
    (ResolutionDays, "summaries_staging_days", ("day", *DIMENSIONS, "working_days"), ("count",)),
    (OpenFigures, "summaries_staging_open", (*DIMENSIONS, "status"), ("count",)),
)
# Each per-agency table and the fine table it sums, as in migration 0004.
_BY_AGENCY = (
    (AgencyDailyFigures, DailyFigures, ("day", "ministry", "department"), DAY_COUNTERS),
    (AgencyResolutionDays, ResolutionDays, ("day", "ministry", "department", "working_days"), ("count",)),
    (AgencyOpenFigures, OpenFigures, ("ministry", "department", "status"), ("count",)),
)
_MONTHLY = (
    (AgencyMonthlyFigures, AgencyDailyFigures, ("ministry", "department"), DAY_COUNTERS),
    (AgencyMonthlyResolutionDays, AgencyResolutionDays, ("ministry", "department", "working_days"), ("count",)),
)
_COLUMN_TYPES = {"day": "date", "channel": "varchar(12)", "problem_kind": "varchar(20)", "status": "varchar(20)"}


@dataclass(frozen=True)
class Rebuilt:
    """What `rebuild` wrote."""

    grievances: int  # replayed
    received: int
    daily_rows: int
    open_rows: int


Progress = Callable[[int, int], None]  # (grievances replayed, grievances in all)


def rebuild(*, chunk_size: int = REBUILD_CHUNK, progress: Progress | None = None) -> Rebuilt:
    """Replace the summary tables by a full recount, in memory bounded whatever the number of grievances.

    The history is replayed one grievance at a time (`histories`, `replay`); the increments of every
    `chunk_size` grievances go to temporary staging tables, and at the end one INSERT ... SELECT ...
    GROUP BY per table replaces the stored rows; the per-agency tables are summed from the new fine ones.
    One transaction: the dashboards read the old rows until it commits. Run it while actions are quiet
    (a transition recorded meanwhile is lost at the swap).
    """
    catalogue = _Catalogue.load()
    total = Grievance.objects.count()
    done = 0
    with transaction.atomic(), connection.cursor() as cursor:
        _create_staging(cursor)
        found = Effects()
        for history in histories():
            replay(history, catalogue, found)
            done += 1
            if done % chunk_size == 0:
                _stage(cursor, found)
                found = Effects()
                if progress is not None:
                    progress(done, total)
        _stage(cursor, found)
        if progress is not None and done % chunk_size:
            progress(done, total)
        _replace_summaries(cursor)
        for _, staging, _, _ in _FINE:
            cursor.execute(f"DROP TABLE {staging}")
    received = DailyFigures.objects.aggregate(n=Sum("received"))["n"] or 0
    return Rebuilt(grievances=done, received=received, daily_rows=DailyFigures.objects.count(),
                   open_rows=OpenFigures.objects.count())


def _create_staging(cursor: CursorWrapper) -> None:
    for _, staging, keys, sums in _FINE:
        columns = ", ".join(f"{name} {_COLUMN_TYPES.get(name, 'integer')}" for name in (*keys, *sums))
        cursor.execute(f"DROP TABLE IF EXISTS {staging}")
        cursor.execute(f"CREATE TEMPORARY TABLE {staging} ({columns})")


def _stage(cursor: CursorWrapper, found: Effects) -> None:
    """Append the increments of `found` to the staging tables (COPY on PostgreSQL)."""
    daily: Iterator[tuple[Any, ...]] = ((day, *_dims_row(dims), *(counters[name] for name in DAY_COUNTERS))
                                        for (day, dims), counters in found.daily.items() if any(counters.values()))
    days: Iterator[tuple[Any, ...]] = ((day, *_dims_row(dims), working_days, count)
                                       for (day, dims, working_days), count in found.days.items() if count)
    open_rows: Iterator[tuple[Any, ...]] = ((*_dims_row(dims), status, count)
                                            for (dims, status), count in found.open.items() if count)
    for (_, staging, keys, sums), rows in zip(_FINE, (daily, days, open_rows), strict=True):
        columns = ", ".join((*keys, *sums))
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {staging} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            placeholders = ", ".join(["%s"] * (len(keys) + len(sums)))
            insert = f"INSERT INTO {staging} ({columns}) VALUES ({placeholders})"  # noqa: S608 - this module's names
            cursor.executemany(insert, list(rows))


def _dims_row(dims: Dims) -> tuple[int, int, int, int, str, str]:
    return dims.ministry, dims.department, dims.service, dims.district, dims.channel, dims.problem_kind


def _replace_summaries(cursor: CursorWrapper) -> None:
    """Replace every summary table's rows by the sums of the staging tables (rows at zero left out)."""
    quote = connection.ops.quote_name
    grouped_tables: list[tuple[type[models.Model], str, tuple[str, ...], tuple[str, ...]]] = [
        *((model, staging, keys, sums) for model, staging, keys, sums in _FINE),
        *((model, fine._meta.db_table, keys, sums) for model, fine, keys, sums in _BY_AGENCY),
    ]
    for model, source, keys, sums in grouped_tables:
        grouped = ", ".join(quote(name) for name in keys)
        summed = ", ".join(f"SUM({quote(name)})" for name in sums)
        nonzero = " OR ".join(f"SUM({quote(name)}) <> 0" for name in sums)
        # In key order: the rows of a period together on disk, as the daily upserts leave them.
        select = f"SELECT {grouped}, {summed} FROM {quote(source)} GROUP BY {grouped} HAVING {nonzero}"  # noqa: S608
        _replace_rows(cursor, model, (*keys, *sums), f"{select} ORDER BY {grouped}", ())
    for monthly, daily, keys, sums in _MONTHLY:
        # Truncating to the month is not portable SQL: the ORM writes the grouped SELECT.
        months = (daily._default_manager.annotate(month=TruncMonth("day")).values("month", *keys)
                  .annotate(**{f"sum_{name}": Sum(name) for name in sums}).order_by("month", *keys))
        select, params = months.query.sql_with_params()
        selected = ", ".join(quote(name) for name in ("month", *keys, *(f"sum_{name}" for name in sums)))
        select = f"SELECT {selected} FROM ({select}) months"  # noqa: S608 - this module's names and the ORM's SQL
        _replace_rows(cursor, monthly, ("day", *keys, *sums), select, params)
    # Open at an agency per due date: a state of now, counted from the grievances table (not the history).
    select, params = _due_rows().query.sql_with_params()
    selected = ", ".join(quote(name) for name in ("m", "d", "due_day", "n"))
    _replace_rows(cursor, AgencyDueFigures, ("ministry", "department", "due_day", "count"),
                  f"SELECT {selected} FROM ({select}) due", params)  # noqa: S608 - as above


def _replace_rows(cursor: CursorWrapper, model: type[models.Model], columns: tuple[str, ...], select: str,
                  params: Sequence[Any]) -> None:
    """Delete the rows of `model`'s table and insert those of `select` (SQL built from this module's names).

    DELETE, not TRUNCATE: readers keep seeing the old rows until the transaction commits.
    """
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    cursor.execute(f"DELETE FROM {table}")  # noqa: S608 - a model's table name
    cursor.execute(f"INSERT INTO {table} ({', '.join(quote(name) for name in columns)}) {select}", params)
