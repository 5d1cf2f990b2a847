"""The user guide on the portal: every page in English and Dzongkha, the numbers it quotes taken from the
settings, the screenshots it shows, and the links that lead to it."""

import re
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from django.apps import apps
from django.template.loader import render_to_string
from django.test import Client, RequestFactory
from django.urls import reverse

from ekaasel.notifications.sms_commands import KEYWORDS
from ekaasel.portal.views.guide import ALL_PAGES, CITIZEN_PAGES, content_template, shots_directory
from tests.portal.conftest import text_of

pytestmark = pytest.mark.django_db

TIBETAN = re.compile(r"[\u0F00-\u0FFF]")
SLUGS = [page.slug for page in ALL_PAGES]


def get(client: Client, path: str, lang: str) -> Any:
    client.cookies["django_language"] = lang
    return client.get(path)


def assert_accessible_page(response: Any) -> None:
    """What every portal page has: its language, one h1, the skip link, the language switch, nothing external."""
    page = response.content.decode()
    assert response.status_code == 200
    assert re.search(r'<html lang="(en|dz)"', page)
    assert page.count("<h1") == 1, "one h1 per page"
    assert '<a class="skip-link" href="#main">' in page and '<main id="main"' in page
    assert 'action="/i18n/setlang/"' in page, "language switch on every page"
    assert "https://" not in page.split("</head>")[0], "no external resources"


def tibetan_share(text: str) -> float:
    letters = [ch for ch in text if ch.isalpha() or TIBETAN.match(ch)]
    return sum(1 for ch in letters if TIBETAN.match(ch)) / max(len(letters), 1)


def guide_text(response: Any) -> str:
    """The page's own text: what is inside <main>, without the header and footer shared by every page."""
    body = response.content.decode()
    main = body[body.index("<main"):body.index("</main>")]
    return text_of(SimpleNamespace(content=main.encode()))


@pytest.mark.parametrize("lang", ["en", "dz"])
def test_the_index_lists_every_page_and_both_pdfs(client: Client, lang: str) -> None:
    response = get(client, reverse("portal:guide"), lang)
    assert_accessible_page(response)
    page = response.content.decode()
    assert f'<html lang="{lang}"' in page
    for slug in SLUGS:
        assert f'href="{reverse("portal:guide_page", args=[slug])}"' in page
    for code in ("en", "dz"):
        assert f'href="{reverse("portal:guide_pdf", args=[code])}"' in page


@pytest.mark.parametrize("slug", SLUGS)
def test_every_page_is_written_in_both_languages(client: Client, slug: str) -> None:
    english = get(client, reverse("portal:guide_page", args=[slug]), "en")
    assert_accessible_page(english)
    dzongkha = get(client, reverse("portal:guide_page", args=[slug]), "dz")
    assert_accessible_page(dzongkha)
    assert '<html lang="dz"' in dzongkha.content.decode()
    # The long text is Dzongkha on the Dzongkha page (button names quoted from the catalogue may still be
    # English until translated), and English on the English page.
    assert tibetan_share(guide_text(dzongkha)) > 0.6, guide_text(dzongkha)[:300]
    assert tibetan_share(guide_text(english)) < 0.05
    assert len(guide_text(english)) > 600, "a guide page says something"


def test_citizen_pages_link_to_each_other_in_order(client: Client) -> None:
    first, second = CITIZEN_PAGES[0], CITIZEN_PAGES[1]
    page = get(client, reverse("portal:guide_page", args=[second.slug]), "en").content.decode()
    assert f'href="{reverse("portal:guide_page", args=[first.slug])}" rel="prev"' in page
    assert f'href="{reverse("portal:guide_page", args=[CITIZEN_PAGES[2].slug])}" rel="next"' in page


def test_an_unknown_page_is_not_found(client: Client) -> None:
    assert get(client, "/guide/no-such-page/", "en").status_code == 404


