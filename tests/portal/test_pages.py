"""Every portal page renders, with what every page must have: language, skip link, one h1, labels."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from tests.portal.conftest import MOBILE, prove_mobile, text_of

pytestmark = pytest.mark.django_db


def assert_accessible_page(response) -> None:
    page = response.content.decode()
    assert response.status_code == 200
    assert re.search(r'<html lang="(en|dz)"', page)
    assert page.count("<h1") == 1, "one h1 per page"
    assert '<a class="skip-link" href="#main">' in page and '<main id="main"' in page
    assert 'action="/i18n/setlang/"' in page, "language switch on every page"
    assert "eKaaSel" in page and "Grievance redressal — Royal Government of Bhutan" in page
    assert "https://" not in page.split("</head>")[0], "no external resources"
    # Every visible control has a label (or is a labelled button).
    for control in re.finditer(r"<(input|select|textarea)\b([^>]*)>", page):
        attrs = control.group(2)
        if re.search(r'type="(hidden|submit)"', attrs):
            continue
        control_id = re.search(r'id="([^"]+)"', attrs)
        assert control_id, control.group(0)
        assert f'for="{control_id.group(1)}"' in page, f"no label for {control_id.group(1)}"


def test_home_explains_and_offers_the_three_ways_in(client: Client) -> None:
    response = client.get("/")
    assert_accessible_page(response)
    text = text_of(response)
    for button in ("File a grievance", "Track a grievance", "My grievances"):
        assert button in text
    assert "within 3 working days" in text
    assert "within 30 days" in text


@pytest.mark.parametrize("name", ["file", "track", "my"])
def test_entry_pages_render(client: Client, name: str) -> None:
    assert_accessible_page(client.get(reverse(f"portal:{name}")))


def test_filing_pages_render_in_order(verified_for_filing: Client) -> None:
    response = verified_for_filing.get(reverse("portal:file_grievance"))
    assert_accessible_page(response)
    page = response.content.decode()
    assert 'aria-current="step"' in page and "Step 3 of 3" in text_of(response)
    assert 'enctype="multipart/form-data"' in page
    assert "<optgroup" in page and "Other service (not in the list)" in page
    assert 'type="file" name="attachments"' in page and "multiple" in page
    assert "portal/portal.js" in page


def test_code_page_renders(client: Client, service, district) -> None:
    client.post(reverse("portal:file"), {"national_id": "10101001234", "name": "Pema", "mobile": "17123456"})
    response = client.get(reverse("portal:file_verify"))
    assert_accessible_page(response)
    page = response.content.decode()
    assert 'inputmode="numeric"' in page and 'autocomplete="one-time-code"' in page
    text = text_of(response)
    assert "+975 17•••456" in text and "17123456" not in text
    assert "Send a new code" in text and "Change number" in text


def test_pages_of_a_grievance_render(client: Client, file_one) -> None:
    grievance = file_one()
    assert_accessible_page(client.get(reverse("portal:track_status", args=[grievance.application_id])))
    assert_accessible_page(client.get(reverse("portal:track_verify", args=[grievance.application_id])))
    prove_mobile(client)
    assert_accessible_page(client.get(reverse("portal:my")))
    assert_accessible_page(client.get(reverse("portal:detail", args=[grievance.application_id])))
    assert_accessible_page(client.get(reverse("portal:withdraw", args=[grievance.application_id])))


def test_unknown_page_is_a_friendly_404(client: Client) -> None:
    response = client.get("/track/not-an-id/")
    assert response.status_code == 404
    assert "Page not found" in text_of(response)


def test_language_switch_to_dzongkha_sticks(client: Client) -> None:
    response = client.post("/i18n/setlang/", {"language": "dz", "next": "/track/"})
    assert response.status_code == 302 and response.headers["Location"] == "/track/"
    page = client.get("/track/").content.decode()
    assert '<html lang="dz"' in page
    assert 'value="dz" lang="dz" class="current" aria-current="true"' in page


def test_personal_pages_are_not_cached(client: Client, file_one) -> None:
    grievance = file_one()
    prove_mobile(client, MOBILE)
    response = client.get(reverse("portal:detail", args=[grievance.application_id]))
    assert "no-store" in response.headers["Cache-Control"]


@pytest.mark.parametrize(
    ("template", "heading"), [("500.html", "Something went wrong"), ("403_csrf.html", "Please try again")]
)
def test_error_pages_render_without_a_request(template: str, heading: str) -> None:
    from django.template import loader

    page = loader.get_template(template).render({})
    assert f"<h1>{heading}</h1>" in page and '<html lang="en">' in page and "<form" not in page


def test_a_form_left_open_too_long_gets_a_plain_answer(service, district) -> None:
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("portal:file"), {"national_id": "10101001234", "name": "Pema", "mobile": "17123456"})
    assert response.status_code == 403
    assert "Go back, reload the page and send the form again." in text_of(response)
