"""The whole guide as a PDF in each language: Dzongkha set in an embedded Tibetan-script font, the screenshots
inside, the settings' numbers in the text, and a response that browsers and proxies may keep."""

import io
import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from pypdf import PdfReader

from ekaasel.notifications.sms_commands import KEYWORDS
from ekaasel.portal.views import guide

pytestmark = pytest.mark.django_db

TIBETAN = re.compile(r"[\u0F00-\u0FFF]")


@pytest.fixture(autouse=True)
def _fresh_cache() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


def font_names(reader: PdfReader) -> set[str]:
    names = set()
    for page in reader.pages:
        resources: Any = page["/Resources"]
        fonts: Any = resources.get("/Font") or {}
        for font in fonts.values():
            # An embedded subset is named "ABCDEF+Family"
            names.add(str(font.get_object()["/BaseFont"]).lstrip("/"))
    return names


def image_count(reader: PdfReader) -> int:
    return sum(len(page.images) for page in reader.pages)


def test_the_dzongkha_guide_embeds_a_tibetan_font_and_reads_as_dzongkha(client: Client) -> None:
    response = client.get(reverse("portal:guide_pdf", args=["dz"]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert 'filename="ekaasel-guide-dz.pdf"' in response["Content-Disposition"]
    reader = PdfReader(io.BytesIO(response.content))
    fonts = font_names(reader)
    tibetan_fonts = {name for name in fonts if "+" in name and "Jomolhari" in name}
    assert tibetan_fonts, f"no embedded Tibetan-script font among {fonts}"
    text = "".join(page.extract_text() for page in reader.pages)
    tibetan = TIBETAN.findall(text)
    assert len(tibetan) > 5000, "the text is Dzongkha"
    # Words of the guide come out of the PDF as they were written (not as unmapped glyphs).
    assert "ཞུ་གཏུག" in text and "ལྷན་རྒྱས་གཞུང་ཚོགས་ཡིག་ཚང" in text
    assert len(reader.pages) >= 10
    assert image_count(reader) >= 8, "the screenshots are in the PDF"


def test_the_english_guide_has_every_part_and_the_settings_numbers(client: Client, settings: Any) -> None:
    settings.EKAASEL = {**settings.EKAASEL, "ASSESSMENT_WORKING_DAYS": 4, "APPEAL_WINDOW_DAYS": 21}
    response = client.get(reverse("portal:guide_pdf", args=["en"]))
    reader = PdfReader(io.BytesIO(response.content))
    text = " ".join(" ".join(page.extract_text().split()) for page in reader.pages)
    for page in guide.ALL_PAGES:
        assert str(page.title) in text
    assert "within 4 working days" in text
    assert "within 21 days of the answer" in text
    # English throughout, but for the Dzongkha SMS keywords and the language's own name.
    for word in [*KEYWORDS, "རྫོང་ཁ"]:
        text = text.replace(word, "")
    assert not TIBETAN.search(text)
    assert image_count(reader) >= 8


def test_the_pdf_is_rendered_once_and_may_be_cached(client: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    renders: list[str] = []
    original = guide.render_guide_pdf

    def counting(language: str) -> bytes:
        renders.append(language)
        return original(language)

    monkeypatch.setattr(guide, "render_guide_pdf", counting)
    first = client.get(reverse("portal:guide_pdf", args=["en"]))
    second = client.get(reverse("portal:guide_pdf", args=["en"]))
    assert first.content == second.content
    assert renders == ["en"]
    cache_control = first["Cache-Control"]
    assert "public" in cache_control and f"max-age={guide.PDF_CACHE_SECONDS}" in cache_control


def test_a_language_the_portal_does_not_offer_is_not_found(client: Client) -> None:
    assert client.get("/guide/ekaasel-guide-fr.pdf").status_code == 404
