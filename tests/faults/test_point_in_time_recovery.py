"""Point-in-time recovery from the WAL archive, done as docs/deploy.md tells the operator to do it.

A private cluster (pg_cluster.py) archives every WAL segment with the documented `archive_command`;
the project's schema is migrated into it and grievances are filed through the domain action
(grievance_file) in separate processes, as the web servers would: batch A, then a base backup
(`pg_basebackup -Ft -z -X fetch`), batch B, the recovery target time T, batch C. The cluster is then
lost (stopped at once, its data directory moved away), the base backup unpacked in its place with
`restore_command`, `recovery_target_time = T`, `recovery_target_action = 'promote'` and
`recovery.signal`, and started.

What the operator checks afterwards is asserted: every grievance of A and B is there with its
history (`manage.py verify_history` finds it intact) and its SMS queued in the outbox, nothing of C
is. The IDs given to C's filings were sent to citizens, so the operator moves the serial past the last
of them (`manage.py skip_application_ids`, as docs/deploy.md says) and the next filing gets a new ID.
"""

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest

from tests.faults.pg_cluster import PrivateCluster, cluster_missing_reason
from tests.kannel.harness import free_port
from tests.needs import require

ROOT = Path(__file__).resolve().parents[2]
PER_BATCH = 4
# Between the last commit before T and T, and between T and the first commit after it.
PAUSE_SECONDS = 0.5
RECOVERY_TIMEOUT_SECONDS = 30.0

# Files `count` grievances through the domain action, each with its own submission key, as a web
# process would for `count` citizens; prints their application IDs as JSON on the last line.
FILE_GRIEVANCES = """
import json, sys, uuid
import django
django.setup()
from ekaasel.grievances.actions import grievance_file
from ekaasel.grievances.models import ProblemKind
from ekaasel.organisations.models import District

batch, count = sys.argv[1], int(sys.argv[2])
district = District.objects.get(code="thimphu")
ids = []
for n in range(count):
    filing = grievance_file(
        national_id=f"1010100{n:04d}", applicant_name="Karma Wangchuk", mobile=f"+9751710{n:04d}",
        service=None, service_other="Referral hospital", problem_kind=ProblemKind.DELAYED,
        subject=f"Referral late ({batch} {n})", description="Three weeks and no answer.",
        district=district, submission_key=uuid.uuid4().hex,
    )
    ids.append(filing.grievance.application_id)
print(json.dumps(ids))
"""


@dataclass
class Archiving:
    cluster: PrivateCluster
    archive: Path
    env: dict[str, str]


@pytest.fixture
def archiving(tmp_path: Path) -> Iterator[Archiving]:
    """A private cluster archiving its WAL to its own directory, with the project migrated into it."""
    require(cluster_missing_reason(), "a private PostgreSQL cluster cannot be started")
    cluster = PrivateCluster(port=free_port())
    try:
        archive = cluster.owned_dir("wal-archive")
        cluster.init({
            "wal_level": "replica",
            "archive_mode": "on",
            "archive_command": f"test ! -f {archive}/%f && cp %p {archive}/%f",
        })
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.faults.server_settings",
            "DATABASE_URL": cluster.url,
            "EKAASEL_VAR_DIR": str(tmp_path),
            "EKAASEL_TEST_MEDIA_ROOT": str(tmp_path / "media"),
            "PYTHONUNBUFFERED": "1",
        }
        env.pop("CI", None)
        subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env,
                       check=True, timeout=180)
        with psycopg.connect(cluster.url, autocommit=True) as connection:
            connection.execute("INSERT INTO organisations_district (code, name, name_dz) "
                               "VALUES ('thimphu', 'Thimphu', '')")
        yield Archiving(cluster, archive, env)
    finally:
        cluster.destroy()


