"""The server's blobs in a folder (see blob_backends.py for the layout and the rules)."""

from __future__ import annotations

import contextlib
import hashlib
import os
import time
from collections.abc import Iterator
from pathlib import Path

try:  # POSIX: a lock other processes (uvicorn workers) see too
    import fcntl
except ImportError:  # pragma: no cover - Windows: the in-process lock only
    fcntl = None  # type: ignore[assignment]

from counter_app.server.blob_backends import (  # noqa: F401 - the names the backends share
    _SHA256,
    PIECE,
    S3_MAX_STAGED,
    S3_PART,
    Backend,
    Busy,
    Conflict,
    Mismatch,
    PartWriter,
    _check,
    _Locks,
    check_desk,
)


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

    def pending(self, desk_id: str) -> tuple[int, int]:
        check_desk(desk_id)
        count = size = 0
        try:
            entries = list(os.scandir(self.root / "uploads" / desk_id))
        except FileNotFoundError:
            return 0, 0
        for entry in entries:
            if entry.name.endswith(".part"):
                try:
                    size += entry.stat().st_size
                except FileNotFoundError:  # finished or swept meanwhile
                    continue
                count += 1
        return count, size

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

    @staticmethod
    def _check_part(path: Path, fd: int, sha256: str, size: int) -> None:
        """``Mismatch`` (the partial removed) unless it is ``size`` bytes of ``sha256``."""
        digest, total = hashlib.sha256(), 0
        os.lseek(fd, 0, os.SEEK_SET)
        while piece := os.read(fd, PIECE):
            digest.update(piece)
            total += len(piece)
        if total != size or digest.hexdigest() != sha256:
            path.unlink(missing_ok=True)
            raise Mismatch(f"{total} bytes with SHA-256 {digest.hexdigest()}")

    def verify(self, desk_id: str, sha256: str, size: int) -> None:
        path = self._part(desk_id, sha256)
        fd, name = self._open_locked(path)
        try:
            self._check_part(path, fd, sha256, size)
            path.unlink(missing_ok=True)
        finally:
            os.close(fd)
            self._locks.give(name)

    def commit(self, desk_id: str, sha256: str, size: int) -> str:
        path = self._part(desk_id, sha256)
        fd, name = self._open_locked(path)
        try:
            self._check_part(path, fd, sha256, size)
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

