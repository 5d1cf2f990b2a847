"""Two people acting on one grievance at the same moment: one wins, the other is told. PostgreSQL only,
because only a server database lets two transactions really overlap."""

import threading
from collections.abc import Callable

import pytest
from django.db import connection, connections

from ekaasel.core.errors import DomainError
from ekaasel.grievances import actions
from ekaasel.grievances.models import Grievance
from ekaasel.grievances.permissions import Actor
from ekaasel.grievances.states import Status

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL"),
]


def run_together(*calls: Callable[[], object]) -> list[object]:
    """Start all calls at the same instant in their own threads (own connections); return results or errors."""
    barrier = threading.Barrier(len(calls))
    results: list[object] = [None] * len(calls)

    def runner(index: int, call: Callable[[], object]) -> None:
        barrier.wait()
        try:
            results[index] = call()
        except DomainError as exc:
            results[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=runner, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return results


def test_forward_and_reject_at_once_one_wins(file_grievance: Callable[..., Grievance], officials: dict,
                                            org: dict) -> None:
    g = file_grievance()
    assessor, pmo = Actor.of_official(officials["assessor"]), Actor.of_official(officials["pmo"])
    results = run_together(
        lambda: actions.grievance_reject(grievance_id=g.pk, actor=assessor, reason="Not a public service"),
        lambda: actions.grievance_forward(grievance_id=g.pk, actor=pmo, ministry=org["health"]),
    )
    errors = [r for r in results if isinstance(r, DomainError)]
    wins = [r for r in results if isinstance(r, Grievance)]
    assert len(wins) == 1 and len(errors) == 1
    assert "not possible now" in str(errors[0].message)
    g.refresh_from_db()
    assert g.status in (Status.REJECTED, Status.FORWARDED)
    assert list(g.events.values_list("from_status", "to_status"))[1:] == [(Status.SUBMITTED, g.status)]
    assert g.version == 2


def test_simultaneous_filings_get_distinct_consecutive_ids(file_grievance: Callable[..., Grievance]) -> None:
    results = run_together(*[file_grievance for _ in range(8)])
    ids = sorted(r.application_id for r in results if isinstance(r, Grievance))
    assert len(ids) == 8 and len(set(ids)) == 8
    serials = sorted(int(i.split("-")[2]) for i in ids)
    assert serials == list(range(serials[0], serials[0] + 8))


def test_two_clicks_at_the_same_instant_file_once(file_grievance: Callable[..., Grievance]) -> None:
    results = run_together(*[lambda: file_grievance(submission_key="same-click") for _ in range(3)])
    assert all(isinstance(r, Grievance) for r in results), results
    assert len({r.pk for r in results if isinstance(r, Grievance)}) == 1
    assert Grievance.objects.count() == 1
    from ekaasel.notifications.models import Message

    assert Message.objects.filter(template="submitted").count() == 1


def test_two_officials_on_the_same_page_one_is_told_it_changed(
    file_grievance: Callable[..., Grievance], officials: dict, org: dict
) -> None:
    """Both loaded version 1 (as the workspace form carries it) and act at once on two connections."""
    g = file_grievance()
    assessor, pmo = Actor.of_official(officials["assessor"]), Actor.of_official(officials["pmo"])
    results = run_together(
        lambda: actions.grievance_forward(grievance_id=g.pk, actor=assessor, ministry=org["health"],
                                          expected_version=1),
        lambda: actions.grievance_escalate(grievance_id=g.pk, actor=pmo, note="Urgent", expected_version=1),
    )
    wins = [r for r in results if isinstance(r, Grievance)]
    errors = [r for r in results if isinstance(r, DomainError)]
    assert len(wins) == 1 and len(errors) == 1
    assert "changed by someone else" in str(errors[0].message)
    g.refresh_from_db()
    assert g.version == 2 and g.events.count() == 2
