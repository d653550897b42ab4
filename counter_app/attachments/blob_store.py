"""The desk's digitised documents on disk, content-addressed: each file is named by the
SHA-256 of its bytes, in a folder beside the database (``counter.db`` → ``counter.db.files/
ab/abcdef…``), so one file serves every dossier that reuses it and a file is never changed.

Writing is atomic: the bytes go to a temporary file in the same folder, are flushed to the
disk, and only then renamed to their name (``os.replace``, atomic on Windows and POSIX).
Nothing refers to a file before it is whole: the caller records the hash in the database
after ``put`` returns. A crash leaves at most a ``.tmp-*`` file, which ``sweep`` removes.
Files are user-only where the system keeps modes (store/private_files.py).

On Windows a file another process holds open (an antivirus scan, a viewer) cannot be
replaced: ``put`` of a file already there does nothing (same name, same bytes), and a
leftover temporary file that cannot be removed is left for the next ``sweep``.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import secrets
from collections.abc import Iterator
from pathlib import Path

from counter_app.store.private_files import PRIVATE_FOLDER, tighten

SUFFIX = ".files"
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_CHUNK = 1 << 20


def folder_for(database: Path) -> Path:
    """The folder of a database's documents: beside it, named after it."""
    return database.with_name(database.name + SUFFIX)


def is_sha256(value: object) -> bool:
    return isinstance(value, str) and bool(_SHA256.match(value))


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class BlobStore:
    """Content-addressed files under ``root``."""

    def __init__(self, root: Path):
        self.root = Path(root)

    def path(self, sha256: str) -> Path:
        if not is_sha256(sha256):
            raise ValueError(f"not a SHA-256: {sha256!r}")
        return self.root / sha256[:2] / sha256

    def has(self, sha256: str) -> bool:
        return self.path(sha256).is_file()

    def put(self, data: bytes, sha256: str | None = None) -> str:
        """Store ``data``; returns its SHA-256 (checked against ``sha256`` when given)."""
        digest = sha256_of(data)
        if sha256 is not None and sha256 != digest:
            raise ValueError(f"the bytes' SHA-256 is {digest}, not {sha256}")
        target = self.path(digest)
        if target.is_file() and target.stat().st_size == len(data):
            return digest  # the same name holds the same bytes
        self._folder(target.parent)
        temporary = target.with_name(f".tmp-{digest[:16]}-{secrets.token_hex(4)}")
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
        descriptor = os.open(temporary, flags, 0o600)
        try:
            with os.fdopen(descriptor, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temporary, target)
        except BaseException:
            with contextlib.suppress(OSError):
                temporary.unlink()
            raise
        return digest

    def put_file(self, source: Path, sha256: str) -> str:
        """Store a file already written elsewhere (a finished download), checked by hash."""
        return self.put(Path(source).read_bytes(), sha256)

    def read(self, sha256: str) -> bytes:
        """The bytes, checked: a file changed or damaged on the disk raises ``ValueError``."""
        data = self.path(sha256).read_bytes()
        if sha256_of(data) != sha256:
            raise ValueError(f"the stored file {sha256} has changed on the disk")
        return data

    def verify(self, sha256: str) -> str | None:
        """None when the file is there and whole; else what is wrong (English)."""
        path = self.path(sha256)
        if not path.is_file():
            return "missing"
        digest = hashlib.sha256()
        with path.open("rb") as f:
            while chunk := f.read(_CHUNK):
                digest.update(chunk)
        return None if digest.hexdigest() == sha256 else "changed"

    def all(self) -> Iterator[str]:
        """Every stored file's SHA-256 (temporary files left out)."""
        if not self.root.is_dir():
            return
        for sub in sorted(self.root.iterdir()):
            if sub.is_dir() and len(sub.name) == 2:
                for file in sorted(sub.iterdir()):
                    if is_sha256(file.name):
                        yield file.name

    def sweep(self) -> int:
        """Remove what an interrupted ``put`` left; returns how many were removed."""
        removed = 0
        if not self.root.is_dir():
            return 0
        for leftover in self.root.glob("*/.tmp-*"):
            with contextlib.suppress(OSError):  # held open on Windows: next time
                leftover.unlink()
                removed += 1
        return removed

    def _folder(self, folder: Path) -> None:
        for path in (self.root, folder):
            if not path.is_dir():
                path.mkdir(mode=PRIVATE_FOLDER, parents=True, exist_ok=True)
                tighten(path)
