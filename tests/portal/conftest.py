"""Fixtures for the citizen portal: a small catalogue, grievances set up through the domain actions,
and clients that have gone through the code steps the way a citizen does."""

import html
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from ekaasel.grievances.actions import grievance_file
from ekaasel.grievances.models import Grievance, ProblemKind
from ekaasel.grievances.permissions import Actor
from ekaasel.identity.models import Official, Role
from ekaasel.notifications.models import Message
from ekaasel.organisations.models import District, Ministry, Service, ServiceDelivery

MOBILE_LOCAL = "17123456"
MOBILE = "+97517123456"
OTHER_MOBILE = "+97577654321"
CID = "10101001234"
NAME = "Karma Wangchuk"


@pytest.fixture(autouse=True)
def _media_root(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def ministry(db: None) -> Ministry:
    return Ministry.objects.create(code="moh", name="Ministry of Health", resolution_working_days=10)


@pytest.fixture
def service(ministry: Ministry) -> Service:
    return Service.objects.create(
        code="health-help-desk", name="Health help desk", ministry=ministry, delivery=ServiceDelivery.ONLINE
    )


@pytest.fixture
def other_service(db: None) -> Service:
    moic = Ministry.objects.create(code="moit", name="Ministry of Infrastructure and Transport")
    return Service.objects.create(
        code="driving-licence", name="Driving licence renewal", ministry=moic, delivery=ServiceDelivery.ONLINE
    )


@pytest.fixture
def district(db: None) -> District:
    return District.objects.create(code="thimphu", name="Thimphu")


@pytest.fixture
def assessor(db: None) -> Actor:
    user = get_user_model().objects.create_user(username="assessor", password="not-used-in-tests-123")
    return Actor.of_official(Official.objects.create(user=user, role=Role.ASSESSOR))


# --- reading pages -------------------------------------------------------------------------------


def text_of(response: Any) -> str:
    """The page as a person reads it: markup removed, entities decoded, spaces collapsed."""
    body = response.content.decode()
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", body, flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).split())


def field_error(response: Any, field_id: str) -> str:
    """The error shown next to the control `field_id`, as linked to it by aria-describedby."""
    page = response.content.decode()
    match = re.search(rf'<ul class="errorlist" id="{re.escape(field_id)}_error">(.*?)</ul>', page, flags=re.S)
    if match is None:
        return ""
    control = re.search(rf'<(?:input|select|textarea)\b[^>]*\bid="{re.escape(field_id)}(?:_0)?"[^>]*>', page)
    fieldset = re.search(rf'<fieldset aria-describedby="[^"]*{re.escape(field_id)}_error', page)
    assert control is not None, f"no control {field_id}"
    linked = f"{field_id}_error" in control.group(0) or fieldset is not None
    assert linked, f"error of {field_id} is not linked to its control"
    if fieldset is None:
        assert 'aria-invalid="true"' in control.group(0)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", match.group(1))).split())


def last_code(mobile: str = MOBILE) -> str:
    """The code in the last SMS queued to `mobile`, as the citizen reads it on his phone."""
    message = Message.objects.filter(recipient=mobile, template="otp").order_by("-id").first()
    assert message is not None, "no code was sent"
    match = re.search(r"\b(\d{6})\b", message.body)
    assert match is not None, message.body
    return match.group(1)


def submission_key_of(response: Any) -> str:
    match = re.search(r'name="submission_key" value="([^"]+)"', response.content.decode())
    assert match is not None
    return match.group(1)


# --- citizens part way through ------------------------------------------------------------------


@pytest.fixture
def verified_for_filing(client: Client, service: Service, district: District) -> Client:
    """A client that has given its details and typed the filing code: the grievance form is open."""
    response = client.post(reverse("portal:file"), {"national_id": CID, "name": NAME, "mobile": MOBILE_LOCAL})
    assert response.status_code == 302, text_of(response)
    response = client.post(reverse("portal:file_verify"), {"code": last_code()})
    assert response.headers["Location"] == reverse("portal:file_grievance")
    return client


def prove_mobile(client: Client, mobile: str = MOBILE) -> Client:
    """Prove `mobile` on My grievances, as the citizen does: number, then the code from the SMS."""
    response = client.post(reverse("portal:my"), {"mobile": mobile})
    assert response.status_code == 302, text_of(response)
    response = client.post(reverse("portal:my_verify"), {"code": last_code(mobile)})
    assert response.status_code == 302, text_of(response)
    return client


@pytest.fixture
def file_one(service: Service, district: District) -> Callable[..., Grievance]:
    """File a grievance through the domain action (not the portal), for pages that read it."""

    def file(mobile: str = MOBILE, subject: str = "Help desk never answers", **extra: Any) -> Grievance:
        arguments: dict[str, Any] = {
            "national_id": CID,
            "applicant_name": NAME,
            "mobile": mobile,
            "service": service,
            "problem_kind": ProblemKind.NO_ACCESS,
            "subject": subject,
            "description": "I called the help desk five times in May and nobody answered.",
            "district": district,
            **extra,
        }
        return grievance_file(**arguments).grievance

    return file
