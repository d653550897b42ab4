"""Where the server keeps the desks' files (scans, PDFs): content-addressed blobs, each named
by the SHA-256 of its bytes, and the partial uploads a desk resumes after a cut connection.

Two backends behind one interface (``Backend``):

* ``FileBackend``: a folder. A desk's partial upload is ``uploads/<desk_id>/<sha256>.part``,
  appended to as the chunks arrive (flushed to the disk at the end of each request); a
  finished upload is hashed, fsynced and renamed (atomic) to ``blobs/ab/abcdef…``. One
  request at a time per partial: a second one meets the lock (``fcntl.flock``) and is told
  "busy", across processes too.
* ``S3Backend``: an S3-compatible bucket (boto3; AWS, MinIO, Ceph, …). A partial upload is
  staged as one object per request under ``uploads/<desk_id>/<sha256>/<offset>``, each
  written only if absent (``If-None-Match: *``), so two requests at once cannot both add the
  bytes at one offset; the bytes held are the contiguous run from offset 0. A finished
  upload is read back, hashed, and copied into ``blobs/ab/abcdef…`` (one PUT, or a
  multipart upload of 8 MB parts) only when the hash is right; then the staged objects go.

The memory a request costs is bounded: a chunk goes to the disk (or, for S3, a spooled
temporary file) as it arrives, and committing reads the bytes back piece by piece (S3: at
most one 8 MB part in memory). Sizes are capped by the caller (server/blobs.py).

Configuration (``from_env``): ``COUNTER_BLOBS`` is a folder (``/srv/counter/blobs``,
``file:/srv/…``) or ``s3://bucket/optional/prefix``; for S3, ``COUNTER_BLOBS_S3_ENDPOINT``
(e.g. ``http://minio:9000``; unset: AWS), ``COUNTER_BLOBS_S3_REGION`` and the usual boto3
credentials (``AWS_ACCESS_KEY_ID``/``AWS_SECRET_ACCESS_KEY``, a profile, an instance role).
Unset: ``counter-server.blobs`` in the working folder.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import tempfile
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping
from pathlib import Path

try:  # POSIX: a lock other processes (uvicorn workers) see too
    import fcntl
except ImportError:  # pragma: no cover - Windows: the in-process lock only
    fcntl = None  # type: ignore[assignment]

PIECE = 64 * 1024             # bytes read at a time when hashing or sending
S3_PART = 8 * 1024 * 1024     # multipart part size when committing to S3 (≥ 5 MB)
S3_MAX_STAGED = 4096          # staged objects one partial upload may have (64 MB / 16 KB)
_SHA256 = re.compile(r"[0-9a-f]{64}")  # used with fullmatch: no trailing newline
_DESK = re.compile(r"[0-9A-Za-z-]{1,64}")


class Conflict(Exception):
    """The upload does not continue where the server holds it (``held`` bytes)."""

    def __init__(self, held: int):
        super().__init__(f"the server holds {held} bytes")
        self.held = held


class Busy(Exception):
    """Another request is writing this partial upload right now."""


class Mismatch(Exception):
    """The finished upload's bytes are not the named SHA-256 or size: discarded."""


def _check(desk_id: str, sha256: str) -> None:
    if not _DESK.fullmatch(desk_id) or not _SHA256.fullmatch(sha256):
        raise ValueError("bad desk id or SHA-256")


class PartWriter(ABC):
    """One request's bytes appended to a partial upload. ``keep`` makes what was written
    durable (also after a cut connection: the desk resumes from there); ``drop`` undoes this
    request's bytes (a refused chunk). Either one ends the writer and releases its lock."""

    start: int

    @abstractmethod
    def write(self, data: bytes) -> None: ...

    @abstractmethod
    def keep(self) -> int:
        """The bytes held now."""

    @abstractmethod
    def drop(self) -> None: ...


