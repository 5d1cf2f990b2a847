"""import_catalogue: all or nothing, idempotent, reports what it did and what the file left out."""

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

from ekaasel.organisations.catalogue import CatalogueError, export_catalogue, import_catalogue
from ekaasel.organisations.models import Department, Holiday, Ministry, Service
from tests.organisations.conftest import catalogue_counts, shipped_row_count

pytestmark = pytest.mark.django_db


def service(document: dict[str, Any], code: str) -> dict[str, Any]:
    return next(row for row in document["services"] if row["code"] == code)


def without_source_note(document: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in document.items() if key != "source_note"}


def test_first_import_creates_everything(shipped: dict[str, Any]) -> None:
    report = import_catalogue(shipped)
    assert report.created == shipped_row_count(shipped)
    assert (report.updated, report.unchanged) == (0, 0)
    assert report.ministries.created == 10
    assert report.changed


def test_importing_twice_changes_nothing(shipped: dict[str, Any]) -> None:
    import_catalogue(shipped)
    before = export_catalogue()

    report = import_catalogue(shipped)

    assert (report.created, report.updated) == (0, 0)
    assert report.unchanged == shipped_row_count(shipped)
    assert not report.changed
    assert all(not kind.missing for _name, kind in report.kinds())
    assert export_catalogue() == before


def test_an_edited_row_is_updated_and_the_rest_left_alone(shipped: dict[str, Any]) -> None:
    import_catalogue(shipped)
    service(shipped, "taxi-permit")["name"] = "Taxi permit (new and renewal)"
    service(shipped, "taxi-permit")["resolution_working_days"] = 7
    shipped["ministries"][0]["resolution_working_days"] = 12

    report = import_catalogue(shipped)

    assert (report.services.updated, report.ministries.updated, report.departments.updated) == (1, 1, 0)
    assert report.unchanged == shipped_row_count(shipped) - 2
    taxi = Service.objects.get(code="taxi-permit")
    assert (taxi.name, taxi.resolution_working_days) == ("Taxi permit (new and renewal)", 7)
    assert Ministry.objects.get(code=shipped["ministries"][0]["code"]).resolution_working_days == 12


def test_a_service_naming_an_unknown_ministry_is_refused_and_nothing_is_written(
    shipped: dict[str, Any],
) -> None:
    bad = service(shipped, "taxi-permit")
    bad["ministry"] = "motc"
    index = shipped["services"].index(bad)

    with pytest.raises(CatalogueError) as raised:
        import_catalogue(shipped)

    assert f'services[{index}] "taxi-permit": unknown ministry "motc"' in str(raised.value)
    assert raised.value.problems == [raised.value.problems[0]]  # the only problem
    assert catalogue_counts() == dict.fromkeys(catalogue_counts(), 0)


def test_a_refused_import_leaves_an_existing_catalogue_untouched(shipped: dict[str, Any]) -> None:
    import_catalogue(shipped)
    before = export_catalogue()
    service(shipped, "taxi-permit")["name"] = "Renamed"
    shipped["holidays"].append({"date": "2027-12-31", "name": "New holiday"})
    service(shipped, "route-permit")["department"] = "no-such-department"

    with pytest.raises(CatalogueError, match=r'"route-permit": unknown department "no-such-department"'):
        import_catalogue(shipped, deactivate_missing=True)

    assert export_catalogue() == before


def test_a_department_of_another_ministry_is_refused(shipped: dict[str, Any]) -> None:
    service(shipped, "taxi-permit")["department"] = "medical-services"

    with pytest.raises(CatalogueError) as raised:
        import_catalogue(shipped)

    assert 'department "medical-services" belongs to ministry "moh", not "moic"' in str(raised.value)
    assert Service.objects.count() == 0


def test_every_problem_is_reported_at_once(shipped: dict[str, Any]) -> None:
    shipped["services"].append(dict(service(shipped, "taxi-permit")))  # duplicate code
    service(shipped, "route-permit")["delivery"] = "fax"
    service(shipped, "pit-filing")["resolution_working_days"] = 0
    service(shipped, "tax-refund")["deparment"] = "revenue-customs"  # a typo'd field
    shipped["holidays"][0]["date"] = "2026-02-30"
    shipped["districts"][0]["code"] = "bum thang"

    with pytest.raises(CatalogueError) as raised:
        import_catalogue(shipped)

    message = str(raised.value)
    assert len(raised.value.problems) == 6
    assert 'service code "taxi-permit" is already listed at services[' in message
    assert '"route-permit": "delivery" must be one of online, mobile, counter' in message
    assert '"pit-filing": "resolution_working_days" must be a whole number' in message
    assert '"tax-refund": unknown field "deparment"' in message
    assert 'holidays[0] "2026-02-30": "date" must be a date written YYYY-MM-DD' in message
    assert '"code" must contain only letters, digits, hyphens and underscores' in message
    assert catalogue_counts()["services"] == 0


def test_a_document_that_is_not_a_catalogue_is_refused() -> None:
    with pytest.raises(CatalogueError, match="none of the sections"):
        import_catalogue({"format": "ekaasel-catalogue"})
    with pytest.raises(CatalogueError, match="catalogue version 1, not 2"):
        import_catalogue({"version": 2, "districts": []})


