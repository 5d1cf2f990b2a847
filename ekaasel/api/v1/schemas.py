"""Request and response shapes of API v1. Pure translation: no rule lives here that the domain does not own."""

from datetime import date, datetime
from typing import Any, Literal

from ninja import Schema
from pydantic import Field

OtpPurposeIn = Literal["file", "track"]
LanguageIn = Literal["en", "dz"]

# What the domain accepts, stated in the document so clients (and schemathesis) know it up front.
MOBILE_PATTERN = r"^ *(\+975[ -]?)?(16|17|77)([ -]?[0-9]){6} *$"
NATIONAL_ID_PATTERN = r"^[0-9]{11}$"
# Text the domain requires: at least one character that is not a space.
TEXT_PATTERN = r"\S"


def _integer_only(schema: dict[str, Any]) -> None:
    """A form field is text: `null` cannot be sent, so the document shows the optional version as an integer."""
    schema.pop("anyOf", None)
    schema["type"] = "integer"


def form_version() -> Any:
    return Field(None, json_schema_extra=_integer_only)


class ErrorDetail(Schema):
    code: str
    message: str
    fields: dict[str, list[str]]


class ErrorOut(Schema):
    error: ErrorDetail


# --- catalogue -------------------------------------------------------------------------------------


class CodeName(Schema):
    code: str
    name: str


class ServiceOut(Schema):
    code: str
    name: str
    name_dz: str
    delivery: str
    ministry: CodeName
    department: CodeName | None


class ProblemKindOut(Schema):
    code: str
    label: str


class DistrictOut(Schema):
    code: str
    name: str
    name_dz: str


# --- citizens ---------------------------------------------------------------------------------------


class OtpRequestIn(Schema):
    mobile: str = Field(max_length=40, pattern=MOBILE_PATTERN, examples=["17123456"])
    purpose: OtpPurposeIn = "track"
    language: LanguageIn = "en"


class OtpRequestOut(Schema):
    mobile: str
    expires_at: datetime


class OtpVerifyIn(Schema):
    mobile: str = Field(max_length=40, pattern=MOBILE_PATTERN, examples=["17123456"])
    purpose: OtpPurposeIn = "track"
    code: str = Field(max_length=20)


class CitizenTokenOut(Schema):
    token: str
    token_type: str = "Bearer"  # noqa: S105 - the scheme name, not a secret
    expires_in: int
    mobile: str


class FilingIn(Schema):
    national_id: str = Field(max_length=40, pattern=NATIONAL_ID_PATTERN, examples=["10101001234"])
    name: str = Field(max_length=200, pattern=TEXT_PATTERN)
    service: str = Field("", max_length=40, description="Service code from /services; empty for another service.")
    service_other: str = Field("", max_length=200)
    problem_kind: Literal["no_access", "delayed", "not_as_asked", "staff_conduct", "other"]
    subject: str = Field(max_length=200, pattern=TEXT_PATTERN)
    description: str = Field(max_length=5000, pattern=TEXT_PATTERN)
    district: str = Field(max_length=20, pattern=TEXT_PATTERN, description="District code from /districts.")
    language: LanguageIn = "en"


class AttachmentOut(Schema):
    id: int
    name: str
    content_type: str
    size: int


class HistoryOut(Schema):
    action: str
    action_label: str
    at: datetime
    from_status: str
    to_status: str
    note: str


class CitizenGrievanceOut(Schema):
    application_id: str
    status: str
    status_label: str
    service: CodeName | None
    service_other: str
    problem_kind: str
    subject: str
    description: str
    district: str
    channel: str
    agency: str | None
    submitted_at: datetime
    updated_at: datetime
    due_at: datetime | None
    info_request: str
    rejection_reason: str
    resolution: str
    rating: int | None
    is_appeal: bool
    version: int
    available_actions: list[str]
    attachments: list[AttachmentOut]
    history: list[HistoryOut]


class CitizenGrievanceSummary(Schema):
    application_id: str
    status: str
    status_label: str
    subject: str
    service_name: str
    submitted_at: datetime
    updated_at: datetime
    due_at: datetime | None


