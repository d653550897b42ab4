"""Sending one of the desk's stored files (attachments/blob_store.py) to the server in
chunks that survive a cut connection (the server side: counter_app/server/blobs.py).

HEAD tells how many bytes the server holds of this desk's upload (or that this desk's unit
holds the whole file, sent by this desk or another of the unit: nothing to send). A file
only another unit sent is not "had" for this one: the server answers as if it had none,
and the desk sends it whole, which proves its unit has it (docs/security.md §7). Each PATCH
sends the next chunk, read from the file just then (one chunk in memory), at the offset
the server holds. After a
transport error, a busy server or a 409, the desk asks again and goes on from where the
server is; after ``MAX_FAILURES`` failures in a row without progress it stops with
``ServerUnreachable`` (the next round resumes). A 422 (the server got other bytes than the
hash) starts the file again from 0, within the same bound.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import httpx

from counter_app.attachments.blob_store import BlobStore
from counter_app.sync.blob_http import (
    CHUNK,
    MAX_BLOB,
    Attempts,
    address,
    busy,
    refused,
    token_headers,
)
from counter_app.sync.errors import SyncRefused
from counter_app.sync.transport import Channel


def server_offset(channel: Channel, sha256: str) -> tuple[int, bool]:
    """(bytes the server holds of this desk's upload, whether this desk's unit holds the
    whole file)."""
    response = channel.http.head(address(sha256), headers=token_headers(channel))
    if response.status_code == 404:
        return 0, False
    if busy(response.status_code):
        raise _Busy(response.status_code)
    if response.status_code != 200:
        raise refused(response)
    return _offset(response), response.headers.get("x-blob-complete") == "1"


class _Busy(Exception):
    pass


def _offset(response: httpx.Response) -> int:
    value = response.headers.get("upload-offset", "")
    if not value.isdigit():
        raise SyncRefused("Máy chủ trả lời không đúng định dạng (thiếu Upload-Offset).",
                          "bad_reply", response.status_code)
    return int(value)


def upload(channel: Channel, store: BlobStore, sha256: str, *, chunk: int = CHUNK,
           sleep: Callable[[float], None] = time.sleep,
           attempts: Attempts | None = None) -> bool:
    """Send the stored file ``sha256`` until the server holds it whole. True when this
    call sent its last byte; False when the server had it already. ``ValueError`` when the
    desk's own file is missing or changed (attachments/blob_store.py: verify)."""
    problem = store.verify(sha256)  # read once, a piece at a time
    if problem is not None:
        raise ValueError(f"the desk's file {sha256} is {problem}")
    path = store.path(sha256)
    size = path.stat().st_size
    if size > MAX_BLOB:
        raise SyncRefused("Tệp quá lớn, máy chủ không nhận.", "too_large", 413)
    attempts = attempts or Attempts(sleep)
    url, sent, offset = address(sha256), False, None
    with path.open("rb") as f:
        while True:
            try:
                if offset is None:
                    offset, complete = server_offset(channel, sha256)
                    if complete:
                        return sent
                if offset > size:  # not this file's bytes: the server's check will refuse
                    offset = 0
                f.seek(offset)
                data = f.read(min(chunk, size - offset))
                response = channel.http.patch(url, content=data, headers={
                    **token_headers(channel), "Upload-Offset": str(offset),
                    "Upload-Length": str(size),
                    "Content-Type": "application/offset+octet-stream"})
                sent = sent or bool(data) or offset == size
            except (httpx.TransportError, _Busy) as exc:
                attempts.failed(exc)
                offset = None  # ask where the server is
                continue
            if response.status_code == 204:
                held = _offset(response)
                if response.headers.get("x-blob-complete") == "1":
                    return sent
                if held > offset:
                    attempts.progressed()
                else:
                    attempts.failed("no progress")
                offset = held
            elif response.status_code == 409:
                attempts.failed("conflict")
                held = response.headers.get("upload-offset", "")
                offset = int(held) if held.isdigit() else None
            elif response.status_code == 422:  # the server discarded its partial copy
                attempts.failed("hash mismatch")
                offset = None
            elif busy(response.status_code):
                attempts.failed(f"status {response.status_code}")
                offset = None
            else:
                raise refused(response)