def test_the_time_limits_come_from_the_settings(client: Client, settings: Any) -> None:
    settings.EKAASEL = {**settings.EKAASEL, "ASSESSMENT_WORKING_DAYS": 4, "DEFAULT_RESOLUTION_WORKING_DAYS": 12,
                        "APPEAL_WINDOW_DAYS": 21, "PMO_ESCALATION_AFTER_WORKING_DAYS": 7, "AUTO_CLOSE_AFTER_DAYS": 9}
    english = text_of(get(client, reverse("portal:guide_page", args=["time-limits"]), "en"))
    assert "within 4 working days" in english
    assert "usually has 12 working days" in english
    assert "open 7 working days later" in english
    faq = text_of(get(client, reverse("portal:guide_page", args=["faq"]), "en"))
    assert "within 21 days of the answer" in faq
    rating = text_of(get(client, reverse("portal:guide_page", args=["rating-appeal"]), "en"))
    assert "within 9 days, it is closed without a rating" in rating
    dzongkha = text_of(get(client, reverse("portal:guide_page", args=["time-limits"]), "dz"))
    assert "ལཱ་གི་ཉིནམ་ 4 ནང་འཁོད་" in dzongkha
    assert "ལཱ་གི་ཉིནམ་ 12 ཡོདཔ་ཨིན" in dzongkha


def test_one_working_day_is_singular(client: Client, settings: Any) -> None:
    settings.EKAASEL = {**settings.EKAASEL, "ASSESSMENT_WORKING_DAYS": 1}
    assert "within 1 working day." in text_of(get(client, reverse("portal:guide_page", args=["time-limits"]), "en"))


def test_the_code_rules_come_from_the_settings(client: Client, settings: Any) -> None:
    settings.EKAASEL = {**settings.EKAASEL, "OTP_VALID_SECONDS": 300, "OTP_MAX_ATTEMPTS": 4}
    text = text_of(get(client, reverse("portal:guide_page", args=["verification"]), "en"))
    assert "valid for 5 minutes" in text
    assert "After 4 wrong tries" in text


@pytest.mark.parametrize("lang", ["en", "dz"])
def test_the_sms_page_shows_every_keyword_the_gateway_understands(client: Client, lang: str) -> None:
    text = text_of(get(client, reverse("portal:guide_page", args=["sms"]), lang))
    for keyword in KEYWORDS:
        assert keyword in text, keyword


def test_a_language_without_its_own_text_falls_back_to_english() -> None:
    assert content_template("faq", "fr").origin.template_name == "portal/guide/content/faq.en.html"
    assert content_template("faq", "dz").origin.template_name == "portal/guide/content/faq.dz.html"
    assert content_template("faq", None).origin.template_name == "portal/guide/content/faq.en.html"


@pytest.mark.parametrize("lang", ["en", "dz"])
@pytest.mark.parametrize("slug", SLUGS)
def test_every_screenshot_exists_and_has_alt_text(client: Client, slug: str, lang: str) -> None:
    page = get(client, reverse("portal:guide_page", args=[slug]), lang).content.decode()
    for image in re.finditer(r"<img\b([^>]*)>", page):
        attributes = image.group(1)
        alt = re.search(r'\balt="([^"]*)"', attributes)
        assert alt and len(alt.group(1)) > 20, f"{slug} [{lang}]: {image.group(0)}"
        src = re.search(r'\bsrc="/static/portal/guide/shots/([^"]+)"', attributes)
        assert src, image.group(0)
        assert src.group(1).endswith(f".{lang}.png"), "the screenshot is in the page's language"
        missing = f"missing screenshot {src.group(1)} (make guide-screenshots)"
        assert (shots_directory() / src.group(1)).is_file(), missing


def test_every_screenshot_file_is_used_by_a_page() -> None:
    used = set()
    for template in (Path(apps.get_app_config("portal").path) / "templates/portal/guide/content").glob("*.html"):
        used |= set(re.findall(r'name="([^"]+\.png)"', template.read_text()))
    on_disk = {path.name for path in shots_directory().glob("*.png")}
    assert on_disk, "no screenshots (make guide-screenshots)"
    assert on_disk == used


def test_the_home_page_and_the_footer_lead_to_the_guide(client: Client) -> None:
    home = get(client, "/", "en").content.decode()
    assert home.count(f'href="{reverse("portal:guide")}"') == 2, "in the page and in the footer"
    for path in (reverse("portal:track"), reverse("portal:file"), reverse("transparency")):
        assert f'href="{reverse("portal:guide")}"' in get(client, path, "en").content.decode(), path


def test_the_workspace_navigation_leads_to_the_officials_guide() -> None:
    request = RequestFactory().get("/workspace/")
    request.resolver_match = SimpleNamespace(url_name="queue")  # type: ignore[assignment]
    official = SimpleNamespace(role="assessor", __str__=lambda self: "Demo Assessor")
    html = render_to_string("workspace/_nav.html", {"official": official, "request": request})
    assert f'href="{reverse("portal:guide_page", args=["officials"])}"' in html
    assert "Guide for officials" in html
