"""The summary tables equal a full recount after any sequence of actions; the rebuild command restores them."""

import contextlib
import importlib
from datetime import datetime, timedelta
from io import StringIO
from typing import Any
from unittest import mock

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ekaasel.core import clock
from ekaasel.core.errors import DomainError
from ekaasel.grievances import actions
from ekaasel.grievances.models import Channel, Grievance, ProblemKind
from ekaasel.grievances.permissions import Actor
from ekaasel.grievances.states import OPEN_STATUSES
from ekaasel.identity.models import Official
from ekaasel.organisations.models import District, Holiday
from ekaasel.reports import figures
from ekaasel.reports.figures import BY_AGENCY, FINE, FigureFilters
from ekaasel.reports.models import (
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
from ekaasel.reports.summaries import (
    AgencyEffects,
    by_agency,
    due_recount,
    normalised,
    open_recount,
    rebuild,
    recount,
    stored,
    stored_by_agency,
    stored_due,
)
from tests.conftest import MOBILE

START = timezone.make_aware(datetime(2026, 3, 2, 9, 0))

# Repeated verbs are drawn more often: most random steps should be possible in the state they meet.
VERBS = ("submit", "forward_health", "reclassify", "forward_medical", "forward_roads", "forward_health",
         "forward_roads", "ask", "answer", "reject", "duplicate", "direct", "ack", "ack", "assign", "return",
         "resolve", "resolve", "resolve", "escalate", "rate", "rate", "close", "appeal", "appeal", "withdraw", "wait")

steps = st.lists(
    st.tuples(st.sampled_from(VERBS), st.integers(0, 3), st.integers(1, 5), st.integers(0, 12)),
    min_size=10, max_size=40,
)


class _Rollback(Exception):
    pass


def _run(step: tuple[str, int, int, int], ids: list[int], org: dict[str, Any], officials: dict[str, Official],
         now: datetime) -> None:
    verb, index, number, _days = step
    assessor = Actor.of_official(officials["assessor"])
    citizen = Actor.citizen(MOBILE)
    if verb == "submit":
        g = actions.grievance_file(
            national_id="10101001234", applicant_name="Karma Wangchuk", mobile=MOBILE,
            service=None if number == 5 else org["referral"] if number % 2 else org["road_permit"],
            problem_kind=list(ProblemKind)[number % 5], subject="Subject", description="Description",
            district=org["thimphu"], channel=list(Channel)[number % 5],
        ).grievance
        ids.append(g.pk)
        return
    if not ids:
        return
    pk = ids[index % len(ids)]
    g = Grievance.objects.get(pk=pk)
    secretary = officials["health_secretary"] if g.ministry_id == org["health"].pk else officials["works_secretary"]
    agency = Actor.of_official(secretary)
    if verb == "forward_health":
        actions.grievance_forward(grievance_id=pk, actor=assessor, ministry=org["health"])
    elif verb == "forward_medical":
        actions.grievance_forward(grievance_id=pk, actor=assessor, ministry=org["health"], department=org["medical"])
    elif verb == "forward_roads":
        actions.grievance_forward(grievance_id=pk, actor=assessor, ministry=org["works"], department=org["roads"])
    elif verb == "reclassify":
        # The assessor corrects the service and the district on the way (an SMS grievance has no service).
        service = org["road_permit"] if g.service_id == org["referral"].pk else org["referral"]
        district = District.objects.exclude(pk=g.district_id).order_by("pk").first()
        actions.grievance_forward(grievance_id=pk, actor=assessor, ministry=service.ministry, service=service,
                                  district=district)
    elif verb == "ask":
        actions.grievance_ask_info(grievance_id=pk, actor=assessor, question="Which office?")
    elif verb == "answer":
        actions.grievance_provide_info(grievance_id=pk, actor=citizen, answer="Thimphu")
    elif verb == "reject":
        actions.grievance_reject(grievance_id=pk, actor=assessor, reason="Not a public service")
    elif verb == "duplicate":
        other = Grievance.objects.exclude(pk=pk).order_by("pk").first()
        if other is not None:
            actions.grievance_mark_duplicate(grievance_id=pk, actor=assessor, original=other)
    elif verb == "direct":
        actions.grievance_resolve(grievance_id=pk, actor=assessor, resolution="Done directly")
    elif verb == "ack":
        actions.grievance_acknowledge(grievance_id=pk, actor=agency)
    elif verb == "assign":
        actions.grievance_assign(grievance_id=pk, actor=agency, assignee=secretary)
    elif verb == "return":
        actions.grievance_return(grievance_id=pk, actor=agency, reason="Not ours")
    elif verb == "resolve":
        actions.grievance_resolve(grievance_id=pk, actor=agency, resolution="Fixed")
    elif verb == "escalate":
        actions.grievance_escalate(grievance_id=pk, actor=Actor.system())
    elif verb == "rate":
        actions.grievance_rate(grievance_id=pk, actor=citizen, rating=number)
    elif verb == "close":
        actions.grievance_close_unrated(grievance_id=pk)
    elif verb == "appeal":
        actions.grievance_appeal(grievance_id=pk, actor=citizen, reason="Not satisfied")
    elif verb == "withdraw":
        actions.grievance_withdraw(grievance_id=pk, actor=citizen)


def assert_summaries_equal_recount() -> None:
    found = recount()
    assert normalised(stored()) == normalised(found)
    assert normalised(stored())[2] == open_recount()
    by_agency_stored, by_agency_counted = stored_by_agency(), by_agency(found)
    assert normalised(by_agency_stored) == normalised(by_agency_counted)
    assert _nonzero(by_agency_stored.months) == _nonzero(by_agency_counted.months)
    assert normalised_monthly(by_agency_stored) == normalised_monthly(by_agency_counted)
    assert sum(by_agency_stored.months.values()) == sum(by_agency_stored.days.values())
    assert stored_due() == due_recount()  # open at an agency per due date, as the grievances table says


def normalised_monthly(found: AgencyEffects) -> dict[Any, dict[str, int]]:
    monthly = {key: {name: n for name, n in counters.items() if n} for key, counters in found.monthly.items()}
    return {key: counters for key, counters in monthly.items() if counters}


def _nonzero(counts: dict[Any, int]) -> dict[Any, int]:
    return {key: count for key, count in counts.items() if count}


def _histogram(tables: figures.SummaryTables, filters: FigureFilters) -> dict[int, int]:
    found: dict[int, int] = {}
    for values in figures._resolution_days(filters, tables, []):
        found[values["working_days"]] = found.get(values["working_days"], 0) + values["n"]
    return {days: n for days, n in found.items() if n}


def assert_agency_tables_give_the_fine_figures(org: dict[str, Any], now: datetime) -> None:
    """Every dashboard view the per-agency tables serve shows what the fine tables show."""
    # The histogram behind the medians, for periods starting on any day (whole months and the days around them).
    for offset in range(0, (now - START).days + 1, 3):
        filters = FigureFilters(start=START.date() + timedelta(days=offset), end=now.date() + timedelta(days=40))
        assert _histogram(BY_AGENCY, filters) == _histogram(FINE, filters), filters
    whole = FigureFilters(start=START.date() - timedelta(days=1), end=now.date() + timedelta(days=1))
    later = FigureFilters(start=START.date() + timedelta(days=4), end=now.date())
    # Whole calendar months (from the monthly histogram), and whole months with days on either side.
    months = FigureFilters(start=START.date().replace(day=1), end=(now + timedelta(days=40)).date().replace(day=1)
                           - timedelta(days=1))
    for filters in (whole, later, months, FigureFilters(start=whole.start, end=whole.end, ministry_id=org["health"].pk),
                    FigureFilters(start=whole.start, end=whole.end, ministry_id=org["health"].pk,
                                  department_id=org["medical"].pk)):
        for group in (None, "ministry", "department"):
            assert figures.summary_tables(filters, group) is BY_AGENCY
            coarse = figures.measures(filters=filters, group=group, now=now)
            with mock.patch.object(figures, "summary_tables", return_value=FINE):
                fine = figures.measures(filters=filters, group=group, now=now)
            assert coarse == fine, (filters, group)
        coarse_trend = figures.monthly_trend(filters=filters)
        with mock.patch.object(figures, "summary_tables", return_value=FINE):
            assert coarse_trend == figures.monthly_trend(filters=filters)


@pytest.mark.django_db(transaction=False)
@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(sequence=steps)
def test_summaries_equal_a_full_recount_after_any_sequence_of_actions(
    sequence: list[tuple[str, int, int, int]], org: dict[str, Any], officials: dict[str, Official],
) -> None:
    try:
        with transaction.atomic():
            Holiday.objects.get_or_create(date=START.date() + timedelta(days=3), defaults={"name": "Holiday"})
            District.objects.get_or_create(code="paro", defaults={"name": "Paro"})
            ids: list[int] = []
            now = START
            # A few grievances first, so most steps act on something.
            for step in [("submit", 0, 1, 0), ("submit", 0, 2, 0), ("submit", 0, 3, 0), *sequence]:
                now += timedelta(days=step[3] if step[0] == "wait" else step[3] % 3, hours=1)
                with clock.as_of(now), contextlib.suppress(DomainError):
                    _run(step, ids, org, officials, now)
            assert_summaries_equal_recount()
            assert_agency_tables_give_the_fine_figures(org, now)
            raise _Rollback
    except _Rollback:
        pass


def test_rebuild_command_restores_the_tables(
    file_grievance: Any, officials: dict[str, Official], org: dict[str, Any],
) -> None:
    assessor = Actor.of_official(officials["assessor"])
    first = file_grievance()
    second = file_grievance(subject="Another")
    actions.grievance_forward(grievance_id=first.pk, actor=assessor, ministry=org["health"])
    actions.grievance_resolve(grievance_id=second.pk, actor=assessor, resolution="Answered")
    expected = normalised(stored())
    DailyFigures.objects.all().delete()
    OpenFigures.objects.update(count=99)
    out = StringIO()
    call_command("rebuild_summaries", stdout=out)
    assert "2 grievances received" in out.getvalue()
    assert normalised(stored()) == expected
    assert_summaries_equal_recount()


def _seven_grievances_over_a_week(file_grievance: Any, officials: dict[str, Official],
                                   org: dict[str, Any]) -> list[Grievance]:
    """Seven grievances filed the same day, then forwarded, returned, reclassified, resolved, rated, appealed..."""
    paro = District.objects.create(code="paro", name="Paro")
    assessor = Actor.of_official(officials["assessor"])
    health = Actor.of_official(officials["health_secretary"])
    works = Actor.of_official(officials["works_secretary"])
    citizen = Actor.citizen(MOBILE)
    with clock.as_of(START):
        filed = [file_grievance(subject=f"Grievance {n}") for n in range(6)]
        filed.append(file_grievance(subject="By SMS", service=None, channel=Channel.SMS))
    first, second, third, fourth, fifth, _, by_sms = (g.pk for g in filed)
    with clock.as_of(START + timedelta(days=1)):
        actions.grievance_forward(grievance_id=first, actor=assessor, ministry=org["health"], department=org["medical"])
        actions.grievance_resolve(grievance_id=second, actor=assessor, resolution="Answered at once")
        actions.grievance_forward(grievance_id=third, actor=assessor, ministry=org["works"], department=org["roads"])
        actions.grievance_reject(grievance_id=fourth, actor=assessor, reason="Not a public service")
        actions.grievance_withdraw(grievance_id=fifth, actor=citizen)
    with clock.as_of(START + timedelta(days=2)):
        actions.grievance_return(grievance_id=third, actor=works, reason="Not ours")
        actions.grievance_appeal(grievance_id=fourth, actor=citizen, reason="It is one")
        actions.grievance_forward(grievance_id=by_sms, actor=assessor, ministry=org["works"],
                                  service=org["road_permit"], district=paro)
    with clock.as_of(START + timedelta(days=3)):
        actions.grievance_forward(grievance_id=third, actor=assessor, ministry=org["health"])
        actions.grievance_resolve(grievance_id=first, actor=health, resolution="Fixed")
    with clock.as_of(START + timedelta(days=8)):
        actions.grievance_rate(grievance_id=first, actor=citizen, rating=4)
    return filed


def test_a_rebuild_in_chunks_gives_the_tables_of_a_full_recount(
    file_grievance: Any, officials: dict[str, Official], org: dict[str, Any],
) -> None:
    _seven_grievances_over_a_week(file_grievance, officials, org)
    for model in (DailyFigures, ResolutionDays, OpenFigures, AgencyDailyFigures, AgencyMonthlyFigures,
                  AgencyResolutionDays, AgencyMonthlyResolutionDays, AgencyOpenFigures):
        model.objects.all().delete()
    seen: list[tuple[int, int, int]] = []

    def progress(done: int, total: int) -> None:
        seen.append((done, total, DailyFigures.objects.count()))

    rebuilt = rebuild(chunk_size=2, progress=progress)
    # Progress after every two grievances and at the end; the tables are replaced only after the last one.
    assert seen == [(2, 7, 0), (4, 7, 0), (6, 7, 0), (7, 7, 0)]
    assert (rebuilt.grievances, rebuilt.received) == (7, 7)
    assert_summaries_equal_recount()
    # The filings of one day, replayed in four chunks, are summed into one row per service and channel.
    assert sorted(DailyFigures.objects.filter(day=START.date(), received__gt=0).values_list("received", flat=True)) \
        == [1, 6]
    assert AgencyDailyFigures.objects.get(day=START.date(), ministry=0, department=0).received == 7
    assert AgencyMonthlyFigures.objects.get(day=START.date().replace(day=1), ministry=org["health"].pk,
                                            department=org["medical"].pk).resolved == 1


def test_a_rebuild_replaces_wrong_rows_and_keeps_them_until_it_ends(
    file_grievance: Any, officials: dict[str, Official], org: dict[str, Any],
) -> None:
    _seven_grievances_over_a_week(file_grievance, officials, org)
    expected = normalised(stored())
    expected_by_agency = normalised(stored_by_agency())
    DailyFigures.objects.create(day=START.date(), ministry=999, department=0, service=0, district=0,
                                channel=Channel.WEB, problem_kind=ProblemKind.OTHER, received=5)
    OpenFigures.objects.update(count=99)
    AgencyOpenFigures.objects.create(ministry=999, department=0, status="submitted", count=3)
    AgencyMonthlyFigures.objects.create(day=START.date().replace(day=1), ministry=999, department=0, resolved=2)
    AgencyMonthlyResolutionDays.objects.all().delete()
    AgencyDueFigures.objects.update(count=42)
    AgencyDueFigures.objects.create(ministry=999, department=0, due_day=START.date(), count=1)
    during: list[bool] = []

    def progress(done: int, total: int) -> None:
        during.append(DailyFigures.objects.filter(ministry=999).exists())

    rebuild(chunk_size=3, progress=progress)
    assert during == [True, True, True]
    assert not DailyFigures.objects.filter(ministry=999).exists()
    assert not AgencyOpenFigures.objects.filter(ministry=999).exists()
    assert not AgencyMonthlyFigures.objects.filter(ministry=999).exists()
    assert not AgencyDueFigures.objects.filter(ministry=999).exists()
    assert normalised(stored()) == expected
    assert normalised(stored_by_agency()) == expected_by_agency
    assert_summaries_equal_recount()


def test_the_rebuild_command_reports_its_progress(file_grievance: Any) -> None:
    for n in range(3):
        file_grievance(subject=f"Grievance {n}")
    out = StringIO()
    call_command("rebuild_summaries", "--chunk-size", "2", stdout=out)
    lines = out.getvalue().splitlines()
    assert [line.split(" grievances replayed")[0] for line in lines[:2]] == ["2 of 3", "3 of 3"]
    assert lines[2].startswith("Rebuilt the summaries: 3 grievances received, 1 daily rows, 1 open rows")


def test_a_reclassified_grievance_moves_its_open_count_to_the_new_service_and_district(
    file_grievance: Any, officials: dict[str, Official], org: dict[str, Any],
) -> None:
    paro = District.objects.create(code="paro", name="Paro")
    g = file_grievance(service=None, channel=Channel.SMS)
    actions.grievance_forward(grievance_id=g.pk, actor=Actor.of_official(officials["assessor"]),
                              ministry=org["works"], service=org["road_permit"], district=paro)
    open_rows = {(row.service, row.district, row.status): row.count for row in OpenFigures.objects.all()}
    assert open_rows[(org["road_permit"].pk, paro.pk, "forwarded")] == 1
    assert open_rows.get((0, org["thimphu"].pk, "submitted"), 0) == 0
    # Filed without a service in Thimphu: the day's "received" stays where it was counted.
    received = DailyFigures.objects.get(received=1)
    assert (received.service, received.district) == (0, org["thimphu"].pk)
    assert_summaries_equal_recount()


def test_figures_filtered_by_service_or_grouped_by_district_read_the_fine_tables(org: dict[str, Any]) -> None:
    today = START.date()
    assert figures.summary_tables(FigureFilters.last_12_months(today, ministry_id=org["health"].pk), "department") \
        is BY_AGENCY
    assert figures.summary_tables(FigureFilters.last_12_months(today, service_id=org["referral"].pk), None) is FINE
    assert figures.summary_tables(FigureFilters.last_12_months(today, channel=Channel.SMS), "ministry") is FINE
    assert figures.summary_tables(FigureFilters.last_12_months(today), "district") is FINE


def test_the_migration_fills_the_agency_tables_from_the_fine_ones(
    file_grievance: Any, officials: dict[str, Official], org: dict[str, Any],
) -> None:
    assessor = Actor.of_official(officials["assessor"])
    first = file_grievance()
    second = file_grievance(subject="Another", service=None, channel=Channel.SMS)
    file_grievance(subject="A third")
    actions.grievance_forward(grievance_id=first.pk, actor=assessor, ministry=org["health"], department=org["medical"])
    actions.grievance_forward(grievance_id=second.pk, actor=assessor, ministry=org["health"], department=org["medical"])
    actions.grievance_resolve(grievance_id=first.pk, actor=Actor.of_official(officials["health_secretary"]),
                              resolution="Fixed")
    expected = normalised(stored_by_agency())
    assert expected == normalised(by_agency(stored()))
    assert expected[0]  # something to fill
    months_expected = _nonzero(stored_by_agency().months)
    monthly_expected = normalised_monthly(stored_by_agency())
    assert months_expected and monthly_expected
    for model in (AgencyDailyFigures, AgencyMonthlyFigures, AgencyResolutionDays, AgencyMonthlyResolutionDays,
                  AgencyOpenFigures):
        model.objects.all().delete()
    migration = importlib.import_module("ekaasel.reports.migrations.0004_agency_summaries")
    migration.backfill(apps, connection.SchemaEditorClass(connection))
    assert normalised(stored_by_agency()) == expected
    assert _nonzero(stored_by_agency().months) == months_expected
    assert normalised_monthly(stored_by_agency()) == monthly_expected
    # Two grievances forwarded to the same department on the same day share one row.
    assert AgencyOpenFigures.objects.get(ministry=org["health"].pk, department=org["medical"].pk,
                                         status="forwarded").count == 1
    assert AgencyDailyFigures.objects.get(ministry=org["health"].pk, department=org["medical"].pk).forwarded == 2


def test_the_index_of_open_grievances_covers_every_open_status() -> None:
    """The dashboards' overdue queries use the partial index only if its condition is today's open statuses."""
    migration = importlib.import_module("ekaasel.reports.migrations.0005_open_grievances_due_index")
    assert "(" + ", ".join(f"'{status}'" for status in sorted(OPEN_STATUSES)) + ")" == migration.OPEN


def test_overdue_counts_from_due_dates_follow_the_clock_and_the_actions(
    file_grievance: Any, officials: dict[str, Official], org: dict[str, Any],
) -> None:
    assessor = Actor.of_official(officials["assessor"])
    health = Actor.of_official(officials["health_secretary"])
    with clock.as_of(START):
        late, later, returned = (file_grievance(subject=f"Grievance {n}").pk for n in range(3))
        for pk in (late, later, returned):
            actions.grievance_forward(grievance_id=pk, actor=assessor, ministry=org["health"],
                                      department=org["medical"])
    due = Grievance.objects.get(pk=late).due_at
    assert due is not None
    with clock.as_of(START + timedelta(hours=1)):
        actions.grievance_return(grievance_id=returned, actor=health, reason="Not ours")
    assert stored_due() == due_recount() == {
        (org["health"].pk, org["medical"].pk, timezone.localtime(due).date()): 2}

    def overdue(now: datetime, group: str | None = None) -> list[int]:
        filters = FigureFilters.last_12_months(timezone.localdate(now))
        assert figures.summary_tables(filters, group) is BY_AGENCY
        coarse = [m.overdue for m in figures.measures(filters=filters, group=group, now=now)]
        with mock.patch.object(figures, "summary_tables", return_value=FINE):  # counted from the grievances
            assert [m.overdue for m in figures.measures(filters=filters, group=group, now=now)] == coarse
        return coarse

    assert overdue(due - timedelta(minutes=1)) == [0]
    assert overdue(due + timedelta(seconds=1)) == [2]  # due earlier today: from the grievances table
    next_morning = timezone.make_aware(datetime.combine(timezone.localtime(due).date() + timedelta(days=1),
                                                        datetime.min.time())) + timedelta(hours=9)
    assert overdue(next_morning) == [2]  # due before today: from the per-agency due dates
    assert sorted(overdue(next_morning, "ministry")) == [0, 2]  # Health, and Works with none
    with clock.as_of(next_morning):
        actions.grievance_resolve(grievance_id=late, actor=health, resolution="Fixed")
    assert overdue(next_morning + timedelta(minutes=1)) == [1]
    assert stored_due() == due_recount()
