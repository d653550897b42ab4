"""The processes of the sync fault tests (tests/fault/test_sync_faults.py): a real
`counter-server serve`, desks as `counter-cli` subprocesses, an HTTP-aware TCP proxy
that loses replies, and the fixtures that make their data."""

from __future__ import annotations

import datetime as dt
import gzip
import json
import signal
import socket
import sqlite3
import struct
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text

from counter_app.domain.reception import ReceptionRequest
from counter_app.server import admin, database, enrolment
from counter_app.service.counter import Counter
from tests.core.conftest import AGENCY, AGENCY_CODE, OFFICER, PASSWORD
from tests.loopback import copy_db, free_port  # noqa: F401 - for the tests
from tests.loopback import enrol_file as enrol_desk  # noqa: F401
from tests.sync import invariants

BIN = Path(sys.executable).parent
SEED = 11_2026
END = "2026-11-20"  # the generated data's last day
BATCH = 2000        # the desk's push batch (counter_app/sync/push.py)


# -- processes -------------------------------------------------------------------------
class ServerProcess:
    """``counter-server --database URL serve`` on loopback; kill() is SIGKILL, start()
    again brings it back on the same port."""

    def __init__(self, db_url: str, log: Path):
        self.db_url, self.log_path = db_url, log
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None

    def start(self, timeout: float = 30) -> float:
        """Start and wait until it answers; returns the seconds that took."""
        began = time.monotonic()
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(
                [str(BIN / "counter-server"), "--database", self.db_url, "serve", "--host",
                 "127.0.0.1", "--port", str(self.port)], stdout=log, stderr=subprocess.STDOUT)
        while time.monotonic() - began < timeout:
            if self.proc.poll() is not None:
                raise RuntimeError(f"counter-server exited: {self.log_path.read_text()[-2000:]}")
            try:
                if httpx.get(self.url + "/v1/reference", timeout=1).status_code == 401:
                    return time.monotonic() - began
            except httpx.TransportError:
                pass
            time.sleep(0.05)
        raise RuntimeError("counter-server did not answer")

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()


#: ``counter-cli`` (its ``main``) with the desk's retries keeping their shape (three tries,
#: exponential backoff with jitter) but not their seconds, as tests/sync/conftest.py's
#: ``_quick_retries`` in process: for a test that loses replies on purpose, where each loss
#: would wait a real retry out (about a second).
QUICK_RETRIES_CLI = ("import sys; from counter_app.sync import transport; "
                     "transport.RETRY_MULTIPLIER, transport.RETRY_MAX_WAIT = 0.01, 0.05; "
                     "from counter_app.cli.main import main; sys.exit(main())")


def desk_sync(path: Path, timeout: float = 120,
              quick_retries: bool = False) -> tuple[int, dict | None, str]:
    """One ``counter-cli --db PATH sync --json`` round: (exit code, report, stderr)."""
    cli = [sys.executable, "-c", QUICK_RETRIES_CLI] if quick_retries else [
        str(BIN / "counter-cli")]
    done = subprocess.run([*cli, "--db", str(path), "sync", "--json"],
                          capture_output=True, text=True, timeout=timeout)
    report = json.loads(done.stdout) if done.returncode == 0 and done.stdout.strip() else None
    return done.returncode, report, done.stderr


