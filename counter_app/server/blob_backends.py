"""Where the server keeps the desks' files (scans, PDFs): content-addressed blobs, each named
by the SHA-256 of its bytes, and the partial uploads a desk resumes after a cut connection.

Two backends behind one interface (``Backend``):

* ``FileBackend`` (blob_files.py): a folder. A desk's partial upload is ``uploads/<desk_id>/<sha256>.part``,
  appended to as the chunks arrive (flushed to the disk at the end of each request); a
  finished upload is hashed, fsynced and renamed (atomic) to ``blobs/ab/abcdef…``. One
  request at a time per partial: a second one meets the lock (``fcntl.flock``) and is told
  "busy", across processes too.
* ``S3Backend`` (blob_s3.py): an S3-compatible bucket (boto3; AWS, MinIO, Ceph, …). A partial upload is
  staged as one object per request under ``uploads/<desk_id>/<sha256>/<offset>``, each
  written only if absent (``If-None-Match: *``), so two requests at once cannot both add the
  bytes at one offset; the bytes held are the contiguous run from offset 0. A finished
  upload is read back, hashed, and copied into ``blobs/ab/abcdef…`` (one PUT, or a
  multipart upload of 8 MB parts) only when the hash is right; then the staged objects go.

A finished upload of a blob the server stores already (another unit's desk sent it) is only
checked (``verify``: the same hash, then the partial goes): the upload proves the desk's
unit has the bytes (server/blobs.py), the file is not stored twice.

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

import re
import threading
from abc import ABC, abstractmethod
from collections.abc import Iterator

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


def check_desk(desk_id: str) -> None:
    if not _DESK.fullmatch(desk_id):
        raise ValueError("bad desk id")


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
    def verify(self, desk_id: str, sha256: str, size: int) -> None:
        """Check the partial's size and hash like ``commit``, then drop it without storing
        it (the blob is stored already: the desk only proved it has the bytes).
        ``Mismatch`` when they are wrong."""

    @abstractmethod
    def discard(self, desk_id: str, sha256: str) -> None:
        """Forget a partial upload (e.g. the blob is already complete)."""

    @abstractmethod
    def read(self, key: str, start: int, end: int) -> Iterator[bytes]:
        """The blob's bytes ``start`` .. ``end`` (inclusive), in pieces."""

    @abstractmethod
    def sweep(self, older_than_s: float) -> int:
        """Remove partial uploads untouched for longer than this; returns how many."""

    @abstractmethod
    def pending(self, desk_id: str) -> tuple[int, int]:
        """This desk's partial uploads: how many, and how many bytes they hold."""


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
