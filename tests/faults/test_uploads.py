"""Hostile uploads: wrong content, oversize, and path tricks in the file name, through the portal and the API.

Bad files are refused and nothing is stored; a good file with a tricky name is stored under MEDIA_ROOT
with a name of our choosing, and no file appears anywhere else. The multipart bodies are written by
hand: Django's test client would strip the directory part of a file name before sending it.
"""

import uuid
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from ekaasel.api.citizen_tokens import issue_citizen_token
from ekaasel.grievances.models import Attachment, Grievance
from tests.portal.conftest import MOBILE, field_error, submission_key_of

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 200
BOUNDARY = "----ekaasel-fault-boundary"
TRAVERSAL = uuid.uuid4().hex  # a name no other run uses, to look for it outside MEDIA_ROOT


def multipart(fields: dict[str, str], files: list[tuple[str, bytes]]) -> bytes:
    """A multipart/form-data body with `files` under "attachments", their names sent exactly as given."""
    parts: list[bytes] = []
    for name, value in fields.items():
        parts.append(f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    for filename, content in files:
        head = (f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="attachments"; filename="{filename}"\r\n'
                "Content-Type: image/png\r\n\r\n")
        parts.append(head.encode() + content + b"\r\n")
    return b"".join(parts) + f"--{BOUNDARY}--\r\n".encode()


def post_multipart(client: Client, url: str, fields: dict[str, str], files: list[tuple[str, bytes]],
                   **extra: Any) -> Any:
    return client.generic("POST", url, multipart(fields, files),
                          content_type=f"multipart/form-data; boundary={BOUNDARY}", **extra)


def files_outside(root: Path, media_root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file() and media_root not in p.parents]


PATH_TRICKS = [
    f"../../../../{TRAVERSAL}-a.png",
    f"..\\..\\..\\{TRAVERSAL}-b.png",
    f"/tmp/{TRAVERSAL}-c.png",  # noqa: S108 - an absolute path an attacker would try
    f"media/../../{TRAVERSAL}-d.png",
    f"%2e%2e%2f%2e%2e%2f{TRAVERSAL}-e.png",
]
WRONG_CONTENT = [
    ("photo.png", b"<html><script>alert(1)</script></html>"),
    ("letter.pdf", b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 100),
    ("image.jpg", b"#!/bin/sh\nrm -rf /\n"),
]


def assert_tricky_names_stay_inside(media_root: Path) -> None:
    attachments = list(Attachment.objects.all())
    assert len(attachments) == len(PATH_TRICKS)
    for attachment in attachments:
        stored = Path(attachment.file.path).resolve()
        assert media_root.resolve() in stored.parents, stored
        assert stored.name.startswith(attachment.grievance.application_id)
        assert "/" not in attachment.original_name and "\\" not in attachment.original_name
    assert files_outside(media_root.parent.parent, media_root) == []
    assert not any(Path("/tmp").glob(f"{TRAVERSAL}*"))  # noqa: S108 - where the absolute name points


# --- the portal ----------------------------------------------------------------------------------


def portal_fields(client: Client, service: Any, district: Any) -> dict[str, str]:
    key = submission_key_of(client.get(reverse("portal:file_grievance")))
    return {"service": str(service.pk), "service_other": "", "problem_kind": "delayed", "subject": "Upload",
            "description": "See the attached photo.", "district": str(district.pk), "submission_key": key}


@pytest.mark.parametrize(("name", "content"), WRONG_CONTENT)
def test_portal_refuses_files_whose_content_is_not_a_picture_or_pdf(
    verified_for_filing: Client, media_root: Path, service, district, name: str, content: bytes
) -> None:
    fields = portal_fields(verified_for_filing, service, district)
    response = post_multipart(verified_for_filing, reverse("portal:file_grievance"), fields, [(name, content)])
    assert field_error(response, "id_attachments") == f"“{name}” is not a JPEG or PNG picture or a PDF document."
    assert not Grievance.objects.exists()
    assert not any(media_root.rglob("*"))


def test_portal_refuses_an_oversize_file(verified_for_filing: Client, media_root: Path, service, district) -> None:
    big = PNG + b"\x00" * (5 * 1_048_576)
    fields = portal_fields(verified_for_filing, service, district)
    response = post_multipart(verified_for_filing, reverse("portal:file_grievance"), fields, [("big.png", big)])
    assert "each file may be at most 5 MB" in field_error(response, "id_attachments")
    assert not Grievance.objects.exists()
    assert not any(media_root.rglob("*"))


def test_portal_stores_tricky_names_inside_media_root(verified_for_filing: Client, media_root: Path, service,
                                                      district) -> None:
    for trick in PATH_TRICKS:
        fields = portal_fields(verified_for_filing, service, district)
        response = post_multipart(verified_for_filing, reverse("portal:file_grievance"), fields, [(trick, PNG)])
        assert response.status_code == 302, field_error(response, "id_attachments")
    assert_tricky_names_stay_inside(media_root)


# --- the API -------------------------------------------------------------------------------------

API_FIELDS = {"national_id": "10101001234", "name": "Karma Wangchuk", "problem_kind": "delayed",
              "subject": "Upload", "description": "See the attached photo.", "district": "thimphu"}


@pytest.fixture
def citizen_api(district: Any) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {issue_citizen_token(mobile=MOBILE)}"}


@pytest.mark.parametrize(("name", "content"), WRONG_CONTENT)
def test_api_refuses_wrong_content(citizen_api: dict[str, str], media_root: Path, name: str,
                                   content: bytes) -> None:
    response = post_multipart(Client(), "/api/v1/grievances", API_FIELDS, [(name, content)], **citizen_api)
    assert response.status_code == 422, response.content
    assert response.json()["error"]["fields"]["attachments"] == [
        f"“{name}” is not a JPEG or PNG picture or a PDF document."
    ]
    assert not Grievance.objects.exists() and not any(media_root.rglob("*"))


def test_api_refuses_an_oversize_file(citizen_api: dict[str, str], media_root: Path) -> None:
    big = PNG + b"\x00" * (5 * 1_048_576)
    response = post_multipart(Client(), "/api/v1/grievances", API_FIELDS, [("big.png", big)], **citizen_api)
    assert response.status_code == 413, response.content
    assert response.json()["error"]["code"] == "too_large"
    assert not Grievance.objects.exists() and not any(media_root.rglob("*"))


def test_api_stores_tricky_names_inside_media_root(citizen_api: dict[str, str], media_root: Path) -> None:
    api = Client()
    for trick in PATH_TRICKS:
        response = post_multipart(api, "/api/v1/grievances", API_FIELDS, [(trick, PNG)], **citizen_api)
        assert response.status_code == 201, response.content
        assert "/" not in response.json()["attachments"][0]["name"]
    assert_tricky_names_stay_inside(media_root)
