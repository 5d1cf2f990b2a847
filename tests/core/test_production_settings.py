"""Production settings: `check --deploy` finds nothing to fix, and the service refuses to start without
its secret key or its host names, saying which variable to set."""

import uuid

import pytest

from tests.core.production_env import manage, production_env


def test_check_deploy_reports_nothing(tmp_path):
    result = manage(production_env(tmp_path), "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
    assert "WARNINGS" not in result.stdout + result.stderr


@pytest.mark.parametrize("missing", ["SECRET_KEY", "ALLOWED_HOSTS"])
def test_refuses_to_start_without_a_secret_or_host_names(tmp_path, missing):
    result = manage(production_env(tmp_path, **{missing: ""}), "check")
    assert result.returncode != 0
    assert f"ImproperlyConfigured: {missing} is not set" in result.stderr


def test_production_logs_are_json_lines_and_development_logs_are_text(tmp_path):
    code = "import logging; logging.getLogger('ekaasel.access').warning('hello')"
    production = manage(production_env(tmp_path), "shell", "-c", code)
    assert production.returncode == 0, production.stderr
    assert '"logger": "ekaasel.access", "message": "hello", "request_id": "-"' in production.stderr
    text = manage(production_env(tmp_path, LOG_FORMAT="text"), "shell", "-c", code)
    assert "WARNING ekaasel.access [-] hello" in text.stderr


HIT = ("from ekaasel.core.ratelimit import hit; "
       "print([hit(scope='{scope}', key='203.0.113.9', limit=2, window_seconds=3600) for _ in range({times})])")


def test_with_cache_url_every_process_counts_the_same_limit(tmp_path):
    """Two web processes (here two runs) share one count in Redis: the third request is refused."""
    env = production_env(tmp_path, CACHE_URL="redis://127.0.0.1:6379/15", CACHE_KEY_PREFIX=uuid.uuid4().hex)
    first = manage(env, "shell", "-c", HIT.format(scope="form", times=2))
    second = manage(env, "shell", "-c", HIT.format(scope="form", times=1))
    assert first.returncode == 0 and second.returncode == 0, first.stderr + second.stderr
    assert first.stdout.splitlines()[-1] == "[True, True]"
    assert second.stdout.splitlines()[-1] == "[False]"
