"""The server's blob API (counter_app/server/blobs.py) on the filesystem backend, on SQLite
and PostgreSQL: chunks, resumption after cuts at random offsets, the refusals (401 before
the body, 409, 413, 422), exactly-once storage, and reading by the dossiers' units."""

from __future__ import annotations

import hashlib
import random
import threading
import warnings

import pytest

from counter_app.server import blobs
from counter_app.server.blob_files import FileBackend
from counter_app.server.blobs import MAX_BLOB, MAX_CHUNK, byte_range
from counter_app.server.validation import Refused
from tests.server.blob_helpers import (
    Asgi,
    attach,
    bearer,
    blob_app,
    blob_rows,
    enrol,
    holders,
)
from tests.server.conftest import AGENCY_CODE, OTHER_CODE

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient


@pytest.fixture
def backend(tmp_path):
    return FileBackend(tmp_path / "blobs")


@pytest.fixture
def app(server_db, backend, communes):
    return blob_app(server_db, backend)


@pytest.fixture
def http(app):
    with TestClient(app) as c:
        yield c


@pytest.fixture
def token(http, server_db):
    return enrol(http, server_db, AGENCY_CODE, 1)


@pytest.fixture(autouse=True)
def _claimed(request, monkeypatch):
    """The upload mechanics below send files no dossier names; the rule that a desk sends
    only a file its unit's dossiers name is tested on its own (marked ``claims``)."""
    if request.node.get_closest_marker("claims") is None:
        monkeypatch.setattr(blobs, "may_upload", lambda conn, unit, sha: True)


@pytest.mark.claims
def test_a_desk_sends_only_a_file_its_dossiers_name(http, token, server_db, backend):
    data, sha = data_of(5000, seed=11)
    refused = patch(http, token, sha, 0, len(data), data)
    assert refused.status_code == 403 and backend.held(
        enrolled_desk(server_db), sha) is None  # nothing written
    # another unit's record, even on a dossier this unit decides, is not this unit's
    attach(server_db, OTHER_CODE, sha, competent=AGENCY_CODE)
    assert patch(http, token, sha, 0, len(data), data).status_code == 403
    attach(server_db, AGENCY_CODE, sha)  # its record: now it may
    assert upload_all(http, token, data, sha).headers["x-blob-complete"] == "1"
    newline = http.patch(f"/v1/blobs/{sha[:-1]}%0A", content=b"x", headers={
        **bearer(token), "Upload-Offset": "0", "Upload-Length": "1"})
    assert newline.status_code == 400  # a trailing newline is no SHA-256


def data_of(size: int, seed: int = 1) -> tuple[bytes, str]:
    data = random.Random(seed).randbytes(size)
    return data, hashlib.sha256(data).hexdigest()


def enrolled_desk(server_db) -> str:
    from sqlalchemy import text

    with server_db.connect() as conn:
        return conn.execute(text("SELECT desk_id FROM devices")).scalar_one()


def patch(http, token, sha, offset, length, body):
    return http.patch(f"/v1/blobs/{sha}", content=body, headers={
        **bearer(token), "Upload-Offset": str(offset), "Upload-Length": str(length)})


def head(http, token, sha):
    return http.head(f"/v1/blobs/{sha}", headers=bearer(token))


def upload_all(http, token, data, sha, chunk=MAX_CHUNK, offset=0):
    while True:
        reply = patch(http, token, sha, offset, len(data), data[offset:offset + chunk])
        assert reply.status_code == 204, reply.text
        offset = int(reply.headers["upload-offset"])
        if reply.headers.get("x-blob-complete") == "1":
            return reply


def test_upload_in_chunks_then_the_server_has_it(http, token, server_db, backend):
    data, sha = data_of(2 * MAX_CHUNK + 12345)
    assert head(http, token, sha).status_code == 404
    reply = patch(http, token, sha, 0, len(data), data[:MAX_CHUNK])
    assert reply.status_code == 204 and reply.headers["upload-offset"] == str(MAX_CHUNK)
    assert "x-blob-complete" not in reply.headers
    held = head(http, token, sha)
    assert held.status_code == 200 and held.headers["upload-offset"] == str(MAX_CHUNK)
    reply = patch(http, token, sha, MAX_CHUNK, len(data), data[MAX_CHUNK:2 * MAX_CHUNK])
    reply = patch(http, token, sha, 2 * MAX_CHUNK, len(data), data[2 * MAX_CHUNK:])
    assert reply.status_code == 204 and reply.headers["x-blob-complete"] == "1"
    assert reply.headers["upload-offset"] == str(len(data))
    done = head(http, token, sha)
    assert done.headers["x-blob-complete"] == "1" and done.headers["upload-offset"] == str(
        len(data))
    stored = backend.blob_path(f"{sha[:2]}/{sha}")
    assert hashlib.sha256(stored.read_bytes()).hexdigest() == sha
    assert not list((backend.root / "uploads").glob("*/*.part"))
    assert blob_rows(server_db) == 1


