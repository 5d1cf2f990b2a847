"""Local development: `make run`. SQLite by default, console SMS, developer pages on."""

from .base import *  # noqa: F403
from .base import EKAASEL, SECRET_KEY, env_list

DEBUG = True
SECRET_KEY = SECRET_KEY or "development-only-secret-key-not-for-production"
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")
EKAASEL["DEV_TOOLS"] = True
# The Content Security Policy of base.py applies here too, so the browser tests run under it. Django's own
# debug pages (the yellow error page, the technical 404) use inline styles and show unstyled under it.
