"""Officials sign in with password plus TOTP; lockout, setup of the second factor, sign-out, idle expiry."""

import base64
import re
from datetime import UTC, datetime
from typing import Any

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import path, reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from config.urls import urlpatterns as project_urlpatterns
from ekaasel.identity.models import Official, Role
from ekaasel.workspace.access import current_official, official_required
from ekaasel.workspace.demo import DEMO_OFFICIAL_PASSWORD, DEMO_OFFICIALS, seed_demo_officials
from ekaasel.workspace.dev_views import dev_totp
from tests.portal.conftest import text_of


@official_required
def protected(request: HttpRequest) -> HttpResponse:
    return HttpResponse(f"Hello {current_official(request).user.username}")


# This module is its own URLconf: the project's URLs plus a protected page and the dev page.
urlpatterns = [
    path("test-protected/", protected, name="test_protected"),
    path("dev/totp/", dev_totp, name="dev_totp"),
    *project_urlpatterns,
]

pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]

PASSWORD = "x" * 16  # the password of the `officials` fixture
LOCKED = "Too many failed sign-ins. This account is locked for 30 minutes; ask an administrator to unlock it sooner."
SIGN_IN = "/workspace/sign-in/"
CODE = "/workspace/sign-in/code/"
SETUP = "/workspace/second-factor/setup/"


@pytest.fixture(autouse=True)
def _workspace_settings(settings: Any) -> None:
    """The settings this feature asks for (also added to config/settings/base.py)."""
    settings.AXES_LOCKOUT_CALLABLE = "ekaasel.workspace.auth_views.locked_out"
    settings.WORKSPACE_IDLE_SECONDS = 1800
    idle = "ekaasel.workspace.middleware.WorkspaceIdleTimeoutMiddleware"
    if idle not in settings.MIDDLEWARE:
        middleware = list(settings.MIDDLEWARE)
        middleware.insert(middleware.index("django.contrib.messages.middleware.MessageMiddleware") + 1, idle)
        settings.MIDDLEWARE = middleware


def add_device(official: Official) -> TOTPDevice:
    device: TOTPDevice = TOTPDevice.objects.create(user=official.user, name="phone", confirmed=True)
    return device


def code_of(device: TOTPDevice, *, steps: int = 0) -> str:
    device.refresh_from_db()
    return str(totp(device.bin_key, device.step, device.t0, device.digits, device.drift + steps)).zfill(6)


def post_password(client: Client, username: str, password: str = PASSWORD, next_url: str = "") -> Any:
    return client.post(SIGN_IN, {"username": username, "password": password, "next": next_url})


def sign_in(client: Client, official: Official, device: TOTPDevice, next_url: str = "") -> Any:
    response = post_password(client, official.user.username, next_url=next_url)
    assert response.status_code == 302 and response["Location"] == CODE
    return client.post(CODE, {"code": code_of(device)})


def is_verified_official(client: Client) -> bool:
    response = client.get("/test-protected/")
    return response.status_code == 200


def test_sign_in_page_explains_the_reset_by_an_administrator(client: Client) -> None:
    response = client.get(SIGN_IN)
    assert response.status_code == 200
    text = text_of(response)
    assert "Sign in to the officials" in text
    assert "Ask a system administrator to reset it" in text


def test_wrong_password_shows_a_message_and_signs_nobody_in(client: Client, officials: dict[str, Official]) -> None:
    add_device(officials["assessor"])
    response = post_password(client, "assessor", "not-the-password")
    assert response.status_code == 200
    assert "The username or password is not right" in text_of(response)
    assert "_auth_user_id" not in client.session
    assert "workspace_pending_user" not in client.session
    assert client.get(CODE)["Location"] == SIGN_IN


def test_unknown_user_gets_the_same_message(client: Client, db: None) -> None:
    response = post_password(client, "nobody", "whatever-password")
    assert "The username or password is not right" in text_of(response)


def test_a_user_who_is_not_an_official_cannot_continue(client: Client, db: None) -> None:
    get_user_model().objects.create_user(username="plain", password=PASSWORD)
    response = post_password(client, "plain")
    assert response.status_code == 200
    assert "not an official" in text_of(response)
    assert "workspace_pending_user" not in client.session


