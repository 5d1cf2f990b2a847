"""The queue page: each role's queue, its order, filters, search, pagination and bounded queries."""

import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Protocol

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pytest_django import DjangoAssertNumQueries

from ekaasel.grievances import actions
from ekaasel.grievances.models import Grievance
from ekaasel.grievances.permissions import Actor
from ekaasel.identity.models import Official

Filer = Callable[..., Grievance]


class _Response(Protocol):
    content: bytes

SignIn = Callable[[Official], Client]


def at(day: int, hour: int = 9) -> datetime:
    return datetime(2026, 3, day, hour, 0, tzinfo=UTC)


def file_on(file_grievance: Filer, day: int, **fields: object) -> Grievance:
    with time_machine.travel(at(day), tick=False):
        return file_grievance(**fields)


def forward(grievance: Grievance, officials: dict[str, Official], org: dict, *, to: str = "medical") -> Grievance:
    department = org[to]
    return actions.grievance_forward(
        grievance_id=grievance.pk, actor=Actor.of_official(officials["assessor"]),
        ministry=department.ministry, department=department,
    )


def listed_ids(response: _Response) -> list[str]:
    """The application IDs in the queue table, in the order shown."""
    return re.findall(r'class="application-id">([^<]+)</a>', response.content.decode())


QUEUE = reverse("workspace:queue")


def test_signed_out_visitor_is_sent_to_sign_in(client: Client, officials: dict[str, Official]) -> None:
    response = client.get(QUEUE)
    assert response.status_code == 302
    assert reverse("workspace:sign_in") in response["Location"]


def test_assessor_queue_is_submitted_grievances_oldest_first_with_deadline(
    signed_in: SignIn, officials: dict[str, Official], file_grievance: Filer, org: dict
) -> None:
    newer = file_on(file_grievance, 5, subject="Newer complaint")
    older = file_on(file_grievance, 2, subject="Older complaint")
    forwarded = forward(file_on(file_grievance, 1, subject="Already forwarded"), officials, org)

    response = signed_in(officials["assessor"]).get(QUEUE)

    assert response.status_code == 200
    assert listed_ids(response) == [older.application_id, newer.application_id]
    assert forwarded.application_id not in response.content.decode()
    page = response.content.decode()
    assert "Assess by" in page
    assert f"{older.assessment_due_at:%-d %b %Y}" in page
    assert "Assessment queue" in page


def test_returned_tab_lists_grievances_sent_back_by_agencies(
    signed_in: SignIn, officials: dict[str, Official], file_grievance: Filer, org: dict
) -> None:
    plain = file_on(file_grievance, 2)
    returned = forward(file_on(file_grievance, 3), officials, org)
    actions.grievance_return(grievance_id=returned.pk, actor=Actor.of_official(officials["medical_head"]),
                             reason="This is about a hospital, not referrals.")

    client = signed_in(officials["assessor"])
    assert listed_ids(client.get(QUEUE, {"queue": "returned"})) == [returned.application_id]
    mine = client.get(QUEUE)
    assert listed_ids(mine) == [plain.application_id, returned.application_id]
    assert "Returned" in mine.content.decode()


def test_head_of_department_sees_only_his_departments_open_grievances_by_due_date(
    signed_in: SignIn, officials: dict[str, Official], file_grievance: Filer, org: dict
) -> None:
    # Forwarded on different days: the earlier forward is due first.
    with time_machine.travel(at(10), tick=False):
        later_due = forward(file_grievance(subject="Forwarded later"), officials, org)
    with time_machine.travel(at(3), tick=False):
        sooner_due = forward(file_grievance(subject="Forwarded sooner"), officials, org)
    roads = forward(file_grievance(subject="Pothole", service=org["road_permit"]), officials, org, to="roads")
    not_forwarded = file_grievance(subject="Still with the assessor")

    response = signed_in(officials["medical_head"]).get(QUEUE)

    assert listed_ids(response) == [sooner_due.application_id, later_due.application_id]
    page = response.content.decode()
    assert roads.application_id not in page and "Pothole" not in page
    assert not_forwarded.application_id not in page


