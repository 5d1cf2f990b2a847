"""The demo caseload: many citizens' grievances in every state, filed and handled through the actions."""

import itertools
from collections import Counter

import pytest
from django.core.management import call_command

from ekaasel.core import clock
from ekaasel.grievances.demo import CASELOAD_KEY_PREFIX, seed_demo_caseload
from ekaasel.grievances.models import Grievance, GrievanceEvent
from ekaasel.grievances.states import Action, Status
from ekaasel.identity.validation import normalise_mobile, normalise_national_id
from ekaasel.workspace.demo import seed_demo_officials


@pytest.fixture
def caseload(db: None) -> list[Grievance]:
    call_command("load_catalogue", verbosity=0)
    seed_demo_officials()
    assert seed_demo_caseload(count=60, seed=2026) == 60
    return list(Grievance.objects.filter(submission_key__startswith=CASELOAD_KEY_PREFIX).select_related("citizen"))


def test_sixty_grievances_in_every_status(caseload: list[Grievance]) -> None:
    assert len(caseload) == 60
    statuses = Counter(g.status for g in caseload)
    assert set(statuses) == set(Status.values), statuses


def test_every_history_ends_at_the_grievance_status(caseload: list[Grievance]) -> None:
    events: dict[int, list[GrievanceEvent]] = {}
    for event in GrievanceEvent.objects.order_by("created_at", "id"):
        events.setdefault(event.grievance_id, []).append(event)
    for grievance in caseload:
        history = events[grievance.pk]
        assert history[0].action == Action.SUBMIT
        assert history[0].created_at == grievance.submitted_at
        for before, after in itertools.pairwise(history):
            assert after.from_status == before.to_status, grievance
            assert after.created_at > before.created_at, grievance
        assert history[-1].to_status == grievance.status, grievance


def test_dated_in_the_past_months_never_in_the_future(caseload: list[Grievance]) -> None:
    now = clock.now()
    submitted = sorted(g.submitted_at for g in caseload)
    assert submitted[-1] < now
    assert (now - submitted[0]).days > 120  # spread over months, not filed all at once
    assert not GrievanceEvent.objects.filter(created_at__gt=now).exists()


def test_citizens_look_real_and_agencies_get_work(caseload: list[Grievance]) -> None:
    for grievance in caseload:
        assert normalise_national_id(grievance.citizen.national_id) == grievance.citizen.national_id
        assert normalise_mobile(grievance.mobile) == grievance.mobile
        assert grievance.mobile[4:6] in ("17", "77")
    assert len({g.mobile for g in caseload}) > 50
    forwarded = [g for g in caseload if g.status in (Status.FORWARDED, Status.IN_PROGRESS)]
    assert forwarded and any(g.due_at is not None and g.due_at < clock.now() for g in forwarded)  # overdue work


def test_seeding_twice_adds_nothing(caseload: list[Grievance]) -> None:
    grievances, events = Grievance.objects.count(), GrievanceEvent.objects.count()
    assert seed_demo_caseload(count=60, seed=2026) == 0
    assert (Grievance.objects.count(), GrievanceEvent.objects.count()) == (grievances, events)
