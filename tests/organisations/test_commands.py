"""`manage.py load_catalogue` and `manage.py export_catalogue`, as an administrator runs them."""

import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from ekaasel.organisations.catalogue import export_catalogue
from ekaasel.organisations.models import Service
from tests.organisations.conftest import catalogue_counts, shipped_row_count

pytestmark = pytest.mark.django_db


def run(command: str, *args: str) -> str:
    out = io.StringIO()
    call_command(command, *args, stdout=out, no_color=True)
    return out.getvalue()


def write(path: Path, document: dict[str, Any]) -> Path:
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    return path


def test_load_catalogue_imports_the_shipped_file_and_prints_counts(shipped: dict[str, Any]) -> None:
    output = run("load_catalogue")

    assert "Ministries: 10 created, 0 updated, 0 unchanged" in output
    assert "Districts: 20 created, 0 updated, 0 unchanged" in output
    assert f"Total: {shipped_row_count(shipped)} created, 0 updated, 0 unchanged." in output
    assert catalogue_counts()["ministries"] == 10


def test_load_catalogue_twice_reports_everything_unchanged(shipped: dict[str, Any]) -> None:
    run("load_catalogue")

    output = run("load_catalogue")

    total = shipped_row_count(shipped)
    assert f"Total: 0 created, 0 updated, {total} unchanged." in output
    assert "Services: 0 created, 0 updated, 135 unchanged" in output
    assert "The database already matches the file." in output


def test_a_bad_reference_is_a_command_error_naming_the_row(shipped: dict[str, Any], tmp_path: Path) -> None:
    shipped["services"][3]["ministry"] = "mox"
    code = shipped["services"][3]["code"]

    with pytest.raises(CommandError) as raised:
        run("load_catalogue", "--file", str(write(tmp_path / "bad.json", shipped)))

    assert f'services[3] "{code}": unknown ministry "mox"' in str(raised.value)
    assert "nothing was imported" in str(raised.value)
    assert catalogue_counts() == dict.fromkeys(catalogue_counts(), 0)


def test_an_unreadable_file_is_a_command_error(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="cannot read"):
        run("load_catalogue", "--file", str(tmp_path / "absent.json"))
    broken = tmp_path / "broken.json"
    broken.write_text('{"districts": [}', encoding="utf-8")
    with pytest.raises(CommandError, match=r"is not valid JSON: Expecting value \(line 1, column 16\)"):
        run("load_catalogue", "--file", str(broken))


def test_deactivate_missing_through_the_command(shipped: dict[str, Any], tmp_path: Path) -> None:
    run("load_catalogue")
    shipped["services"] = [row for row in shipped["services"] if row["code"] != "route-permit"]
    path = write(tmp_path / "catalogue.json", shipped)

    kept = run("load_catalogue", "--file", str(path))
    assert "Services not in the file (kept and still active; --deactivate-missing deactivates them): " \
           "route-permit" in kept
    assert Service.objects.get(code="route-permit").is_active

    deactivated = run("load_catalogue", "--file", str(path), "--deactivate-missing")
    assert "Services deactivated because the file no longer lists them: route-permit" in deactivated
    assert not Service.objects.get(code="route-permit").is_active


def test_dry_run_writes_nothing() -> None:
    output = run("load_catalogue", "--dry-run")

    assert output.startswith("Dry run: nothing was written.")
    assert "Ministries: 10 created" in output
    assert catalogue_counts()["ministries"] == 0


def test_export_then_load_on_another_server(
    tmp_path: Path, empty_catalogue: Callable[[], None],
) -> None:
    run("load_catalogue")
    Service.objects.filter(code="taxi-permit").update(name="Taxi permit (new and renewal)", is_active=False)
    before = export_catalogue()
    target = tmp_path / "export.json"

    message = run("export_catalogue", "--output", str(target))
    assert f"Wrote 10 ministries, 135 services, 20 districts and 35 holidays to {target}." in message
    exported = json.loads(target.read_text(encoding="utf-8"))
    assert exported["source_note"].startswith("Exported from the eKaaSel database on ")

    empty_catalogue()
    run("load_catalogue", "--file", str(target))

    assert export_catalogue() == before
    assert not Service.objects.get(code="taxi-permit").is_active


def test_export_to_standard_output_is_the_catalogue_json() -> None:
    run("load_catalogue")

    document = json.loads(run("export_catalogue", "--source-note", "for review"))

    assert document["source_note"] == "for review"
    assert len(document["services"]) == 135