def test_missing_services_are_reported_and_kept_active(shipped: dict[str, Any]) -> None:
    import_catalogue(shipped)
    shipped["services"] = [row for row in shipped["services"] if row["code"] != "taxi-permit"]

    report = import_catalogue(shipped)

    assert report.services.missing == ["taxi-permit"]
    assert report.services.deactivated == []
    assert Service.objects.get(code="taxi-permit").is_active
    assert report.changed is False


def test_deactivate_missing_deactivates_ministries_departments_and_services(shipped: dict[str, Any]) -> None:
    import_catalogue(shipped)
    foreign_affairs = next(m for m in shipped["ministries"] if m["code"] == "mofa")
    shipped["ministries"].remove(foreign_affairs)
    shipped["services"] = [row for row in shipped["services"] if row["ministry"] != "mofa"]
    moh = next(m for m in shipped["ministries"] if m["code"] == "moh")
    moh["departments"] = [d for d in moh["departments"] if d["code"] != "health-council"]
    shipped["services"] = [row for row in shipped["services"] if row["department"] != "health-council"]

    report = import_catalogue(shipped, deactivate_missing=True)

    assert report.ministries.deactivated == ["mofa"]
    assert report.departments.deactivated == [
        "bilateral-affairs", "health-council", "multilateral-affairs", "protocol",
    ]
    assert "passport-issue" in report.services.deactivated
    assert "health-professional-registration" in report.services.deactivated
    assert not Ministry.objects.get(code="mofa").is_active
    assert not Department.objects.get(code="health-council").is_active
    assert not Service.objects.get(code="passport-issue").is_active
    assert Service.objects.get(code="taxi-permit").is_active
    # Nothing is deleted: grievances may point at these rows.
    assert Service.objects.filter(code="passport-issue").exists()

    # A second run has nothing more to report: inactive rows are not "missing" again.
    again = import_catalogue(shipped, deactivate_missing=True)
    assert not again.changed and again.services.missing == []


def test_a_service_listed_again_is_reactivated(shipped: dict[str, Any]) -> None:
    import_catalogue(shipped)
    Service.objects.filter(code="taxi-permit").update(is_active=False)

    report = import_catalogue(shipped)

    assert report.services.updated == 1
    assert Service.objects.get(code="taxi-permit").is_active


def test_holidays_missing_from_the_years_listed_are_reported_and_deleted_on_request(
    shipped: dict[str, Any],
) -> None:
    import_catalogue(shipped)
    Holiday.objects.create(date=date(2025, 12, 17), name="National Day")
    Holiday.objects.create(date=date(2026, 3, 3), name="Declared holiday")

    kept = import_catalogue(shipped)
    assert kept.holidays.missing == ["2026-03-03"]  # 2025 is not in the file: not its business
    assert Holiday.objects.filter(date=date(2026, 3, 3)).exists()

    deleted = import_catalogue(shipped, delete_missing_holidays=True)
    assert deleted.holidays.deleted == ["2026-03-03"]
    assert not Holiday.objects.filter(date=date(2026, 3, 3)).exists()
    assert Holiday.objects.filter(date=date(2025, 12, 17)).exists()


def test_a_partial_document_touches_only_its_sections(shipped: dict[str, Any]) -> None:
    import_catalogue(shipped)
    before = export_catalogue()

    report = import_catalogue({"holidays": [{"date": "2028-01-02", "name": "Winter Solstice (Nyilo)"}]})

    assert report.holidays.created == 1
    assert report.created == 1 and report.services.missing == []
    after = export_catalogue()
    assert after["services"] == before["services"] and after["ministries"] == before["ministries"]


def test_services_alone_may_name_ministries_already_in_the_database(shipped: dict[str, Any]) -> None:
    import_catalogue(shipped)
    new = {"code": "tourist-guide-licence", "name": "Tourist guide licence", "ministry": "moea",
           "department": None, "delivery": "online"}

    report = import_catalogue({"services": [*shipped["services"], new]})

    assert report.services.created == 1
    assert Service.objects.get(code="tourist-guide-licence").ministry.code == "moea"
    with pytest.raises(CatalogueError, match=r'unknown ministry "tcb" \(no ministry with that code in the database'):
        import_catalogue({"services": [{**new, "ministry": "tcb"}]})


def test_a_dry_run_reports_and_writes_nothing(shipped: dict[str, Any]) -> None:
    report = import_catalogue(shipped, dry_run=True)

    assert report.dry_run and report.created == shipped_row_count(shipped)
    assert catalogue_counts() == dict.fromkeys(catalogue_counts(), 0)


def test_export_then_import_on_an_empty_database_gives_the_same_catalogue(
    shipped: dict[str, Any], empty_catalogue: Callable[[], None],
) -> None:
    import_catalogue(shipped)
    # An administrator's edits in the admin travel with the export.
    Service.objects.filter(code="taxi-permit").update(is_active=False, name_dz="ཊེཀ་སི")
    Department.objects.filter(code="protocol").update(is_active=False)
    Holiday.objects.create(date=date(2027, 3, 3), name="Declared holiday")
    exported = export_catalogue(source_note="copy")
    assert service(exported, "taxi-permit")["is_active"] is False

    empty_catalogue()
    report = import_catalogue(exported)

    assert report.created == shipped_row_count(exported)
    assert export_catalogue(source_note="copy") == exported
    assert without_source_note(exported) == without_source_note(export_catalogue())
