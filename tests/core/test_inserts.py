"""The filing's rows written from cached statements: the same values as `save()` would store."""

from collections.abc import Callable
from datetime import UTC, datetime

import pytest
import time_machine

from ekaasel.core.inserts import insert
from ekaasel.grievances.models import Grievance, GrievanceEvent
from ekaasel.identity.models import Citizen
from ekaasel.notifications.models import Message

pytestmark = pytest.mark.django_db


@time_machine.travel(datetime(2026, 6, 1, 9, tzinfo=UTC), tick=False)
def test_a_citizen_filing_again_is_one_citizen_with_the_name_last_given(
    file_grievance: Callable[..., Grievance],
) -> None:
    first = file_grievance(applicant_name="Karma Wangchuk")
    with time_machine.travel(datetime(2026, 7, 1, 9, tzinfo=UTC), tick=False):
        second = file_grievance(applicant_name="Karma Wangchuk Dorji", subject="Again")
    assert first.citizen_id == second.citizen_id
    citizen = Citizen.objects.get()
    assert citizen.name == "Karma Wangchuk Dorji"
    assert citizen.created_at == datetime(2026, 6, 1, 9, tzinfo=UTC)  # first seen, not changed by the second
    assert sorted(citizen.grievances.values_list("subject", flat=True)) == sorted([first.subject, "Again"])


def test_the_stored_row_reads_back_as_written(file_grievance: Callable[..., Grievance]) -> None:
    g = file_grievance()
    stored = Grievance.objects.get(pk=g.pk)
    for field in Grievance._meta.concrete_fields:
        assert getattr(stored, field.attname) == getattr(g, field.attname), field.name
    event = GrievanceEvent.objects.get(grievance=g)
    assert event.data == {"channel": "web"} and event.hash and event.prev_hash == ""


def test_an_inserted_row_is_saved_as_an_update_afterwards(file_grievance: Callable[..., Grievance]) -> None:
    g = file_grievance()
    g.subject = "Changed"
    g.save(update_fields=["subject"])  # an UPDATE of the row just inserted, not a second INSERT
    assert Grievance.objects.get(pk=g.pk).subject == "Changed"
    assert Grievance.objects.count() == 1


def test_the_same_key_again_stores_nothing() -> None:
    first = Message(recipient="+97517123456", body="one", template="otp", language="en", event_key="k-1")
    again = Message(recipient="+97517123456", body="two", template="otp", language="en", event_key="k-1")
    assert insert(first, unless_conflict_on="event_key")
    assert not insert(again, unless_conflict_on="event_key")
    assert again.pk is None
    assert list(Message.objects.values_list("body", flat=True)) == ["one"]
