"""The environment of a production process started by a test: production settings, a fresh secret,
a throw-away SQLite database and var/ directory unless told otherwise."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# Variables of the test run that must not leak into a production process.
NOT_INHERITED = {"SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "LOG_FORMAT", "DATABASE_REPLICA_URL", "DATABASE_POOL"}


def production_env(tmp_path: Path, **overrides: str) -> dict[str, str]:
    """Production settings in `tmp_path`; an override of "" removes the variable."""
    env = {key: value for key, value in os.environ.items() if key not in NOT_INHERITED}
    env.update({
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "ekaasel.example.bt",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "EKAASEL_VAR_DIR": str(tmp_path),
        "PYTHONUNBUFFERED": "1",
    })
    env.update(overrides)
    return {key: value for key, value in env.items() if value != ""}


def manage(env: dict[str, str], *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=timeout)
