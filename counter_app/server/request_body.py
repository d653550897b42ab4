"""Reading a request's JSON body with bounded memory: streamed, capped on the wire and once
inflated, gzip inflated piece by piece in the thread pool and parsed there too, so neither a
large body nor a gzip bomb can exhaust the server's memory or stall its event loop.

The caps, from what a real desk sends (counter_app/sync/push.py: at most 2,000 events and
2,000 audit entries a request). Measured on a generated desk (``counter-cli generate``), a
full batch of 2,000 events with its procedure versions is 1.9 MB of JSON (0.36 MB
gzipped); the largest plausible one, 2,000 receptions of an older desk each carrying a copy
of its procedure (~1.6 KB) and ~1.2 KB of payload, plus 2,000 audit entries and 500
accounts, is about 10 MB. A push may therefore be 32 MB once inflated (three times that,
well below the 100 MB that would threaten a small server), and as much on the wire, since a
desk may send it uncompressed. An enrolment is a few hundred bytes: 64 KB.
"""

from __future__ import annotations

import json
import zlib
from typing import NamedTuple

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from counter_app.server.validation import Refused, bad


class Limits(NamedTuple):
    wire: int      # bytes received
    inflated: int  # bytes once un-gzipped (for an uncompressed body, the same bytes)


PUSH = Limits(32 * 1024 * 1024, 32 * 1024 * 1024)
ENROL = Limits(64 * 1024, 64 * 1024)
#: Each zlib call inflates at most this much: the cap is checked every megabyte.
STEP = 1024 * 1024


def too_large(what: str = "request body") -> Refused:
    return Refused(413, "too_large", f"{what} too large")


class Inflater:
    """gzip inflated in pieces into ``out``; 413 as soon as it would pass ``cap``. Several
    gzip members one after the other are one body (RFC 1952), as ``gzip.decompress`` has it."""

    def __init__(self, cap: int):
        self.cap, self.out = cap, bytearray()
        self._z = zlib.decompressobj(wbits=31)

    def feed(self, data: bytes) -> None:
        while data:
            if self._z.eof:  # the next member
                self._z = zlib.decompressobj(wbits=31)
            room = self.cap - len(self.out) + 1  # one byte more tells "over the cap"
            try:
                self.out += self._z.decompress(data, min(room, STEP))
            except zlib.error:
                self.discard()
                raise bad("the body is not valid gzip") from None
            if len(self.out) > self.cap:
                self.discard()
                raise too_large("request body once decompressed")
            data = self._z.unconsumed_tail or self._z.unused_data

    def finish(self) -> bytearray:
        if not self._z.eof:
            self.discard()
            raise bad("the body is not valid gzip (it ends too soon)")
        return self.out

    def discard(self) -> None:
        """Free the bytes now: a refusal's traceback keeps this object alive until the
        garbage collector finds the cycle, and each could hold 32 MB till then."""
        self.out.clear()


def _encoding(request: Request) -> str:
    encoding = request.headers.get("content-encoding", "identity").strip().lower()
    if encoding not in ("gzip", "identity", ""):
        raise bad(f"unsupported Content-Encoding {encoding[:40]!r}")
    return encoding


async def read(request: Request, limits: Limits) -> bytes | bytearray:
    """The body's bytes, inflated; 413 at a cap (nothing more is read), 400 for bad gzip."""
    gzip = _encoding(request) == "gzip"
    size = request.headers.get("content-length", "")
    if size.isascii() and size.isdigit() and int(size) > limits.wire:
        raise too_large()
    inflater = Inflater(limits.inflated) if gzip else None
    raw, total = bytearray(), 0
    try:
        async for chunk in request.stream():
            total += len(chunk)
            if total > limits.wire or (inflater is None and total > limits.inflated):
                raise too_large()
            if inflater is not None and chunk:
                await run_in_threadpool(inflater.feed, chunk)
            else:
                raw += chunk
        return inflater.finish() if inflater is not None else raw
    except BaseException:  # a refusal, a client gone: free the bytes now (Inflater.discard)
        raw.clear()
        if inflater is not None:
            inflater.discard()
        raise


def _no_constant(name: str):
    raise ValueError(f"{name} is not a JSON number")


def parse(raw: bytes | bytearray) -> object:
    """The body's JSON (in the thread pool: parsing 32 MB takes a while)."""
    if b"\\u0000" in raw:  # PostgreSQL text cannot hold NUL: refuse it here, loudly
        raise bad("the body holds a NUL character (\\u0000)")
    try:
        return json.loads(raw, parse_constant=_no_constant)
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise bad("the body is not valid JSON (or nested too deeply)") from None
