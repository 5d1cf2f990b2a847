"""A grievance's way through the officials, in a real browser: the citizen files it, the assessor forwards
it, the Head of Department resolves it, the citizen rates it and the PMO sees the figures move.

Officials sign in with the demo password and the code /dev/totp/ shows (as a tester without an
authenticator app would); the citizen's one-time codes and notices come from the development SMS page.
"""

import re
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from ekaasel.grievances.demo import DEMO_OFFICIAL_PASSWORD
from tests.e2e.conftest import LiveStack

APPLICATION_ID = re.compile(r"EK-\d{2}-\d{6}-\d")
RESULT_COUNT = re.compile(r"(\d+) grievances?")
# Outside the demo caseload's numbers (17/77 2xxxxx-4xxxxx), so /my/ lists only this test's grievance.
LOCAL_MOBILE = "17666003"
E164 = "+975" + LOCAL_MOBILE
SERVICE = "Medical fitness certificate"  # Ministry of Health, Department of Medical Services
AGENCY = "Ministry of Health — Department of Medical Services"
SUBJECT = "Medical fitness certificate not issued after two weeks"
RESOLUTION = "Your medical fitness certificate was signed today; collect it at the JDWNRH records counter."


@pytest.fixture
def contexts(browser: Browser) -> Iterator[list[BrowserContext]]:
    """Each person in his own browser (own cookies): created on demand, all closed at the end."""
    made: list[BrowserContext] = []
    yield made
    for context in made:
        context.close()


def new_page(browser: Browser, contexts: list[BrowserContext]) -> Page:
    context = browser.new_context(locale="en-GB")
    contexts.append(context)
    page = context.new_page()
    page.set_default_timeout(15_000)
    return page


def read_code(stack: LiveStack, mobile: str) -> str:
    message: dict[str, Any] = stack.latest_sms(mobile, template="otp")
    match = re.search(r"\b(\d{6})\b", str(message["text"]))
    assert match, message
    return match[1]


def confirm_code(page: Page, stack: LiveStack) -> None:
    page.get_by_label("Code from the SMS").fill(read_code(stack, E164))
    page.get_by_role("button", name=re.compile("Confirm|Continue|Verify", re.I)).first.click()


def sign_in(page: Page, stack: LiveStack, username: str) -> None:
    """Password, then the second-factor code shown on /dev/totp/ for this official."""
    page.goto(stack.url("/workspace/sign-in/"))
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(DEMO_OFFICIAL_PASSWORD)
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("6-digit code").fill(stack.read_totp(username))
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("Signed in as").first).to_be_visible()


def open_from_queue(page: Page, application_id: str) -> None:
    """Find the grievance in the official's queue by its application ID and open it."""
    page.get_by_label("Search subject and description").fill(application_id)
    page.get_by_role("button", name="Apply filters").click()
    expect(page.get_by_role("status").filter(has_text=RESULT_COUNT)).to_have_text(RESULT_COUNT)
    page.get_by_role("link", name=application_id).click()
    expect(page.get_by_role("heading", name=re.compile(f"Grievance {application_id}"))).to_be_visible()


def action_form(page: Page, title: str) -> Any:
    return page.get_by_role("form", name=title, exact=True)


def count_in_queue(page: Page, stack: LiveStack, status: str) -> int:
    """The number of the agency's grievances in `status`, as the queue page states it."""
    page.goto(stack.url("/workspace/?queue=all"))
    page.get_by_label("Status").select_option(label=status)
    page.get_by_label("Department").select_option(label=AGENCY)
    page.get_by_role("button", name="Apply filters").click()
    shown = page.get_by_role("status").filter(has_text=RESULT_COUNT)
    expect(shown).to_have_text(RESULT_COUNT)
    found = RESULT_COUNT.search(shown.inner_text())
    assert found, shown.inner_text()
    return int(found[1])


