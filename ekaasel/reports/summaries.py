"""Keeping the summary tables equal to what the grievances and their history say.

`record_transition` is called by the grievance actions (in their transaction) for every change of
status and for the filing; `recount` computes the same tables from scratch, and `rebuild` replaces
the stored tables with it. Both paths go through one pure function, `effects`, so they cannot
disagree about what a transition counts for. The per-agency tables (Agency*) are the fine ones summed
by `by_agency`, written by the same `apply` and `rebuild`.

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
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.db.models import Count, F
from django.utils import timezone

from ekaasel.core.calendar import working_days_between
from ekaasel.grievances.models import Grievance, GrievanceEvent
from ekaasel.grievances.states import AGENCY_STATUSES, OPEN_STATUSES, Action, Status
from ekaasel.organisations.models import Department, District, Holiday, Ministry, Service
from ekaasel.organisations.selectors import holidays_between
from ekaasel.reports.models import (
    DAY_COUNTERS,
    DAYS_BUCKETS,
    AgencyDailyFigures,
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

    def count(start: datetime, end: datetime) -> int:
        return working_days_between(_local(start), _local(end), holidays=holiday_set, weekend=weekend)

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
    if from_status in OPEN_STATUSES and to_status in (Status.FORWARDED, Status.SUBMITTED):
        # A forwarding may also reclassify the service and district: the open count leaves the old ones.
        stored = Grievance.objects.filter(pk=grievance.pk).values_list(
            "ministry_id", "department_id", "service_id", "district_id").get()
        before = _dims(grievance, ministry=stored[0], department=stored[1], service=stored[2],
                       district=stored[3])
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
    apply(found)


def _bump(model: type[models.Model], key: dict[str, Any], increments: dict[str, int]) -> None:
    """Add `increments` to the row of `key`, creating it; safe when two transactions create it at once."""
    increments = {name: value for name, value in increments.items() if value}
    if not increments:
        return
    updates = {name: F(name) + value for name, value in increments.items()}
    if model._default_manager.filter(**key).update(**updates):
        return
    try:
        with transaction.atomic():
            model._default_manager.create(**key, **increments)
    except IntegrityError:
        # Another transaction created the row between our update and our insert.
        model._default_manager.filter(**key).update(**updates)


def apply(found: Effects) -> None:
    """Add the increments of `found` to the stored tables, the fine ones and the per-agency ones."""
    for (day, dims), counters in found.daily.items():
        _bump(DailyFigures, {"day": day, **dims.as_key()}, dict(counters))
    for (day, dims, working_days), count in found.days.items():
        _bump(ResolutionDays, {"day": day, **dims.as_key(), "working_days": working_days}, {"count": count})
    for (dims, status), count in found.open.items():
        _bump(OpenFigures, {**dims.as_key(), "status": status}, {"count": count})
    coarse = by_agency(found)
    for (day, ministry, department), counters in coarse.daily.items():
        _bump(AgencyDailyFigures, {"day": day, "ministry": ministry, "department": department}, dict(counters))
    for (month, ministry, department), counters in coarse.monthly.items():
        _bump(AgencyMonthlyFigures, {"day": month, "ministry": ministry, "department": department}, dict(counters))
    for (day, ministry, department, working_days), count in coarse.days.items():
        _bump(AgencyResolutionDays, {"day": day, "ministry": ministry, "department": department,
                                     "working_days": working_days}, {"count": count})
    for (month, ministry, department, working_days), count in coarse.months.items():
        _bump(AgencyMonthlyResolutionDays, {"day": month, "ministry": ministry, "department": department,
                                            "working_days": working_days}, {"count": count})
    for (ministry, department, status), count in coarse.open.items():
        _bump(AgencyOpenFigures, {"ministry": ministry, "department": department, "status": status},
              {"count": count})


# --- from scratch ---------------------------------------------------------------------------------

_REPLAYED = (Action.SUBMIT, Action.FORWARD, Action.RETURN, Action.APPEAL, Action.RATE, Action.RESOLVE,
             Action.REJECT, Action.MARK_DUPLICATE, Action.CLOSE, Action.WITHDRAW, Action.ASK_INFO,
             Action.PROVIDE_INFO, Action.ACKNOWLEDGE)


def recount() -> Effects:
    """The three tables as the grievances and their history say they should be (no writes).

    Replays each grievance's status events in order, with the same `effects` as the actions.
    """
    ministry_ids = dict(Ministry.objects.values_list("code", "id"))
    department_ids = dict(Department.objects.values_list("code", "id"))
    ministry_days = dict(Ministry.objects.values_list("id", "resolution_working_days"))
    service_days = dict(Service.objects.values_list("id", "resolution_working_days"))
    working_days = _working_days_with(Holiday.objects.values_list("date", flat=True))
    service_ids = dict(Service.objects.values_list("code", "id"))
    district_ids = dict(District.objects.values_list("code", "id"))
    grievances: dict[int, dict[str, Any]] = {
        row["id"]: dict(row) for row in Grievance.objects.values("id", "service_id", "district_id", "channel",
                                                             "problem_kind").iterator()
    }
    # A grievance reclassified at forwarding was counted under its first service and district until then.
    first_class: dict[int, dict[str, int | None]] = {}
    reclassifications = (
        GrievanceEvent.objects.filter(action=Action.FORWARD, data__has_key="reclassified")
        .order_by("grievance_id", "created_at", "id").values_list("grievance_id", "data")
    )
    for grievance_id, data in reclassifications.iterator():
        first = first_class.setdefault(grievance_id, {})
        for name, ids in (("service", service_ids), ("district", district_ids)):
            if name in data["reclassified"] and name not in first:
                first[name] = ids.get(str(data["reclassified"][name][0]))
    found = Effects()
    state: dict[str, Any] = {}
    row: dict[str, Any] = {}
    current = None
    events = (
        GrievanceEvent.objects.filter(action__in=_REPLAYED)
        .order_by("grievance_id", "created_at", "id")
        .values_list("grievance_id", "action", "from_status", "to_status", "data", "created_at")
    )
    for grievance_id, action, from_status, to_status, data, created_at in events.iterator(chunk_size=5000):
        if grievance_id != current:
            current = grievance_id
            row = grievances[grievance_id]
            first = first_class.get(grievance_id, {})
            state = {"ministry": 0, "department": 0, "round_start": created_at, "forwarded_at": None,
                     "service": first.get("service", row["service_id"]),
                     "district": first.get("district", row["district_id"])}

        before = _replay_dims(state, row)
        if action == Action.FORWARD:
            state["ministry"] = ministry_ids.get(str((data or {}).get("ministry")), 0)
            state["department"] = department_ids.get(str((data or {}).get("department")), 0)
            state["forwarded_at"] = created_at
            changed = (data or {}).get("reclassified", {})
            if "service" in changed:
                state["service"] = service_ids.get(str(changed["service"][1]))
            if "district" in changed:
                state["district"] = district_ids.get(str(changed["district"][1]))
        elif action == Action.RETURN:
            state["ministry"] = state["department"] = 0
        elif action == Action.APPEAL:
            state["round_start"] = created_at
        rating = (data or {}).get("rating") if action == Action.RATE else None
        moment = Moment(
            from_status=None if action == Action.SUBMIT else Status(from_status),
            to_status=Status(to_status), before=before, after=_replay_dims(state, row), now=created_at,
            round_start=state["round_start"], forwarded_at=state["forwarded_at"], rating=rating,
            resolution_limit=resolution_limit(ministry_days.get(state["ministry"]),
                                              service_days.get(state["service"])),
        )
        effects(moment, working_days, found)
    return found


def _replay_dims(state: dict[str, Any], row: dict[str, Any]) -> Dims:
    return Dims(state["ministry"], state["department"], state["service"] or 0, state["district"], row["channel"],
                row["problem_kind"])


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


@transaction.atomic
def rebuild() -> Effects:
    """Replace the summary tables by a full recount. Locks nothing: run it while actions are quiet."""
    found = recount()
    for model in (DailyFigures, ResolutionDays, OpenFigures, AgencyDailyFigures, AgencyMonthlyFigures,
                  AgencyResolutionDays, AgencyMonthlyResolutionDays, AgencyOpenFigures):
        model._default_manager.all().delete()
    DailyFigures.objects.bulk_create(
        [DailyFigures(day=day, **dims.as_key(), **{k: v for k, v in counters.items()})
         for (day, dims), counters in found.daily.items() if any(counters.values())],
        batch_size=1000,
    )
    ResolutionDays.objects.bulk_create(
        [ResolutionDays(day=day, **dims.as_key(), working_days=wd, count=count)
         for (day, dims, wd), count in found.days.items() if count],
        batch_size=1000,
    )
    OpenFigures.objects.bulk_create(
        [OpenFigures(**dims.as_key(), status=status, count=count)
         for (dims, status), count in found.open.items() if count],
        batch_size=1000,
    )
    coarse = by_agency(found)  # in date order: the rows of a period together on disk
    AgencyDailyFigures.objects.bulk_create(
        [AgencyDailyFigures(day=day, ministry=ministry, department=department, **counters)
         for (day, ministry, department), counters in sorted(coarse.daily.items()) if any(counters.values())],
        batch_size=1000,
    )
    AgencyMonthlyFigures.objects.bulk_create(
        [AgencyMonthlyFigures(day=month, ministry=ministry, department=department, **counters)
         for (month, ministry, department), counters in sorted(coarse.monthly.items()) if any(counters.values())],
        batch_size=1000,
    )
    AgencyResolutionDays.objects.bulk_create(
        [AgencyResolutionDays(day=day, ministry=ministry, department=department, working_days=wd, count=count)
         for (day, ministry, department, wd), count in sorted(coarse.days.items()) if count],
        batch_size=1000,
    )
    AgencyMonthlyResolutionDays.objects.bulk_create(
        [AgencyMonthlyResolutionDays(day=month, ministry=ministry, department=department, working_days=wd,
                                     count=count)
         for (month, ministry, department, wd), count in sorted(coarse.months.items()) if count],
        batch_size=1000,
    )
    AgencyOpenFigures.objects.bulk_create(
        [AgencyOpenFigures(ministry=ministry, department=department, status=status, count=count)
         for (ministry, department, status), count in coarse.open.items() if count],
        batch_size=1000,
    )
    return found


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
