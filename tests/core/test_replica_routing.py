"""Reads of dashboards, the transparency page and report generation go to the replica; everything else,
every write and every read inside a transaction go to the primary.

The "replica" alias here mirrors the test database (TEST MIRROR), as a streaming replica mirrors the
primary: it is a second connection to the same data, so the test sees which connection each query
used. Transactional test: the replica connection only sees committed rows.
"""

from collections.abc import Callable, Iterator
from datetime import date

import pytest
from django.db import DEFAULT_DB_ALIAS, connections
from django.test import Client
from django.test.utils import CaptureQueriesContext

from ekaasel.core.db_router import REPLICA, reading_from_replica
from ekaasel.grievances import actions
from ekaasel.grievances.models import Grievance
from ekaasel.grievances.permissions import Actor
from ekaasel.identity.models import Official
from ekaasel.reports.models import GeneratedReport
from ekaasel.reports.tasks import generate_report
from tests.conftest import sign_in_verified

pytestmark = pytest.mark.django_db(transaction=True, databases=[DEFAULT_DB_ALIAS, REPLICA])

SUMMARY_TABLES = ("reports_dailyfigures", "reports_openfigures", "reports_resolutiondays", "reports_agency")


@pytest.fixture(scope="module", autouse=True)
def replica(django_db_setup: None) -> Iterator[str]:
    """A "replica" alias mirroring the test database, as DATABASE_REPLICA_URL adds one in production
    (module-wide: it must exist before each test declares the databases it uses)."""
    assert REPLICA not in connections.settings, "the test settings already have a replica"
    primary = connections[DEFAULT_DB_ALIAS].settings_dict  # already renamed to the test database
    connections.settings[REPLICA] = {**primary, "TEST": {**primary["TEST"], "MIRROR": DEFAULT_DB_ALIAS}}
    try:
        yield REPLICA
    finally:
        connections[REPLICA].close()
        del connections[REPLICA]
        del connections.settings[REPLICA]


class Queries:
    """The SQL each connection ran inside the block."""

    def __init__(self) -> None:
        self.primary = CaptureQueriesContext(connections[DEFAULT_DB_ALIAS])
        self.replica = CaptureQueriesContext(connections[REPLICA])

    def __enter__(self) -> "Queries":
        self.primary.__enter__()
        self.replica.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.replica.__exit__(*exc)  # type: ignore[arg-type]
        self.primary.__exit__(*exc)  # type: ignore[arg-type]

    @staticmethod
    def summary_reads(captured: CaptureQueriesContext) -> list[str]:
        return [q["sql"] for q in captured.captured_queries if any(t in q["sql"] for t in SUMMARY_TABLES)]


@pytest.fixture
def forwarded(file_grievance: Callable[..., Grievance], officials: dict[str, Official], org: dict[str, object]):
    grievance = file_grievance(subject="Referral papers lost")
    return actions.grievance_forward(grievance_id=grievance.pk, actor=Actor.of_official(officials["assessor"]),
                                     ministry=org["health"])  # type: ignore[arg-type]


def test_the_dashboard_reads_its_figures_from_the_replica(forwarded, officials):
    client = sign_in_verified(Client(), officials["pmo"].user)
    with Queries() as queries:
        response = client.get("/workspace/dashboard/")
    assert response.status_code == 200
    assert "Ministry of Health" in response.content.decode()
    assert queries.summary_reads(queries.replica), "the dashboard's figures were not read from the replica"
    assert not queries.summary_reads(queries.primary)
    # Signing in and the session (read before the view, written after it) stay on the primary.
    assert any("django_session" in q["sql"] for q in queries.primary.captured_queries)
    assert not any("django_session" in q["sql"] for q in queries.replica.captured_queries)


def test_the_assessment_dashboard_and_the_transparency_page_read_from_the_replica(forwarded, officials):
    client = sign_in_verified(Client(), officials["assessor"].user)
    for path in ("/workspace/dashboard/assessment/", "/transparency/"):
        with Queries() as queries:
            assert client.get(path).status_code == 200
        assert queries.replica.captured_queries, path
        assert not queries.summary_reads(queries.primary), path


def test_other_pages_and_actions_use_the_primary_only(forwarded, officials, org):
    client = sign_in_verified(Client(), officials["assessor"].user)
    with Queries() as queries:
        assert client.get("/workspace/").status_code == 200
        assert client.get(f"/workspace/grievances/{forwarded.pk}/").status_code == 200
    assert queries.primary.captured_queries and not queries.replica.captured_queries


def test_an_action_inside_a_replica_block_still_reads_and_writes_on_the_primary(forwarded, officials):
    head = Actor.of_official(officials["health_secretary"])
    with Queries() as queries, reading_from_replica():
        actions.grievance_acknowledge(grievance_id=forwarded.pk, actor=head)
    assert not queries.replica.captured_queries
    assert any("FOR UPDATE" in q["sql"] or "UPDATE" in q["sql"] for q in queries.primary.captured_queries)
    assert Grievance.objects.get(pk=forwarded.pk).status == "in_progress"


def test_report_generation_reads_figures_from_the_replica_and_stores_the_report_on_the_primary(forwarded):
    report = GeneratedReport.objects.create(period_kind="range", start=date(2026, 1, 1), end=date(2026, 12, 31),
                                            format="csv", created_at=forwarded.submitted_at)
    with Queries() as queries:
        assert generate_report.call(report.pk) == GeneratedReport.Status.DONE
    assert queries.summary_reads(queries.replica)
    assert not queries.summary_reads(queries.primary)
    writes = [q["sql"] for q in queries.primary.captured_queries if q["sql"].startswith("UPDATE")]
    assert any("reports_generatedreport" in sql for sql in writes)
    assert not any(q["sql"].startswith(("UPDATE", "INSERT", "DELETE")) for q in queries.replica.captured_queries)