def test_pmo_and_monitor_see_everything_newest_first(
    signed_in: SignIn, officials: dict[str, Official], file_grievance: Filer, org: dict
) -> None:
    first = file_on(file_grievance, 1)
    second = forward(file_on(file_grievance, 2), officials, org, to="roads")
    third = file_on(file_grievance, 3)
    for role in ("pmo", "monitor"):
        response = signed_in(officials[role]).get(QUEUE)
        assert listed_ids(response) == [third.application_id, second.application_id, first.application_id]


def test_lists_do_not_show_cid_or_mobile(
    signed_in: SignIn, officials: dict[str, Official], file_grievance: Filer
) -> None:
    grievance = file_grievance()
    page = signed_in(officials["pmo"]).get(QUEUE).content.decode()
    assert grievance.application_id in page
    assert grievance.mobile not in page and "17123456" not in page
    assert grievance.citizen.national_id not in page


def test_filters_narrow_the_list(
    signed_in: SignIn, officials: dict[str, Official], file_grievance: Filer, org: dict
) -> None:
    district = org["thimphu"].__class__.objects.create(code="paro", name="Paro")
    health = forward(file_on(file_grievance, 2, subject="Referral"), officials, org)
    works = forward(file_on(file_grievance, 4, subject="Road", service=org["road_permit"], district=district),
                    officials, org, to="roads")
    submitted = file_on(file_grievance, 6, subject="New")
    client = signed_in(officials["pmo"])

    def ids(**params: str | int) -> set[str]:
        return set(listed_ids(client.get(QUEUE, {"queue": "all", **params})))

    assert ids(status="submitted") == {submitted.application_id}
    assert ids(ministry=org["works"].pk) == {works.application_id}
    assert ids(department=org["medical"].pk) == {health.application_id}
    assert ids(service=org["road_permit"].pk) == {works.application_id}
    assert ids(district=district.pk) == {works.application_id}
    assert ids(submitted_from="2026-03-03", submitted_to="2026-03-05") == {works.application_id}
    assert ids(submitted_to="2026-03-02") == {health.application_id}


def test_an_impossible_date_range_is_reported(
    signed_in: SignIn, officials: dict[str, Official], file_grievance: Filer
) -> None:
    file_grievance()
    response = signed_in(officials["pmo"]).get(QUEUE, {"submitted_from": "2026-03-05", "submitted_to": "2026-03-01"})
    assert response.status_code == 200
    assert "The end date must be on or after the start date." in response.content.decode()


def test_overdue_filter_and_marker(
    signed_in: SignIn, officials: dict[str, Official], file_grievance: Filer, org: dict
) -> None:
    with time_machine.travel(at(2), tick=False):
        late = forward(file_grievance(subject="Late"), officials, org)
    with time_machine.travel(datetime(2026, 4, 30, 9, tzinfo=UTC), tick=False):
        on_time = forward(file_grievance(subject="On time"), officials, org)
        client = signed_in(officials["medical_head"])
        response = client.get(QUEUE, {"overdue": "on"})
        assert listed_ids(response) == [late.application_id]
        assert "overdue" in response.content.decode()
        assert set(listed_ids(client.get(QUEUE))) == {late.application_id, on_time.application_id}


def test_search_over_subject_and_description(
    signed_in: SignIn, officials: dict[str, Official], file_grievance: Filer
) -> None:
    road = file_grievance(subject="Broken bridge", description="The bridge near the school collapsed.")
    clinic = file_grievance(subject="Clinic closed", description="The basic health unit was closed all week.")
    client = signed_in(officials["assessor"])

    assert listed_ids(client.get(QUEUE, {"q": "bridge"})) == [road.application_id]
    assert listed_ids(client.get(QUEUE, {"q": "health unit"})) == [clinic.application_id]
    assert listed_ids(client.get(QUEUE, {"q": "ambulance"})) == []
    assert listed_ids(client.get(QUEUE, {"q": clinic.application_id})) == [clinic.application_id]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the full-text index exists on PostgreSQL only")
