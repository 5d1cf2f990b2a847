"""Test runs: the database comes from DATABASE_URL (SQLite in memory unless PostgreSQL is asked for)."""

import os
from pathlib import Path

from .base import *  # noqa: F403
from .base import EKAASEL, OUTBOX

SECRET_KEY = "test-only-secret-key"  # noqa: S105
DEBUG = False
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
EKAASEL["DEV_TOOLS"] = True
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
OUTBOX["BACKOFF_BASE_SECONDS"] = 1.0
# A test-only media directory (bandit's B108, a temporary path, is meant).
MEDIA_ROOT = Path(os.environ.get("EKAASEL_TEST_MEDIA_ROOT", "/tmp/ekaasel-test-media"))  # noqa: S108  # nosec B108