def test_resume_after_cuts_at_random_offsets(app, http, token, backend):
    """The connection is cut inside chunks at random points: the server keeps every byte
    that arrived, HEAD says how many, and the upload goes on from there."""
    asgi = Asgi(app)
    rng = random.Random(20260309)
    for round_ in range(4):
        data, sha = data_of(rng.randrange(1, 3 * MAX_CHUNK), seed=round_)
        offset, cuts = 0, 0
        while True:
            chunk = data[offset:offset + MAX_CHUNK]
            cut = rng.random() < 0.6 and len(chunk) > 1
            keep = rng.randrange(0, len(chunk)) if cut else len(chunk)
            pieces = [chunk[i:min(i + 8192, keep)] for i in range(0, keep, 8192)]
            status, headers, _ = asgi("PATCH", f"/v1/blobs/{sha}", {
                **bearer(token), "Upload-Offset": offset, "Upload-Length": len(data)},
                pieces, cut=cut)
            held = head(http, token, sha)
            if cut:
                cuts += 1
                assert held.headers["upload-offset"] == str(offset + keep)
            else:
                assert status == 204, headers
            offset = int(held.headers["upload-offset"])
            if held.headers.get("x-blob-complete") == "1":
                break
        assert offset == len(data) and (cuts > 0 or len(data) <= MAX_CHUNK)
        stored = backend.blob_path(f"{sha[:2]}/{sha}").read_bytes()
        assert stored == data


def test_the_wrong_offset_is_refused_with_the_held_one(http, token):
    data, sha = data_of(5000)
    patch(http, token, sha, 0, len(data), data[:1000])
    for wrong in (0, 999, 1001, 4000):
        reply = patch(http, token, sha, wrong, len(data), data[wrong:wrong + 10])
        assert reply.status_code == 409, wrong
        assert reply.headers["upload-offset"] == "1000"
        assert reply.json()["error"] == "offset_mismatch"
        assert reply.json()["upload_offset"] == 1000
    assert head(http, token, sha).headers["upload-offset"] == "1000"


def test_too_large_a_file_or_chunk_is_refused(app, http, token):
    data, sha = data_of(MAX_CHUNK + 10)
    reply = patch(http, token, sha, 0, MAX_BLOB + 1, b"x")
    assert reply.status_code == 413
    asgi = Asgi(app)
    # Content-Length over the chunk bound: refused before a byte of the body is read.
    status, _, _ = asgi("PATCH", f"/v1/blobs/{sha}", {
        **bearer(token), "Upload-Offset": 0, "Upload-Length": len(data),
        "Content-Length": MAX_CHUNK + 1}, [data[:MAX_CHUNK + 1]])
    assert status == 413 and asgi.reads == 0
    # No Content-Length (chunked): refused at the bound, and the chunk's bytes are undone.
    patch(http, token, sha, 0, len(data), data[:5])
    pieces = [data[5 + i:5 + i + 65536] for i in range(0, MAX_CHUNK + 5, 65536)]
    status, _, _ = asgi("PATCH", f"/v1/blobs/{sha}", {
        **bearer(token), "Upload-Offset": 5, "Upload-Length": 2 * MAX_CHUNK}, pieces)
    assert status == 413
    assert head(http, token, sha).headers["upload-offset"] == "5"
    assert patch(http, token, sha, 5, 7, b"abc").status_code == 400  # past Upload-Length


def test_a_file_that_is_not_its_hash_is_refused_and_discarded(http, token, server_db):
    data, sha = data_of(3000)
    patch(http, token, sha, 0, len(data), data[:2000])
    reply = patch(http, token, sha, 2000, len(data), b"\0" * 1000)
    assert reply.status_code == 422 and reply.json()["error"] == "hash_mismatch"
    assert head(http, token, sha).status_code == 404
    assert blob_rows(server_db) == 0
    assert upload_all(http, token, data, sha).status_code == 204  # again, right this time


