"""Which blob backend the server uses, from its settings (``COUNTER_BLOBS``; see
blob_backends.py)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from counter_app.server.blob_backends import Backend
from counter_app.server.blob_files import FileBackend
from counter_app.server.blob_s3 import S3Backend


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

