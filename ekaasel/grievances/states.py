"""The grievance lifecycle: statuses, actions, who may take each action and from which status.

Pure: no database, no Django models. `transition_for` is the only judge of whether an action is
allowed in a status for a kind of actor; the domain actions ask it before they write anything.
"""

from dataclasses import dataclass
from enum import StrEnum

from django.db import models
from django.utils.translation import gettext_lazy as _

from ekaasel.core.errors import InvalidTransition, NotPermitted


class Status(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    AWAITING_CITIZEN = "awaiting_citizen", _("Waiting for your information")
    FORWARDED = "forwarded", _("Forwarded to the agency")
    IN_PROGRESS = "in_progress", _("In progress")
    RESOLVED = "resolved", _("Resolved")
    REJECTED = "rejected", _("Rejected")
    CLOSED = "closed", _("Closed")
    WITHDRAWN = "withdrawn", _("Withdrawn")


OPEN_STATUSES = frozenset({Status.SUBMITTED, Status.AWAITING_CITIZEN, Status.FORWARDED, Status.IN_PROGRESS})
AGENCY_STATUSES = frozenset({Status.FORWARDED, Status.IN_PROGRESS})


class Action(models.TextChoices):
    SUBMIT = "submit", _("Submitted")
    ASK_INFO = "ask_info", _("Asked for information")
    PROVIDE_INFO = "provide_info", _("Information provided")
    FORWARD = "forward", _("Forwarded")
    RESOLVE = "resolve", _("Resolved")
    REJECT = "reject", _("Rejected")
    MARK_DUPLICATE = "mark_duplicate", _("Marked as duplicate")
    ACKNOWLEDGE = "acknowledge", _("Acknowledged")
    ASSIGN = "assign", _("Assigned")
    RETURN = "return", _("Returned as mis-routed")
    ESCALATE = "escalate", _("Escalated")
    TAKE_UP = "take_up", _("Taken up by the PMO")
    RATE = "rate", _("Rated")
    CLOSE = "close", _("Closed")
    APPEAL = "appeal", _("Appealed")
    WITHDRAW = "withdraw", _("Withdrawn")
    NOTE = "note", _("Note added")
    REMIND = "remind", _("Reminder sent")


class ActorKind(StrEnum):
    """Who acts, as far as the lifecycle is concerned. Remits are checked in permissions.py."""

    CITIZEN = "citizen"
    ASSESSOR = "assessor"
    AGENCY = "agency"
    PMO = "pmo"
    SYSTEM = "system"


class ClosureReason(models.TextChoices):
    RATED = "rated", _("Rated by the citizen")
    NO_RATING = "no_rating", _("Closed without a rating")
    DUPLICATE = "duplicate", _("Duplicate of another grievance")


@dataclass(frozen=True)
class Transition:
    action: Action
    sources: frozenset[Status]
    # None: the status does not change (assign, escalate, take up).
    target: Status | None
    actors: frozenset[ActorKind]

    def target_from(self, source: Status) -> Status:
        return self.target if self.target is not None else source


def _t(action: Action, sources: set[Status], target: Status | None, actors: set[ActorKind]) -> Transition:
    return Transition(action, frozenset(sources), target, frozenset(actors))


S, A, K = Status, Action, ActorKind
_OPEN = set(OPEN_STATUSES)
_AGENCY = set(AGENCY_STATUSES)

TRANSITIONS: tuple[Transition, ...] = (
    _t(A.FORWARD, {S.SUBMITTED}, S.FORWARDED, {K.ASSESSOR, K.PMO}),
    _t(A.RESOLVE, {S.SUBMITTED}, S.RESOLVED, {K.ASSESSOR}),
    _t(A.ASK_INFO, {S.SUBMITTED}, S.AWAITING_CITIZEN, {K.ASSESSOR}),
    _t(A.PROVIDE_INFO, {S.AWAITING_CITIZEN}, S.SUBMITTED, {K.CITIZEN}),
    _t(A.REJECT, {S.SUBMITTED}, S.REJECTED, {K.ASSESSOR}),
    _t(A.MARK_DUPLICATE, {S.SUBMITTED}, S.CLOSED, {K.ASSESSOR}),
    _t(A.ACKNOWLEDGE, {S.FORWARDED}, S.IN_PROGRESS, {K.AGENCY}),
    _t(A.ASSIGN, _AGENCY, None, {K.AGENCY}),
    _t(A.RETURN, _AGENCY, S.SUBMITTED, {K.AGENCY}),
    _t(A.RESOLVE, _AGENCY, S.RESOLVED, {K.AGENCY, K.PMO}),
    _t(A.ESCALATE, _OPEN, None, {K.SYSTEM, K.PMO}),
    _t(A.TAKE_UP, _OPEN, None, {K.PMO}),
    _t(A.RATE, {S.RESOLVED}, S.CLOSED, {K.CITIZEN}),
    _t(A.CLOSE, {S.RESOLVED}, S.CLOSED, {K.SYSTEM}),
    _t(A.APPEAL, {S.RESOLVED, S.REJECTED}, S.SUBMITTED, {K.CITIZEN}),
    _t(A.WITHDRAW, _OPEN, S.WITHDRAWN, {K.CITIZEN}),
    # Not in the lifecycle table of statuses, but history events all the same.
    _t(A.NOTE, set(Status), None, {K.ASSESSOR, K.AGENCY, K.PMO}),
    _t(A.REMIND, _AGENCY, None, {K.SYSTEM}),
)


def transition_for(action: Action, status: Status, actor: ActorKind) -> Transition:
    """The transition `actor` may take with `action` from `status`.

    Raises InvalidTransition when the action is not possible in this status for anyone, and
    NotPermitted when it is possible but not for this kind of actor.
    """
    possible = [t for t in TRANSITIONS if t.action == action and status in t.sources]
    if not possible:
        raise InvalidTransition(
            _("This grievance is “%(status)s”; “%(action)s” is not possible now. It may have just been changed.")
            % {"status": Status(status).label, "action": Action(action).label}
        )
    for transition in possible:
        if actor in transition.actors:
            return transition
    raise NotPermitted(_("You are not allowed to do this to this grievance."))


def actions_available(status: Status, actor: ActorKind) -> list[Action]:
    """Actions this kind of actor could take now, in the table's order (for showing buttons)."""
    seen: list[Action] = []
    for t in TRANSITIONS:
        if status in t.sources and actor in t.actors and t.action not in seen:
            seen.append(t.action)
    return seen
