"""Dashboards and the transparency page against a hand-counted caseload, their links, remits and queries."""

import re
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ekaasel.grievances import actions
from ekaasel.grievances.models import Grievance
from ekaasel.grievances.permissions import Actor
from ekaasel.identity.models import Official
from ekaasel.reports.figures import FigureFilters, measures
from tests.conftest import MOBILE, sign_in_verified

Filer = Callable[..., Grievance]
NONE = "\N{EN DASH}"  # shown where there is nothing to average
APPLICATION_ID = re.compile(r"EK-\d{2}-\d{6}-\d")


def at(day: int, month: int = 3, hour: int = 10) -> datetime:
    return timezone.make_aware(datetime(2026, month, day, hour, 0))


@pytest.fixture
def caseload(file_grievance: Filer, officials: dict[str, Official], org: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Five grievances filed on Monday 2 March 2026, looked at on 1 April:
    g1 health/medical resolved in 2 working days and rated 4; g2 health, open and overdue;
    g3 works/roads resolved in 2 working days then appealed; g4 rejected; g5 waiting for assessment."""
    assessor = Actor.of_official(officials["assessor"])
    citizen = Actor.citizen(MOBILE)
    with time_machine.travel(at(2), tick=False) as traveller:
        g = {n: file_grievance(subject=f"Secret subject {n}", service=org["road_permit"] if n == 3 else org["referral"])
             for n in range(1, 6)}
        actions.grievance_forward(grievance_id=g[1].pk, actor=assessor, ministry=org["health"],
                                  department=org["medical"])
        actions.grievance_forward(grievance_id=g[2].pk, actor=assessor, ministry=org["health"])
        actions.grievance_forward(grievance_id=g[3].pk, actor=assessor, ministry=org["works"], department=org["roads"])
        actions.grievance_reject(grievance_id=g[4].pk, actor=assessor, reason="Not a public service")
        traveller.move_to(at(4))
        head = Actor.of_official(officials["medical_head"])
        actions.grievance_acknowledge(grievance_id=g[1].pk, actor=head)
        actions.grievance_assign(grievance_id=g[1].pk, actor=head, assignee=officials["medical_officer"])
        actions.grievance_resolve(grievance_id=g[1].pk, actor=head, resolution="Papers sent")
        actions.grievance_rate(grievance_id=g[1].pk, actor=citizen, rating=4)
        actions.grievance_resolve(grievance_id=g[3].pk, actor=Actor.of_official(officials["roads_head"]),
                                  resolution="Permit issued")
        actions.grievance_appeal(grievance_id=g[3].pk, actor=citizen, reason="Permit has wrong dates")
        traveller.move_to(at(1, month=4))
        yield {**{f"g{n}": Grievance.objects.get(pk=g[n].pk) for n in g}, "traveller": traveller}


def _table_row(html: str, label: str) -> list[str]:
    """The cells of the table row headed `label`, as text."""
    row = re.search(r"<tr>\s*<th scope=\"row\">" + re.escape(label) + r"</th>(.*?)</tr>", html, re.S)
    assert row, f"no row {label!r}"
    return [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row[1], re.S)]


def _page(client: Client, official: Official, url: str = "/workspace/dashboard/") -> str:
    sign_in_verified(client, official.user)
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


# Columns: overdue, open, received, resolved, within %, average days, median days, rating, appeals.

def test_pmo_dashboard_shows_every_ministry_as_hand_counted(
    caseload: dict[str, Any], client: Client, officials: dict[str, Official],
) -> None:
    html = _page(client, officials["pmo"])
    assert _table_row(html, "Ministry of Health") == ["1", "1", "2", "1", "100 %", "2.0", "2", "4.0", "0"]
    assert _table_row(html, "Ministry of Works and Human Settlement") == [
        "0", "1", "1", "1", "100 %", "2.0", "2", NONE, "1"]
    assert _table_row(html, "Not with an agency (assessment)") == ["0", "1", "0", "0", NONE, NONE, NONE, NONE, "0"]
    assert _table_row(html, "Total") == ["1", "3", "5", "2", "100 %", "2.0", "2", "4.0", "1"]
    assert 'href="/workspace/dashboard/"' in html and "Dashboard" in html  # in the nav
    assert caseload["g2"].application_id in html  # the longest overdue, with a link
    assert f'/workspace/grievances/{caseload["g2"].pk}/' in html
    assert "<svg" in html and "<title id=\"trend-title\">" in html
    assert re.search(r"<th scope=\"row\">March 2026</th><td class=\"num\">5</td><td class=\"num\">2</td>", html)


def _linked_ids(client: Client, html: str, label: str, column: int) -> set[str]:
    row = re.search(r"<tr>\s*<th scope=\"row\">" + re.escape(label) + r"</th>(.*?)</tr>", html, re.S)
    assert row
    cell = re.findall(r"<td[^>]*>(.*?)</td>", row[1], re.S)[column]
    href = re.search(r'href="([^"]+)"', cell)
    assert href, cell
    page = client.get(href[1].replace("&amp;", "&")).content.decode()
    table = page.split('<table class="queue">')[1] if '<table class="queue">' in page else ""
    return set(APPLICATION_ID.findall(table))


def test_each_figure_links_to_the_queue_of_exactly_the_counted_grievances(
    caseload: dict[str, Any], client: Client, officials: dict[str, Official],
) -> None:
    html = _page(client, officials["pmo"])
    ids = {name: g.application_id for name, g in caseload.items() if isinstance(g, Grievance)}
    health, works = "Ministry of Health", "Ministry of Works and Human Settlement"
    assert _linked_ids(client, html, health, 0) == {ids["g2"]}  # overdue
    assert _linked_ids(client, html, health, 1) == {ids["g2"]}  # open
    assert _linked_ids(client, html, health, 2) == {ids["g1"], ids["g2"]}  # received
    assert _linked_ids(client, html, health, 3) == {ids["g1"]}  # resolved
    assert _linked_ids(client, html, works, 1) == {ids["g3"]}
    assert _linked_ids(client, html, works, 3) == {ids["g3"]}
    assert _linked_ids(client, html, "Total", 1) == {ids["g2"], ids["g3"], ids["g5"]}
    assert _linked_ids(client, html, "Total", 2) == set(ids.values())


def test_a_head_of_department_sees_only_his_department(
    caseload: dict[str, Any], client: Client, officials: dict[str, Official], org: dict[str, Any],
) -> None:
    html = _page(client, officials["medical_head"], f"/workspace/dashboard/?ministry={org['works'].pk}")
    assert _table_row(html, "Total") == ["0", "0", "1", "1", "100 %", "2.0", "2", "4.0", "0"]
    assert _table_row(html, "Medical referral abroad") == ["0", "0", "1", "1", "100 %", "2.0", "2", "4.0", "0"]
    assert "Ministry of Works" not in html and "Road cutting permit" not in html
    assert "Open grievances per officer" in html


def test_a_secretary_sees_his_departments_and_the_ministry_as_a_whole(
    caseload: dict[str, Any], client: Client, officials: dict[str, Official],
) -> None:
    html = _page(client, officials["health_secretary"])
    assert _table_row(html, "Department of Medical Services") == [
        "0", "0", "1", "1", "100 %", "2.0", "2", "4.0", "0"]
    assert _table_row(html, "Ministry as a whole") == ["1", "1", "1", "0", NONE, NONE, NONE, NONE, "0"]
    assert _table_row(html, "Total")[:4] == ["1", "1", "2", "1"]
    assert "Ministry of Works" not in html


def test_the_monitor_sees_all_read_only_and_agency_officers_have_no_dashboard(
    caseload: dict[str, Any], client: Client, officials: dict[str, Official],
) -> None:
    html = _page(client, officials["monitor"])
    assert _table_row(html, "Total")[:4] == ["1", "3", "5", "2"]
    assert html.count('method="post"') == 2  # the language buttons and "Sign out": nothing to change
    assessment = _page(client, officials["monitor"], "/workspace/dashboard/assessment/")
    assert "waiting for assessment" in assessment and caseload["g5"].application_id in assessment
    sign_in_verified(client, officials["medical_officer"].user)
    assert client.get("/workspace/dashboard/").status_code == 404
    assert 'href="/workspace/dashboard/"' not in client.get("/workspace/").content.decode()


def test_assessment_dashboard_counts_the_queue_and_the_time_to_assess(
    caseload: dict[str, Any], client: Client, officials: dict[str, Official],
) -> None:
    html = _page(client, officials["assessor"], "/workspace/dashboard/assessment/")
    values = re.findall(r'<span class="headline__value">([^<]+)</span>\s*([^<]+)<', html)
    found = {text.strip(): value for value, text in values}
    # g3 (appealed) and g5 wait; assessment: four left assessment on the day they were filed.
    assert found["waiting for assessment"] == "2"
    assert found["average working days to assess"] == "0.0"
    assert found["assessed in the period"] == "4"
    assert found["past the assessment time limit"] == "2"


def test_figures_for_reports_by_district_channel_and_kind(caseload: dict[str, Any], org: dict[str, Any]) -> None:
    filters = FigureFilters.last_12_months(timezone.localdate())
    by_district = measures(filters=filters, group="district", now=timezone.now())
    assert [(m.label, m.received, m.resolved) for m in by_district] == [("Thimphu", 5, 2)]
    by_channel = measures(filters=filters, group="channel", now=timezone.now())
    assert [(m.key, m.received) for m in by_channel] == [("web", 5)]


def _count_queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_dashboard_queries_do_not_grow_with_the_number_of_grievances(
    caseload: dict[str, Any], client: Client, officials: dict[str, Official], org: dict[str, Any],
    file_grievance: Filer, django_assert_max_num_queries: Any,
) -> None:
    sign_in_verified(client, officials["pmo"].user)
    urls = ["/workspace/dashboard/", f"/workspace/dashboard/?ministry={org['health'].pk}",
            "/workspace/dashboard/assessment/", "/transparency/"]
    client.get(urls[0])  # the first page after signing in records the official's activity in the session
    before = [_count_queries(client, url) for url in urls]
    assessor = Actor.of_official(officials["assessor"])
    for n in range(12):
        g = file_grievance(subject=f"More {n}", service=org["road_permit"] if n % 2 else org["referral"])
        actions.grievance_forward(grievance_id=g.pk, actor=assessor, ministry=org["works" if n % 2 else "health"])
    assert [_count_queries(client, url) for url in urls] == before
    # A period of whole months and days around them reads each per-agency table in two parts.
    with django_assert_max_num_queries(30):
        client.get("/workspace/dashboard/")


def test_transparency_page_shows_aggregates_and_nothing_personal(caseload: dict[str, Any], client: Client) -> None:
    response = client.get("/transparency/")
    assert response.status_code == 200
    html = response.content.decode()
    assert _table_row(html, "Ministry of Health") == ["2", "1", "100 %", "2.0"]
    assert _table_row(html, "Ministry of Works and Human Settlement") == ["1", "1", "100 %", "2.0"]
    for g in (v for v in caseload.values() if isinstance(v, Grievance)):
        assert g.subject not in html and g.application_id not in html
    for personal in ("Karma Wangchuk", MOBILE, MOBILE.removeprefix("+975"), "10101001234", "Papers sent",
                     "Permit has wrong dates", "Not a public service"):
        assert personal not in html
    assert 'href="/transparency/"' in client.get("/").content.decode()
