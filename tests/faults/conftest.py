"""Fixtures of the fault and abuse tests: a clean rate-limit cache, media in a temporary directory, and
the citizen portal's catalogue and citizens (shared with tests/portal)."""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache

from tests.portal.conftest import district, file_one, ministry, service, verified_for_filing

__all__ = ["district", "file_one", "ministry", "service", "verified_for_filing"]


@pytest.fixture(autouse=True)
def _clear_cache() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def media_root(settings: Any, tmp_path: Path) -> Path:
    """MEDIA_ROOT inside its own directory, so a file written beside it would be seen."""
    root = tmp_path / "site" / "media"
    root.mkdir(parents=True)
    settings.MEDIA_ROOT = str(root)
    return root
