"""Database connections from the environment: a psycopg pool per process on PostgreSQL when
DATABASE_POOL is on (sizes from the environment), persistent connections otherwise."""

import json

import pytest
from django.db import connection

from config.settings.base import database_from_env
from tests.core.production_env import manage, production_env

POSTGRES_URL = "postgres://ekaasel:secret@db.internal:5432/ekaasel"


def test_pool_options_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", POSTGRES_URL)
    monkeypatch.setenv("DATABASE_POOL", "true")
    monkeypatch.setenv("DATABASE_POOL_MIN_SIZE", "3")
    monkeypatch.setenv("DATABASE_POOL_MAX_SIZE", "12")
    monkeypatch.setenv("DATABASE_POOL_TIMEOUT", "5")
    config = database_from_env()
    assert config["OPTIONS"] == {"pool": {"min_size": 3, "max_size": 12, "timeout": 5.0}}
    assert config["CONN_MAX_AGE"] == 0  # Django refuses persistent connections together with a pool


def test_without_the_pool_connections_persist_for_conn_max_age(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", POSTGRES_URL)
    monkeypatch.delenv("DATABASE_POOL", raising=False)
    monkeypatch.setenv("DATABASE_CONN_MAX_AGE", "120")
    config = database_from_env()
    assert "pool" not in config.get("OPTIONS", {})  # type: ignore[operator]
    assert config["CONN_MAX_AGE"] == 120


def test_the_replica_url_is_read_like_the_primary(monkeypatch):
    monkeypatch.setenv("DATABASE_REPLICA_URL", "postgres://reader@replica.internal:5432/ekaasel")
    monkeypatch.setenv("DATABASE_POOL", "1")
    config = database_from_env("DATABASE_REPLICA_URL")
    assert (config["HOST"], config["USER"]) == ("replica.internal", "reader")
    assert "pool" in config["OPTIONS"]  # type: ignore[operator]


# Eight threads, five queries each, through a pool of at most three connections.
POOLED_QUERIES = """
import json, threading
from django.db import connection, connections
pids = set()
lock = threading.Lock()
def work():
    for _ in range(5):
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            pid = cursor.fetchone()[0]
        with lock:
            pids.add(pid)
        connection.close()  # back to the pool, as at the end of a request
threads = [threading.Thread(target=work) for _ in range(8)]
for t in threads: t.start()
for t in threads: t.join()
stats = connections["default"].pool.get_stats()
print(json.dumps({"pids": len(pids), "max": stats["pool_max"], "requests": stats["requests_num"]}))
"""


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="the connection pool is PostgreSQL's")
def test_a_pooled_process_serves_many_threads_with_few_connections(tmp_path):
    settings = connection.settings_dict
    url = (f"postgres://{settings['USER']}:{settings['PASSWORD'] or ''}@{settings['HOST'] or '127.0.0.1'}:"
           f"{settings['PORT'] or 5432}/{settings['NAME']}")
    env = production_env(tmp_path, ALLOWED_HOSTS="127.0.0.1", DATABASE_URL=url, DATABASE_POOL="true",
                         DATABASE_POOL_MIN_SIZE="1", DATABASE_POOL_MAX_SIZE="3", LOG_FORMAT="text")
    result = manage(env, "shell", "-c", POOLED_QUERIES)
    assert result.returncode == 0, result.stderr
    outcome = json.loads(result.stdout.strip().splitlines()[-1])
    assert outcome["max"] == 3
    assert outcome["requests"] >= 40  # every query borrowed a connection from the pool …
    assert 1 <= outcome["pids"] <= 3  # … and at most three server processes ever served them
