"""A desk's file sent to a real server process (uvicorn on loopback) through a proxy that
cuts the TCP connection at random points, and the server killed (SIGKILL) and restarted
mid-file: the desk resumes from what the server holds until the file is whole, with the
same SHA-256 at both ends. A second desk then fetches it through cuts, resuming by Range.

The server process is create_app's app with the blob routes (tests/server/blob_helpers.py)
until app.py adds them."""

from __future__ import annotations

import hashlib
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from counter_app.attachments.blob_store import BlobStore, folder_for
from counter_app.server import admin, database
from counter_app.sync import blob_fetch
from counter_app.sync.blob_http import Attempts
from counter_app.sync.blob_upload import upload
from counter_app.sync.transport import Channel, make_client
from tests.loopback import free_port
from tests.server.blob_helpers import attach, enrol

pytest.importorskip("uvicorn")
ROOT = Path(__file__).resolve().parents[2]
AGENCY_CODE = "000.00.00.H01"
SERVE = """
import sys
import uvicorn
from counter_app.server import database
from counter_app.server.blob_files import FileBackend
from tests.server.blob_helpers import blob_app
engine = database.make_engine(sys.argv[1])
app = blob_app(engine, FileBackend(sys.argv[2]))
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[3]), log_level="warning")
"""


class Server:
    """The server in its own process; kill() is SIGKILL, start() brings it back."""

    def __init__(self, db: Path, blobs: Path, log: Path):
        self.args = [str(db), str(blobs)]
        self.port, self.log = free_port(), log
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-c", SERVE, *self.args, str(self.port)], cwd=ROOT,
                stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, self.log.read_text()[-2000:]
            try:
                if httpx.get(self.url + "/v1/reference", timeout=1).status_code == 401:
                    return
            except httpx.TransportError:
                time.sleep(0.05)
        raise RuntimeError("the server did not answer")

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)


class CuttingProxy:
    """TCP on loopback to ``port``; each connection may carry ``budget()`` bytes in the
    watched direction ("up": desk to server, "down": server to desk), then both sockets
    are closed. ``on_cut`` runs after a cut (the test kills the server there)."""

    def __init__(self, port: int, direction: str, budget: Callable[[], int | None]):
        self.port, self.direction, self.budget = port, direction, budget
        self.on_cut: Callable[[], None] | None = None
        self.cuts = 0
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        self.running = True
        threading.Thread(target=self._accept, daemon=True).start()

    def close(self) -> None:
        self.running = False
        self.listener.close()

    def _accept(self) -> None:
        while self.running:
            try:
                desk, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(desk,), daemon=True).start()

    def _serve(self, desk: socket.socket) -> None:
        try:
            server = socket.create_connection(("127.0.0.1", self.port), timeout=10)
        except OSError:
            desk.close()
            return
        budget = self.budget()
        done = threading.Event()
        up = self.direction == "up"
        pumps = [threading.Thread(target=self._pump, args=(desk, server, budget if up else None,
                                                           done), daemon=True),
                 threading.Thread(target=self._pump, args=(server, desk, None if up else budget,
                                                           done), daemon=True)]
        for p in pumps:
            p.start()
        done.wait()
        for s in (desk, server):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            s.close()

    def _pump(self, src, dst, budget, done) -> None:
        try:
            while not done.is_set():
                data = src.recv(65536)
                if not data:
                    break
                if budget is not None and len(data) >= budget:
                    dst.sendall(data[:budget])
                    self.cuts += 1
                    done.set()
                    if self.on_cut:
                        self.on_cut()
                    return
                if budget is not None:
                    budget -= len(data)
                dst.sendall(data)
        except OSError:
            pass
        done.set()


@pytest.fixture
def server(tmp_path):
    db = tmp_path / "server.db"
    engine = database.make_engine(str(db))
    database.migrate(engine)
    with database.writing(engine) as conn:
        admin.add_commune(conn, AGENCY_CODE, "UBND xã Thử")
    running = Server(db, tmp_path / "blobs", tmp_path / "server.log")
    running.start()
    running.engine = engine
    yield running
    running.stop()
    engine.dispose()


def test_a_file_crosses_cut_connections_and_a_killed_server(server, tmp_path):
    rng = random.Random(int(os.environ.get("BLOB_SEED", "20260309")))
    with httpx.Client(base_url=server.url) as http:
        token_a = enrol(http, server.engine, AGENCY_CODE, 1)
        token_b = enrol(http, server.engine, AGENCY_CODE, 2)
    store_a = BlobStore(folder_for(tmp_path / "a.db"))
    data = rng.randbytes(5 * 1024 * 1024 + rng.randrange(1, 1 << 20))
    sha = store_a.put(data)

    # Upload: the first connections carry a random 30 KB .. 1.5 MB each, then no cut;
    # at the third cut the server process is SIGKILLed and started again.
    cuts_left = [10]

    def up_budget():
        if cuts_left[0] <= 0:
            return None
        cuts_left[0] -= 1
        return rng.randrange(30_000, 1_500_000)

    attach(server.engine, AGENCY_CODE, sha)  # its record first: a dossier names the file
    proxy = CuttingProxy(server.port, "up", up_budget)

    killed = []

    def kill_once():
        if proxy.cuts == 3 and not killed:
            killed.append(True)
            server.kill()
            server.start()

    proxy.on_cut = kill_once
    channel = Channel(make_client(proxy.url), token_a)
    try:
        assert upload(channel, store_a, sha, chunk=512 * 1024,
                      attempts=Attempts(limit=30, backoff=0.05)) is True
    finally:
        channel.close()
        proxy.close()
    assert proxy.cuts >= 5 and killed
    assert "internal error" not in server.log.read_text()
    on_server = tmp_path / "blobs" / "blobs" / sha[:2] / sha
    assert hashlib.sha256(on_server.read_bytes()).hexdigest() == sha
    # Again: the server has it, nothing is sent.
    again = Channel(make_client(server.url), token_a)
    try:
        assert upload(again, store_a, sha) is False
    finally:
        again.close()

    # Fetch: desk B of the same commune (a dossier of the commune names the file); random
    # cuts again.
    store_b = BlobStore(folder_for(tmp_path / "b.db"))
    down_left = [8]

    def down_budget():
        if down_left[0] <= 0:
            return None
        down_left[0] -= 1
        return rng.randrange(20_000, 900_000)

    proxy = CuttingProxy(server.port, "down", down_budget)
    channel = Channel(make_client(proxy.url), token_b)
    ranges: list[str] = []
    original = channel.http.stream

    def watched(method, url, **kwargs):
        ranges.append(kwargs.get("headers", {}).get("Range", ""))
        return original(method, url, **kwargs)

    channel.http.stream = watched
    try:
        path = blob_fetch.fetch(channel, store_b, sha, size=len(data),
                                attempts=Attempts(limit=30, backoff=0.05))
    finally:
        channel.close()
        proxy.close()
    assert proxy.cuts >= 4
    # Each cut was resumed from the bytes already there, not started again.
    assert sum(1 for r in ranges if r.startswith("bytes=")) == proxy.cuts
    assert store_b.verify(sha) is None and path == store_b.path(sha)
    assert hashlib.sha256(path.read_bytes()).hexdigest() == sha
    assert not blob_fetch.download_path(store_b, sha).exists()
