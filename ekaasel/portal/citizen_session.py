"""What the portal remembers about a citizen in his browser session, and for how long.

A citizen never has a password: proving a mobile number by a one-time code is his sign-in. Two
proofs are kept, each for CITIZEN_SESSION_SECONDS after the code was accepted:
- the proven mobile, which opens "My grievances" and the details of his grievances;
- the verified filing details (CID, name, mobile), which open the grievance form.
Codes sent but not yet typed ("pending") and the submission keys of the grievance form live here too.
Everything stored is JSON: the session serializer is Django's default.
"""

import uuid
from dataclasses import asdict, dataclass

from django.conf import settings
from django.http import HttpRequest

from ekaasel.core import clock

_PROVEN = "portal.proven_mobile"
_FILING = "portal.filing.verified"
_FILING_PENDING = "portal.filing.pending"
_TRACK_PENDING = "portal.track.pending"
_SUBMISSION_KEYS = "portal.filing.keys"
_CURRENT_KEY = "portal.filing.current_key"
_FILED = "portal.filing.filed"
_DRAFT = "portal.filing.draft"

# Only the last few keys and application IDs are kept: enough for a double click or a reload.
_KEEP = 10


def _now() -> float:
    return clock.now().timestamp()


def _lifetime() -> float:
    return float(settings.EKAASEL["CITIZEN_SESSION_SECONDS"])


def _fresh(entry: object) -> dict[str, object] | None:
    """The stored entry if it is a dict whose proof is still within its lifetime."""
    if not isinstance(entry, dict):
        return None
    at = entry.get("at")
    if not isinstance(at, int | float) or _now() - at > _lifetime():
        return None
    return entry


# --- the proven mobile (following grievances) ---------------------------------------------------


def remember_proven_mobile(request: HttpRequest, mobile: str) -> None:
    """Record that this browser proved `mobile` by a code just now."""
    # A new session key after the proof: a key planted before it (session fixation) learns nothing.
    request.session.cycle_key()
    request.session[_PROVEN] = {"mobile": mobile, "at": _now()}


def proven_mobile(request: HttpRequest) -> str | None:
    """The mobile this browser proved, unless the proof is older than CITIZEN_SESSION_SECONDS."""
    entry = _fresh(request.session.get(_PROVEN))
    if entry is None:
        request.session.pop(_PROVEN, None)
        return None
    mobile = entry.get("mobile")
    return mobile if isinstance(mobile, str) else None


def forget(request: HttpRequest) -> None:
    """Sign out: drop every proof, pending code, draft and filed ID; keep nothing personal in the session."""
    for key in (_PROVEN, _FILING, _FILING_PENDING, _TRACK_PENDING, _DRAFT, _FILED, _CURRENT_KEY):
        request.session.pop(key, None)


# --- codes sent, not yet typed ------------------------------------------------------------------


@dataclass(frozen=True)
class FilingIdentity:
    """The verification details of the person filing: CID, name, mobile (E.164)."""

    national_id: str
    name: str
    mobile: str


@dataclass(frozen=True)
class PendingTrackCode:
    """A tracking code sent to `mobile`; once typed, the citizen goes to `next_url`."""

    mobile: str
    next_url: str
    application_id: str = ""


def remember_pending_filing(request: HttpRequest, identity: FilingIdentity) -> None:
    request.session[_FILING_PENDING] = {**asdict(identity), "at": _now()}


def pending_filing(request: HttpRequest) -> FilingIdentity | None:
    """The details a filing code was sent for, while still recent."""
    entry = _fresh(request.session.get(_FILING_PENDING))
    if entry is None:
        return None
    return _identity_from(entry)


def remember_pending_track(request: HttpRequest, pending: PendingTrackCode) -> None:
    request.session[_TRACK_PENDING] = {**asdict(pending), "at": _now()}


