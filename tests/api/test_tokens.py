"""API tokens: issued once in plaintext, stored as a hash, revocable; and the command that issues them."""

import hashlib
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from ekaasel.api.models import ApiToken
from ekaasel.api.tokens import issue_token, official_for_token, revoke_token
from tests.api.http import assert_error

pytestmark = pytest.mark.django_db


def test_issue_stores_only_a_hash(officials):
    token = issue_token(official=officials["assessor"], name="  mobile app backend  ")
    stored = ApiToken.objects.get()
    assert token.startswith("ekt_") and len(token) > 40
    assert stored.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in {stored.token_hash, stored.name, stored.prefix} and stored.prefix == token[:12]
    assert stored.name == "mobile app backend" and stored.last_used_at is None
    assert official_for_token(token) == officials["assessor"]
    assert ApiToken.objects.get().last_used_at is not None
    assert official_for_token(token + "x") is None and official_for_token("") is None


def test_revoke_only_own_token_and_then_it_is_refused(api, officials):
    token = issue_token(official=officials["assessor"], name="t")
    token_id = ApiToken.objects.get().pk
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    assert api.get("/api/v1/official/grievances", **auth).status_code == 200
    assert revoke_token(token_id=token_id, official=officials["pmo"]) is False
    assert api.get("/api/v1/official/grievances", **auth).status_code == 200
    assert revoke_token(token_id=token_id, official=officials["assessor"]) is True
    assert revoke_token(token_id=token_id) is False
    assert official_for_token(token) is None
    assert_error(api.get("/api/v1/official/grievances", **auth), 401, "unauthorized")


def test_a_deactivated_officials_token_is_refused(api, officials):
    token = issue_token(official=officials["assessor"], name="t")
    user = officials["assessor"].user
    user.is_active = False
    user.save(update_fields=["is_active"])
    assert_error(api.get("/api/v1/official/grievances", HTTP_AUTHORIZATION=f"Bearer {token}"), 401, "unauthorized")


def test_command_prints_the_token_once(api, officials):
    out = StringIO()
    call_command("issue_api_token", "assessor", "reporting system", stdout=out)
    token = out.getvalue().strip()
    stored = ApiToken.objects.get()
    assert stored.official == officials["assessor"] and stored.name == "reporting system"
    assert stored.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert api.get("/api/v1/official/grievances", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 200
    with pytest.raises(CommandError, match="nobody"):
        call_command("issue_api_token", "nobody", "x", stdout=StringIO())
    assert ApiToken.objects.count() == 1
