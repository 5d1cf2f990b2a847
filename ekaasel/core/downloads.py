"""Serving a stored file to the person a selector already allowed to have it."""

from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404
from django.utils.translation import gettext as _


def file_download(stored: FieldFile | None, *, filename: str, content_type: str) -> FileResponse:
    """The file as a download; 404 when the selector found nothing or the file is gone from storage."""
    if not stored:
        raise Http404(_("No such file."))
    try:
        handle = stored.open("rb")
    except FileNotFoundError as exc:
        raise Http404(_("No such file.")) from exc
    return FileResponse(handle, as_attachment=True, filename=filename, content_type=content_type)
