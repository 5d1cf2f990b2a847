"""Fixtures shared by the whole suite: a small organisation tree, officials of every role."""

import os
from collections.abc import Callable, Iterator

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import translation

from ekaasel.grievances import actions
from ekaasel.grievances.models import Grievance, ProblemKind
from ekaasel.grievances.permissions import Actor
from ekaasel.identity.models import Official, Role
from ekaasel.organisations.models import Department, District, Ministry, Service, ServiceDelivery


def pytest_report_header(config: pytest.Config) -> str:
    from django.conf import settings

    return f"database: {settings.DATABASES['default']['ENGINE']}  CI={os.environ.get('CI', '')}"


@pytest.fixture(autouse=True)
def _default_language() -> Iterator[None]:
    """Each test starts in the default language: a Dzongkha request in an earlier test leaves Dzongkha
    active in the thread (LocaleMiddleware activates the request's language and never resets it)."""
    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture
def org(db: None) -> dict[str, object]:
    """Two ministries with a department each, a service in each, a district."""
    health = Ministry.objects.create(code="moh", name="Ministry of Health", resolution_working_days=10)
    works = Ministry.objects.create(code="mowhs", name="Ministry of Works and Human Settlement")
    medical = Department.objects.create(ministry=health, code="dms", name="Department of Medical Services")
    roads = Department.objects.create(ministry=works, code="dor", name="Department of Roads")
    referral = Service.objects.create(
        code="medical-referral", name="Medical referral abroad", ministry=health, department=medical,
        delivery=ServiceDelivery.ONLINE,
    )
    road_permit = Service.objects.create(
        code="road-cutting-permit", name="Road cutting permit", ministry=works, department=roads,
        delivery=ServiceDelivery.ONLINE, resolution_working_days=5,
    )
    thimphu = District.objects.create(code="thimphu", name="Thimphu")
    return {
        "health": health, "works": works, "medical": medical, "roads": roads,
        "referral": referral, "road_permit": road_permit, "thimphu": thimphu,
    }


def _official(username: str, role: Role, ministry: Ministry | None = None,
              department: Department | None = None) -> Official:
    user = get_user_model().objects.create_user(username=username, password="x" * 16)
    return Official.objects.create(user=user, role=role, ministry=ministry, department=department)


@pytest.fixture
def officials(org: dict[str, object]) -> dict[str, Official]:
    health, works = org["health"], org["works"]
    medical, roads = org["medical"], org["roads"]
    assert isinstance(health, Ministry) and isinstance(works, Ministry)
    assert isinstance(medical, Department) and isinstance(roads, Department)
    return {
        "assessor": _official("assessor", Role.ASSESSOR),
        "pmo": _official("pmo", Role.PMO),
        "monitor": _official("monitor", Role.MONITOR),
        "health_secretary": _official("health-secretary", Role.SECRETARY, health),
        "medical_head": _official("medical-head", Role.HEAD_OF_DEPARTMENT, health, medical),
        "medical_officer": _official("medical-officer", Role.AGENCY_OFFICER, health, medical),
        "works_secretary": _official("works-secretary", Role.SECRETARY, works),
        "roads_head": _official("roads-head", Role.HEAD_OF_DEPARTMENT, works, roads),
    }


MOBILE = "+97517123456"


@pytest.fixture
def file_grievance(org: dict[str, object]) -> Callable[..., Grievance]:
    """Submit a grievance as a citizen would (through the domain action)."""

    def make(**overrides: object) -> Grievance:
        fields: dict[str, object] = {
            "national_id": "10101001234",
            "applicant_name": "Karma Wangchuk",
            "mobile": MOBILE,
            "service": org["referral"],
            "problem_kind": ProblemKind.DELAYED,
            "subject": "Referral papers not processed",
            "description": "I applied for a medical referral three weeks ago and have heard nothing.",
            "district": org["thimphu"],
        }
        fields.update(overrides)
        return actions.grievance_file(**fields).grievance  # type: ignore[arg-type]

    return make


@pytest.fixture
def citizen() -> Actor:
    return Actor.citizen(MOBILE)


def sign_in_verified(client: Client, user: object) -> Client:
    """Sign `client` in as `user` with a confirmed second factor, as django_otp.login leaves a session."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)
    client.force_login(user)  # type: ignore[arg-type]
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client
