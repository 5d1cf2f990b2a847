"""Identity checks: a pluggable confirmation of a national ID against a registry.

The default only checks the format (done by the form). A deployment with access to its civil
registry sets EKAASEL_IDENTITY_CHECK_BACKEND to a class implementing `IdentityCheck`.
"""

from dataclasses import dataclass
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string


@dataclass(frozen=True)
class IdentityCheckResult:
    confirmed: bool
    # Shown to the citizen next to the ID field when not confirmed.
    message: str = ""


class IdentityCheck(Protocol):
    def check(self, *, national_id: str, name: str) -> IdentityCheckResult: ...


class FormatOnlyCheck:
    """Accepts every well-formed ID: used where no registry is reachable."""

    def check(self, *, national_id: str, name: str) -> IdentityCheckResult:
        return IdentityCheckResult(confirmed=True)


def identity_check() -> IdentityCheck:
    check: IdentityCheck = import_string(settings.EKAASEL["IDENTITY_CHECK_BACKEND"])()
    return check
