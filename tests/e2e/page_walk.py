"""Walk every citizen and workspace page in English and Dzongkha, recording at each page what the browser saw.

At each page `Recorder.capture` runs axe-core (WCAG 2.1 A and AA rules) and adds up the bytes the page
transferred (the cache is off, so every page counts its stylesheet and script as a first visit would).
The walk is done once per test session (`walk(...)` is memoised): the accessibility and the page-weight
tests read the same record, and the one-time codes it costs (one per filing, one per "My grievances")
stay within the per-connection limit the whole browser suite shares.
"""

import re
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from axe_playwright_python.sync_playwright import Axe
from django.test import Client
from django.utils import translation
from django.utils.translation import gettext
from playwright.sync_api import Browser, BrowserContext, Page, Request, Route, expect

from ekaasel.grievances.demo import DEMO_MOBILE, DEMO_OFFICIAL_PASSWORD
from tests.e2e.conftest import LiveStack

LANGUAGES = ("en", "dz")
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]}
APPLICATION_ID = re.compile(r"EK-\d{2}-\d{6}-\d")
WALK_MOBILE = "17555101"  # outside the demo caseload's numbers and the other browser tests'
WORKSPACE_OFFICIAL = "assessor"

GUIDE_SLUGS = (
    "filing", "verification", "tracking", "time-limits", "rating-appeal", "sms", "privacy", "faq", "officials",
)
CITIZEN_PAGES = (
    "home", "file details", "file details (error)", "file code", "file code (error)", "grievance form",
    "grievance form (error)", "done", "track", "track (error)", "coarse status", "track verify", "my start",
    "my start (error)", "my code", "my list", "my detail (rate, appeal)", "my detail (rating error)",
    "my detail (answer, withdraw)", "withdraw confirmation", "404", "transparency",
    # the user guide
    "guide", *(f"guide: {slug}" for slug in GUIDE_SLUGS),
)
WORKSPACE_PAGES = (
    "sign-in", "sign-in (error)", "code", "queue", "grievance (action forms)", "grievance (action error)",
    "notices", "dashboard", "dashboard (ministry)", "assessment dashboard",
)

OVERFLOW_SCRIPT = """() => {
  const width = document.documentElement.clientWidth;
  if (document.documentElement.scrollWidth <= width) return [];
  const wide = [];
  for (const el of document.body.querySelectorAll("*")) {
    const box = el.getBoundingClientRect();
    if (box.right > width + 1 && box.width > 0 && !el.closest(".visually-hidden, .skip-link")) {
      wide.push(el.tagName.toLowerCase() + (el.className ? "." + String(el.className).split(" ").join(".") : "")
                + ` (${Math.round(box.right)} px)`);
    }
  }
  return wide.slice(0, 10);
}"""


@dataclass
class Capture:
    url: str
    violations: list[dict[str, Any]]
    incomplete: list[dict[str, Any]]  # what axe could not decide (for a person to look at)
    rules_passed: int
    overflow_at_320px: list[str]  # elements wider than a 320 px screen (WCAG 1.4.10 reflow)
    transferred: int
    requests: list[tuple[str, int]]


@dataclass
class WalkRecord:
    base_url: str
    pages: dict[tuple[str, str], Capture] = field(default_factory=dict)
    foreign_requests: list[str] = field(default_factory=list)
    error: Exception | None = None