def test_no_token_is_refused_before_the_body_is_read(app, http, token):
    data, sha = data_of(100)
    asgi = Asgi(app)
    for headers in ({}, {"Authorization": "Bearer nope"}, {"Authorization": "Basic x"}):
        for method in ("PATCH", "HEAD", "GET"):
            status, _, _ = asgi(method, f"/v1/blobs/{sha}", {
                **headers, "Upload-Offset": 0, "Upload-Length": 100}, [data])
            assert status == 401, (method, headers)
            assert asgi.reads == 0
    status, _, _ = asgi("PATCH", f"/v1/blobs/{sha}", {**bearer(token), "Upload-Offset": 0,
                                                      "Upload-Length": 100}, [data])
    assert status == 204 and asgi.reads >= 1


def test_bad_addresses_and_headers(http, token):
    data, sha = data_of(10)
    assert patch(http, token, "ABC", 0, 10, data).status_code in (400, 404)
    assert patch(http, token, sha.upper(), 0, 10, data).status_code == 400
    assert http.patch(f"/v1/blobs/{sha}", content=data, headers=bearer(token)).status_code == 400
    reply = http.patch(f"/v1/blobs/{sha}", content=data, headers={
        **bearer(token), "Upload-Offset": "-1", "Upload-Length": "10"})
    assert reply.status_code == 400
    reply = http.patch(f"/v1/blobs/{sha}", content=data, headers={
        **bearer(token), "Upload-Offset": "0", "Upload-Length": "10",
        "Content-Encoding": "gzip"})
    assert reply.status_code == 400


