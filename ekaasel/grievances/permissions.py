"""Who may act on which grievance: the actor's kind (for the lifecycle table) and his remit."""

from dataclasses import dataclass

from django.utils.translation import gettext as _

from ekaasel.core.errors import NotPermitted
from ekaasel.grievances.models import Grievance
from ekaasel.grievances.states import Action, ActorKind
from ekaasel.identity.models import Official, Role

_ROLE_KIND: dict[str, ActorKind] = {
    Role.ASSESSOR: ActorKind.ASSESSOR,
    Role.SECRETARY: ActorKind.AGENCY,
    Role.HEAD_OF_DEPARTMENT: ActorKind.AGENCY,
    Role.AGENCY_OFFICER: ActorKind.AGENCY,
    Role.PMO: ActorKind.PMO,
}


@dataclass(frozen=True)
class Actor:
    """Whoever takes an action: a citizen (by his proven mobile), an official, or the system."""

    kind: ActorKind
    official: Official | None = None
    mobile: str | None = None

    @classmethod
    def citizen(cls, mobile: str) -> "Actor":
        return cls(kind=ActorKind.CITIZEN, mobile=mobile)

    @classmethod
    def system(cls) -> "Actor":
        return cls(kind=ActorKind.SYSTEM)

    @classmethod
    def of_official(cls, official: Official) -> "Actor":
        kind = _ROLE_KIND.get(official.role)
        if kind is None:
            raise NotPermitted(_("Your role can read grievances but not act on them."))
        return cls(kind=kind, official=official)

    @property
    def label(self) -> str:
        return self.official.role if self.official is not None else str(self.kind)


def in_remit(official: Official, grievance: Grievance) -> bool:
    """Whether `official` may see `grievance`; selectors apply the same rule as a query."""
    role = official.role
    if role in (Role.ASSESSOR, Role.PMO, Role.MONITOR):
        return True
    if role == Role.SECRETARY:
        return grievance.ministry_id is not None and grievance.ministry_id == official.ministry_id
    if role == Role.HEAD_OF_DEPARTMENT:
        return grievance.department_id is not None and grievance.department_id == official.department_id
    if role == Role.AGENCY_OFFICER:
        return grievance.assignee_id == official.pk
    return False


def ensure_can(actor: Actor, action: Action, grievance: Grievance) -> None:
    """Raise NotPermitted unless the grievance is within the actor's remit for this action."""
    if actor.kind == ActorKind.SYSTEM:
        return
    if actor.kind == ActorKind.CITIZEN:
        if not actor.mobile or actor.mobile != grievance.mobile:
            raise NotPermitted(_("Only the person who filed this grievance can do this."))
        return
    official = actor.official
    if official is None or not in_remit(official, grievance):
        raise NotPermitted(_("This grievance is not within your remit."))
    if action == Action.ASSIGN and official.role == Role.AGENCY_OFFICER:
        raise NotPermitted(_("Only a Secretary or a Head of Department can assign grievances."))


def can_be_assigned(assignee: Official, grievance: Grievance) -> bool:
    """An assignee must work in the agency the grievance is forwarded to."""
    if assignee.role not in (Role.SECRETARY, Role.HEAD_OF_DEPARTMENT, Role.AGENCY_OFFICER):
        return False
    if grievance.department_id is not None and assignee.role != Role.SECRETARY:
        return assignee.department_id == grievance.department_id
    return grievance.ministry_id is not None and assignee.ministry_id == grievance.ministry_id
