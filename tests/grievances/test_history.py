"""The history is append-only through every path and tamper-evident: a changed event is found."""

from collections.abc import Callable
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from ekaasel.grievances import actions
from ekaasel.grievances.history import verify_grievance
from ekaasel.grievances.models import AppendOnlyError, Grievance, GrievanceEvent
from ekaasel.grievances.permissions import Actor

pytestmark = pytest.mark.django_db


@pytest.fixture
def handled(file_grievance: Callable[..., Grievance], officials: dict) -> Grievance:
    g = file_grievance()
    actions.grievance_ask_info(grievance_id=g.pk, actor=Actor.of_official(officials["assessor"]), question="Where?")
    actions.grievance_provide_info(grievance_id=g.pk, actor=Actor.citizen(g.mobile), answer="Paro")
    return g


def test_each_event_is_chained_to_the_previous(handled: Grievance) -> None:
    events = list(handled.events.order_by("id"))
    assert [e.prev_hash for e in events] == ["", events[0].hash, events[1].hash]
    assert all(len(e.hash) == 64 for e in events)
    assert verify_grievance(handled) is None


def test_orm_paths_refuse_to_change_history(handled: Grievance) -> None:
    with pytest.raises(AppendOnlyError):
        GrievanceEvent.objects.filter(grievance=handled).update(note="rewritten")
    with pytest.raises(AppendOnlyError):
        GrievanceEvent.objects.filter(grievance=handled).delete()


def test_the_database_itself_refuses_an_update(handled: Grievance) -> None:
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE grievances_grievanceevent SET note = 'rewritten' WHERE grievance_id = %s",
                       [handled.pk])


def _forge(event_id: int, note: str) -> None:
    """What an intruder with the database owner's rights could do: drop the guard, edit, restore it."""
    vendor = connection.vendor
    with connection.cursor() as cursor:
        if vendor == "postgresql":
            cursor.execute("SET session_replication_role = replica")  # a superuser skips triggers
            cursor.execute("UPDATE grievances_grievanceevent SET note = %s WHERE id = %s", [note, event_id])
            cursor.execute("SET session_replication_role = origin")
        else:
            cursor.execute("DROP TRIGGER grievances_event_append_only")
            cursor.execute("UPDATE grievances_grievanceevent SET note = %s WHERE id = %s", [note, event_id])


def test_a_forged_event_is_reported_with_its_position(handled: Grievance) -> None:
    second = handled.events.order_by("id")[1]
    _forge(second.pk, "Nothing to ask")
    broken = verify_grievance(handled)
    assert broken is not None
    assert (broken.application_id, broken.position, broken.reason) == (handled.application_id, 2, "content changed")
    stderr = StringIO()
    with pytest.raises(CommandError, match="1 grievance histories are damaged"):
        call_command("verify_history", stderr=stderr)
    assert f"{handled.application_id}: event #2" in stderr.getvalue()


def test_verify_history_reports_intact_histories(handled: Grievance) -> None:
    out = StringIO()
    call_command("verify_history", stdout=out)
    assert "All 1 grievance histories are intact." in out.getvalue()