def test_assessor_forwards_head_resolves_citizen_rates_pmo_sees(
    live_stack: LiveStack, browser: Browser, contexts: list[BrowserContext]
) -> None:
    # The citizen files about a Department of Medical Services service.
    citizen = new_page(browser, contexts)
    citizen.goto(live_stack.url("/file/"))
    citizen.get_by_label("CID number").fill("11410006543")
    citizen.get_by_label("Full name").fill("Kinley Wangmo")
    citizen.get_by_label("Mobile number").fill(LOCAL_MOBILE)
    citizen.get_by_role("button", name="Send me a code").click()
    confirm_code(citizen, live_stack)
    citizen.get_by_label("Public service").select_option(label=SERVICE)
    citizen.get_by_label("Did not get the service in time").check()
    citizen.get_by_label("Subject").fill(SUBJECT)
    citizen.get_by_label("Description").fill("I had the check-up at the national referral hospital on 16 November.")
    citizen.get_by_label("District (dzongkhag) where it happened").select_option(label="Thimphu")
    citizen.get_by_role("button", name="Submit the grievance").click()
    expect(citizen.get_by_text(APPLICATION_ID).first).to_be_visible()
    found = APPLICATION_ID.search(citizen.content())
    assert found
    application_id = found[0]
    live_stack.latest_sms(E164, contains=application_id, template="submitted")

    # The assessor finds it in his queue and forwards it to the department with a note.
    assessor = new_page(browser, contexts)
    sign_in(assessor, live_stack, "assessor")
    expect(assessor.get_by_role("heading", name="Assessment queue")).to_be_visible()
    open_from_queue(assessor, application_id)
    forward = action_form(assessor, "Forward")
    forward.get_by_label("Ministry").select_option(label="Ministry of Health")
    forward.get_by_label("Department").select_option(label=AGENCY)
    forward.get_by_label("Internal note").fill("Certificate delayed at the referral hospital; please check.")
    forward.get_by_role("button", name="Forward").click()
    expect(assessor.get_by_text("The grievance was forwarded.")).to_be_visible()
    expect(assessor.get_by_text("Forwarded to the agency").first).to_be_visible()

    sms = live_stack.latest_sms(E164, contains=application_id, template="forwarded")
    assert "Department of Medical Services" in str(sms["text"])

    # The Head of the department sees it in his queue, acknowledges it and resolves it.
    head = new_page(browser, contexts)
    sign_in(head, live_stack, "moh-medical-head")
    expect(head.get_by_role("heading", name="Open grievances of your agency")).to_be_visible()
    open_from_queue(head, application_id)
    action_form(head, "Acknowledge").get_by_role("button", name="Acknowledge").click()
    expect(head.get_by_text("The grievance was acknowledged.")).to_be_visible()
    expect(head.get_by_text("In progress").first).to_be_visible()
    resolve = action_form(head, "Resolve")
    resolve.get_by_label("Resolution (the citizen reads this)").fill(RESOLUTION)
    resolve.get_by_role("button", name="Resolve").click()
    expect(head.get_by_text("The grievance was resolved.")).to_be_visible()

    live_stack.latest_sms(E164, contains=application_id, template="resolved")

    # The PMO reads the department's figures before the citizen rates.
    pmo = new_page(browser, contexts)
    sign_in(pmo, live_stack, "pmo")
    resolved_before = count_in_queue(pmo, live_stack, "Resolved")
    closed_before = count_in_queue(pmo, live_stack, "Closed")
    assert resolved_before >= 1

    # The citizen proves his mobile on My grievances, reads the resolution and rates it.
    citizen.goto(live_stack.url("/my/"))
    citizen.get_by_label("Mobile number").fill(LOCAL_MOBILE)
    citizen.get_by_role("button", name="Send me a code").click()
    confirm_code(citizen, live_stack)
    citizen.get_by_role("link", name=re.compile(application_id)).click()
    expect(citizen.get_by_role("region", name="How your grievance was addressed")).to_contain_text(RESOLUTION)
    citizen.get_by_label("5 — Very good").check()
    citizen.get_by_role("button", name="Send my rating").click()
    expect(citizen.get_by_text("Thank you for your rating").first).to_be_visible()
    expect(citizen.get_by_text("5 out of 5").first).to_be_visible()

    # The PMO sees one resolved grievance fewer and one closed more.
    assert count_in_queue(pmo, live_stack, "Resolved") == resolved_before - 1
    assert count_in_queue(pmo, live_stack, "Closed") == closed_before + 1
    pmo.get_by_label("Search subject and description").fill(application_id)
    pmo.get_by_role("button", name="Apply filters").click()
    expect(pmo.get_by_role("link", name=application_id)).to_be_visible()
