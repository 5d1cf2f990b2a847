"""WCAG 2.1 AA in the browser: axe-core finds nothing on any page, in English or Dzongkha; and a citizen
files a grievance with the keyboard alone, with JavaScript off, always seeing where the focus is.
"""

import re
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import LiveStack
from tests.e2e.page_walk import CITIZEN_PAGES, LANGUAGES, WORKSPACE_PAGES, Capture, walk

APPLICATION_ID = re.compile(r"EK-\d{2}-\d{6}-\d")
KEYBOARD_MOBILE = "77555102"


def describe(violations: list[dict[str, Any]]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']}")
        for node in violation["nodes"]:
            lines.append(f"    {node['target']}  {node.get('failureSummary', '').splitlines()[-1:]}")
    return "\n".join(lines)


def report(name: str, lang: str, capture: Capture) -> None:
    """What axe checked, and what it could not decide (to be looked at by a person, not a failure)."""
    print(f"{name} [{lang}] {capture.url}: {capture.rules_passed} rules passed; "
          f"needs review: {[item['id'] for item in capture.incomplete] or 'nothing'}")
    assert capture.rules_passed > 10, "axe checked almost nothing: is the page empty?"


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("name", CITIZEN_PAGES)
def test_citizen_page_has_no_wcag_violation(live_stack: LiveStack, browser: Browser, name: str, lang: str) -> None:
    capture = walk(browser, live_stack, "citizen").pages[(name, lang)]
    report(name, lang, capture)
    assert not capture.violations, f"{name} [{lang}] {capture.url}\n{describe(capture.violations)}"


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("name", WORKSPACE_PAGES)
def test_workspace_page_has_no_wcag_violation(live_stack: LiveStack, browser: Browser, name: str, lang: str) -> None:
    capture = walk(browser, live_stack, "workspace").pages[(name, lang)]
    report(name, lang, capture)
    assert not capture.violations, f"{name} [{lang}] {capture.url}\n{describe(capture.violations)}"


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("name", CITIZEN_PAGES)
def test_citizen_page_reflows_on_a_320px_screen(live_stack: LiveStack, browser: Browser, name: str, lang: str) -> None:
    """WCAG 1.4.10: on a narrow phone (or zoomed to 400 %) nothing needs scrolling sideways."""
    capture = walk(browser, live_stack, "citizen").pages[(name, lang)]
    assert not capture.overflow_at_320px, f"{name} [{lang}] {capture.url}: {capture.overflow_at_320px}"


# --- keyboard alone, JavaScript off --------------------------------------------------------------------

FOCUS_STATE = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const style = getComputedStyle(el);
  return {tag: el.tagName.toLowerCase(), id: el.id, type: el.type || "", name: el.name || "",
          value: el.value || "", text: (el.innerText || el.value || "").trim(),
          label: el.labels && el.labels.length ? el.labels[0].innerText.trim() : "",
          outline: style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0,
          shadow: style.boxShadow !== "none"};
}"""


def focused(page: Page) -> dict[str, Any]:
    state: dict[str, Any] | None = page.evaluate(FOCUS_STATE)
    assert state is not None, "nothing has the focus"
    return state


def tab_to(page: Page, matches: Any, *, limit: int = 40, backwards: bool = False) -> dict[str, Any]:
    """Press Tab (or Shift+Tab) until the focused element matches; every stop must show the focus."""
    for _ in range(limit):
        page.keyboard.press("Shift+Tab" if backwards else "Tab")
        state = focused(page)
        assert state["outline"] or state["shadow"], f"focus not visible on {state}"
        if matches(state):
            return state
    raise AssertionError(f"no focusable element matched within {limit} presses")


def by_id(element_id: str) -> Any:
    return lambda state: state["id"] == element_id


def by_text(text: str) -> Any:
    return lambda state: state["text"] == text


def test_citizen_files_a_grievance_with_the_keyboard_alone(live_stack: LiveStack, browser: Browser) -> None:
    context = browser.new_context(java_script_enabled=False, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        page.goto(live_stack.url("/"))
        # The first Tab reaches the skip link; then on to the main navigation.
        assert tab_to(page, lambda s: True, limit=1)["text"] == "Skip to main content"
        tab_to(page, by_text("File a grievance"))
        page.keyboard.press("Enter")
        page.wait_for_url("**/file/")

        tab_to(page, by_id("id_national_id"))
        page.keyboard.type("11410005556")
        tab_to(page, by_id("id_name"))
        page.keyboard.type("Dechen Wangmo")
        tab_to(page, by_id("id_mobile"))
        page.keyboard.type(KEYBOARD_MOBILE)
        # Back up to the name (Shift+Tab) to check it, then forward to the button.
        assert tab_to(page, by_id("id_name"), backwards=True)["value"] == "Dechen Wangmo"
        tab_to(page, by_text("Send me a code"))
        page.keyboard.press("Enter")
        page.wait_for_url("**/file/verify/")

        message = live_stack.latest_sms("+975" + KEYBOARD_MOBILE, template="otp")
        code = re.search(r"\b(\d{6})\b", str(message["text"]))
        assert code
        tab_to(page, by_id("id_code"))
        page.keyboard.type(code[1])
        page.keyboard.press("Enter")
        page.wait_for_url("**/file/grievance/")

        tab_to(page, by_id("id_service"))
        page.keyboard.type("Renewal of driving licence")
        assert page.locator("#id_service option:checked").inner_text() == "Renewal of driving licence"
        radio = tab_to(page, lambda s: s["type"] == "radio")
        # Arrow keys move through the radios of a group and check the one they reach.
        for _ in range(8):
            if focused(page)["label"] == "Did not get the service in time":
                break
            page.keyboard.press("ArrowDown")
        page.keyboard.press("Space")
        expect(page.get_by_label("Did not get the service in time")).to_be_checked()
        assert radio["name"] == "problem_kind"
        tab_to(page, by_id("id_subject"))
        page.keyboard.type("Licence renewal pending, filed by keyboard")
        tab_to(page, by_id("id_description"))
        page.keyboard.type("I paid the fee on 2 November.\nNothing has happened since.")
        tab_to(page, by_id("id_district"))
        page.keyboard.type("Paro")
        assert page.locator("#id_district option:checked").inner_text() == "Paro"
        tab_to(page, by_text("Submit the grievance"))
        page.keyboard.press("Space")
        page.wait_for_url("**/file/done/**")
        expect(page.get_by_text(APPLICATION_ID).first).to_be_visible()
    finally:
        context.close()