def test_a_blob_is_stored_exactly_once(http, token, server_db, backend):
    data, sha = data_of(MAX_CHUNK // 2)
    same_unit = enrol(http, server_db, AGENCY_CODE, 2)
    other = enrol(http, server_db, OTHER_CODE, 1)
    upload_all(http, token, data, sha)
    stored = backend.blob_path(f"{sha[:2]}/{sha}")
    before = stored.stat()
    assert holders(server_db, sha) == {AGENCY_CODE}
    # Another desk of the unit that holds it: "have it" at once, nothing read or kept.
    assert head(http, same_unit, sha).headers["x-blob-complete"] == "1"
    reply = patch(http, same_unit, sha, 0, len(data), data[:100])
    assert reply.status_code == 204 and reply.headers["x-blob-complete"] == "1"
    assert reply.headers["upload-offset"] == str(len(data))
    # Another unit is told nothing: it sends the whole file, which is checked, not kept.
    assert head(http, other, sha).status_code == 404
    reply = patch(http, other, sha, 0, len(data), data[:100])
    assert reply.status_code == 204 and "x-blob-complete" not in reply.headers
    assert reply.headers["upload-offset"] == "100"
    reply = patch(http, other, sha, 100, len(data), data[100:])
    assert reply.status_code == 204 and reply.headers["x-blob-complete"] == "1"
    assert holders(server_db, sha) == {AGENCY_CODE, OTHER_CODE}
    assert head(http, other, sha).headers["x-blob-complete"] == "1"
    assert blob_rows(server_db) == 1
    after = stored.stat()  # the stored file itself untouched: not written twice
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    assert not list((backend.root / "uploads").glob("*/*.part"))


def test_the_wrong_bytes_for_a_stored_blob_prove_nothing(http, token, server_db, backend):
    data, sha = data_of(5000, seed=3)
    other = enrol(http, server_db, OTHER_CODE, 1)
    upload_all(http, token, data, sha)
    reply = patch(http, other, sha, 0, len(data), data[:4999] + b"!")
    assert reply.status_code == 422 and reply.json()["error"] == "hash_mismatch"
    assert holders(server_db, sha) == {AGENCY_CODE}
    assert head(http, other, sha).status_code == 404  # its partial is gone
    assert backend.blob_path(f"{sha[:2]}/{sha}").read_bytes() == data  # the stored one kept


def test_two_desks_finishing_the_same_file_at_once(http, server_db, backend):
    data, sha = data_of(MAX_CHUNK - 7, seed=5)
    tokens = [enrol(http, server_db, AGENCY_CODE, n) for n in (2, 3, 4)]
    replies = []

    def send(t):
        replies.append(patch(http, t, sha, 0, len(data), data))

    threads = [threading.Thread(target=send, args=(t,)) for t in tokens]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [r.status_code for r in replies] == [204, 204, 204]
    assert all(r.headers["x-blob-complete"] == "1" for r in replies)
    assert blob_rows(server_db) == 1
    assert backend.blob_path(f"{sha[:2]}/{sha}").read_bytes() == data


def test_reading_is_for_the_units_of_a_dossier_that_names_the_file(http, token, server_db):
    data, sha = data_of(200_000, seed=9)
    other = enrol(http, server_db, OTHER_CODE, 1)
    upload_all(http, token, data, sha)

    def get(t, **headers):
        return http.get(f"/v1/blobs/{sha}", headers={**bearer(t), **headers})

    # Not readable: 404, as for a file the server does not hold (no oracle).
    assert get(token).status_code == 404  # no dossier names it yet
    attach(server_db, AGENCY_CODE, sha, kind="received")  # another kind: not an attachment
    attach(server_db, AGENCY_CODE, sha, result="quarantined")
    assert get(token).status_code == 404
    attach(server_db, AGENCY_CODE, sha)
    whole = get(token)
    assert whole.status_code == 200 and whole.content == data
    assert whole.headers["content-length"] == str(len(data))
    part = get(token, Range="bytes=150000-")
    assert part.status_code == 206 and part.content == data[150000:]
    assert part.headers["content-range"] == f"bytes 150000-{len(data) - 1}/{len(data)}"
    assert get(token, Range="bytes=10-19").content == data[10:20]
    assert get(token, Range=f"bytes={len(data)}-").status_code == 416
    assert get(other).status_code == 404  # a third commune
    attach(server_db, AGENCY_CODE, sha, competent=OTHER_CODE)  # received for the other
    assert get(other).content == data
    missing = "0" * 64
    attach(server_db, AGENCY_CODE, missing)
    assert http.get(f"/v1/blobs/{missing}", headers=bearer(token)).status_code == 404


def test_a_reference_reads_only_for_a_unit_that_sent_the_file(http, token, server_db):
    """A unit that names a hash on its own dossier, without sending the bytes, reads
    nothing; the unit that sent them shares the file through the dossiers it names it in."""
    data, sha = data_of(3000, seed=4)
    other = enrol(http, server_db, OTHER_CODE, 1)
    upload_all(http, token, data, sha)
    own = attach(server_db, OTHER_CODE, sha)  # the other unit's dossier, its own reference
    assert http.get(f"/v1/blobs/{sha}", headers=bearer(other)).status_code == 404
    # the other unit receives for this one, which names the file on that dossier
    shared = attach(server_db, OTHER_CODE, sha, competent=AGENCY_CODE, by=AGENCY_CODE)
    assert http.get(f"/v1/blobs/{sha}", headers=bearer(other)).content == data
    with server_db.connect() as conn:  # what any reader of a dossier may take as its file
        assert not blobs.named_by_a_holder(conn, own, sha)
        assert blobs.named_by_a_holder(conn, shared, sha)


def test_byte_range():
    assert byte_range(None, 10) is None
    assert byte_range("bytes=0-", 10) == (0, 9)
    assert byte_range("bytes=3-100", 10) == (3, 9)
    assert byte_range("bytes=-5", 10) is None  # suffixes: the whole file
    assert byte_range("bytes=1-2,4-5", 10) is None
    with pytest.raises(Refused):
        byte_range("bytes=10-", 10)


def test_sweep_removes_stale_partials(http, token, backend):
    data, sha = data_of(1000)
    patch(http, token, sha, 0, len(data), data[:10])
    assert backend.sweep(3600) == 0
    assert backend.sweep(-1) == 1
    assert head(http, token, sha).status_code == 404


def test_a_desk_cannot_pile_up_unfinished_uploads(http, token, server_db, backend,
                                                  monkeypatch):
    """A desk that starts uploads and never ends them is stopped at its quota (files and
    bytes); the uploads it has begun go on, and finishing one makes room."""
    monkeypatch.setattr(blobs, "MAX_PENDING_FILES", 3)
    started = []
    for seed in range(3):
        data, sha = data_of(2000, seed=100 + seed)
        assert patch(http, token, sha, 0, len(data), data[:100]).status_code == 204
        started.append((data, sha))
    data, sha = data_of(2000, seed=200)
    refused = patch(http, token, sha, 0, len(data), data[:100])
    assert refused.status_code == 429 and refused.json()["error"] == "upload_quota"
    assert backend.held(enrolled_desk(server_db), sha) is None  # nothing written
    assert backend.pending(enrolled_desk(server_db)) == (3, 300)
    first, first_sha = started[0]
    assert patch(http, token, first_sha, 100, len(first), first[100:200]).status_code == 204
    upload_all(http, token, first, first_sha, offset=200)  # one finishes: room for another
    assert patch(http, token, sha, 0, len(data), data[:100]).status_code == 204
    # Bytes count too: one more large upload than the bytes allowed is refused.
    monkeypatch.setattr(blobs, "MAX_PENDING_FILES", 100)
    monkeypatch.setattr(blobs, "MAX_PENDING_BYTES", 1000)
    big, big_sha = data_of(800, seed=300)
    assert patch(http, token, big_sha, 0, len(big), big[:10]).status_code == 429