def start_desk_sync(path: Path) -> subprocess.Popen:
    return subprocess.Popen([str(BIN / "counter-cli"), "--db", str(path), "sync", "--json"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def quiesce(paths: list[Path], rounds: int = 2) -> list[dict]:
    """Every desk does a full round, twice; each must succeed."""
    reports = []
    for _ in range(rounds):
        for path in paths:
            code, report, err = desk_sync(path)
            assert code == 0, err
            reports.append(report)
    return reports


# -- desks -------------------------------------------------------------------------------
def desk_value(path: Path, key: str, table: str = "sync_state"):
    conn = sqlite3.connect(path, timeout=30)
    try:
        row = conn.execute(f"SELECT value FROM {table} WHERE key = ?", [key]).fetchone()
        return json.loads(row[0]) if row else None
    finally:
        conn.close()


def desk_token(path: Path) -> str | None:
    """The desk's device token, where the desk keeps it (counter_app/sync/token_store.py)."""
    import sqlite_utils

    from counter_app.sync import token_store

    db = sqlite_utils.Database(sqlite3.connect(path, timeout=30))
    try:
        return token_store.load(db)
    finally:
        db.conn.close()


def desk_count(path: Path, sql: str, params=()) -> int:
    conn = sqlite3.connect(path, timeout=30)
    try:
        return conn.execute(sql, params).fetchone()[0]
    finally:
        conn.close()


EVENT_COLUMNS = ("id", "dossier_id", "desk_id", "desk_seq", "at", "officer", "kind", "payload",
                 "prev_hash", "hash")


def desk_batch(path: Path, desk_id: str, after: int, limit: int = BATCH) -> list[dict]:
    """The desk's own events after ``after``, as a push carries them (payload parsed)."""
    conn = sqlite3.connect(path, timeout=30)
    try:
        rows = conn.execute(f"SELECT {', '.join(EVENT_COLUMNS)} FROM events WHERE desk_id = ? "
                            "AND desk_seq > ? ORDER BY desk_seq LIMIT ?", [desk_id, after, limit])
        return [{**dict(zip(EVENT_COLUMNS, r, strict=True)), "payload": json.loads(r[7])}
                for r in rows]
    finally:
        conn.close()


def new_desk(path: Path, number: int, clock=None, unit: str = AGENCY_CODE,
             name: str = AGENCY["agency_name"]) -> Counter:
    """A set-up desk of ``unit`` (the commune of tests/core by default)."""
    counter = Counter.open(path, clock=clock or (lambda: dt.datetime.now().replace(microsecond=0)))
    counter.add_officer(**OFFICER, password=PASSWORD)
    counter.sign_in(OFFICER["username"], PASSWORD)
    counter.set_up(**{**AGENCY, "agency_code": unit, "agency_name": name}, desk_number=number)
    return counter


# -- two units: a dossier received by one for another that decides it ----------------------
B_CODE, C_CODE, P_CODE = "000.16.22.H56", "000.15.22.H56", "000.00.17.H56"
UNIT_NAMES = {AGENCY_CODE: AGENCY["agency_name"], B_CODE: "UBND xã Đông Sơn",
              C_CODE: "UBND xã Hà Lam", P_CODE: "Sở Tư pháp tỉnh Quảng Trị"}
#: Chứng thực hợp đồng, giao dịch: a commune's procedure on the boundary-free list.
CERTIFY = "2.001035"


def add_units(site: Site, *codes: str) -> None:
    """The province's other units on the site's server (P_CODE a provincial body)."""
    from counter_app.domain.units import COMMUNE, PROVINCIAL

    with database.writing(site.engine) as conn:
        for code in codes:
            admin.add_commune(conn, code, UNIT_NAMES[code],
                              PROVINCIAL if code == P_CODE else COMMUNE)


def receive_for(counter: Counter, n: int, competent: str = "",
                procedure: str = CERTIFY) -> str:
    """Receive dossier ``n`` (applicant numbers as ``receive``) for ``competent``."""
    return counter.receive(ReceptionRequest(procedure_code=procedure, applicant={
        "kind": "citizen", "full_name": f"Trần Thị {GIVEN[n % 10]}", "id_number": f"0013030{n:05d}",
        "phone": f"09{n:08d}", "address": "Thôn Phú Lộc, xã Quảng Phú", "email": ""},
        competent_agency=competent)).code


class SlowLink:
    """A Proxy policy: a slow link (``delays``: (upload, download) seconds held back on each
    push and pull) while ``slow`` is set, every request passed at once otherwise."""

    def __init__(self, delays: tuple[float, float], paths=("/v1/push", "/v1/pull")):
        self.delays, self.paths, self.slow = delays, paths, True

    def __call__(self, method: str, path: str, n: int):
        return self.delays if self.slow and path in self.paths else "pass"


def interrupted_syncs(path: Path, rng, kills: int, started,
                      link: SlowLink | None = None) -> dict[str, int]:
    """``kills`` runs of ``counter-cli sync`` on the desk, each SIGKILLed at a random moment
    (0 to 1.2 s) after its first request reached the server; then one run that must
    complete. ``started()`` counts the requests the server has seen (a Proxy's, whose slow
    link keeps a round going for a few seconds). ``link``: the Proxy's SlowLink, slow for
    the killed runs only (the run that completes has nothing to be interrupted in).
    Returns where the kills landed."""
    landed = {"mid-sync": 0, "after it ended": 0}
    if link is not None:
        link.slow = True
    for _ in range(kills):
        before = started()
        proc = start_desk_sync(path)
        give_up = time.monotonic() + 20
        while started() == before and proc.poll() is None and time.monotonic() < give_up:
            time.sleep(0.01)
        time.sleep(rng.uniform(0.0, 1.2))
        if proc.poll() is not None:
            landed["after it ended"] += 1
        else:
            proc.send_signal(signal.SIGKILL)
            landed["mid-sync"] += 1
        proc.wait(10)
        proc.stderr.close()
    if link is not None:
        link.slow = False
    code, report, err = desk_sync(path)
    assert code == 0, err
    assert report["waiting"] == 0, report
    return landed


GIVEN = ("An", "Bình", "Cường", "Dũng", "Hà", "Hải", "Lan", "Minh", "Nga", "Sơn")


def receive(counter: Counter, n: int) -> str:
    return counter.receive(ReceptionRequest(procedure_code="1.001193", applicant={
        "kind": "citizen", "full_name": f"Nguyễn Văn {GIVEN[n % 10]}", "id_number": f"0012030{n:05d}",
        "phone": f"09{n:08d}", "address": "Thôn Phú Lộc, xã Quảng Phú", "email": ""})).code


def generate(folder: Path, dossiers: int, seed: int) -> Path:
    path = folder / f"generated-{dossiers}.db"
    subprocess.run([str(BIN / "counter-cli"), "--db", str(path), "generate", "--dossiers",
                    str(dossiers), "--years", "1", "--desks", "1", "--seed", str(seed),
                    "--end", END], check=True, capture_output=True)
    return path


@pytest.fixture(scope="module")
def big_desk(tmp_path_factory) -> Path:
    """About 10,300 events of one desk (2,600 dossiers, a year of work): six push batches,
    so that test (a)'s fifteen kills have a long push to land in."""
    return generate(tmp_path_factory.mktemp("generated"), 2600, SEED)


@pytest.fixture(scope="module")
def small_desk(tmp_path_factory) -> Path:
    """About 4,400 events: three push batches (more than two, with room to spare)."""
    return generate(tmp_path_factory.mktemp("generated"), 1100, SEED + 1)


# -- server databases ------------------------------------------------------------------------
@dataclass
class Site:
    """A server database with its communes, the server process on it, and an engine the
    test reads it with."""
    url: str
    server: ServerProcess
    engine: object
    desks: list[Path] = field(default_factory=list)

    def code(self, desk: int, commune: str = AGENCY_CODE) -> str:
        with database.writing(self.engine) as conn:
            return enrolment.make_code(conn, commune, desk, 7)[0]

    def scalar(self, sql: str, **params):
        with self.engine.connect() as conn:
            return conn.execute(text(sql), params).scalar()

    def check(self, converged: bool = True) -> dict:
        return invariants.check(self.engine, self.desks, converged=converged)


@pytest.fixture
def site(request, tmp_path):
    """site(kind) -> a Site with a running server ('sqlite' or 'postgres')."""
    made: list[tuple[Site, str | None]] = []

    def _make(kind: str) -> Site:
        pg_name = None
        if kind == "sqlite":
            url = database.as_url(str(tmp_path / "server.db"))
            engine = database.make_engine(url)
            database.migrate(engine)
        else:
            cluster = request.getfixturevalue("pg_cluster")
            pg_name = cluster.create(template=cluster.template)
            url = cluster.url(pg_name)
            engine = database.make_engine(url)
        with database.writing(engine) as conn:
            admin.add_commune(conn, AGENCY_CODE, AGENCY["agency_name"])
        s = Site(url, ServerProcess(url, tmp_path / "server.log"), engine)
        made.append((s, pg_name))
        s.server.start()
        return s

    yield _make
    for s, pg_name in made:
        s.server.stop()
        s.engine.dispose()
        if pg_name:
            request.getfixturevalue("pg_cluster").drop(pg_name)


def _read_message(reader) -> tuple[bytes, bytes, bytes] | None:
    """(start line, head, body) of one HTTP/1.1 message; None at end of stream."""
    start = reader.readline()
    if not start:
        return None
    head = b""
    length = 0
    while True:
        line = reader.readline()
        head += line
        if line in (b"\r\n", b"\n", b""):
            break
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
        if name.strip().lower() == b"transfer-encoding":
            raise AssertionError("the proxy handles Content-Length bodies only")
    return start, head, reader.read(length) if length else b""


class Proxy:
    """An HTTP-aware TCP proxy on loopback. ``policy(method, path, n)`` for the n-th request
    (from 1) of that path says what to do: 'pass', or 'drop' = forward the request, read the
    server's whole reply (so the server has committed) and reset the desk's connection
    instead of relaying it, or (upload, download): seconds to hold the request and the
    reply back (a slow link). Push bodies are kept (``pushes``) for replaying."""

    def __init__(self, upstream_port: int, policy):
        self.upstream_port, self.policy = upstream_port, policy
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        self.counts: dict[str, int] = {}
        self.dropped: list[tuple[str, int]] = []
        self.pushes: list[bytes] = []
        self.push_started: list[float] = []  # time.monotonic() of each push request
        self.lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def close(self) -> None:
        self.listener.close()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        try:
            upstream = socket.create_connection(("127.0.0.1", self.upstream_port))
        except OSError:  # the server is down (killed): the desk sees a reset
            client.close()
            return
        creader, ureader = client.makefile("rb"), upstream.makefile("rb")
        try:
            while (request := _read_message(creader)) is not None:
                method, target = request[0].split()[:2]
                path = target.decode().split("?")[0]
                with self.lock:
                    n = self.counts[path] = self.counts.get(path, 0) + 1
                    if path == "/v1/push":
                        self.push_started.append(time.monotonic())
                        body = request[2]
                        if b"content-encoding: gzip" in request[1].lower():
                            body = gzip.decompress(body)
                        self.pushes.append(body)
                action = self.policy(method.decode(), path, n)
                if isinstance(action, tuple):  # a slow link: (upload, download) seconds
                    time.sleep(action[0])
                upstream.sendall(b"".join(request))
                reply = _read_message(ureader)
                if reply is None:
                    return
                if isinstance(action, tuple):
                    time.sleep(action[1])
                elif action == "drop":
                    self.dropped.append((path, n))
                    client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                      struct.pack("ii", 1, 0))  # RST, not a clean close
                    return
                client.sendall(b"".join(reply))
        except OSError:
            return
        finally:
            for closing in (creader, ureader, client, upstream):
                closing.close()
