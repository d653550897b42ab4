"""The server's blobs in an S3-compatible bucket (see blob_backends.py)."""

from __future__ import annotations

import contextlib
import hashlib
import tempfile
from collections.abc import Iterator

from counter_app.server.blob_backends import (  # noqa: F401 - the names the backends share
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

    def pending(self, desk_id: str) -> tuple[int, int]:
        check_desk(desk_id)
        files, size = set(), 0
        pages = self.s3.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=f"{self.prefix}uploads/{desk_id}/")
        for page in pages:
            for item in page.get("Contents", []):
                files.add(item["Key"].rsplit("/", 2)[-2])
                size += int(item["Size"])
        return len(files), size

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

    def verify(self, desk_id: str, sha256: str, size: int) -> None:
        name = f"{desk_id}/{sha256}"
        if not self._locks.take(name):
            raise Busy()
        try:
            staged = self._staged(desk_id, sha256)
            digest, total = hashlib.sha256(), 0
            for piece in self._pieces(self._run(staged)):
                digest.update(piece)
                total += len(piece)
                if total > size:
                    break
            self._delete([k for _, _, k in staged])  # checked: nothing of it is kept
            if total != size or digest.hexdigest() != sha256:
                raise Mismatch(f"{total} bytes with SHA-256 {digest.hexdigest()}")
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