def test_five_wrong_passwords_lock_the_account_even_for_the_right_one(
    client: Client, officials: dict[str, Official]
) -> None:
    add_device(officials["assessor"])
    for _ in range(4):
        assert "not right" in text_of(post_password(client, "assessor", "wrong-password"))
    fifth = post_password(client, "assessor", "wrong-password")
    assert fifth.status_code == 429
    assert LOCKED in text_of(fifth)
    right = post_password(client, "assessor")
    assert right.status_code == 429
    assert LOCKED in text_of(right)
    assert "workspace_pending_user" not in client.session


def test_lock_ends_after_thirty_minutes(client: Client, officials: dict[str, Official]) -> None:
    add_device(officials["assessor"])
    with time_machine.travel(datetime(2026, 5, 4, 9, 0, tzinfo=UTC), tick=False) as traveller:
        for _ in range(5):
            post_password(client, "assessor", "wrong-password")
        assert post_password(client, "assessor").status_code == 429
        traveller.shift(31 * 60)
        assert post_password(client, "assessor")["Location"] == CODE


def test_password_alone_opens_no_protected_page(client: Client, officials: dict[str, Official]) -> None:
    add_device(officials["assessor"])
    response = post_password(client, "assessor", next_url="/test-protected/")
    assert response["Location"] == CODE
    protected_response = client.get("/test-protected/")
    assert protected_response.status_code == 302
    assert protected_response["Location"] == f"{SIGN_IN}?next=/test-protected/"
    assert client.get("/admin/").status_code == 302  # not even the admin


def test_decorator_refuses_an_authenticated_but_unverified_user(officials: dict[str, Official]) -> None:
    request = RequestFactory().get("/test-protected/?page=2")
    request.user = officials["assessor"].user
    request.user.is_verified = lambda: False  # type: ignore[attr-defined]
    response = protected(request)
    assert response.status_code == 302
    assert response["Location"] == f"{SIGN_IN}?next=/test-protected/%3Fpage%3D2"
    request.user.is_verified = lambda: True  # type: ignore[attr-defined]
    assert protected(request).content == b"Hello assessor"


def test_decorator_refuses_a_verified_user_without_official_profile(db: None) -> None:
    request = RequestFactory().get("/test-protected/")
    request.user = get_user_model().objects.create_user(username="plain", password=PASSWORD)
    request.user.is_verified = lambda: True  # type: ignore[attr-defined]
    assert protected(request).status_code == 302


def test_password_and_code_sign_in_and_land_on_next(client: Client, officials: dict[str, Official]) -> None:
    device = add_device(officials["medical_head"])
    response = sign_in(client, officials["medical_head"], device, next_url="/test-protected/?q=1")
    assert response.status_code == 302
    assert response["Location"] == "/test-protected/?q=1"
    page = client.get("/test-protected/")
    assert page.content == b"Hello medical-head"


def test_next_to_another_site_is_ignored(client: Client, officials: dict[str, Official]) -> None:
    device = add_device(officials["pmo"])
    response = sign_in(client, officials["pmo"], device, next_url="https://evil.example/")
    assert response["Location"] == "/workspace/"


def test_wrong_code_shows_a_message_and_signs_nobody_in(client: Client, officials: dict[str, Official]) -> None:
    device = add_device(officials["assessor"])
    post_password(client, "assessor")
    wrong = f"{(int(code_of(device)) + 1) % 1_000_000:06d}"
    response = client.post(CODE, {"code": wrong})
    assert response.status_code == 200
    assert "This code is not right or has expired" in text_of(response)
    assert not is_verified_official(client)
    malformed = client.post(CODE, {"code": "12ab"})
    assert "The code is 6 digits" in text_of(malformed)
    assert "Wait a few seconds" in text_of(client.post(CODE, {"code": code_of(device)}))


def test_code_with_a_space_is_accepted(client: Client, officials: dict[str, Official]) -> None:
    device = add_device(officials["assessor"])
    post_password(client, "assessor")
    code = code_of(device)
    response = client.post(CODE, {"code": f"{code[:3]} {code[3:]}"})
    assert response.status_code == 302
    assert is_verified_official(client)