def test_the_text_search_reads_the_full_text_index(officials: dict[str, Official], file_grievance: Filer) -> None:
    from ekaasel.grievances.selectors import Queue, QueueFilters, grievance_queue

    for n in range(30):
        file_grievance(subject=f"Water supply {n}", description="No water in the village since Monday.")
    queue = grievance_queue(official=officials["pmo"], filters=QueueFilters(queue=Queue.ALL, search="bridge"))
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")  # a tiny table: make the planner show what it can use
        sql, params = queue.query.sql_with_params()
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute("RESET enable_seqscan")
    assert "grievance_search" in plan, plan


def test_pagination_is_stable_25_a_page(
    signed_in: SignIn, officials: dict[str, Official], file_grievance: Filer
) -> None:
    # All filed at the same instant: the id breaks the tie, so no row is shown twice or skipped.
    with time_machine.travel(at(2), tick=False):
        filed = [file_grievance(subject=f"Complaint {n}") for n in range(27)]
    client = signed_in(officials["assessor"])

    first = listed_ids(client.get(QUEUE))
    second_page = client.get(QUEUE, {"page": 2})
    second = listed_ids(second_page)

    assert len(first) == 25 and len(second) == 2
    assert first + second == [g.application_id for g in filed]
    assert "Page 2 of 2" in second_page.content.decode()


@pytest.mark.parametrize("role", ["assessor", "pmo", "medical_head"])
def test_queries_do_not_grow_with_rows(
    signed_in: SignIn, officials: dict[str, Official], file_grievance: Filer, org: dict, role: str,
    django_assert_max_num_queries: DjangoAssertNumQueries,
) -> None:
    client = signed_in(officials[role])

    def add(count: int) -> None:
        for _ in range(count):
            grievance = file_grievance()
            if role == "medical_head":
                forward(grievance, officials, org)

    add(2)
    with CaptureQueriesContext(connection) as few:
        assert client.get(QUEUE, {"queue": "all"}).status_code == 200
    add(20)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(QUEUE, {"queue": "all"})
    assert len(listed_ids(response)) == 22


def test_beyond_the_count_cap_the_queue_says_more_than_and_counts_no_further(
    signed_in: SignIn, officials: dict[str, Official], file_grievance: Filer, monkeypatch: pytest.MonkeyPatch,
) -> None:
    from ekaasel.workspace.views import queues

    monkeypatch.setattr(queues, "COUNT_CAP", 30)
    with time_machine.travel(at(2), tick=False):
        filed = [file_grievance(subject=f"Complaint {n}") for n in range(32)]
    client = signed_in(officials["assessor"])
    with CaptureQueriesContext(connection) as queries:
        response = client.get(QUEUE)
    text = response.content.decode()
    assert "More than 30 grievances: the first 30 are listed. Narrow the filters to see the others." in text
    assert "Page 1 of 2" in text and listed_ids(response) == [g.application_id for g in filed[:25]]
    counts = [q["sql"] for q in queries.captured_queries
              if "COUNT(" in q["sql"].upper() and "grievances_grievance" in q["sql"]]
    assert len(counts) == 1 and "LIMIT 31" in counts[0], counts
    last = client.get(QUEUE, {"page": 2})
    assert listed_ids(last) == [g.application_id for g in filed[25:30]]  # the first 30 only

    # Narrowed below the cap: the exact number again.
    response = client.get(QUEUE, {"q": "Complaint 3"})
    assert "More than" not in response.content.decode()
    assert re.search(r"\b\d+ grievances?\b", response.content.decode())