def _file(archiving: Archiving, batch: str, count: int = PER_BATCH) -> list[str]:
    done = subprocess.run([sys.executable, "-c", FILE_GRIEVANCES, batch, str(count)], cwd=ROOT,
                          env=archiving.env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr[-3000:]
    ids: list[str] = json.loads(done.stdout.splitlines()[-1])
    assert len(set(ids)) == count
    return ids


def _serial(application_id: str) -> int:
    """The serial of an ID such as EK-26-000042-7."""
    return int(application_id.split("-")[2])


def _one(cluster: PrivateCluster, sql: str, params: Sequence[object] = ()) -> tuple[object, ...]:
    with psycopg.connect(cluster.url, autocommit=True, connect_timeout=5) as connection:
        row = connection.execute(sql, params).fetchone()
    assert row is not None
    return tuple(row)


def _switch_wal_and_wait_archived(cluster: PrivateCluster, archive: Path, timeout: float = 20.0) -> None:
    """Close the current WAL segment and wait until the archiver has copied it."""
    (segment,) = _one(cluster, "SELECT pg_walfile_name(pg_switch_wal())")
    deadline = time.monotonic() + timeout
    while not (archive / str(segment)).exists():
        assert time.monotonic() < deadline, f"{segment} not archived:\n{cluster.log_tail()}"
        time.sleep(0.1)


def _wait_promoted(cluster: PrivateCluster) -> None:
    """Until the recovered server accepts writes (no longer in recovery)."""
    deadline = time.monotonic() + RECOVERY_TIMEOUT_SECONDS
    while True:
        try:
            (in_recovery,) = _one(cluster, "SELECT pg_is_in_recovery()")
            if in_recovery is False:
                return
        except psycopg.OperationalError:
            pass
        assert time.monotonic() < deadline, f"still in recovery:\n{cluster.log_tail()}"
        time.sleep(0.2)


def _stored(cluster: PrivateCluster, application_ids: list[str]) -> dict[str, tuple[object, ...]]:
    """application ID -> (grievance id, history events, 'submitted' SMS queued) for those stored."""
    with psycopg.connect(cluster.url) as connection:
        rows = connection.execute(
            """
            SELECT g.application_id, g.id,
                   (SELECT count(*) FROM grievances_grievanceevent e WHERE e.grievance_id = g.id),
                   (SELECT count(*) FROM notifications_message m
                     WHERE m.grievance_id = g.id AND m.template = 'submitted' AND m.status = 'queued'
                       AND m.body LIKE '%%' || g.application_id || '%%')
            FROM grievances_grievance g WHERE g.application_id = ANY(%s)
            """, [application_ids],
        ).fetchall()
    return {row[0]: tuple(row[1:]) for row in rows}


def test_recovery_to_a_point_in_time_keeps_what_came_before_and_nothing_after(archiving: Archiving) -> None:
    cluster, archive = archiving.cluster, archiving.archive
    started = time.monotonic()

    batch_a = _file(archiving, "A")
    base = cluster.base_backup(cluster.workdir / "base")
    batch_b = _file(archiving, "B")
    time.sleep(PAUSE_SECONDS)
    (target,) = _one(cluster, "SELECT now()::text")
    time.sleep(PAUSE_SECONDS)
    batch_c = _file(archiving, "C")
    _switch_wal_and_wait_archived(cluster, archive)
    assert _serial(batch_c[0]) == _serial(batch_b[-1]) + 1  # one serial run: A, B, then C

    # The server is lost; the operator restores the base backup and replays the archive up to T.
    cluster.crash()
    lost_at = time.monotonic()
    cluster.replace_data_dir(base)
    cluster.configure({
        "restore_command": f"cp {archive}/%f %p",
        "recovery_target_time": str(target),
        "recovery_target_action": "promote",
    })
    cluster.run_as_owner("touch", str(cluster.data_dir / "recovery.signal"))
    cluster.start()
    _wait_promoted(cluster)
    recovered_in = time.monotonic() - lost_at

    # Every grievance of A and B, with its history and its SMS still queued; nothing of C.
    stored = _stored(cluster, batch_a + batch_b + batch_c)
    assert sorted(stored) == sorted(batch_a + batch_b)
    assert all(history == 1 and sms == 1 for _id, history, sms in stored.values()), stored
    assert _one(cluster, "SELECT count(*) FROM grievances_grievance") == (len(batch_a) + len(batch_b),)
    assert _one(cluster, "SELECT count(*) FROM notifications_message WHERE template = 'submitted'") == (
        len(batch_a) + len(batch_b),)
    # The server log says it stopped at T, before C's first commit, not at the end of the archive.
    log = cluster.log_file.read_text(errors="replace")
    assert "starting point-in-time recovery to" in log, cluster.log_tail()
    assert "recovery stopping before commit of transaction" in log, cluster.log_tail()
    checked = subprocess.run([sys.executable, "manage.py", "verify_history"], cwd=ROOT, env=archiving.env,
                             capture_output=True, text=True, timeout=60)
    assert checked.returncode == 0, checked.stderr[-3000:]
    assert f"All {len(batch_a) + len(batch_b)} grievance histories are intact." in checked.stdout

    # C's filings were lost but their IDs were sent: the operator skips them, and the recovered server
    # takes filings with new IDs, none of A's, B's or C's.
    skipped = subprocess.run([sys.executable, "manage.py", "skip_application_ids", batch_c[-1]], cwd=ROOT,
                             env=archiving.env, capture_output=True, text=True, timeout=60)
    assert skipped.returncode == 0, skipped.stderr[-3000:]
    (after,) = _file(archiving, "after recovery", 1)
    # Past C's IDs (PostgreSQL's sequence may already stand further: it logs its value ahead, so a restored
    # sequence can skip serials, never repeat them).
    assert _serial(after) > _serial(batch_c[-1])
    assert after not in batch_a + batch_b + batch_c
    new = _stored(cluster, [after])
    assert new[after][1:] == (1, 1)
    assert int(str(new[after][0])) > max(int(str(row[0])) for row in stored.values())
    # The archive goes on from the new timeline.
    _switch_wal_and_wait_archived(cluster, archive)
    assert (archive / "00000002.history").exists()

    version = cluster.run_as_owner(str(cluster.bin_dir / "postgres"), "--version").stdout.strip()
    base_size = base.stat().st_size
    print(f"\n{version}; run {time.monotonic() - started:.1f} s; base backup {base_size / 1e6:.1f} MB; "
          f"lost -> accepting writes {recovered_in:.1f} s; {len(list(archive.iterdir()))} files archived")
