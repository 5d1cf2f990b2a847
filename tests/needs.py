"""Tests that need a tool of the machine (a PostgreSQL cluster of their own, Kannel, gunicorn)."""

import os

import pytest


def require(missing: str | None, what: str) -> None:
    """Skip the test when `missing` says why the tool is absent, except with CI=true, where CI must run
    every test: there the absence fails the run."""
    if missing is None:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI=true but {what}: {missing}")
    pytest.skip(missing)
