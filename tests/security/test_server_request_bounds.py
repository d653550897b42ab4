"""Request bodies cannot exhaust the server: the token first, then bounded, streamed reading.

Attack held here: /v1/push read, inflated and parsed the whole body on the event loop before
it looked at the device token; a 261 KB gzip bomb took the server to 6.8 GB and stalled it
for 6.7 s, and a plain 50 MB body cost 1.4 GB, without any token. Now a push without a valid
token is refused (401) before a byte of its body is read; with one, the body is read in
pieces, capped at 32 MB on the wire and 32 MB once inflated (413), inflated and parsed in the
thread pool. Measured on a real ``counter-server serve`` (uvicorn) process: its peak memory
(VmHWM) and how fast other desks are answered meanwhile.
"""

from __future__ import annotations

import functools
import gzip
import json
import socket
import subprocess
import sys
import threading
import time
import uuid
import zlib
from pathlib import Path

import httpx
import pytest

from counter_app.server import database, enrolment, request_body
from counter_app.server.admin import add_commune
from counter_app.server.validation import Refused
from tests.loopback import free_port

AGENCY = "000.17.22.H56"
MB = 1024 * 1024


@functools.cache
def _one_member_bomb() -> bytes:
    """1 GB of zeros as one gzip member: 1 MB (run-length deflate, 1.7 s to make)."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 31, 9, zlib.Z_RLE)
    block = bytes(MB)
    return b"".join([packer.compress(block) for _ in range(1024)] + [packer.flush()])


@functools.cache
def _multi_member_bomb() -> bytes:
    """1 GB of zeros as 1,024 gzip members of 1 MB each (~1 MB: RFC 1952 allows members)."""
    return gzip.compress(bytes(MB), 9) * 1024


class Served:
    """``counter-server serve`` on loopback over a fresh SQLite database, one enrolled desk."""

    def __init__(self, folder: Path):
        db = str(folder / "server.db")
        engine = database.make_engine(db)
        database.migrate(engine)
        with database.writing(engine) as conn:
            add_commune(conn, AGENCY, "UBND xã Thử")
            code = enrolment.make_code(conn, AGENCY, 1, 7)[0]
        engine.dispose()
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc = subprocess.Popen(
            [str(Path(sys.executable).parent / "counter-server"), "--database", db, "serve",
             "--host", "127.0.0.1", "--port", str(self.port)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(self.url + "/v1/reference", timeout=1).status_code == 401:
                    break
            except httpx.TransportError:
                time.sleep(0.05)
        reply = httpx.post(self.url + "/v1/enroll", json={
            "code": code, "desk_id": str(uuid.uuid4()), "agency_code": None,
            "desk_number": None, "client_schema": 2, "app_version": "0.1.0"})
        assert reply.status_code == 200, reply.text
        self.token = reply.json()["device_token"]

    def peak_mb(self) -> float:
        """The server process's peak resident memory (VmHWM)."""
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
        raise AssertionError("no VmHWM")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    if not Path("/proc/self/status").exists():
        pytest.skip("needs /proc to read the server's memory")
    server = Served(tmp_path_factory.mktemp("bounds"))
    yield server
    server.stop()


def _pieces(body: bytes, size: int = 64 * 1024):
    """The body sent chunked (no Content-Length): the server must count as it reads."""
    for i in range(0, len(body), size):
        yield body[i:i + size]


def _headers(token: str | None, gzipped: bool) -> dict:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    if gzipped:
        headers["Content-Encoding"] = "gzip"
    return headers


def test_bombs_and_huge_bodies_are_refused_at_once_with_bounded_memory(served):
    bombs = {"1 GB in one gzip member": _one_member_bomb(),
             "1 GB in 1,024 gzip members": _multi_member_bomb()}
    plain = b" " * (50 * MB)
    with httpx.Client(timeout=10) as http:  # warm up: the first push and pull of the process
        http.post(served.url + "/v1/push", json={}, headers=_headers(served.token, False))
        http.get(served.url + "/v1/pull", headers=_headers(served.token, False))
        before = served.peak_mb()
        slowest = 0.0
        for token, expected in ((None, 401), ("x" * 43, 401), (served.token, 413)):
            cases = [(body, True) for body in bombs.values()] + [(plain, False)]
            for body, gzipped in cases:
                for content in (body, _pieces(body)):
                    started = time.monotonic()
                    reply = http.post(served.url + "/v1/push", content=content,
                                      headers=_headers(token, gzipped))
                    took = time.monotonic() - started
                    assert reply.status_code == expected, (len(body), token, reply.text)
                    assert took < 1, (len(body), gzipped, token, took)
                    slowest = max(slowest, took)
            reply = http.post(served.url + "/v1/enroll", content=bombs[next(iter(bombs))],
                              headers=_headers(token, True))
            assert reply.status_code == 413  # an enrolment is tiny: 64 KB at most
        grown = served.peak_mb() - before
    print(f"slowest refusal {slowest:.3f} s; peak memory {before:.0f} MB -> +{grown:.0f} MB")
    assert grown < 100, grown


