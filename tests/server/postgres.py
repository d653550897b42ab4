"""A real PostgreSQL for the server tests: $COUNTER_TEST_POSTGRES (an admin URL), else a
throwaway cluster started once per session (initdb in a temporary folder, loopback only).

No PostgreSQL binaries: the PostgreSQL tests are skipped, unless COUNTER_REQUIRE_POSTGRES=1
(CI), which makes that a failure.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

import psycopg

from tests.loopback import free_port


class Unavailable(Exception):
    pass


def _find(name: str) -> str | None:
    for directory in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        candidate = Path(directory) / name
        if candidate.exists():
            return str(candidate)
    return shutil.which(name)


class Cluster:
    """A PostgreSQL server to make fresh databases on."""

    def __init__(self):
        self.admin_url = os.environ.get("COUNTER_TEST_POSTGRES")
        self.folder: str | None = None
        self._run_as: list[str] = []
        if not self.admin_url:
            self._start()

    def _start(self) -> None:
        initdb, pg_ctl = _find("initdb"), _find("pg_ctl")
        if not initdb or not pg_ctl:
            raise Unavailable("no PostgreSQL binaries (initdb, pg_ctl) found")
        self.folder = tempfile.mkdtemp(prefix="counter-pg-")
        data = os.path.join(self.folder, "data")
        if os.geteuid() == 0:  # PostgreSQL refuses to run as root
            shutil.chown(self.folder, "postgres", "postgres")
            self._run_as = ["runuser", "-u", "postgres", "--"]
        port = free_port()
        self._pg_ctl, self._data = pg_ctl, data
        subprocess.run([*self._run_as, initdb, "-A", "trust", "-U", "postgres", "-E", "UTF8",
                        "--no-sync", "-D", data], check=True, capture_output=True)
        options = (f"-p {port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off "
                   "-c synchronous_commit=off -c full_page_writes=off")
        subprocess.run([*self._run_as, pg_ctl, "-D", data, "-o", options, "-w", "-l",
                        os.path.join(self.folder, "log"), "start"], check=True,
                       capture_output=True)
        self.admin_url = f"postgresql://postgres@127.0.0.1:{port}/postgres"
        for _ in range(50):
            try:
                psycopg.connect(self.admin_url).close()
                return
            except psycopg.OperationalError:
                time.sleep(0.1)
        raise Unavailable("the throwaway PostgreSQL did not start")

    def url(self, database: str) -> str:
        base = self.admin_url.rsplit("/", 1)[0]
        return f"{base}/{database}".replace("postgresql://", "postgresql+psycopg://", 1)

    def execute(self, sql: str) -> None:
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute(sql)

    def create(self, template: str | None = None) -> str:
        name = f"t_{uuid.uuid4().hex}"
        self.execute(f"CREATE DATABASE {name}" + (f" TEMPLATE {template}" if template else ""))
        return name

    def drop(self, name: str) -> None:
        self.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    def stop(self) -> None:
        if self.folder:
            subprocess.run([*self._run_as, self._pg_ctl, "-D", self._data, "-m", "immediate",
                            "stop"], capture_output=True)
            shutil.rmtree(self.folder, ignore_errors=True)
            self.folder = None
