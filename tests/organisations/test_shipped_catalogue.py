"""The catalogue shipped for Bhutan: what a fresh server has after `load_catalogue`."""

from datetime import date
from typing import Any

import pytest

from ekaasel.organisations.catalogue import import_catalogue
from ekaasel.organisations.models import Department, District, Holiday, Ministry, Service, ServiceDelivery
from ekaasel.organisations.selectors import holidays_between

pytestmark = pytest.mark.django_db

MINISTRY_CODES = {"mohca", "moaf", "molhr", "moic", "mofa", "mowhs", "moe", "moea", "mof", "moh"}
DZONGKHAGS = {
    "Bumthang", "Chhukha", "Dagana", "Gasa", "Haa", "Lhuentse", "Mongar", "Paro", "Pemagatshel", "Punakha",
    "Samdrup Jongkhar", "Samtse", "Sarpang", "Thimphu", "Trashigang", "Trashiyangtse", "Trongsa", "Tsirang",
    "Wangdue Phodrang", "Zhemgang",
}


@pytest.fixture
def loaded(shipped: dict[str, Any]) -> None:
    import_catalogue(shipped)


def test_the_ten_ministries_of_bhutan_with_their_departments(loaded: None) -> None:
    assert set(Ministry.objects.values_list("code", flat=True)) == MINISTRY_CODES
    for ministry in Ministry.objects.all():
        assert ministry.departments.count() >= 3, ministry
        assert 10 <= ministry.resolution_working_days <= 20, ministry
    home = Ministry.objects.get(code="mohca")
    assert home.name == "Ministry of Home and Cultural Affairs"
    assert set(home.departments.values_list("name", flat=True)) >= {
        "Department of Civil Registration and Census", "Department of Immigration",
        "Department of Local Governance", "Department of Culture", "Department of Disaster Management",
    }


def test_services_are_mostly_online_and_each_belongs_to_a_ministry(loaded: None) -> None:
    services = list(Service.objects.select_related("ministry", "department"))
    assert len(services) >= 60
    online = [s for s in services if s.delivery == ServiceDelivery.ONLINE]
    mobile = [s for s in services if s.delivery == ServiceDelivery.MOBILE]
    assert len(online) + len(mobile) == len(services)
    assert len(online) >= 6 * len(mobile) > 0  # the real catalogue: about 120 online to 15 mobile
    for service in services:
        assert service.ministry.is_active
        if service.department is not None:
            assert service.department.ministry_id == service.ministry_id, service
    every_ministry_has_services = {s.ministry.code for s in services}
    assert every_ministry_has_services == MINISTRY_CODES


def test_citizens_find_the_services_they_complain_about(loaded: None) -> None:
    by_code = {s.code: s for s in Service.objects.select_related("ministry", "department")}
    assert by_code["cid-replacement"].department.code == "civil-registration-census"  # type: ignore[union-attr]
    assert by_code["driving-licence-renewal"].ministry.code == "moic"
    assert by_code["rural-timber-permit"].ministry.code == "moaf"
    assert by_code["trade-licence-renewal"].ministry.code == "moea"
    assert by_code["medical-referral-abroad"].resolution_working_days == 5
    assert by_code["mobile-census-service"].delivery == ServiceDelivery.MOBILE


def test_the_twenty_dzongkhags(loaded: None) -> None:
    assert set(District.objects.values_list("name", flat=True)) == DZONGKHAGS
    assert District.objects.get(code="thimphu").name_dz == "ཐིམ་ཕུ"


@pytest.mark.parametrize("year", [2026, 2027])
def test_public_holidays_of_2026_and_2027(loaded: None, year: int) -> None:
    days = holidays_between(date(year, 1, 1), date(year, 12, 31))
    assert len(days) >= 15
    fixed = {(1, 2), (2, 21), (2, 22), (2, 23), (5, 2), (11, 1), (11, 11), (12, 17)}
    assert {date(year, month, day) for month, day in fixed} <= days
    assert Holiday.objects.filter(date__year=year, name="Losar").count() == 1


def test_the_file_warns_that_lunar_dates_need_confirming(shipped: dict[str, Any]) -> None:
    note = shipped["source_note"]
    assert "Royal Civil Service Commission".upper() in note.upper()
    assert "lunar" in note


def test_departments_are_unique_across_ministries(shipped: dict[str, Any]) -> None:
    codes = [d["code"] for m in shipped["ministries"] for d in m["departments"]]
    assert len(codes) == len(set(codes))
    import_catalogue(shipped)
    assert Department.objects.count() == len(codes)
