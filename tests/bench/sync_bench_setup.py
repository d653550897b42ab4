"""Shared helpers for the sync benchmarks (bench_sync_push.py, bench_sync_pull.py,
bench_sync_desks.py): generated desk files cached under /tmp/bench-work, server databases
(PostgreSQL from tests/server/postgres.py, or an embedded SQLite file), a real
``counter-server serve`` (uvicorn) subprocess on loopback, enrolment through the desk's own
code, and an httpx client that times every request.

Nothing here changes the server or the desk client: the benches drive them as they are.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # tests.server.postgres, when run as a script
    sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from counter_app.server import admin, database, enrolment  # noqa: E402
from counter_app.sync.transport import make_client  # noqa: E402
from tests.loopback import copy_db, free_port  # noqa: E402, F401 - used by the benches
from tests.loopback import enrol_file as enrol  # noqa: E402, F401

WORK = Path("/tmp/bench-work")
CACHE = WORK / "cache"
BIN = Path(sys.executable).parent
END = "2026-11-20"  # last day of the generated data: fixed, so cached files are reusable
AGENCY_CODE = "000.17.22.H56"  # what `counter-cli generate` sets up on an empty file


# -- numbers and tables ------------------------------------------------------------------
def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(p / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def table(headers: list[str], rows: list[list]) -> str:
    cells = [[str(h) for h in headers]] + [[str(c) for c in r] for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    lines = ["  ".join(c.rjust(w) if i else c.ljust(w) for i, (c, w) in
                       enumerate(zip(r, widths, strict=True))) for r in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def summary_line(name: str, data: dict) -> str:
    return "SUMMARY " + json.dumps({"bench": name, **data}, ensure_ascii=False)


# -- desk files ----------------------------------------------------------------------------
def generated_desk(dossiers: int, *, seed: int = 1, agency_code: str = AGENCY_CODE,
                   desk_number: int = 1) -> Path:
    """A desk file made by ``counter-cli generate --dossiers N --years 1 --desks 1``, cached
    by its parameters. Another commune or desk number is set up first (Counter.set_up, the
    first-run setup), which ``generate`` keeps."""
    CACHE.mkdir(parents=True, exist_ok=True)
    name = f"desk-{agency_code}-n{desk_number}-d{dossiers}-s{seed}-e{END}.db"
    path = CACHE / name
    if path.exists():
        # A file cached by an older program: brought to this schema once, as the program
        # opens it (a backup first), so that every copy opens without that step.
        from counter_app.backups.opening import open_desk_database

        open_desk_database(path).conn.close()
        return path
    tmp = CACHE / f"tmp-{name}"
    for leftover in CACHE.glob(f"tmp-{name}*"):
        leftover.unlink()
    if agency_code != AGENCY_CODE or desk_number != 1:
        from counter_app.service.counter import Counter
        from counter_app.synthetic.generator import AGENCY

        counter = Counter.open(tmp)
        counter.set_up(**{**AGENCY, "agency_code": agency_code, "desk_number": desk_number,
                          "agency_name": f"UBND xã Thử {agency_code[-3:]} (GIẢ LẬP)"})
        counter.close()
    subprocess.run([str(BIN / "counter-cli"), "--db", str(tmp), "generate", "--dossiers",
                    str(dossiers), "--years", "1", "--desks", "1", "--seed", str(seed),
                    "--end", END], check=True, capture_output=True)
    tmp.rename(path)
    return path


def copy_desk(src: Path, dst: Path) -> Path:
    """A copy of an enrolled desk: its file and the device token kept beside it (where no
    credential store exists, as here: counter_app/sync/token_store.py)."""
    from counter_app.sync.token_store import FILE_SUFFIX

    copy_db(src, dst)
    token = src.with_name(src.name + FILE_SUFFIX)
    if token.is_file():
        shutil.copy2(token, dst.with_name(dst.name + FILE_SUFFIX))
    return dst


def sync_file(path: str | Path, http: httpx.Client | None = None):
    """One sync round of the desk file at ``path`` (as ``counter-app sync`` opens it)."""
    from counter_app.backups.opening import open_desk_database
    from counter_app.sync.sync_round import sync_once

    db = open_desk_database(Path(path))
    try:
        return sync_once(db, http=http)
    finally:
        db.conn.close()


def events_of(path: Path) -> int:
    with sqlite3.connect(path) as conn:
        return conn.execute("SELECT count(*) FROM events").fetchone()[0]


def keep_first_events(path: Path, keep: int) -> int:
    """Cut a COPY of a desk file to its first ``keep`` events (desk_seq order: a prefix of
    the chain, so still a valid chain). The append-only trigger is dropped for the delete
    and put back. Dossier rows are left as they are: a push sends events only.
    Returns the number of events left."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        trigger = conn.execute("SELECT sql FROM sqlite_master WHERE type = 'trigger' "
                               "AND name = 'events_append_only_delete'").fetchone()[0]
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("DROP TRIGGER events_append_only_delete")
        conn.execute("DELETE FROM events WHERE desk_seq > ?", [keep])
        conn.execute(trigger)
        conn.execute("COMMIT")
        return conn.execute("SELECT count(*) FROM events").fetchone()[0]
    finally:
        conn.close()