def test_refused_large_pushes_do_not_pile_up_in_memory(served):
    """A push of valid JSON refused by its checks: its body (and its traceback) let go."""
    body = json.dumps({"waiting": None, "pad": "x" * (24 * MB)}).encode()
    with httpx.Client(timeout=10) as http:
        for i in range(6):
            gzipped = bool(i % 2)
            reply = http.post(served.url + "/v1/push",
                              content=gzip.compress(body, 1) if gzipped else body,
                              headers=_headers(served.token, gzipped))
            assert reply.status_code == 400 and "waiting" in reply.json()["message"]
            if i == 1:
                settled = served.peak_mb()
    print(f"peak after 2 refused 24 MB pushes {settled:.0f} MB, after 6 "
          f"{served.peak_mb():.0f} MB")
    assert served.peak_mb() - settled < 60  # the leak this guards against: +190 MB


def _raw(served, head: str, body: bytes = b"") -> str:
    """A request over a bare socket: its reply's status line."""
    with socket.create_connection(("127.0.0.1", served.port), timeout=2) as s:
        s.sendall(head.encode() + b"\r\n" + body)
        return s.recv(4096).decode("latin-1").split("\r\n", 1)[0]


def test_the_token_is_checked_before_a_byte_of_the_body_is_read(served):
    """The body announced never comes: the reply comes anyway (the server did not wait)."""
    head = ("POST /v1/push HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            "Content-Length: 52428800\r\n{auth}")
    assert " 401 " in _raw(served, head.format(auth=""))
    assert " 401 " in _raw(served, head.format(auth="Authorization: Bearer nope\r\n"))
    # a desk announcing more than the cap: refused on the announcement
    auth = f"Authorization: Bearer {served.token}\r\n"
    assert " 413 " in _raw(served, head.format(auth=auth))


def test_other_desks_are_answered_while_bombs_arrive(served):
    stop = threading.Event()
    refused: list[int] = []

    def bomber(bomb: bytes) -> None:
        with httpx.Client(timeout=10) as http:
            while not stop.is_set():
                refused.append(http.post(served.url + "/v1/push", content=bomb,
                                         headers=_headers(served.token, True)).status_code)

    def trickle() -> None:  # a slow upload keeps a request open the whole time
        def pieces():
            while not stop.is_set():
                yield b" " * 1024
                time.sleep(0.01)
        with httpx.Client(timeout=10) as http:
            http.post(served.url + "/v1/push", content=pieces(),
                      headers=_headers(served.token, False))

    threads = [threading.Thread(target=bomber, args=(bomb,))
               for bomb in (_one_member_bomb(), _multi_member_bomb())]
    threads.append(threading.Thread(target=trickle))
    for t in threads:
        t.start()
    answered = []
    try:
        with httpx.Client(timeout=5) as http:
            deadline = time.monotonic() + 3
            while time.monotonic() < deadline:
                started = time.monotonic()
                reply = http.get(served.url + "/v1/pull",
                                 headers=_headers(served.token, False))
                answered.append((reply.status_code, time.monotonic() - started))
    finally:
        stop.set()
        for t in threads:
            t.join(15)
    print(f"{len(answered)} pulls, slowest {max(s for _, s in answered):.3f} s, "
          f"{len(refused)} bombs refused meanwhile")
    assert refused and set(refused) == {413}
    assert all(status == 200 for status, _ in answered)
    assert max(seconds for _, seconds in answered) < 1


def test_the_inflater_stops_at_its_cap_and_knows_bad_gzip():
    inflater = request_body.Inflater(1000)
    inflater.feed(gzip.compress(b"a" * 600) + gzip.compress(b"b" * 400))  # two members
    assert bytes(inflater.finish()) == b"a" * 600 + b"b" * 400
    inflater = request_body.Inflater(1000)
    with pytest.raises(Refused) as over:
        inflater.feed(gzip.compress(b"a" * 1001))
    assert over.value.status == 413
    for bad in (gzip.compress(b"{}")[:-3], gzip.compress(b"{}") + b"junk", b"not gzip"):
        inflater = request_body.Inflater(1000)
        with pytest.raises(Refused) as refused:
            inflater.feed(bad)
            inflater.finish()
        assert refused.value.status == 400
    # the caps: a few times the largest batch a desk sends, far below 100 MB
    assert 8 * MB <= request_body.PUSH.inflated <= 32 * MB
    assert request_body.PUSH.wire <= request_body.PUSH.inflated
