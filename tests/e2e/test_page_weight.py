"""Low bandwidth: every citizen page, as a first visit loads it (cache off), is at most 150 KB transferred,
and nothing is fetched from another host (no CDN, no web fonts, no analytics).
"""

import pytest
from playwright.sync_api import Browser

from tests.e2e.conftest import LiveStack
from tests.e2e.page_walk import CITIZEN_PAGES, LANGUAGES, walk

BUDGET = 150 * 1024


def test_no_request_leaves_the_site(live_stack: LiveStack, browser: Browser) -> None:
    record = walk(browser, live_stack, "citizen")
    assert not record.foreign_requests


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("name", CITIZEN_PAGES)
def test_citizen_page_is_at_most_150_kb(live_stack: LiveStack, browser: Browser, name: str, lang: str) -> None:
    capture = walk(browser, live_stack, "citizen").pages[(name, lang)]
    detail = "\n".join(f"  {size:>8} B  {url}" for url, size in capture.requests)
    print(f"{name} [{lang}]: {capture.transferred / 1024:.1f} KB\n{detail}")
    assert capture.transferred > 0
    assert capture.transferred <= BUDGET, f"{name} [{lang}] {capture.url}: {capture.transferred} B\n{detail}"
