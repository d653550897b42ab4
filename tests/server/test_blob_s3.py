"""The S3 blob backend (counter_app/server/blob_s3.py: S3Backend) against a real
S3-compatible server on loopback: moto in server mode (``moto[server]``, a test
dependency; CI must install it, or these tests are skipped)."""

from __future__ import annotations

import hashlib
import random
import uuid
import warnings

import pytest

from counter_app.server.blob_backends import S3_PART, Busy, Conflict, Mismatch
from counter_app.server.blob_files import FileBackend
from counter_app.server.blob_s3 import S3Backend
from counter_app.server.blob_settings import from_env
from counter_app.server.blobs import MAX_CHUNK
from tests.loopback import free_port
from tests.server.blob_helpers import attach, bearer, blob_app, blob_rows, enrol, holders
from tests.server.conftest import AGENCY_CODE, OTHER_CODE

moto_server = pytest.importorskip(
    "moto.server", reason="moto[server] is not installed (pip install 'moto[server]==5.2.6'); "
    "CI must install it to test the S3 backend")
boto3 = pytest.importorskip("boto3", reason="boto3 is not installed")

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
DESK = str(uuid.uuid4())


@pytest.fixture(scope="module")
def s3_url():
    port = free_port()
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def s3(s3_url):
    bucket = f"blobs-{uuid.uuid4().hex[:12]}"
    client = boto3.client("s3", endpoint_url=s3_url, region_name="us-east-1", **CREDENTIALS)
    client.create_bucket(Bucket=bucket)
    return S3Backend(bucket, "counter/", endpoint_url=s3_url, **CREDENTIALS)


def data_of(size: int, seed: int = 1) -> tuple[bytes, str]:
    data = random.Random(seed).randbytes(size)
    return data, hashlib.sha256(data).hexdigest()


def append(backend, sha, offset, data, desk=DESK) -> int:
    writer = backend.writer(desk, sha, offset)
    for i in range(0, len(data), 100_000):
        writer.write(data[i:i + 100_000])
    return writer.keep()


def test_resumable_upload_and_multipart_commit(s3):
    data, sha = data_of(2 * S3_PART + 3 * MAX_CHUNK + 17)  # three parts on commit
    assert s3.held(DESK, sha) is None
    offset, rng = 0, random.Random(4)
    while offset < len(data):
        step = rng.randrange(1, MAX_CHUNK + 1)
        offset = append(s3, sha, offset, data[offset:offset + step])
        assert s3.held(DESK, sha) == offset
    with pytest.raises(Conflict) as held:
        s3.writer(DESK, sha, 5)
    assert held.value.held == len(data)
    key = s3.commit(DESK, sha, len(data))
    assert key == f"counter/blobs/{sha[:2]}/{sha}"
    assert s3.held(DESK, sha) is None  # staged objects gone
    assert b"".join(s3.read(key, 0, len(data) - 1)) == data
    assert b"".join(s3.read(key, 1000, 1999)) == data[1000:2000]
    head = s3.s3.head_object(Bucket=s3.bucket, Key=key)
    assert head["ContentLength"] == len(data)


def test_a_small_file_is_one_put_and_a_wrong_one_is_discarded(s3):
    data, sha = data_of(1000)
    append(s3, sha, 0, data[:400])
    append(s3, sha, 400, data[400:])
    assert s3.commit(DESK, sha, len(data)).endswith(sha)
    wrong, sha2 = data_of(1000, seed=2)
    append(s3, sha2, 0, wrong[:999] + b"!")
    with pytest.raises(Mismatch):
        s3.commit(DESK, sha2, len(wrong))
    assert s3.held(DESK, sha2) is None
    with pytest.raises(s3.client_error):
        s3.s3.head_object(Bucket=s3.bucket, Key=s3.blob_key(sha2))


def test_a_blob_stored_already_is_only_checked(s3):
    """Another unit's desk sends a file the bucket holds: its bytes are checked against the
    hash and dropped (the unit proved it has them); the stored object is not written."""
    data, sha = data_of(3000, seed=5)
    append(s3, sha, 0, data)
    key = s3.commit(DESK, sha, len(data))
    other = str(uuid.uuid4())
    append(s3, sha, 0, data[:1000], desk=other)
    append(s3, sha, 1000, data[1000:], desk=other)
    s3.verify(other, sha, len(data))
    assert s3.held(other, sha) is None
    listed = s3.s3.list_objects_v2(Bucket=s3.bucket, Prefix="counter/")["Contents"]
    assert [o["Key"] for o in listed] == [key]
    append(s3, sha, 0, data[:-1] + b"!", desk=other)
    with pytest.raises(Mismatch):
        s3.verify(other, sha, len(data))
    assert s3.held(other, sha) is None
    assert b"".join(s3.read(key, 0, len(data) - 1)) == data


