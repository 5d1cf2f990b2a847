"""The admin for officials and citizens: an administrator creates an official, sets his password and
role on one page; impossible remits are refused next to the field; citizens' numbers are masked."""

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from ekaasel.grievances.models import Grievance
from ekaasel.identity.models import Citizen, Official, OneTimeCode, Role
from tests.conftest import MOBILE, sign_in_verified

pytestmark = pytest.mark.django_db

PASSWORD = "Tsechu-dance-2026!"


@pytest.fixture
def administrator(client: Client) -> Client:
    user = get_user_model().objects.create_superuser("administrator", "admin@example.bt", "x" * 16)
    return sign_in_verified(client, user)


def _user_form(username: str, **inline: Any) -> dict[str, Any]:
    """The user add page as an administrator fills it: username, password twice, and the role inline."""
    return {
        "username": username, "usable_password": "true", "password1": PASSWORD, "password2": PASSWORD,
        "official-TOTAL_FORMS": "1", "official-INITIAL_FORMS": "0",
        "official-MIN_NUM_FORMS": "0", "official-MAX_NUM_FORMS": "1",
        **{f"official-0-{field}": value for field, value in inline.items()},
    }


def _inline_errors(response: Any) -> dict[str, list[str]]:
    formset = response.context["inline_admin_formsets"][0].formset
    return {field: list(errors) for field, errors in formset.errors[0].items()}


def test_an_administrator_creates_an_official_with_password_and_role_on_one_page(
    administrator: Client, org: dict[str, Any]
) -> None:
    health, medical = org["health"], org["medical"]

    response = administrator.post(reverse("admin:auth_user_add"), _user_form(
        "dechen", role=Role.HEAD_OF_DEPARTMENT, ministry=health.pk, department=medical.pk, mobile="+97517555111",
    ))

    assert response.status_code == 302, response.content.decode()
    user = get_user_model().objects.get(username="dechen")
    assert user.check_password(PASSWORD)
    official = Official.objects.get(user=user)
    assert (official.role, official.ministry, official.department) == (Role.HEAD_OF_DEPARTMENT, health, medical)


def test_the_user_list_shows_the_role(administrator: Client, officials: dict[str, Official]) -> None:
    response = administrator.get(reverse("admin:auth_user_changelist"))

    page = response.content.decode()
    assert "medical-head" in page and "Head of Department" in page


def test_an_administrator_resets_a_password(administrator: Client, officials: dict[str, Official]) -> None:
    user = officials["assessor"].user
    url = reverse("admin:auth_user_password_change", args=[user.pk])

    response = administrator.post(url, {"usable_password": "true", "password1": PASSWORD, "password2": PASSWORD})

    assert response.status_code == 302, response.content.decode()
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


@pytest.mark.parametrize(
    ("inline", "field", "message"),
    [
        ({"role": Role.HEAD_OF_DEPARTMENT, "ministry": "health"}, "department",
         "A Head of Department or agency officer needs a department."),
        ({"role": Role.SECRETARY}, "ministry",
         "A Secretary, Head of Department or agency officer needs a ministry."),
        ({"role": Role.AGENCY_OFFICER, "ministry": "health", "department": "roads"}, "department",
         "Department of Roads belongs to Ministry of Works and Human Settlement, not to Ministry of Health."),
    ],
    ids=["head-without-department", "secretary-without-ministry", "department-of-another-ministry"],
)
def test_an_impossible_remit_is_refused_and_nothing_is_saved(
    administrator: Client, org: dict[str, Any], inline: dict[str, str], field: str, message: str
) -> None:
    chosen = {name: (org[value].pk if name in ("ministry", "department") else value) for name, value in inline.items()}

    on_user_page = administrator.post(reverse("admin:auth_user_add"), _user_form("karma", **chosen))
    on_official_page = administrator.post(reverse("admin:identity_official_add"), {
        "user": get_user_model().objects.create_user("jigme").pk, "mobile": "", **chosen,
    })

    assert on_user_page.status_code == 200
    assert _inline_errors(on_user_page)[field] == [message]
    assert not get_user_model().objects.filter(username="karma").exists()
    assert on_official_page.status_code == 200
    assert on_official_page.context["adminform"].form.errors[field] == [message]
    # Shown next to the field: the error list sits in the field's row.
    page = on_official_page.content.decode()
    row_start = page.index(f'class="form-row field-{field}')
    assert page.index(message.replace("\u2019", "&#x27;"), row_start) < page.index('class="form-row', row_start + 1)
    assert not Official.objects.exists()


def test_the_official_list_filters_by_role_and_searches_names(
    administrator: Client, officials: dict[str, Official]
) -> None:
    url = reverse("admin:identity_official_changelist")

    by_role = administrator.get(url, {"role__exact": Role.SECRETARY}).content.decode()
    by_name = administrator.get(url, {"q": "roads"}).content.decode()

    assert "health-secretary" in by_role and "works-secretary" in by_role and "medical-head" not in by_role
    assert "roads-head" in by_name and "medical-head" not in by_name


def test_officials_cannot_be_deleted(administrator: Client, officials: dict[str, Official]) -> None:
    official = officials["assessor"]

    response = administrator.post(reverse("admin:identity_official_delete", args=[official.pk]), {"post": "yes"})

    assert response.status_code == 403
    assert Official.objects.filter(pk=official.pk).exists()


def test_the_citizen_list_masks_numbers_and_the_detail_shows_them(
    administrator: Client, file_grievance: Callable[..., Grievance]
) -> None:
    grievance = file_grievance()
    citizen = Citizen.objects.get(pk=grievance.citizen_id)

    listed = administrator.get(reverse("admin:identity_citizen_changelist"))
    detail = administrator.get(reverse("admin:identity_citizen_change", args=[citizen.pk]))

    page = listed.content.decode()
    assert listed.status_code == 200 and citizen.name in page
    assert citizen.national_id not in page and MOBILE not in page and MOBILE[-8:] not in page
    assert "•••••••1234" in page and "+975 17•••456" in page
    assert detail.status_code == 200
    assert citizen.national_id in detail.content.decode() and MOBILE in detail.content.decode()


def test_citizens_cannot_be_added_changed_or_deleted(
    administrator: Client, file_grievance: Callable[..., Grievance]
) -> None:
    citizen = Citizen.objects.get(pk=file_grievance().citizen_id)

    add = administrator.get(reverse("admin:identity_citizen_add"))
    change = administrator.post(reverse("admin:identity_citizen_change", args=[citizen.pk]),
                                {"name": "Someone Else", "national_id": "10101009999"})
    delete = administrator.post(reverse("admin:identity_citizen_delete", args=[citizen.pk]), {"post": "yes"})

    assert add.status_code == change.status_code == delete.status_code == 403
    citizen.refresh_from_db()
    assert (citizen.name, citizen.national_id) == ("Karma Wangchuk", "10101001234")


def test_one_time_codes_are_not_in_the_admin() -> None:
    assert not admin.site.is_registered(OneTimeCode)


def test_the_admin_needs_the_second_factor(client: Client) -> None:
    user = get_user_model().objects.create_superuser("administrator", "admin@example.bt", "x" * 16)
    client.force_login(user)

    response = client.get(reverse("admin:identity_official_changelist"))

    assert response.status_code == 302
    assert response.headers["Location"].startswith(reverse("admin:login"))