class Backend(ABC):
    kind: str

    @abstractmethod
    def held(self, desk_id: str, sha256: str) -> int | None:
        """Bytes of this desk's partial upload of ``sha256``; None when there is none."""

    @abstractmethod
    def writer(self, desk_id: str, sha256: str, offset: int) -> PartWriter:
        """A writer appending at ``offset``; ``Conflict`` when that is not the bytes held,
        ``Busy`` when another request holds the partial."""

    @abstractmethod
    def commit(self, desk_id: str, sha256: str, size: int) -> str:
        """Check the partial's size and hash and make it the blob; returns the blob's key.
        ``Mismatch`` (the partial is gone) when they are wrong."""

    @abstractmethod
    def discard(self, desk_id: str, sha256: str) -> None:
        """Forget a partial upload (e.g. the blob is already complete)."""

    @abstractmethod
    def read(self, key: str, start: int, end: int) -> Iterator[bytes]:
        """The blob's bytes ``start`` .. ``end`` (inclusive), in pieces."""

    @abstractmethod
    def sweep(self, older_than_s: float) -> int:
        """Remove partial uploads untouched for longer than this; returns how many."""


# -- filesystem --------------------------------------------------------------------------
class _Locks:
    """In-process locks by name (threads of one server); flock covers other processes."""

    def __init__(self):
        self._guard = threading.Lock()
        self._held: set[str] = set()

    def take(self, name: str) -> bool:
        with self._guard:
            if name in self._held:
                return False
            self._held.add(name)
            return True

    def give(self, name: str) -> None:
        with self._guard:
            self._held.discard(name)


class _FileWriter(PartWriter):
    def __init__(self, backend: FileBackend, path: Path, name: str, fd: int, start: int):
        self.backend, self.path, self.name, self.fd, self.start = backend, path, name, fd, start
        self.written = 0

    def write(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            n = os.write(self.fd, view)
            view = view[n:]
            self.written += n

    def keep(self) -> int:
        try:
            os.fsync(self.fd)
            return self.start + self.written
        finally:
            self._close()

    def drop(self) -> None:
        try:
            os.ftruncate(self.fd, self.start)
            os.fsync(self.fd)
        finally:
            self._close()

    def _close(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)  # also releases the flock
            self.fd = -1
            self.backend._locks.give(self.name)


class FileBackend(Backend):
    """Blobs in a folder (see the module's docstring)."""

    kind = "fs"

    def __init__(self, root: Path | str):
        self.root = Path(root)
        self._locks = _Locks()

    def _part(self, desk_id: str, sha256: str) -> Path:
        _check(desk_id, sha256)
        return self.root / "uploads" / desk_id / f"{sha256}.part"

    def blob_path(self, key: str) -> Path:
        parts = key.split("/")
        if len(parts) != 2 or not _SHA256.fullmatch(parts[1]) or parts[0] != parts[1][:2]:
            raise ValueError(f"not a blob key: {key!r}")
        return self.root / "blobs" / parts[0] / parts[1]

    def held(self, desk_id: str, sha256: str) -> int | None:
        try:
            return self._part(desk_id, sha256).stat().st_size
        except FileNotFoundError:
            return None

    def _open_locked(self, path: Path) -> tuple[int, str]:
        name = str(path)
        if not self._locks.take(name):
            raise Busy()
        try:
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_BINARY", 0), 0o600)
        except BaseException:
            self._locks.give(name)
            raise
        if fcntl is not None:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                self._locks.give(name)
                raise Busy() from None
        return fd, name

    def writer(self, desk_id: str, sha256: str, offset: int) -> PartWriter:
        path = self._part(desk_id, sha256)
        fd, name = self._open_locked(path)
        try:
            held = os.fstat(fd).st_size
            if held != offset:
                raise Conflict(held)
            os.lseek(fd, offset, os.SEEK_SET)
        except BaseException:
            os.close(fd)
            self._locks.give(name)
            raise
        return _FileWriter(self, path, name, fd, offset)

    def commit(self, desk_id: str, sha256: str, size: int) -> str:
        path = self._part(desk_id, sha256)
        fd, name = self._open_locked(path)
        try:
            digest, total = hashlib.sha256(), 0
            os.lseek(fd, 0, os.SEEK_SET)
            while piece := os.read(fd, PIECE):
                digest.update(piece)
                total += len(piece)
            if total != size or digest.hexdigest() != sha256:
                path.unlink(missing_ok=True)
                raise Mismatch(f"{total} bytes with SHA-256 {digest.hexdigest()}")
            os.fsync(fd)
            key = f"{sha256[:2]}/{sha256}"
            target = self.blob_path(key)
            target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            os.replace(path, target)  # atomic; the same name always holds the same bytes
            _fsync_folder(target.parent)
            return key
        finally:
            os.close(fd)
            self._locks.give(name)

    def discard(self, desk_id: str, sha256: str) -> None:
        self._part(desk_id, sha256).unlink(missing_ok=True)

    def read(self, key: str, start: int, end: int) -> Iterator[bytes]:
        with self.blob_path(key).open("rb") as f:
            f.seek(start)
            left = end - start + 1
            while left > 0 and (piece := f.read(min(PIECE, left))):
                left -= len(piece)
                yield piece

    def sweep(self, older_than_s: float) -> int:
        removed, limit = 0, time.time() - older_than_s
        for part in (self.root / "uploads").glob("*/*.part"):
            with contextlib.suppress(OSError):
                if part.stat().st_mtime < limit:
                    part.unlink()
                    removed += 1
        return removed


def _fsync_folder(folder: Path) -> None:
    if os.name != "posix":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


# -- S3 ----------------------------------------------------------------------------------
class _S3Writer(PartWriter):
    def __init__(self, backend: S3Backend, key: str, name: str, start: int):
        self.backend, self.key, self.name, self.start = backend, key, name, start
        self.spool = tempfile.SpooledTemporaryFile(max_size=256 * 1024)
        self.written = 0
        self.closed = False

    def write(self, data: bytes) -> None:
        self.spool.write(data)
        self.written += len(data)

    def keep(self) -> int:
        try:
            if self.written:
                self.spool.seek(0)
                try:
                    self.backend.s3.put_object(Bucket=self.backend.bucket, Key=self.key,
                                               Body=self.spool, ContentLength=self.written,
                                               IfNoneMatch="*")
                except self.backend.client_error as exc:
                    if _status(exc) in (409, 412):  # another request wrote this offset
                        raise Busy() from None
                    raise
            return self.start + self.written
        finally:
            self._close()

    def drop(self) -> None:
        self._close()

    def _close(self) -> None:
        if not self.closed:
            self.closed = True
            self.spool.close()
            self.backend._locks.give(self.name)


def _status(exc) -> int:
    return int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) or 0)