def test_a_dropped_chunk_leaves_nothing_and_two_servers_cannot_write_one_offset(s3, s3_url):
    data, sha = data_of(5000)
    writer = s3.writer(DESK, sha, 0)
    writer.write(data[:300])
    writer.drop()
    assert s3.held(DESK, sha) is None
    with pytest.raises(Busy):  # this server: one request at a time
        first = s3.writer(DESK, sha, 0)
        s3.writer(DESK, sha, 0)
    first.drop()
    other = S3Backend(s3.bucket, "counter/", endpoint_url=s3_url, **CREDENTIALS)  # a 2nd process
    a, b = s3.writer(DESK, sha, 0), other.writer(DESK, sha, 0)
    a.write(data[:100])
    b.write(data[:200])
    assert a.keep() == 100
    with pytest.raises(Busy):  # If-None-Match: * refused the second write at offset 0
        b.keep()
    assert s3.held(DESK, sha) == 100


def test_sweep_and_configuration(s3, tmp_path):
    data, sha = data_of(100)
    append(s3, sha, 0, data)
    assert s3.sweep(3600) == 0
    assert s3.sweep(-60) == 1 and s3.held(DESK, sha) is None
    made = from_env({"COUNTER_BLOBS": "s3://bucket-x/some/prefix",
                     "COUNTER_BLOBS_S3_ENDPOINT": "http://127.0.0.1:9"})
    assert isinstance(made, S3Backend) and made.bucket == "bucket-x"
    assert made.prefix == "some/prefix/"
    assert isinstance(from_env({"COUNTER_BLOBS": f"file:{tmp_path}"}), FileBackend)
    assert from_env({"COUNTER_BLOBS": str(tmp_path)}).root == tmp_path


def test_the_http_api_on_s3(server_db, communes, s3):
    with TestClient(blob_app(server_db, s3)) as http:
        token = enrol(http, server_db, AGENCY_CODE, 1)
        data, sha = data_of(2 * MAX_CHUNK + 99, seed=7)
        attach(server_db, AGENCY_CODE, sha)  # its record first: a dossier names the file
        url, offset = f"/v1/blobs/{sha}", 0
        while True:
            reply = http.patch(url, content=data[offset:offset + MAX_CHUNK], headers={
                **bearer(token), "Upload-Offset": str(offset), "Upload-Length": str(len(data))})
            assert reply.status_code == 204, reply.text
            offset = int(reply.headers["upload-offset"])
            if reply.headers.get("x-blob-complete"):
                break
            wrong = http.patch(url, content=b"x", headers={
                **bearer(token), "Upload-Offset": "0", "Upload-Length": str(len(data))})
            assert wrong.status_code == 409 and wrong.headers["upload-offset"] == str(offset)
        assert blob_rows(server_db) == 1
        got = http.get(url, headers={**bearer(token), "Range": "bytes=1000-"})
        assert got.status_code == 206 and got.content == data[1000:]
        # Another unit names the file: told nothing, it sends every byte, which are checked.
        other = enrol(http, server_db, OTHER_CODE, 1)
        attach(server_db, OTHER_CODE, sha)
        assert http.head(url, headers=bearer(other)).status_code == 404
        assert http.get(url, headers=bearer(other)).status_code == 404
        offset = 0
        while True:
            reply = http.patch(url, content=data[offset:offset + MAX_CHUNK], headers={
                **bearer(other), "Upload-Offset": str(offset),
                "Upload-Length": str(len(data))})
            assert reply.status_code == 204, reply.text
            offset = int(reply.headers["upload-offset"])
            if reply.headers.get("x-blob-complete"):
                break
        assert holders(server_db, sha) == {AGENCY_CODE, OTHER_CODE}
        assert http.get(url, headers=bearer(other)).content == data
        assert blob_rows(server_db) == 1


def test_a_desks_unfinished_uploads_are_counted(s3):
    """The quota's count (server/blobs.py): files and bytes of one desk's partials only."""
    desk, other = "desk-a", "desk-b"
    for n, size in ((1, 3000), (2, 5000)):
        sha = hashlib.sha256(bytes([n])).hexdigest()
        writer = s3.writer(desk, sha, 0)
        writer.write(b"x" * size)
        writer.keep()
    writer = s3.writer(other, hashlib.sha256(b"o").hexdigest(), 0)
    writer.write(b"y" * 10)
    writer.keep()
    assert s3.pending(desk) == (2, 8000)
    assert s3.pending(other) == (1, 10)
    assert s3.pending("desk-c") == (0, 0)