def append_events_from(path: Path, source: Path, after: int) -> int:
    """Put back the events ``keep_first_events`` cut (INSERT is what the log allows)."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("ATTACH DATABASE ? AS src", [str(source)])
        conn.execute("BEGIN IMMEDIATE")
        cur = conn.execute("INSERT INTO events SELECT * FROM src.events WHERE desk_seq > ? "
                           "ORDER BY desk_seq", [after])
        conn.execute("COMMIT")
        return cur.rowcount
    finally:
        conn.close()


# -- server databases ------------------------------------------------------------------
class PostgresBackend:
    """Fresh PostgreSQL databases: $url (an admin URL) or the throwaway cluster of
    tests/server/postgres.py, each made from one migrated template."""

    kind = "postgres"

    def __init__(self, admin_url: str | None = None):
        if admin_url:
            os.environ["COUNTER_TEST_POSTGRES"] = admin_url
        from tests.server.postgres import Cluster

        self.cluster = Cluster()
        self.template = self.cluster.create()
        engine = database.make_engine(self.cluster.url(self.template))
        database.migrate(engine)
        engine.dispose()
        self.made: list[str] = []

    def fresh(self, template: str | None = None) -> str:
        """A new database (from the migrated template, or from ``template``): its name."""
        name = self.cluster.create(template=template or self.template)
        self.made.append(name)
        return name

    def url(self, name: str) -> str:
        return self.cluster.url(name)

    def drop(self, name: str) -> None:
        self.cluster.drop(name)
        if name in self.made:
            self.made.remove(name)

    def close(self) -> None:
        for name in list(self.made):
            self.drop(name)
        self.cluster.drop(self.template)
        self.cluster.stop()


class SqliteBackend:
    """Embedded SQLite server databases (files under /tmp/bench-work/server-sqlite)."""

    kind = "sqlite"

    def __init__(self, folder: Path = WORK / "server-sqlite"):
        self.folder = folder
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        self.count = 0
        self.template = self._path("template")
        engine = database.make_engine(str(self.template))
        database.migrate(engine)
        engine.dispose()

    def _path(self, name: str) -> Path:
        return self.folder / f"{name}.db"

    def fresh(self, template: str | None = None) -> str:
        self.count += 1
        name = f"s{self.count}"
        copy_db(self._path(template) if template else self.template, self._path(name))
        return name

    def url(self, name: str) -> str:
        return database.as_url(str(self._path(name)))

    def drop(self, name: str) -> None:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{self._path(name)}{suffix}").unlink(missing_ok=True)

    def close(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


def backend(kind: str, admin_url: str | None):
    return SqliteBackend() if kind == "sqlite" else PostgresBackend(admin_url)


def add_communes(url: str, codes: list[str]) -> None:
    engine = database.make_engine(url)
    try:
        with database.writing(engine) as conn:
            for code in codes:
                admin.add_commune(conn, code, f"UBND xã Thử {code}")
    finally:
        engine.dispose()


def enrol_codes(url: str, wanted: list[tuple[str, int]]) -> list[str]:
    """One-time codes for (commune, desk number) pairs."""
    engine = database.make_engine(url)
    try:
        with database.writing(engine) as conn:
            return [enrolment.make_code(conn, commune, number, 7)[0]
                    for commune, number in wanted]
    finally:
        engine.dispose()


def revoke(url: str, desk_id: str) -> None:
    engine = database.make_engine(url)
    try:
        with database.writing(engine) as conn:
            admin.revoke_device(conn, desk_id)
    finally:
        engine.dispose()


def scalar(url: str, sql: str, params: dict | None = None):
    from sqlalchemy import text

    engine = database.make_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(text(sql), params or {}).scalar_one()
    finally:
        engine.dispose()


# -- the server process --------------------------------------------------------------------
class Server:
    """``counter-server --database URL serve`` on loopback (uvicorn, one process), its log in
    /tmp/bench-work/server.log. Use as a context manager: the process is always ended."""

    def __init__(self, db_url: str, log: Path = WORK / "server.log"):
        self.db_url, self.log_path = db_url, log
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None

    def __enter__(self) -> Server:
        WORK.mkdir(parents=True, exist_ok=True)
        self._log = open(self.log_path, "ab")  # noqa: SIM115 - closed in __exit__
        self.proc = subprocess.Popen(
            [str(BIN / "counter-server"), "--database", self.db_url, "serve", "--host",
             "127.0.0.1", "--port", str(self.port)], stdout=self._log, stderr=self._log)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"counter-server exited ({self.proc.returncode}); "
                                   f"see {self.log_path}")
            try:
                if httpx.get(self.url + "/v1/reference", timeout=1).status_code == 401:
                    return self
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        self.__exit__(None, None, None)
        raise RuntimeError("counter-server did not answer within 60 s")

    def peak_rss_mb(self) -> float | None:
        """The server process's peak resident memory (VmHWM)."""
        try:
            with open(f"/proc/{self.proc.pid}/status") as f:
                for line in f:
                    if line.startswith("VmHWM:"):
                        return int(line.split()[1]) / 1024
        except (OSError, AttributeError):
            return None
        return None

    def __exit__(self, *exc) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self._log.close()


# -- timing every request --------------------------------------------------------------------
@dataclass
class RequestLog:
    """One row per HTTP request: method, path, status, seconds (request sent to the whole
    body received and decoded), response bytes (decoded)."""
    rows: list[tuple[str, str, int, float, int]] = field(default_factory=list)

    def seconds(self, path: str | None = None) -> list[float]:
        return [r[3] for r in self.rows if path is None or r[1] == path]


def timed_client(url: str, log: RequestLog) -> httpx.Client:
    """The desk's own client (transport.make_client) with event hooks that time each
    request; the response hook reads the body so the time includes the transfer."""
    client = make_client(url)

    def on_request(request: httpx.Request) -> None:
        request.extensions["bench_t0"] = time.perf_counter()

    def on_response(response: httpx.Response) -> None:
        response.read()
        started = response.request.extensions.get("bench_t0", time.perf_counter())
        log.rows.append((response.request.method, response.request.url.path,
                         response.status_code, time.perf_counter() - started,
                         len(response.content)))

    client.event_hooks = {"request": [on_request], "response": [on_response]}
    return client


def rss_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
