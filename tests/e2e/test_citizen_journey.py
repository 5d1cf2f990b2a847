"""A citizen files a grievance and tracks it in a real browser, with and without JavaScript.

The one-time codes are read where a tester would read them: the development SMS page, filled by the
real worker process sending through the console gateway.
"""

import re
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import LiveStack

APPLICATION_ID = re.compile(r"EK-\d{2}-\d{6}-\d")


@pytest.fixture(params=[True, False], ids=["javascript", "no-javascript"])
def page(request: pytest.FixtureRequest, browser: Browser) -> Iterator[Page]:
    context = browser.new_context(java_script_enabled=request.param, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def read_code(stack: LiveStack, mobile: str) -> str:
    message: dict[str, Any] = stack.latest_sms(mobile, template="otp")
    match = re.search(r"\b(\d{6})\b", str(message["text"]))
    assert match, message
    return match[1]


def test_citizen_files_then_tracks_a_grievance(live_stack: LiveStack, page: Page,
                                               request: pytest.FixtureRequest) -> None:
    # A distinct mobile per run, so the two runs (with and without JavaScript) don't share codes.
    js = request.node.callspec.id == "javascript"
    local_mobile = "17555001" if js else "77555002"
    e164 = "+975" + local_mobile

    page.goto(live_stack.url("/"))
    page.get_by_role("link", name="File a grievance").first.click()

    # Step 1: who he is. A CID of the wrong length is refused next to the field, the rest kept.
    page.get_by_label("CID number").fill("1141000123")
    page.get_by_label("Full name").fill("Pema Choden")
    page.get_by_label("Mobile number").fill(local_mobile)
    page.get_by_role("button", name="Send me a code").click()
    expect(page.get_by_text("exactly 11 digits").first).to_be_visible()
    expect(page.get_by_label("Full name")).to_have_value("Pema Choden")
    page.get_by_label("CID number").fill("11410009876")
    page.get_by_role("button", name="Send me a code").click()

    # Step 2: the code sent by SMS.
    page.get_by_label("Code from the SMS").fill(read_code(live_stack, e164))
    page.get_by_role("button", name=re.compile("Confirm|Continue|Verify", re.I)).first.click()

    # Step 3: the grievance.
    page.get_by_label("Public service").select_option(label="Renewal of driving licence")
    page.get_by_label("Did not get the service in time").check()
    page.get_by_label("Subject").fill("Licence renewal pending for five weeks")
    page.get_by_label("Description").fill("I paid the renewal fee online on 2 November and have heard nothing since.")
    page.get_by_label("District (dzongkhag) where it happened").select_option(label="Paro")
    page.get_by_role("button", name="Submit the grievance").click()

    # Confirmation: the application ID, and the same ID arrives by SMS through the worker.
    expect(page.get_by_text(APPLICATION_ID).first).to_be_visible()
    found = APPLICATION_ID.search(page.content())
    assert found
    application_id = found[0]
    sms = live_stack.latest_sms(e164, contains=application_id)
    assert "received" in str(sms["text"])

    # Reloading the confirmation files nothing new.
    page.reload()
    expect(page.get_by_text(application_id).first).to_be_visible()

    # Tracking: a mistyped ID is caught by its check digit.
    page.goto(live_stack.url("/track/"))
    mistyped = application_id[:-1] + str((int(application_id[-1]) + 1) % 10)
    page.get_by_label("Application ID").fill(mistyped)
    page.get_by_role("button", name="Show the status").click()
    expect(page.get_by_text("not a valid application ID").first).to_be_visible()

    # The right ID shows the coarse status only: no subject, no name.
    page.get_by_label("Application ID").fill(application_id.lower().replace("-", " "))
    page.get_by_role("button", name="Show the status").click()
    expect(page.get_by_text("Submitted").first).to_be_visible()
    assert "Licence renewal pending" not in page.content()
    assert "Pema Choden" not in page.content()

    # Details after proving the registered mobile.
    page.get_by_role("link", name="See details").click()
    page.get_by_role("button", name=re.compile("Send", re.I)).first.click()
    page.get_by_label("Code from the SMS").fill(read_code(live_stack, e164))
    page.get_by_role("button", name=re.compile("Confirm|Continue|Verify", re.I)).first.click()
    expect(page.get_by_text("Licence renewal pending for five weeks").first).to_be_visible()

    # My grievances lists it.
    page.goto(live_stack.url("/my/"))
    expect(page.get_by_text(application_id).first).to_be_visible()
