"""The catalogue in the Django admin: every list renders, and a service keeps its ministry's departments."""

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from ekaasel.organisations.admin import ServiceAdminForm
from ekaasel.organisations.catalogue import import_catalogue
from ekaasel.organisations.models import Department, Ministry, Service
from tests.conftest import sign_in_verified

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client_with_catalogue(shipped: dict[str, Any], client: Client) -> Client:
    import_catalogue(shipped)
    user = get_user_model().objects.create_superuser("admin", "admin@example.bt", "x" * 16)
    sign_in_verified(client, user)
    return client


@pytest.mark.parametrize(
    ("model", "expected"),
    [
        ("ministry", "Ministry of Home and Cultural Affairs"),
        ("department", "Department of Civil Registration and Census"),
        ("service", "Rural timber permit"),
        ("district", "Wangdue Phodrang"),
        ("holiday", "National Day"),
    ],
)
def test_changelists_render(admin_client_with_catalogue: Client, model: str, expected: str) -> None:
    response = admin_client_with_catalogue.get(reverse(f"admin:organisations_{model}_changelist"))

    assert response.status_code == 200
    assert expected in response.content.decode()


def test_service_list_filters_by_delivery(admin_client_with_catalogue: Client) -> None:
    response = admin_client_with_catalogue.get(
        reverse("admin:organisations_service_changelist"), {"delivery__exact": "mobile"}
    )

    page = response.content.decode()
    assert "Mobile census service in remote gewogs" in page
    assert "Rural timber permit" not in page


def test_ministry_page_shows_its_departments(admin_client_with_catalogue: Client) -> None:
    home = Ministry.objects.get(code="mohca")

    response = admin_client_with_catalogue.get(reverse("admin:organisations_ministry_change", args=[home.pk]))

    assert response.status_code == 200
    assert "Department of Immigration" in response.content.decode()


def test_a_service_cannot_take_a_department_of_another_ministry(shipped: dict[str, Any]) -> None:
    import_catalogue(shipped)
    taxi = Service.objects.get(code="taxi-permit")
    data = {
        "code": taxi.code, "name": taxi.name, "name_dz": "", "ministry": taxi.ministry_id,
        "department": Department.objects.get(code="medical-services").pk, "delivery": taxi.delivery,
        "resolution_working_days": "", "is_active": True,
    }

    form = ServiceAdminForm(data=data, instance=taxi)

    assert not form.is_valid()
    assert form.errors["department"] == [
        "Department of Medical Services belongs to Ministry of Health, "
        "not to Ministry of Information and Communications."
    ]
