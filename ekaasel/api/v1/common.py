"""Helpers shared by the API v1 routers: error declarations, pagination, uploads, ID parsing."""

from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from ninja import Query

from ekaasel.api.errors import ApiError
from ekaasel.api.v1.schemas import ErrorOut
from ekaasel.grievances.application_id import MalformedApplicationId, parse_application_id
from ekaasel.grievances.attachments import check_attachments

MAX_LIMIT = 100


def errors(*statuses: int) -> dict[int, type[ErrorOut]]:
    """The error answers an endpoint declares in the OpenAPI document."""
    return dict.fromkeys(statuses, ErrorOut)


def limit_field() -> Any:
    return Query(25, ge=1, le=MAX_LIMIT)


def offset_field() -> Any:
    return Query(0, ge=0, le=1_000_000)


def page(items: QuerySet[Any], limit: int, offset: int) -> tuple[int, list[Any]]:
    """Count and one slice of a queryset the selector has already ordered (ties broken by id)."""
    return items.count(), list(items[offset: offset + limit])


def canonical_id(application_id: str) -> str:
    """The canonical application ID; a malformed one (or a wrong check digit) is not found."""
    try:
        return parse_application_id(application_id)
    except MalformedApplicationId:
        raise ApiError(404, "not_found", _("This is not a valid application ID.")) from None


def checked_uploads(uploads: Sequence[UploadedFile] | None) -> list[UploadedFile]:
    """Refuse bad attachments before anything is written: 413 for a file too large, 422 otherwise.

    The domain action checks again when it stores them (check_attachments is the one rule).
    """
    files = list(uploads or [])
    try:
        check_attachments(files)
    except ValidationError as exc:
        messages = [str(m) for m in exc.messages]
        codes = {e.code for e in exc.error_list}
        status, code = (413, "too_large") if "file_too_large" in codes else (422, "invalid_input")
        raise ApiError(status, code, messages[0], fields={"attachments": messages}) from None
    return files