class Recorder:
    """One browser context (JavaScript on, cache off) whose pages are captured by name and language."""

    def __init__(self, browser: Browser, stack: LiveStack, record: WalkRecord) -> None:
        self.stack = stack
        self.record = record
        self.context: BrowserContext = browser.new_context(locale="en-GB")
        self.page: Page = self.context.new_page()
        self.page.set_default_timeout(15_000)
        cdp = self.context.new_cdp_session(self.page)
        cdp.send("Network.enable")
        cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
        self.requests: list[Request] = []
        self.page.on("request", self._on_request)
        self.lang = "en"
        self.axe = Axe()

    def _on_request(self, request: Request) -> None:
        self.requests.append(request)
        host = urllib.parse.urlsplit(request.url).netloc
        if request.url.startswith(("http:", "https:")) and host != urllib.parse.urlsplit(self.stack.base_url).netloc:
            self.record.foreign_requests.append(request.url)

    def close(self) -> None:
        self.context.close()

    def goto(self, path: str) -> None:
        self.requests.clear()
        self.page.goto(self.stack.url(path))

    def t(self, text: str) -> str:
        """`text` as the page shows it in the current language (what a reader of that language looks for)."""
        with translation.override(self.lang):
            return gettext(text)

    def switch(self, lang: str) -> None:
        """Choose the language with the header's button, as a citizen does."""
        if lang == self.lang:
            return
        self.requests.clear()
        self.page.locator(f'form.language button[value="{lang}"]').click()
        self.page.wait_for_load_state()
        expect(self.page.locator("html")).to_have_attribute("lang", lang)
        self.lang = lang

    def submit(self, locator: Any) -> None:
        self.requests.clear()
        locator.click()
        self.page.wait_for_load_state()

    def capture(self, name: str, *, routed_bytes: int = 0) -> None:
        """Axe's findings and the bytes transferred since the last navigation began; `routed_bytes` stands
        for the document when the test answered its request itself."""
        expect(self.page.locator("html")).to_have_attribute("lang", self.lang)
        self.page.wait_for_load_state("load")
        results = self.axe.run(self.page, options=AXE_OPTIONS)
        sizes: list[tuple[str, int]] = []
        for request in self.requests:
            response = request.response()
            if response is None:
                continue
            if request.is_navigation_request() and routed_bytes:
                sizes.append((request.url, routed_bytes))
                continue
            size = request.sizes()
            sizes.append((request.url, size["responseBodySize"] + size["responseHeadersSize"]))
        self.record.pages[(name, self.lang)] = Capture(
            url=self.page.url,
            violations=results.response["violations"],
            incomplete=results.response["incomplete"],
            rules_passed=len(results.response["passes"]),
            overflow_at_320px=self._overflow_at_320px(),
            transferred=sum(s for _, s in sizes),
            requests=sizes,
        )
        self.requests.clear()

    def _overflow_at_320px(self) -> list[str]:
        """At 320 CSS pixels wide (a 1280 px screen zoomed to 400 %), what sticks out to the right."""
        viewport = self.page.viewport_size
        self.page.set_viewport_size({"width": 320, "height": 640})
        try:
            wide: list[str] = self.page.evaluate(OVERFLOW_SCRIPT)
        finally:
            if viewport:
                self.page.set_viewport_size(viewport)
        return wide

    def in_both(self, name: str) -> None:
        """Capture the page as it is, then in the other language (the switch comes back to the same page)."""
        first = self.lang
        self.capture(name)
        self.switch("dz" if first == "en" else "en")
        self.capture(name)

    def read_code(self, mobile: str) -> str:
        message: dict[str, Any] = self.stack.latest_sms(mobile, template="otp")
        found = re.search(r"\b(\d{6})\b", str(message["text"]))
        assert found, message
        return found[1]