def test_five_wrong_codes_restart_the_sign_in_and_count_towards_the_lock(
    client: Client, officials: dict[str, Official]
) -> None:
    device = add_device(officials["assessor"])
    with time_machine.travel(datetime(2026, 5, 4, 9, 0, tzinfo=UTC), tick=False) as traveller:
        post_password(client, "assessor")
        wrong = f"{(int(code_of(device)) + 500_000) % 1_000_000:06d}"
        for _ in range(4):
            assert "This code is not right" in text_of(client.post(CODE, {"code": wrong}))
            traveller.shift(20)  # past django-otp's throttle delay
        fifth = client.post(CODE, {"code": wrong})
        assert fifth.status_code == 429  # five failures: django-axes locks the account
        assert LOCKED in text_of(fifth)
        assert "workspace_pending_user" not in client.session


def test_code_step_needs_the_password_step_first(client: Client, db: None) -> None:
    assert client.get(CODE)["Location"] == SIGN_IN
    assert client.get(SETUP)["Location"] == SIGN_IN


def test_proven_password_waits_five_minutes_for_its_code(client: Client, officials: dict[str, Official]) -> None:
    device = add_device(officials["assessor"])
    with time_machine.travel(datetime(2026, 5, 4, 9, 0, tzinfo=UTC), tick=False) as traveller:
        post_password(client, "assessor")
        traveller.shift(301)
        response = client.post(CODE, {"code": code_of(device)})
        assert response["Location"] == SIGN_IN
        assert not is_verified_official(client)


def test_official_without_device_sets_one_up(client: Client, officials: dict[str, Official]) -> None:
    with time_machine.travel(datetime(2026, 5, 4, 9, 0, tzinfo=UTC), tick=False) as traveller:
        _set_up_second_factor(client, officials, traveller)


def _set_up_second_factor(client: Client, officials: dict[str, Official], traveller: Any) -> None:
    official = officials["works_secretary"]
    response = post_password(client, official.user.username, next_url="/test-protected/")
    assert response["Location"] == SETUP
    page = client.get(SETUP)
    assert page.status_code == 200
    body = page.content.decode()
    assert "<svg" in body and "QR code for your authenticator app" in body
    secret = re.search(r'id="totp-secret">([A-Z2-7 ]+)<', body)
    assert secret is not None
    # The same secret on reload, not a new one each time.
    assert secret.group(1) in client.get(SETUP).content.decode()
    device = TOTPDevice.objects.get(user=official.user)
    assert not device.confirmed
    assert base64.b32encode(device.bin_key).decode().rstrip("=") == secret.group(1).replace(" ", "")

    wrong = client.post(SETUP, {"code": f"{(int(code_of(device)) + 1) % 1_000_000:06d}"})
    assert "This code is not right" in text_of(wrong)
    assert not TOTPDevice.objects.get(pk=device.pk).confirmed
    too_soon = client.post(SETUP, {"code": code_of(device)})  # django-otp throttles right after a wrong code
    assert "Wait a few seconds" in text_of(too_soon)

    traveller.shift(3)
    done = client.post(SETUP, {"code": code_of(device)})
    assert done["Location"] == "/test-protected/"
    assert TOTPDevice.objects.get(pk=device.pk).confirmed
    assert client.get("/test-protected/").content == b"Hello works-secretary"


def test_official_with_device_cannot_use_setup_to_add_another(client: Client, officials: dict[str, Official]) -> None:
    add_device(officials["assessor"])
    post_password(client, "assessor")
    assert client.get(SETUP)["Location"] == CODE
    assert TOTPDevice.objects.filter(user=officials["assessor"].user).count() == 1


def test_sign_out(client: Client, officials: dict[str, Official]) -> None:
    device = add_device(officials["monitor"])
    sign_in(client, officials["monitor"], device)
    assert is_verified_official(client)
    assert client.get("/workspace/sign-out/").status_code == 405  # POST only
    response = client.post("/workspace/sign-out/")
    assert response["Location"] == SIGN_IN
    assert "You have signed out" in text_of(client.get(SIGN_IN))
    assert not is_verified_official(client)


