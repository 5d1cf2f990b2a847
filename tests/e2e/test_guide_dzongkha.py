"""Dzongkha renders in Chromium: the guide's Dzongkha text is drawn with a Tibetan-script font installed on the
machine (not boxes from a font without those letters), as Chromium itself reports through the DevTools protocol."""

import re
import shutil
import subprocess
from pathlib import Path

from PIL import Image
from playwright.sync_api import Browser, expect

from tests.e2e.conftest import LiveStack

TIBETAN = re.compile(r"[\u0F00-\u0FFF]")
# Fonts known to carry Tibetan script, for machines where fontconfig cannot be asked.
KNOWN_TIBETAN_FAMILIES = {"Jomolhari", "Noto Serif Tibetan", "Tibetan Machine Uni", "DDC Uchen", "Microsoft Himalaya"}


def tibetan_families() -> set[str]:
    """The installed font families that have the Tibetan letter KA (U+0F40), as fontconfig lists them."""
    if not shutil.which("fc-list"):
        return KNOWN_TIBETAN_FAMILIES
    listing = subprocess.run(["fc-list", ":charset=0f40", "family"], capture_output=True, text=True, check=True)
    return {family.strip() for line in listing.stdout.splitlines() for family in line.split(",") if family.strip()}


def test_dzongkha_guide_text_is_drawn_with_a_tibetan_font(live_stack: LiveStack, browser: Browser,
                                                          tmp_path: Path) -> None:
    families = tibetan_families()
    assert families, "no font with Tibetan script is installed (Debian: fonts-dzongkha)"
    context = browser.new_context(viewport={"width": 640, "height": 900}, locale="dz-BT")
    context.add_cookies([{"name": "django_language", "value": "dz", "url": live_stack.base_url}])
    page = context.new_page()
    try:
        page.goto(live_stack.url("/guide/filing/"))
        expect(page.locator("html")).to_have_attribute("lang", "dz")
        paragraph = page.locator(".guide-text > p").first
        text = paragraph.inner_text()
        assert len(TIBETAN.findall(text)) > 100, text

        cdp = context.new_cdp_session(page)
        cdp.send("DOM.enable")
        cdp.send("CSS.enable")
        root = cdp.send("DOM.getDocument", {"depth": 0})["root"]["nodeId"]
        node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": ".guide-text > p"})["nodeId"]
        fonts = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
        print("fonts used for the paragraph:", fonts)
        drawn = sum(font["glyphCount"] for font in fonts)
        tibetan = sum(font["glyphCount"] for font in fonts if font["familyName"] in families)
        assert drawn > 100
        # Every Tibetan letter of the paragraph comes from a Tibetan-script font (spaces, digits and Latin
        # words such as "SMS" may come from the page's Latin font).
        assert tibetan >= len(TIBETAN.findall(text)) * 0.5 and tibetan >= 0.8 * drawn, (
            f"glyphs from other fonts: {fonts} (Tibetan-script fonts here: {families})")

        screenshot = tmp_path / "guide-filing.dz.png"
        page.screenshot(path=str(screenshot), clip={"x": 0, "y": 0, "width": 640, "height": 900})
        print("screenshot:", screenshot)
        with Image.open(screenshot) as image:
            colours = image.convert("RGB").getcolors(maxcolors=65536) or []
            assert len(colours) > 16 and max(count for count, _colour in colours) < 0.95 * image.width * image.height
    finally:
        context.close()
