"""Fetching a file of the dossiers from the server into the desk's store
(attachments/blob_store.py), resuming a cut download with ``Range: bytes=N-``.

The bytes go to ``<store>/ab/.download-<sha256>`` (user-only), which survives the program
closing, so a later round resumes it too; once whole, it is checked against the hash and
stored by ``BlobStore.put_file`` (which checks the hash again), then removed. Memory: one
network read at a time (``put_file`` itself reads the finished file whole).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from counter_app.attachments.blob_store import BlobStore
from counter_app.store.private_files import PRIVATE_FOLDER, tighten
from counter_app.sync.blob_http import MAX_BLOB, Attempts, address, busy, refused, token_headers
from counter_app.sync.errors import SyncRefused
from counter_app.sync.transport import Channel

_CONTENT_RANGE = re.compile(r"^bytes (\d+)-(\d+)/(\d+)$")
PIECE = 64 * 1024


def download_path(store: BlobStore, sha256: str) -> Path:
    final = store.path(sha256)
    return final.with_name(f".download-{sha256}")


def _too_large() -> SyncRefused:
    return SyncRefused("Tệp trên máy chủ lớn hơn mức cho phép; không tải về.", "too_large", 0)


def _not_on_server(status: int) -> SyncRefused:
    """The server gives this unit no such file: not sent yet by the desk that digitised it,
    or not readable by this unit (the server answers both alike: docs/security.md §7)."""
    return SyncRefused("Máy chủ chưa có tệp này cho đơn vị của quầy (quầy đã số hóa tệp có "
                       "thể chưa gửi tệp lên: hãy để quầy đó đồng bộ rồi mở lại).",
                       "not_found", status)


def _digest(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while piece := f.read(PIECE):
            digest.update(piece)
    return digest.hexdigest()


def _open_partial(path: Path) -> int:
    for folder in (path.parent.parent, path.parent):
        if not folder.is_dir():
            folder.mkdir(mode=PRIVATE_FOLDER, parents=True, exist_ok=True)
            tighten(folder)
    return os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_BINARY", 0), 0o600)


def fetch(channel: Channel, store: BlobStore, sha256: str, *, size: int | None = None,
          sleep: Callable[[float], None] = time.sleep,
          attempts: Attempts | None = None) -> Path:
    """The file ``sha256`` in the desk's store, downloaded (and resumed) when missing;
    returns its path. ``size``, when the desk knows it, is checked too."""
    if store.verify(sha256) is None:
        return store.path(sha256)
    partial = download_path(store, sha256)
    attempts = attempts or Attempts(sleep)
    while True:
        held = partial.stat().st_size if partial.exists() else 0
        if _receive(channel, sha256, partial, held, size, attempts):
            if _digest(partial) == sha256:
                break
            partial.unlink(missing_ok=True)  # other bytes: start again, within the bound
            attempts.failed("hash mismatch")
    store.put_file(partial, sha256)
    with contextlib.suppress(OSError):
        partial.unlink()
    return store.path(sha256)


def _receive(channel: Channel, sha256: str, partial: Path, held: int, size: int | None,
             attempts: Attempts) -> bool:
    """One GET from ``held`` on; True when the partial file is now whole."""
    headers = {**token_headers(channel), "Accept-Encoding": "identity"}
    if held:
        headers["Range"] = f"bytes={held}-"
    fd = -1
    try:
        with channel.http.stream("GET", address(sha256), headers=headers) as response:
            status = response.status_code
            if status == 416 and held:  # the partial already holds every byte (or more)
                total = int(response.headers.get("content-range", "*/0").rsplit("/", 1)[1])
                if held > total:
                    os.truncate(partial, 0)
                    return False
                return True
            if busy(status):
                attempts.failed(f"status {status}")
                return False
            if status in (403, 404):  # 403: a server before revision 0011
                response.read()
                raise _not_on_server(status)
            if status not in (200, 206):
                response.read()
                raise refused(response)
            if status == 206:
                match = _CONTENT_RANGE.match(response.headers.get("content-range", ""))
                if match is None or int(match.group(1)) != held:
                    os.truncate(partial, 0)  # not the range asked for: from the start
                    attempts.failed("unexpected range")
                    return False
                start, total = held, int(match.group(3))
            else:
                start, total = 0, int(response.headers.get("content-length", "-1"))
            if total > MAX_BLOB or (size is not None and total not in (size, -1)):
                raise _too_large() if total > MAX_BLOB else SyncRefused(
                    "Tệp trên máy chủ không đúng kích thước ghi trong hồ sơ.", "bad_size", 0)
            fd = _open_partial(partial)
            os.ftruncate(fd, start)
            os.lseek(fd, start, os.SEEK_SET)
            at = start
            try:
                for piece in response.iter_raw(PIECE):
                    at += len(piece)
                    if at > MAX_BLOB or (total >= 0 and at > total):
                        os.ftruncate(fd, 0)
                        raise _too_large()
                    view = memoryview(piece)
                    while view:
                        view = view[os.write(fd, view):]
            finally:
                os.fsync(fd)
                if at > held:
                    attempts.progressed()
            return total < 0 or at == total
    except httpx.TransportError as exc:
        attempts.failed(exc)
        return False
    finally:
        if fd >= 0:
            os.close(fd)