def test_session_expires_after_thirty_idle_minutes(client: Client, officials: dict[str, Official]) -> None:
    device = add_device(officials["assessor"])
    with time_machine.travel(datetime(2026, 5, 4, 9, 0, tzinfo=UTC), tick=False) as traveller:
        sign_in(client, officials["assessor"], device)
        traveller.shift(25 * 60)
        assert is_verified_official(client)  # activity keeps the session alive
        traveller.shift(25 * 60)
        assert is_verified_official(client)
        traveller.shift(30 * 60 + 1)
        response = client.get("/test-protected/")
        assert response.status_code == 302 and response["Location"].startswith(SIGN_IN)
        assert "You were signed out after 30 minutes without activity" in text_of(client.get(SIGN_IN))
        assert "_auth_user_id" not in client.session


def test_activity_is_written_to_the_session_at_most_once_a_minute(client: Client,
                                                                   officials: dict[str, Official]) -> None:
    device = add_device(officials["assessor"])

    def session_writes() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert is_verified_official(client)
        return sum(1 for q in queries if "django_session" in q["sql"] and not q["sql"].startswith("SELECT"))

    with time_machine.travel(datetime(2026, 5, 4, 9, 0, tzinfo=UTC), tick=False) as traveller:
        sign_in(client, officials["assessor"], device)
        traveller.shift(30)
        assert session_writes() == 1  # the first page after signing in
        traveller.shift(30)
        assert session_writes() == 0  # a page within the minute: no database write
        traveller.shift(31)
        assert session_writes() == 1
        # The last activity written was at 9:01:01; a page at 9:01:30 wrote nothing, so the official is
        # signed out 30 minutes after 9:01:01: between 29 and 30 minutes after his last page.
        traveller.shift(29)
        assert session_writes() == 0
        traveller.shift(30 * 60 - 28)
        response = client.get("/test-protected/")
        assert response.status_code == 302 and response["Location"].startswith(SIGN_IN)


def test_dev_totp_shows_a_code_that_signs_in(client: Client, db: None) -> None:
    from django.core.management import call_command

    call_command("load_catalogue", verbosity=0)
    seed_demo_officials()
    page = client.get("/dev/totp/")
    assert page.status_code == 200
    body = page.content.decode()
    for spec in DEMO_OFFICIALS:
        assert f"<code>{spec.username}</code>" in body
    code = re.search(r'data-username="moh-medical-head">(\d{6})<', body)
    assert code is not None
    response = client.post(SIGN_IN, {"username": "moh-medical-head", "password": DEMO_OFFICIAL_PASSWORD})
    assert response["Location"] == CODE
    assert client.post(CODE, {"code": code.group(1)}).status_code == 302
    assert client.get("/test-protected/").content == b"Hello moh-medical-head"


def test_dev_totp_is_404_without_dev_tools(client: Client, settings: Any, db: None) -> None:
    settings.EKAASEL = {**settings.EKAASEL, "DEV_TOOLS": False}
    assert client.get("/dev/totp/").status_code == 404


def test_seed_demo_officials_is_idempotent_and_covers_every_role(db: None) -> None:
    from django.core.management import call_command

    call_command("load_catalogue", verbosity=0)
    created = seed_demo_officials()
    assert created == len(DEMO_OFFICIALS)
    assert seed_demo_officials() == 0
    roles = set(Official.objects.values_list("role", flat=True))
    assert roles == set(Role)
    secretaries = Official.objects.filter(role=Role.SECRETARY).values_list("ministry__code", flat=True)
    heads = Official.objects.filter(role=Role.HEAD_OF_DEPARTMENT).values_list("ministry__code", flat=True)
    assert len(set(secretaries) & set(heads)) >= 2
    admin = get_user_model().objects.get(username="admin")
    assert admin.is_staff and admin.is_superuser
    for spec in DEMO_OFFICIALS:
        user = get_user_model().objects.get(username=spec.username)
        assert user.check_password(DEMO_OFFICIAL_PASSWORD)
        assert TOTPDevice.objects.filter(user=user, confirmed=True).count() == 1


def test_citizen_portal_is_unaffected(client: Client, db: None) -> None:
    assert client.get("/").status_code == 200
    assert client.get(reverse("portal:track")).status_code == 200
