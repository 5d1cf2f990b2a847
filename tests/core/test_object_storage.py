"""Attachments and reports in an S3-compatible object store (MEDIA_S3_BUCKET), so that app servers keep
nothing of their own: what a citizen uploads and what the worker generates is in the bucket, not on the
server's disk, and is served back only through the app's checks. The store is moto's S3 server on loopback
(the same HTTP API as MinIO, Ceph or a cloud's)."""

import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from moto.server import ThreadedMotoServer

from config.settings.base import media_storage_from_env
from ekaasel.grievances.models import Attachment, Grievance
from ekaasel.identity.models import Official
from ekaasel.reports.models import GeneratedReport
from ekaasel.reports.tasks import generate_report
from tests.conftest import sign_in_verified
from tests.kannel.harness import free_port

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 200


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


@pytest.fixture
def bucket(s3_endpoint: str, monkeypatch: pytest.MonkeyPatch, settings: Any, tmp_path: Path) -> Iterator[Any]:
    """A new private bucket, and the project's storage configured for it as production reads it."""
    name = f"ekaasel-media-{uuid.uuid4().hex[:12]}"
    for variable, value in {"AWS_ACCESS_KEY_ID": "ekaasel-test", "AWS_SECRET_ACCESS_KEY": "ekaasel-test-secret",
                            "MEDIA_S3_BUCKET": name, "MEDIA_S3_ENDPOINT_URL": s3_endpoint,
                            "MEDIA_S3_REGION": "us-east-1", "MEDIA_S3_PREFIX": "media"}.items():
        monkeypatch.setenv(variable, value)
    s3 = boto3.resource("s3", endpoint_url=s3_endpoint, region_name="us-east-1")
    s3.create_bucket(Bucket=name)
    settings.MEDIA_ROOT = str(tmp_path / "media-on-this-server")
    settings.STORAGES = {**settings.STORAGES, "default": media_storage_from_env()}
    yield s3.Bucket(name)


def _keys(bucket: Any) -> list[str]:
    return sorted(item.key for item in bucket.objects.all())


@time_machine.travel(datetime(2026, 6, 1, 9, tzinfo=UTC), tick=False)
def test_an_attachment_is_kept_in_the_bucket_and_served_to_the_official_only(
    bucket: Any, file_grievance: Callable[..., Grievance], client: Client, officials: dict[str, Official],
    settings: Any,
) -> None:
    grievance = file_grievance(attachments=[SimpleUploadedFile("photo.png", PNG, content_type="image/png")])
    attachment = Attachment.objects.get(grievance=grievance)
    assert _keys(bucket) == [f"media/{attachment.file.name}"]
    assert bucket.Object(f"media/{attachment.file.name}").get()["Body"].read() == PNG
    assert not Path(settings.MEDIA_ROOT).exists()  # nothing on this server's disk

    url = reverse("workspace:attachment", args=[grievance.pk, attachment.pk])
    sign_in_verified(client, officials["assessor"].user)
    response = client.get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content) == PNG
    assert 'filename="photo.png"' in response["Content-Disposition"]
    # Private: the object grants nothing to everyone (it is served only through the app's checks above).
    grants = bucket.Object(f"media/{attachment.file.name}").Acl().grants
    assert not [g for g in grants if "AllUsers" in g["Grantee"].get("URI", "")], grants

    sign_in_verified(client, officials["medical_officer"].user)  # not his agency's grievance
    assert client.get(url).status_code == 404

    # Gone from the store (a lost object): a plain "not found", not a server error.
    bucket.Object(f"media/{attachment.file.name}").delete()
    sign_in_verified(client, officials["assessor"].user)
    assert client.get(url).status_code == 404


@time_machine.travel(datetime(2026, 4, 10, 9, tzinfo=UTC), tick=False)
def test_a_generated_report_is_written_to_the_bucket_and_downloaded_from_it(
    bucket: Any, file_grievance: Callable[..., Grievance], client: Client, officials: dict[str, Official],
    settings: Any,
) -> None:
    file_grievance()
    sign_in_verified(client, officials["monitor"].user)
    assert client.post("/workspace/reports/", {"period": "month", "format": "csv"}).status_code == 302
    report = GeneratedReport.objects.get()
    assert generate_report.call(report.pk) == "done"
    report.refresh_from_db()
    assert _keys(bucket) == [f"media/{report.file.name}"]
    response = client.get(f"/workspace/reports/{report.pk}/download/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == bucket.Object(f"media/{report.file.name}").get()["Body"].read()
    assert not Path(settings.MEDIA_ROOT).exists()


def test_without_a_bucket_files_stay_under_media_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MEDIA_S3_BUCKET", raising=False)
    assert media_storage_from_env() == {"BACKEND": "django.core.files.storage.FileSystemStorage"}