def _file_and_track(browser: Browser, stack: LiveStack, record: WalkRecord) -> None:
    r = Recorder(browser, stack, record)
    page = r.page
    def send() -> Any:
        return page.get_by_role("button", name=r.t("Send me a code"))

    def cont() -> Any:
        return page.get_by_role("button", name=r.t("Continue"))

    def submit() -> Any:
        return page.get_by_role("button", name=r.t("Submit the grievance"))

    try:
        r.goto("/")
        r.in_both("home")  # now in Dzongkha
        r.goto("/transparency/")
        r.in_both("transparency")  # now in English

        r.goto("/file/")
        for lang in ("dz", "en"):
            r.switch(lang)
            r.capture("file details")
            page.get_by_label(r.t("CID number")).fill("1141000")
            page.get_by_label(r.t("Full name")).fill("Pema Choden")
            page.get_by_label(r.t("Mobile number")).fill(WALK_MOBILE)
            r.submit(send())
            r.capture("file details (error)")
        page.get_by_label(r.t("CID number")).fill("11410005555")
        page.get_by_label(r.t("Mobile number")).fill(WALK_MOBILE)
        r.submit(send())
        for lang in ("en", "dz"):
            r.switch(lang)
            r.capture("file code")
            page.get_by_label(r.t("Code from the SMS")).fill("12345")
            r.submit(cont())
            r.capture("file code (error)")
        page.get_by_label(r.t("Code from the SMS")).fill(r.read_code("+975" + WALK_MOBILE))
        r.submit(cont())
        for lang in ("dz", "en"):
            r.switch(lang)
            r.capture("grievance form")
            r.submit(submit())
            r.capture("grievance form (error)")
        page.get_by_label(r.t("Public service")).select_option(label="Renewal of driving licence")
        page.get_by_label(r.t("Did not get the service in time")).check()
        page.get_by_label(r.t("Subject")).fill("Licence renewal pending for six weeks")
        page.get_by_label(r.t("Description")).fill("I paid the renewal fee online and have heard nothing since.")
        page.get_by_label(r.t("District (dzongkhag) where it happened")).select_option(label="Paro")
        r.submit(submit())
        expect(page.get_by_text(APPLICATION_ID).first).to_be_visible()
        found = APPLICATION_ID.search(page.content())
        assert found
        application_id = found[0]
        r.in_both("done")  # now in Dzongkha

        for lang in ("dz", "en"):
            r.switch(lang)
            r.goto("/track/")
            r.capture("track")
            page.get_by_label(r.t("Application ID")).fill("EK-99-000000-0")
            r.submit(page.get_by_role("button", name=r.t("Show the status")))
            r.capture("track (error)")
        page.get_by_label(r.t("Application ID")).fill(application_id)
        r.submit(page.get_by_role("button", name=r.t("Show the status")))
        r.in_both("coarse status")  # now in Dzongkha
        r.submit(page.get_by_role("link", name=r.t("See details")))
        r.in_both("track verify")
    finally:
        r.close()


def _my_grievances(browser: Browser, stack: LiveStack, record: WalkRecord) -> None:
    """The demo citizen: one grievance resolved (rate, appeal), one awaiting his answer (answer, withdraw)."""
    r = Recorder(browser, stack, record)
    page = r.page
    def send() -> Any:
        return page.get_by_role("button", name=r.t("Send me a code"))

    try:
        r.goto("/my/")
        for lang in ("en", "dz"):
            r.switch(lang)
            r.capture("my start")
            page.get_by_label(r.t("Mobile number")).fill("123")
            r.submit(send())
            r.capture("my start (error)")
        page.get_by_label(r.t("Mobile number")).fill(DEMO_MOBILE.removeprefix("+975"))
        r.submit(send())
        r.in_both("my code")  # now in English
        page.get_by_label(r.t("Code from the SMS")).fill(r.read_code(DEMO_MOBILE))
        r.submit(page.get_by_role("button", name=r.t("Continue")))
        r.in_both("my list")  # now in Dzongkha

        r.submit(page.get_by_role("link", name=re.compile("Received the wrong certificate")))
        for lang in ("dz", "en"):
            r.switch(lang)
            expect(page.get_by_role("button", name=r.t("Send my appeal"))).to_be_visible()
            r.capture("my detail (rate, appeal)")
            r.submit(page.get_by_role("button", name=r.t("Send my rating")))
            expect(page.locator(".error-summary")).to_be_visible()
            r.capture("my detail (rating error)")

        r.goto("/my/")
        r.submit(page.get_by_role("link", name=re.compile("Cannot log in to the online trade licence")))
        expect(page.get_by_role("button", name=r.t("Send my answer"))).to_be_visible()
        r.in_both("my detail (answer, withdraw)")  # now in Dzongkha
        r.submit(page.get_by_role("link", name=r.t("Withdraw this grievance")))
        r.in_both("withdraw confirmation")

        # DEBUG is on in the live stack, so its 404 is Django's technical page: render the project's own
        # 404 in-process (as production does) and answer the browser's request with it.
        for lang in LANGUAGES:
            r.goto("/")
            r.switch(lang)
            client = Client()
            client.cookies["django_language"] = lang
            response = client.get("/no-such-page/")
            assert response.status_code == 404
            with translation.override(lang):
                assert gettext("Page not found").encode() in response.content
            page.route("**/no-such-page/", _answer_with(response.content))
            r.goto("/no-such-page/")
            page.unroute("**/no-such-page/")
            r.capture("404", routed_bytes=len(response.content))
    finally:
        r.close()


