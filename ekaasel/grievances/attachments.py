"""Attachment rules: at most 3 files, 5 MB each, JPEG, PNG or PDF judged by content, not by name."""

from collections.abc import Sequence
from dataclasses import dataclass

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

ALLOWED_TYPES = {"image/jpeg": "jpg", "image/png": "png", "application/pdf": "pdf"}


@dataclass(frozen=True)
class CheckedAttachment:
    upload: UploadedFile
    content_type: str
    extension: str


def check_attachments(uploads: Sequence[UploadedFile]) -> list[CheckedAttachment]:
    """Validate uploads; raise ValidationError listing what is wrong with each bad file."""
    max_count = settings.EKAASEL["ATTACHMENTS_MAX_COUNT"]
    max_bytes = settings.EKAASEL["ATTACHMENT_MAX_BYTES"]
    uploads = [u for u in uploads if u is not None]
    if len(uploads) > max_count:
        raise ValidationError(
            ngettext("Attach at most %(count)d file.", "Attach at most %(count)d files.", max_count)
            % {"count": max_count},
            code="too_many_files",
        )
    checked: list[CheckedAttachment] = []
    errors: list[ValidationError] = []
    for upload in uploads:
        name = upload.name or _("file")
        if upload.size is None or upload.size == 0:
            errors.append(ValidationError(_("“%(name)s” is empty.") % {"name": name}, code="empty_file"))
            continue
        if upload.size > max_bytes:
            errors.append(
                ValidationError(
                    _("“%(name)s” is %(size)s MB; each file may be at most %(max)d MB.")
                    % {"name": name, "size": f"{upload.size / 1_048_576:.1f}", "max": max_bytes // 1_048_576},
                    code="file_too_large",
                )
            )
            continue
        upload.seek(0)
        head = upload.read(8192)
        upload.seek(0)
        kind = filetype.guess(head)
        mime = kind.mime if kind is not None else ""
        if mime not in ALLOWED_TYPES:
            errors.append(
                ValidationError(
                    _("“%(name)s” is not a JPEG or PNG picture or a PDF document.") % {"name": name},
                    code="file_type",
                )
            )
            continue
        checked.append(CheckedAttachment(upload=upload, content_type=mime, extension=ALLOWED_TYPES[mime]))
    if errors:
        raise ValidationError(errors)
    return checked