def pending_track(request: HttpRequest, *, application_id: str = "") -> PendingTrackCode | None:
    """The tracking code sent from this browser for `application_id` ("" for My grievances)."""
    entry = _fresh(request.session.get(_TRACK_PENDING))
    if entry is None or entry.get("application_id", "") != application_id:
        return None
    mobile, next_url = entry.get("mobile"), entry.get("next_url")
    if not isinstance(mobile, str) or not isinstance(next_url, str):
        return None
    return PendingTrackCode(mobile=mobile, next_url=next_url, application_id=application_id)


def clear_pending_track(request: HttpRequest) -> None:
    request.session.pop(_TRACK_PENDING, None)


# --- verified for filing ------------------------------------------------------------------------


def _identity_from(entry: dict[str, object]) -> FilingIdentity | None:
    values = (entry.get("national_id"), entry.get("name"), entry.get("mobile"))
    if not all(isinstance(v, str) and v for v in values):
        return None
    national_id, name, mobile = (str(v) for v in values)
    return FilingIdentity(national_id=national_id, name=name, mobile=mobile)


def remember_filing_verified(request: HttpRequest, identity: FilingIdentity) -> None:
    """The filing code was right: the grievance form opens for these details."""
    request.session.cycle_key()
    request.session.pop(_FILING_PENDING, None)
    request.session[_FILING] = {**asdict(identity), "at": _now()}


def filing_identity(request: HttpRequest) -> FilingIdentity | None:
    """The verified filing details, unless verified more than CITIZEN_SESSION_SECONDS ago."""
    entry = _fresh(request.session.get(_FILING))
    # An expired entry stays until replaced: it fills the details form in again.
    return None if entry is None else _identity_from(entry)


def filing_identity_expired(request: HttpRequest) -> FilingIdentity | None:
    """Details of a filing verification that has expired (to fill the form in again), else None."""
    entry = request.session.get(_FILING)
    if not isinstance(entry, dict) or _fresh(entry) is not None:
        return None
    return _identity_from(entry)


# --- the grievance form: submission keys, drafts, filed IDs -------------------------------------


def current_submission_key(request: HttpRequest) -> str:
    """The key of the grievance form being filled; made the first time the form is shown."""
    key = request.session.get(_CURRENT_KEY)
    if not isinstance(key, str):
        key = str(uuid.uuid4())
        keys = [k for k in request.session.get(_SUBMISSION_KEYS, []) if isinstance(k, str)]
        request.session[_SUBMISSION_KEYS] = [*keys, key][-_KEEP:]
        request.session[_CURRENT_KEY] = key
    return key


def is_own_submission_key(request: HttpRequest, key: str) -> bool:
    """Whether `key` was given to this browser (a key from elsewhere must not fetch another's filing)."""
    return key in request.session.get(_SUBMISSION_KEYS, [])


def remember_filed(request: HttpRequest, *, application_id: str, masked_mobile: str) -> None:
    """A grievance was filed from this browser: its done page may be shown (and reloaded)."""
    filed = request.session.get(_FILED, {})
    filed = {k: v for k, v in filed.items() if k != application_id} if isinstance(filed, dict) else {}
    filed[application_id] = masked_mobile
    request.session[_FILED] = dict(list(filed.items())[-_KEEP:])
    # The next grievance form gets a new key; the used one stays known so a second click is harmless.
    request.session.pop(_CURRENT_KEY, None)
    request.session.pop(_DRAFT, None)


def filed_masked_mobile(request: HttpRequest, application_id: str) -> str | None:
    """The masked mobile the SMS for `application_id` went to, if it was filed from this browser."""
    filed = request.session.get(_FILED, {})
    value = filed.get(application_id) if isinstance(filed, dict) else None
    return value if isinstance(value, str) else None


def remember_draft(request: HttpRequest, data: dict[str, str]) -> None:
    """Keep what was typed in the grievance form when the verification expired before submitting."""
    request.session[_DRAFT] = data


def draft(request: HttpRequest) -> dict[str, str]:
    stored = request.session.get(_DRAFT, {})
    return {k: v for k, v in stored.items() if isinstance(v, str)} if isinstance(stored, dict) else {}
