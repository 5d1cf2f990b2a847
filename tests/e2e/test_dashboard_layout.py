"""The PMO's dashboard reads at a common office screen width without scrolling sideways."""

import pytest
from playwright.sync_api import Browser, expect

from tests.e2e.conftest import LiveStack
from tests.e2e.test_officials_journey import sign_in

pytestmark = pytest.mark.e2e

# Every figures table whose scroll container is wider than what it shows, as "caption: needed/shown".
TABLES_TOO_WIDE = """() => [...document.querySelectorAll(".table-scroll")]
    .filter(box => box.scrollWidth > box.clientWidth + 1)
    .map(box => `${box.querySelector("caption")?.textContent.trim()}: ${box.scrollWidth}/${box.clientWidth}`)"""


@pytest.mark.parametrize("width", [1280, 1366])
def test_the_pmo_dashboard_tables_fit_an_office_screen(live_stack: LiveStack, browser: Browser, width: int) -> None:
    context = browser.new_context(viewport={"width": width, "height": 900})  # type: ignore[attr-defined]
    page = context.new_page()
    try:
        sign_in(page, live_stack, "pmo")
        for language in ("en", "dz"):
            page.context.add_cookies([{"name": "django_language", "value": language, "url": live_stack.base_url}])
            page.goto(live_stack.url("/workspace/dashboard/"))
            assert page.locator("html").get_attribute("lang") == language
            expect(page.locator("#by-group")).to_be_visible()
            assert page.evaluate(TABLES_TOO_WIDE) == [], language
    finally:
        context.close()
