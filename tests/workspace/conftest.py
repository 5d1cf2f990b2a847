"""Fixtures for the workspace: a browser signed in as a verified official, without the TOTP pages."""

from collections.abc import Callable

import pytest
from django.test import Client

from ekaasel.identity.models import Official
from tests.conftest import sign_in_verified


@pytest.fixture
def signed_in(db: None) -> Callable[[Official], Client]:
    """A client signed in as `official` with his second factor verified (as django_otp.login leaves it)."""

    def sign_in(official: Official) -> Client:
        return sign_in_verified(Client(), official.user)

    return sign_in
