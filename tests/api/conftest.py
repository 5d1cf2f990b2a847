"""Fixtures of the API tests: a client, citizen tokens, official tokens, a clean rate-limit cache."""

from collections.abc import Iterator

import pytest
from django.core.cache import cache
from django.test import Client

from ekaasel.api.citizen_tokens import issue_citizen_token
from ekaasel.api.tokens import issue_token
from ekaasel.identity.models import Official
from tests.conftest import MOBILE


@pytest.fixture(autouse=True)
def _clear_cache() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def api() -> Client:
    return Client()


@pytest.fixture
def citizen_auth() -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {issue_citizen_token(mobile=MOBILE)}"}


@pytest.fixture
def official_auth(officials: dict[str, Official]):
    def make(name: str) -> dict[str, str]:
        return {"HTTP_AUTHORIZATION": f"Bearer {issue_token(official=officials[name], name='test')}"}

    return make