class CitizenGrievancePage(Schema):
    count: int
    limit: int
    offset: int
    items: list[CitizenGrievanceSummary]


class TrackOut(Schema):
    """Anyone who knows the ID reads the coarse part; `details` only with the owner's token."""

    application_id: str
    status: str
    status_label: str
    submitted_at: datetime
    updated_at: datetime
    due_at: datetime | None
    details: CitizenGrievanceOut | None


class ProvideInfoIn(Schema):
    answer: str = Field(max_length=5000, pattern=TEXT_PATTERN)
    version: int | None = form_version()


class RateIn(Schema):
    rating: int = Field(ge=1, le=5)
    comment: str = Field("", max_length=5000)
    version: int | None = None


class ReasonIn(Schema):
    reason: str = Field(max_length=5000)
    version: int | None = None


class WithdrawIn(Schema):
    reason: str = Field("", max_length=5000)
    version: int | None = None


# --- officials --------------------------------------------------------------------------------------


class OfficialGrievanceSummary(Schema):
    id: int
    application_id: str
    status: str
    status_label: str
    subject: str
    service: CodeName | None
    ministry: CodeName | None
    department: CodeName | None
    district: str
    channel: str
    submitted_at: datetime
    due_at: datetime | None
    assessment_due_at: datetime | None
    is_overdue: bool
    is_appeal: bool
    is_returned: bool
    escalation_level: int
    version: int


class OfficialGrievancePage(Schema):
    count: int
    limit: int
    offset: int
    items: list[OfficialGrievanceSummary]


class OfficialHistoryOut(HistoryOut):
    actor: str
    internal: bool


class ApplicantOut(Schema):
    name: str
    national_id: str
    mobile: str


class OfficialGrievanceOut(OfficialGrievanceSummary):
    description: str
    problem_kind: str
    service_other: str
    applicant: ApplicantOut | None = Field(description="Absent for roles that do not need personal data (monitors).")
    assignee: str | None
    pmo_following: bool
    duplicate_of: str | None
    info_request: str
    rejection_reason: str
    resolution: str
    rating: int | None
    rating_comment: str
    available_actions: list[str]
    attachments: list[AttachmentOut]
    history: list[OfficialHistoryOut]


class AssigneeOut(Schema):
    id: int
    name: str
    role: str


class NoteIn(Schema):
    note: str = Field("", max_length=5000)
    version: int | None = None


class RequiredNoteIn(Schema):
    note: str = Field(max_length=5000)


class ForwardIn(Schema):
    ministry: str = Field(max_length=20)
    department: str | None = Field(None, max_length=30)
    service: str | None = Field(None, max_length=40, description="Reclassify: the service's code (none keeps it).")
    district: str | None = Field(None, max_length=20, description="Reclassify: the district's code (none keeps it).")
    note: str = Field("", max_length=5000)
    version: int | None = None


class ResolveIn(Schema):
    resolution: str = Field(max_length=5000)
    version: int | None = None


class AskInfoIn(Schema):
    question: str = Field(max_length=5000)
    version: int | None = None


class MarkDuplicateIn(Schema):
    original: str = Field(max_length=40, description="Application ID of the grievance this one duplicates.")
    note: str = Field("", max_length=5000)
    version: int | None = None


class AssignIn(Schema):
    assignee: int = Field(description="Official id from …/assignees.")
    note: str = Field("", max_length=5000)
    version: int | None = None


class QueueParams(Schema):
    queue: Literal["mine", "returned", "all"] = "mine"
    status: (
        Literal["submitted", "awaiting_citizen", "forwarded", "in_progress", "resolved", "rejected", "closed",
                "withdrawn"] | None
    ) = None
    ministry: str | None = Field(None, max_length=20)
    department: str | None = Field(None, max_length=30)
    service: str | None = Field(None, max_length=40)
    district: str | None = Field(None, max_length=20)
    overdue: bool = False
    submitted_from: date | None = None
    submitted_to: date | None = None
    q: str = Field("", max_length=200)
