"""An official issues an API token in the workspace (shown once), sees it listed, and revokes it."""

import re

import pytest

from ekaasel.api.models import ApiToken
from ekaasel.api.tokens import official_for_token

pytestmark = pytest.mark.django_db


def test_issue_list_and_revoke_a_token(signed_in, officials) -> None:
    client = signed_in(officials["medical_head"])
    page = client.post("/workspace/tokens/", {"name": "Hospital case system"}).content.decode()
    found = re.search(r'<code class="token">(ekt_[^<]+)</code>', page)
    assert found, "the new token is shown once"
    token = found[1]
    assert official_for_token(token) == officials["medical_head"]
    assert token not in client.get("/workspace/tokens/").content.decode()  # never again
    assert "Hospital case system" in client.get("/workspace/tokens/").content.decode()

    stored = ApiToken.objects.get()
    response = client.post(f"/workspace/tokens/{stored.pk}/revoke/", follow=True)
    assert "The token was revoked" in response.content.decode()
    assert official_for_token(token) is None


def test_an_empty_name_is_refused_next_to_the_field(signed_in, officials) -> None:
    page = signed_in(officials["assessor"]).post("/workspace/tokens/", {"name": ""}).content.decode()
    assert "Say what the token is for." in page
    assert ApiToken.objects.count() == 0


def test_nobody_revokes_another_officials_token(signed_in, officials) -> None:
    from ekaasel.api.tokens import issue_token

    token = issue_token(official=officials["pmo"], name="PMO tracker")
    stored = ApiToken.objects.get()
    assert signed_in(officials["assessor"]).post(f"/workspace/tokens/{stored.pk}/revoke/").status_code == 404
    assert official_for_token(token) == officials["pmo"]
