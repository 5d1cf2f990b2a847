"""Everything a citizen or an official reads exists in Dzongkha.

The first test gathers the strings from the code and templates exactly as `make messages-update`
does, into a copy of the catalogue, and fails with the list of any that has no Dzongkha yet.
"""

import json
import re
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.test import Client
from django.utils import formats, translation

from ekaasel.organisations.models import District, Service

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = ROOT / "locale" / "dz" / "LC_MESSAGES" / "django.po"
TIBETAN = re.compile(r"[\u0F00-\u0FFF]")


def _untranslated(po: polib.POFile) -> list[str]:
    return [entry.msgid for entry in po if not entry.obsolete and (not entry.translated() or entry.fuzzy)]


def test_every_string_of_the_code_and_templates_has_a_dzongkha_translation(tmp_path: Path) -> None:
    for part in ("ekaasel", "config", "locale"):
        shutil.copytree(ROOT / part, tmp_path / part, ignore=shutil.ignore_patterns("__pycache__", "*.mo"))
    shutil.copy(ROOT / "manage.py", tmp_path / "manage.py")
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "dz", "--no-obsolete", "-v0"],
        cwd=tmp_path, check=True, capture_output=True, timeout=300,
        env={"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "config.settings.test",
             "EKAASEL_VAR_DIR": str(tmp_path / "var")},
    )
    gathered = polib.pofile(str(tmp_path / "locale" / "dz" / "LC_MESSAGES" / "django.po"))
    missing = _untranslated(gathered)
    assert not missing, (
        f"{len(missing)} strings have no Dzongkha translation (run `make messages-update`, then translate "
        f"them in {CATALOGUE.relative_to(ROOT)}):\n" + "\n".join(missing[:50])
    )


def test_the_committed_catalogue_is_complete_and_valid() -> None:
    po = polib.pofile(str(CATALOGUE))
    assert not _untranslated(po)
    for entry in po:
        translations = [entry.msgstr] if not entry.msgid_plural else list(entry.msgstr_plural.values())
        for text in translations:
            assert set(re.findall(r"\{(\w*)\}", text)) == set(re.findall(r"\{(\w*)\}", entry.msgid)), entry.msgid
            assert set(re.findall(r"%\((\w+)\)", text)) == set(re.findall(r"%\((\w+)\)", entry.msgid)), entry.msgid
    subprocess.run(["msgfmt", "--check", "-o", "/dev/null", str(CATALOGUE)], check=True)


def test_every_ministry_department_service_and_district_has_a_dzongkha_name() -> None:
    data = json.loads((ROOT / "ekaasel" / "organisations" / "data" / "catalogue.json").read_text("utf-8"))
    things = [*data["ministries"], *[d for m in data["ministries"] for d in m.get("departments", [])],
              *data["services"], *data["districts"]]
    unnamed = [thing["code"] for thing in things if not TIBETAN.search(thing.get("name_dz", ""))]
    assert not unnamed


@pytest.mark.django_db
def test_the_portal_in_dzongkha_shows_dzongkha_names_for_services_and_districts(org: dict) -> None:
    Service.objects.filter(pk=org["referral"].pk).update(name_dz="སྨན་བཅོས་རྒྱལ་ཁབ་ཕྱི་ལུ་གཏང་ནི")
    District.objects.filter(pk=org["thimphu"].pk).update(name_dz="ཐིམ་ཕུ")
    with translation.override("dz"):
        assert str(Service.objects.get(pk=org["referral"].pk)) == "སྨན་བཅོས་རྒྱལ་ཁབ་ཕྱི་ལུ་གཏང་ནི"
    with translation.override("en"):
        assert str(District.objects.get(pk=org["thimphu"].pk)) == "Thimphu"
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "dz"
    page = client.get("/").content.decode()
    assert 'lang="dz"' in page
    assert len(TIBETAN.findall(page)) > 200


def test_dates_and_sizes_read_in_dzongkha() -> None:
    day = date(2026, 12, 5)  # a Saturday
    with translation.override("dz"):
        assert formats.date_format(day, "j M Y") == "5 སྤྱི་ཟླ་12 2026"  # as in SMS texts
        assert formats.date_format(day) == "5 སྤྱི་ཟླ་བཅུ་གཉིས་པ 2026"
        assert formats.date_format(day, "l") == "གཟའ་སྤེན་པ"
        assert filesizeformat(12) == "12\xa0བཱའིཊི"  # a no-break space, as Django writes it
    with translation.override("en"):
        assert formats.date_format(day, "j M Y") == "5 Dec 2026"
