"""A private PostgreSQL cluster on a free loopback port, so a test may crash it without harming anyone.

initdb refuses to run as root, so when the tests run as root the cluster belongs to the `postgres`
user (commands go through runuser) in a temporary directory it owns.
"""

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path

import psycopg

CLUSTER_USER = "postgres"


def postgres_bin_dir() -> Path | None:
    """The newest /usr/lib/postgresql/<version>/bin with initdb and pg_ctl, or the one on PATH."""
    candidates = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3].split(".")[0])
    )
    if candidates:
        return Path(candidates[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def cluster_missing_reason() -> str | None:
    """Why a private cluster cannot be started here, or None when it can."""
    bin_dir = postgres_bin_dir()
    if bin_dir is None:
        return "PostgreSQL server binaries (initdb, pg_ctl) are not installed (apt-get install postgresql)"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam(CLUSTER_USER)
        except KeyError:
            return f"running as root, and there is no {CLUSTER_USER!r} user to own the cluster"
        if shutil.which("runuser") is None:
            return "running as root without runuser to start the cluster as postgres"
    return None


class PrivateCluster:
    """initdb + pg_ctl on `port`; `url` reaches the database `name` as the superuser with trust auth."""

    def __init__(self, *, port: int, name: str = "ekaasel") -> None:
        bin_dir = postgres_bin_dir()
        assert bin_dir is not None, cluster_missing_reason()
        self.bin_dir = bin_dir
        self.port = port
        self.name = name
        self.workdir = Path(tempfile.mkdtemp(prefix="ekaasel-pg-"))
        self.data_dir = self.workdir / "data"
        self.log_file = self.workdir / "postgres.log"
        self._as_root = os.geteuid() == 0
        if self._as_root:
            owner = pwd.getpwnam(CLUSTER_USER)
            os.chown(self.workdir, owner.pw_uid, owner.pw_gid)
        self.workdir.chmod(0o700)

    @property
    def url(self) -> str:
        return f"postgres://{CLUSTER_USER}@127.0.0.1:{self.port}/{self.name}"

    def _run(self, *args: str, check: bool = True, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        return self.run_as_owner(str(self.bin_dir / args[0]), *args[1:], check=check, timeout=timeout)

    def run_as_owner(self, *command: str, check: bool = True, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        """Run `command` as the cluster's owner (the postgres user when the tests run as root)."""
        if self._as_root:
            command = ("runuser", "-u", CLUSTER_USER, "--", *command)
        return subprocess.run(command, check=check, capture_output=True, text=True, timeout=timeout, cwd="/")

    def init(self, settings: Mapping[str, str] | None = None) -> None:
        """initdb, `settings` appended to postgresql.conf as an operator would write them, start, create `name`."""
        self._run("initdb", "-D", str(self.data_dir), "-U", CLUSTER_USER, "-A", "trust", "-E", "UTF8",
                  "--no-instructions", "--locale=C.UTF-8")
        if settings:
            self.configure(settings)
        self.start()
        with psycopg.connect(self.admin_url, autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{self.name}"')

    @property
    def admin_url(self) -> str:
        return f"postgres://{CLUSTER_USER}@127.0.0.1:{self.port}/postgres"

    def start(self) -> None:
        options = (f"-p {self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={self.workdir} "
                   "-c max_connections=60")
        self._run("pg_ctl", "-D", str(self.data_dir), "-l", str(self.log_file), "-o", options, "-w", "-t", "60",
                  "start")

    def crash(self) -> None:
        """Stop at once, as a power cut of the server process would: no checkpoint, clients cut off."""
        self._run("pg_ctl", "-D", str(self.data_dir), "-m", "immediate", "-w", "stop")

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.data_dir), "-m", "fast", "-w", "stop", check=False)

    def configure(self, settings: Mapping[str, str]) -> None:
        """Append `name = 'value'` lines to postgresql.conf (read at the next start)."""
        lines = "".join(f"{name} = '{value.replace(chr(39), chr(39) * 2)}'\n" for name, value in settings.items())
        with (self.data_dir / "postgresql.conf").open("a") as conf:
            conf.write(lines)

    def owned_dir(self, name: str) -> Path:
        """A new directory `name` in the work directory, owned by the cluster's owner, mode 700."""
        self.run_as_owner("mkdir", "-m", "700", str(self.workdir / name))
        return self.workdir / name

    def base_backup(self, target: Path) -> Path:
        """`pg_basebackup -Ft -z -X fetch` into `target` (a new directory); returns base.tar.gz."""
        self._run("pg_basebackup", "-h", "127.0.0.1", "-p", str(self.port), "-U", CLUSTER_USER, "-D", str(target),
                  "-Ft", "-z", "-X", "fetch", "--checkpoint=fast", "--no-sync", timeout=120)
        return target / "base.tar.gz"

    def replace_data_dir(self, base_tarball: Path, *, keep_as: str = "data.broken") -> None:
        """Move the (stopped) data directory aside as `keep_as` and unpack a base backup in its place."""
        self.run_as_owner("mv", str(self.data_dir), str(self.workdir / keep_as))
        self.run_as_owner("mkdir", "-m", "700", str(self.data_dir))
        self.run_as_owner("tar", "-xzf", str(base_tarball), "-C", str(self.data_dir), timeout=120)

    def wait_ready(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                with psycopg.connect(self.url, connect_timeout=2) as connection:
                    connection.execute("SELECT 1")
                return
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)

    def destroy(self) -> None:
        self.stop()
        shutil.rmtree(self.workdir, ignore_errors=True)

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_file.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""
