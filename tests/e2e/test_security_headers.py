"""Content Security Policy in the browser: every citizen and workspace page (the walk of page_walk.py,
both languages, forms with and without errors) runs under the policy and the browser reports no
violation of it, neither as a `securitypolicyviolation` event nor in the console.

The listeners must be in each browser context before its first page loads, so the walk is made here
with them: when no test has walked yet, this walk becomes the one the accessibility and page-weight
tests read (the listeners change nothing they measure); when one has, it is walked again and the
first record kept. A control test shows that the listeners do catch an inline script and an inline
style when a page has them.
"""

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, cast

import pytest
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Response, Route

from tests.e2e import page_walk
from tests.e2e.conftest import LiveStack
from tests.e2e.page_walk import CITIZEN_PAGES, LANGUAGES, WORKSPACE_PAGES, WalkRecord, walk

REPORT_BINDING = "ekaaselReportCspViolation"
LISTENER = f"""
document.addEventListener("securitypolicyviolation", (event) => {{
  window.{REPORT_BINDING}({{
    document: event.documentURI, directive: event.effectiveDirective, blocked: event.blockedURI,
    sample: event.sample, source: event.sourceFile, line: event.lineNumber,
  }});
}});
"""


@dataclass
class CspWatch:
    """Stands in for the Browser: every context it opens reports CSP violations and the policy of each page."""

    browser: Browser
    record: WalkRecord | None = None
    violations: list[dict[str, Any]] = field(default_factory=list)
    console: list[str] = field(default_factory=list)
    policies: dict[str, str | None] = field(default_factory=dict)  # document URL -> its CSP header

    def _page_name(self) -> str:
        names = list(self.record.pages) if self.record else []
        return f"after {names[-1]}" if names else "before the first capture"

    def new_context(self, **kwargs: Any) -> BrowserContext:
        context = self.browser.new_context(**kwargs)
        context.expose_binding(REPORT_BINDING, self._on_violation)
        context.add_init_script(script=LISTENER)
        context.on("console", self._on_console)
        context.on("response", self._on_response)
        return context

    def _on_violation(self, source: Any, violation: dict[str, Any]) -> None:
        self.violations.append({**violation, "page": self._page_name()})

    def _on_console(self, message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text:
            self.console.append(f"{self._page_name()}: {message.text}")

    def _on_response(self, response: Response) -> None:
        if response.request.is_navigation_request() and response.request.resource_type == "document":
            self.policies[response.url] = response.headers.get("content-security-policy")


class _WatchedRecords(dict[tuple[str, str], WalkRecord]):
    """page_walk's memo, seen by `walk` while it walks for us: it hands the record to the watch (so the
    listeners know which page they are on) as soon as the walk creates it."""

    def __init__(self, watch: CspWatch, memo: dict[tuple[str, str], WalkRecord]) -> None:
        super().__init__(memo)
        self.watch = watch

    def __setitem__(self, key: tuple[str, str], record: WalkRecord) -> None:
        self.watch.record = record
        super().__setitem__(key, record)


def _walk(browser: Browser, stack: LiveStack, part: str) -> CspWatch:
    watch = CspWatch(browser)
    key = (stack.base_url, part)
    memo = page_walk._WALKS
    earlier = memo.pop(key, None)
    page_walk._WALKS = _WatchedRecords(watch, memo)
    try:
        walk(cast(Browser, watch), stack, part)
    finally:
        walked = page_walk._WALKS
        page_walk._WALKS = memo
        memo.update(walked)
        if earlier is not None:
            memo[key] = earlier
    return watch


@pytest.fixture(scope="module")
def citizen_walk(live_stack: LiveStack, browser: Browser) -> CspWatch:
    return _walk(browser, live_stack, "citizen")


@pytest.fixture(scope="module")
def workspace_walk(live_stack: LiveStack, browser: Browser) -> CspWatch:
    return _walk(browser, live_stack, "workspace")


def describe(watch: CspWatch) -> str:
    lines = [f"- {v['page']}: {v['directive']} blocked {v['blocked'] or 'inline'} in {v['document']} "
             f"(line {v['line']}) {v['sample']!r}" for v in watch.violations]
    return "\n".join(lines + [f"- console: {text}" for text in watch.console])


def policy_of(header: str) -> dict[str, list[str]]:
    directives = (part.strip().split() for part in header.split(";") if part.strip())
    return {name: values for name, *values in directives}


def assert_strict(header: str | None, url: str) -> None:
    assert header, f"{url} was served without a Content-Security-Policy header"
    policy = policy_of(header)
    assert policy["default-src"] == ["'self'"], url
    for directive in ("script-src", "style-src"):
        assert policy[directive][0] == "'self'", url
        assert all(v == "'self'" or v.startswith("'nonce-") for v in policy[directive]), (url, policy[directive])
    assert all(not re.match(r"https?:", v) for values in policy.values() for v in values), url


def test_citizen_pages_cause_no_csp_violation(citizen_walk: CspWatch) -> None:
    assert citizen_walk.record is not None
    assert set(citizen_walk.record.pages) == {(name, lang) for name in CITIZEN_PAGES for lang in LANGUAGES}
    assert not citizen_walk.violations and not citizen_walk.console, describe(citizen_walk)


def test_workspace_pages_cause_no_csp_violation(workspace_walk: CspWatch) -> None:
    assert workspace_walk.record is not None
    assert set(workspace_walk.record.pages) == {(name, lang) for name in WORKSPACE_PAGES for lang in LANGUAGES}
    assert not workspace_walk.violations and not workspace_walk.console, describe(workspace_walk)


def test_every_page_of_the_walks_is_served_under_a_strict_policy(citizen_walk: CspWatch,
                                                                 workspace_walk: CspWatch) -> None:
    policies = {**citizen_walk.policies, **workspace_walk.policies}
    # The walk answers /no-such-page/ itself with the project's 404 page (see page_walk.py).
    served = {url: header for url, header in policies.items() if not url.endswith("/no-such-page/")}
    assert len(served) >= 20
    for url, header in served.items():
        assert_strict(header, url)


def test_the_api_documentation_runs_under_the_policy(live_stack: LiveStack, browser: Browser) -> None:
    watch = CspWatch(browser)
    context = watch.new_context()
    try:
        page = context.new_page()
        page.goto(live_stack.url("/api/v1/docs"))
        page.locator(".swagger-ui .info").first.wait_for(timeout=15_000)
        page.wait_for_load_state("networkidle")
    finally:
        context.close()
    assert_strict(watch.policies[live_stack.url("/api/v1/docs")], "/api/v1/docs")
    assert not watch.violations and not watch.console, describe(watch)


def _with_inline_script_and_style(route: Route) -> None:
    response = route.fetch()
    body = response.text().replace(
        "</body>", '<script>document.title = "changed";</script><p style="color: red">inline</p></body>'
    )
    route.fulfill(response=response, body=body)


@pytest.fixture
def watched_context(live_stack: LiveStack, browser: Browser) -> Iterator[tuple[CspWatch, BrowserContext]]:
    watch = CspWatch(browser)
    context = watch.new_context()
    yield watch, context
    context.close()


def test_the_watch_catches_an_inline_script_and_an_inline_style(live_stack: LiveStack, watched_context) -> None:
    """Control: the same listeners, on a page given an inline script and style="" (header unchanged)."""
    watch, context = watched_context
    page = context.new_page()
    page.route(live_stack.url("/"), _with_inline_script_and_style)
    page.goto(live_stack.url("/"))
    page.wait_for_load_state("load")
    assert page.title() != "changed", "the inline script ran despite the policy"
    page.wait_for_function("() => true")  # let the reports of the parse reach the test
    directives = {v["directive"] for v in watch.violations}
    assert {"script-src-elem", "style-src-attr"} <= directives, watch.violations
    assert any("inline script" in text for text in watch.console), watch.console