class S3Backend(Backend):
    """Blobs in an S3-compatible bucket (see the module's docstring)."""

    kind = "s3"

    def __init__(self, bucket: str, prefix: str = "", *, endpoint_url: str | None = None,
                 region: str | None = None, client=None, **credentials):
        import boto3
        from botocore.exceptions import ClientError

        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        self.s3 = client or boto3.client("s3", endpoint_url=endpoint_url,
                                         region_name=region or "us-east-1", **credentials)
        self.client_error = ClientError
        self._locks = _Locks()

    def _staged_prefix(self, desk_id: str, sha256: str) -> str:
        _check(desk_id, sha256)
        return f"{self.prefix}uploads/{desk_id}/{sha256}/"

    def blob_key(self, sha256: str) -> str:
        return f"{self.prefix}blobs/{sha256[:2]}/{sha256}"

    def _staged(self, desk_id: str, sha256: str) -> list[tuple[int, int, str]]:
        """(offset, size, key) of the staged objects, by offset."""
        found = []
        pages = self.s3.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=self._staged_prefix(desk_id, sha256))
        for page in pages:
            for item in page.get("Contents", []):
                tail = item["Key"].rsplit("/", 1)[1]
                if tail.isdigit():
                    found.append((int(tail), int(item["Size"]), item["Key"]))
        return sorted(found)

    @staticmethod
    def _run(staged: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
        """The staged objects that follow one another from offset 0."""
        run, at = [], 0
        for offset, size, key in staged:
            if offset != at or size <= 0:
                break
            run.append((offset, size, key))
            at += size
        return run

    def held(self, desk_id: str, sha256: str) -> int | None:
        staged = self._staged(desk_id, sha256)
        if not staged:
            return None
        return sum(size for _, size, _ in self._run(staged))

    def writer(self, desk_id: str, sha256: str, offset: int) -> PartWriter:
        name = f"{desk_id}/{sha256}"
        if not self._locks.take(name):
            raise Busy()
        try:
            staged = self._staged(desk_id, sha256)
            held = sum(size for _, size, _ in self._run(staged))
            if held != offset:
                raise Conflict(held)
            if len(staged) >= S3_MAX_STAGED:  # pieces this small are no upload: start again
                self._delete([k for _, _, k in staged])
                raise Conflict(0)
            key = f"{self._staged_prefix(desk_id, sha256)}{offset:016d}"
        except BaseException:
            self._locks.give(name)
            raise
        return _S3Writer(self, key, name, offset)

    def _pieces(self, run: list[tuple[int, int, str]]) -> Iterator[bytes]:
        for _, _, key in run:
            body = self.s3.get_object(Bucket=self.bucket, Key=key)["Body"]
            try:
                yield from body.iter_chunks(PIECE)
            finally:
                body.close()

    def commit(self, desk_id: str, sha256: str, size: int) -> str:
        name = f"{desk_id}/{sha256}"
        if not self._locks.take(name):
            raise Busy()
        try:
            staged = self._staged(desk_id, sha256)
            run = self._run(staged)
            key = self.blob_key(sha256)
            digest, total, buffer = hashlib.sha256(), 0, bytearray()
            upload_id, parts = None, []
            try:
                for piece in self._pieces(run):
                    digest.update(piece)
                    total += len(piece)
                    if total > size:
                        break
                    buffer += piece
                    if len(buffer) >= S3_PART:
                        if upload_id is None:
                            upload_id = self.s3.create_multipart_upload(
                                Bucket=self.bucket, Key=key)["UploadId"]
                        parts.append(self._part(key, upload_id, len(parts) + 1, buffer))
                        buffer.clear()
                if total != size or digest.hexdigest() != sha256:
                    self._delete([k for _, _, k in staged])
                    raise Mismatch(f"{total} bytes with SHA-256 {digest.hexdigest()}")
                if upload_id is None:
                    self.s3.put_object(Bucket=self.bucket, Key=key, Body=bytes(buffer))
                else:
                    if buffer:
                        parts.append(self._part(key, upload_id, len(parts) + 1, buffer))
                    self.s3.complete_multipart_upload(
                        Bucket=self.bucket, Key=key, UploadId=upload_id,
                        MultipartUpload={"Parts": parts})
                    upload_id = None
            finally:
                buffer.clear()
                if upload_id is not None:
                    with contextlib.suppress(Exception):
                        self.s3.abort_multipart_upload(Bucket=self.bucket, Key=key,
                                                       UploadId=upload_id)
            self._delete([k for _, _, k in staged])
            return key
        finally:
            self._locks.give(name)

    def _part(self, key: str, upload_id: str, number: int, data: bytearray) -> dict:
        reply = self.s3.upload_part(Bucket=self.bucket, Key=key, UploadId=upload_id,
                                    PartNumber=number, Body=bytes(data))
        return {"PartNumber": number, "ETag": reply["ETag"]}

    def _delete(self, keys: list[str]) -> None:
        for i in range(0, len(keys), 1000):
            batch = keys[i:i + 1000]
            self.s3.delete_objects(Bucket=self.bucket, Delete={
                "Objects": [{"Key": k} for k in batch], "Quiet": True})

    def discard(self, desk_id: str, sha256: str) -> None:
        self._delete([k for _, _, k in self._staged(desk_id, sha256)])

    def read(self, key: str, start: int, end: int) -> Iterator[bytes]:
        body = self.s3.get_object(Bucket=self.bucket, Key=key,
                                  Range=f"bytes={start}-{end}")["Body"]
        try:
            yield from body.iter_chunks(PIECE)
        finally:
            body.close()

    def sweep(self, older_than_s: float) -> int:
        """Staged objects older than this go (a bucket lifecycle rule on ``uploads/`` does
        the same without the server)."""
        import datetime as dt

        limit = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=older_than_s)
        old = []
        for page in self.s3.get_paginator("list_objects_v2").paginate(
                Bucket=self.bucket, Prefix=f"{self.prefix}uploads/"):
            old += [item["Key"] for item in page.get("Contents", [])
                    if item["LastModified"] < limit]
        self._delete(old)
        return len(old)


def from_env(environ: Mapping[str, str] | None = None) -> Backend:
    """The backend ``COUNTER_BLOBS`` names (see the module's docstring)."""
    env = os.environ if environ is None else environ
    where = env.get("COUNTER_BLOBS", "").strip() or "counter-server.blobs"
    if where.startswith("s3://"):
        bucket, _, prefix = where[5:].partition("/")
        if not bucket:
            raise ValueError("COUNTER_BLOBS=s3://BUCKET[/prefix] names no bucket")
        return S3Backend(bucket, prefix, endpoint_url=env.get("COUNTER_BLOBS_S3_ENDPOINT") or None,
                         region=env.get("COUNTER_BLOBS_S3_REGION") or None)
    if where.startswith("file:"):
        where = where[5:]
    return FileBackend(Path(where).expanduser().resolve())