def _answer_with(body: bytes) -> Callable[[Route], None]:
    def fulfil(route: Route) -> None:
        route.fulfill(status=404, body=body, content_type="text/html; charset=utf-8")

    return fulfil


def _guide(browser: Browser, stack: LiveStack, record: WalkRecord) -> None:
    """The user guide's contents and every page of it, screenshots included, in both languages."""
    r = Recorder(browser, stack, record)
    try:
        r.goto("/guide/")
        r.in_both("guide")
        for slug in GUIDE_SLUGS:
            r.goto(f"/guide/{slug}/")
            expect(r.page.locator(".guide-text")).to_be_visible()
            r.in_both(f"guide: {slug}")
    finally:
        r.close()


def _workspace(browser: Browser, stack: LiveStack, record: WalkRecord) -> None:
    r = Recorder(browser, stack, record)
    page = r.page
    try:
        r.goto("/workspace/sign-in/")
        for lang in ("en", "dz"):
            r.switch(lang)
            r.capture("sign-in")
            # An unknown name: failed sign-ins count towards locking a real official's account.
            page.get_by_label(r.t("Username")).fill("no-such-official")
            page.get_by_label(r.t("Password")).fill("wrong password")
            r.submit(page.get_by_role("button", name=r.t("Continue")))
            r.capture("sign-in (error)")
        page.get_by_label(r.t("Username")).fill(WORKSPACE_OFFICIAL)
        page.get_by_label(r.t("Password")).fill(DEMO_OFFICIAL_PASSWORD)
        r.submit(page.get_by_role("button", name=r.t("Continue")))
        r.in_both("code")  # now in English
        page.get_by_label(r.t("6-digit code")).fill(stack.read_totp(WORKSPACE_OFFICIAL))
        r.submit(page.get_by_role("button", name=r.t("Sign in")))
        expect(page.get_by_text(r.t("Signed in as")).first).to_be_visible()
        r.in_both("queue")  # now in Dzongkha

        r.goto("/workspace/")
        r.submit(page.locator("table.queue a.application-id").first)
        def forward() -> Any:
            return page.get_by_role("form", name=r.t("Forward"), exact=True)

        expect(forward()).to_be_visible()
        for lang in ("dz", "en"):
            r.switch(lang)
            r.capture("grievance (action forms)")
            r.submit(forward().get_by_role("button", name=r.t("Forward")))
            expect(page.locator(".error-summary").first).to_be_visible()
            r.capture("grievance (action error)")

        r.goto("/workspace/notices/")
        r.in_both("notices")

        r.goto("/workspace/dashboard/")
        r.in_both("dashboard")
        page.locator("#dash_ministry").select_option(index=1)
        r.submit(page.get_by_role("button", name=r.t("Show")))
        r.in_both("dashboard (ministry)")
        r.goto("/workspace/dashboard/assessment/")
        r.in_both("assessment dashboard")
    finally:
        r.close()


_WALKS: dict[tuple[str, str], WalkRecord] = {}


def walk(browser: Browser, stack: LiveStack, part: str) -> WalkRecord:
    """Every page of `part` ("citizen" or "workspace") in both languages, once per test session."""
    key = (stack.base_url, part)
    if key not in _WALKS:
        record = WalkRecord(stack.base_url)
        _WALKS[key] = record
        steps = (_guide, _file_and_track, _my_grievances) if part == "citizen" else (_workspace,)
        try:
            for step in steps:
                step(browser, stack, record)
        except Exception as exc:
            record.error = exc
            raise
    record = _WALKS[key]
    if record.error is not None:  # walked once already: don't walk (and spend codes) again for every page
        raise AssertionError(f"the {part} walk failed before reaching this page") from record.error
    return record
