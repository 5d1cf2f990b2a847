"""Domain errors. Views, the API and commands map these to answers in one place each."""

from django.utils.functional import Promise


class DomainError(Exception):
    """A rule of the domain refused the request; `message` is safe to show to the user."""

    def __init__(self, message: str | Promise, *, field: str | None = None) -> None:
        super().__init__(str(message))
        self.message = message
        self.field = field


class InvalidTransition(DomainError):
    """The grievance is not in a state where this action is allowed."""


class NotPermitted(DomainError):
    """The actor may not take this action on this grievance."""


class StaleGrievance(DomainError):
    """Someone else changed the grievance after the actor loaded it."""


class RateLimited(DomainError):
    """Too many requests of this kind; the message says when to try again."""


class InvalidInput(DomainError):
    """Input that passed the form but broke a domain rule."""
