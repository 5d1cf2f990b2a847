"""The lifecycle table of DESIGN.md, written out independently, against states.transition_for."""

import itertools

import pytest

from ekaasel.core.errors import InvalidTransition, NotPermitted
from ekaasel.grievances.states import Action, ActorKind, Status, actions_available, transition_for

S, A, K = Status, Action, ActorKind
OPEN = [S.SUBMITTED, S.AWAITING_CITIZEN, S.FORWARDED, S.IN_PROGRESS]
AGENCY = [S.FORWARDED, S.IN_PROGRESS]

# (action, from, actors, to) — to None means "unchanged".
DESIGN_TABLE: list[tuple[Action, list[Status], set[ActorKind], Status | None]] = [
    (A.FORWARD, [S.SUBMITTED], {K.ASSESSOR, K.PMO}, S.FORWARDED),
    (A.RESOLVE, [S.SUBMITTED], {K.ASSESSOR}, S.RESOLVED),
    (A.ASK_INFO, [S.SUBMITTED], {K.ASSESSOR}, S.AWAITING_CITIZEN),
    (A.PROVIDE_INFO, [S.AWAITING_CITIZEN], {K.CITIZEN}, S.SUBMITTED),
    (A.REJECT, [S.SUBMITTED], {K.ASSESSOR}, S.REJECTED),
    (A.MARK_DUPLICATE, [S.SUBMITTED], {K.ASSESSOR}, S.CLOSED),
    (A.ACKNOWLEDGE, [S.FORWARDED], {K.AGENCY}, S.IN_PROGRESS),
    (A.ASSIGN, AGENCY, {K.AGENCY}, None),
    (A.RETURN, AGENCY, {K.AGENCY}, S.SUBMITTED),
    (A.RESOLVE, AGENCY, {K.AGENCY, K.PMO}, S.RESOLVED),
    (A.ESCALATE, OPEN, {K.SYSTEM, K.PMO}, None),
    (A.TAKE_UP, OPEN, {K.PMO}, None),
    (A.RATE, [S.RESOLVED], {K.CITIZEN}, S.CLOSED),
    (A.CLOSE, [S.RESOLVED], {K.SYSTEM}, S.CLOSED),
    (A.APPEAL, [S.RESOLVED, S.REJECTED], {K.CITIZEN}, S.SUBMITTED),
    (A.WITHDRAW, OPEN, {K.CITIZEN}, S.WITHDRAWN),
    # Internal notes (officials' comments) on any grievance; the system's reminders to the agency.
    (A.NOTE, list(Status), {K.ASSESSOR, K.AGENCY, K.PMO}, None),
    (A.REMIND, AGENCY, {K.SYSTEM}, None),
]

ALLOWED: dict[tuple[Action, Status, ActorKind], Status] = {}
for action, sources, actors, target in DESIGN_TABLE:
    for source, actor in itertools.product(sources, actors):
        ALLOWED[(action, source, actor)] = target or source

EVERY_CASE = list(itertools.product(
    [a for a in Action if a != Action.SUBMIT], list(Status), list(ActorKind)
))


@pytest.mark.parametrize(("action", "status", "actor"), [c for c in EVERY_CASE if c in ALLOWED])
def test_allowed_transition_reaches_the_designed_status(action: Action, status: Status, actor: ActorKind) -> None:
    assert transition_for(action, status, actor).target_from(status) == ALLOWED[(action, status, actor)]


@pytest.mark.parametrize(("action", "status", "actor"), [c for c in EVERY_CASE if c not in ALLOWED])
def test_every_other_combination_is_refused_with_a_reason(action: Action, status: Status, actor: ActorKind) -> None:
    possible_for_someone = any((action, status, k) in ALLOWED for k in ActorKind)
    expected = NotPermitted if possible_for_someone else InvalidTransition
    with pytest.raises(expected) as refused:
        transition_for(action, status, actor)
    assert str(refused.value.message)


def test_state_refusal_names_the_status() -> None:
    with pytest.raises(InvalidTransition) as refused:
        transition_for(Action.RATE, Status.SUBMITTED, ActorKind.CITIZEN)
    assert "Submitted" in str(refused.value.message)


def test_buttons_offered_to_a_citizen_on_a_resolved_grievance() -> None:
    assert actions_available(Status.RESOLVED, ActorKind.CITIZEN) == [Action.RATE, Action.APPEAL]


def test_closed_and_withdrawn_allow_nothing_but_notes() -> None:
    for status in (Status.CLOSED, Status.WITHDRAWN):
        for actor in ActorKind:
            assert [a for a in actions_available(status, actor) if a != Action.NOTE] == []
