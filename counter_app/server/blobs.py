"""The desks' files on the server (issue "Digitising", part 3): resumable uploads and
ranged downloads of content-addressed blobs, kept apart from the dossiers' sync so a large
scan never holds up a push or a pull (docs/sync.md §2.10).

One address per blob, ``/v1/blobs/{sha256}`` (lower-case hex). Every request carries the
desk's token, checked before a byte of its body is read (a request without one costs the
server nothing); then:

``HEAD``  200 with ``Upload-Offset: n``, the bytes this desk's partial upload holds (the
          blob's size, with ``X-Blob-Complete: 1``, once the desk's unit holds the blob);
          404 when there is nothing. Never whether another unit's copy is stored.
``PATCH`` a chunk (at most ``MAX_CHUNK`` bytes, not compressed) appended at
          ``Upload-Offset`` (which must be the bytes held: else 409 ``offset_mismatch`` with
          the held offset in ``Upload-Offset`` and ``upload_offset``) of a blob of
          ``Upload-Length`` bytes (at most ``MAX_BLOB``: else 413); 403 unless the desk's unit
          named the blob in an applied ``attach`` (``may_upload``). 204 with the new
          ``Upload-Offset``. With the last byte the server checks the size and SHA-256,
          stores the blob once and makes the desk's unit one of its holders
          (``X-Blob-Complete: 1``); when another unit stored it already the bytes are only
          checked, then dropped. Bytes that are not the named hash: 422 ``hash_mismatch``
          and the partial is gone (start again from 0). A blob the desk's unit holds already
          answers 204 complete at once, its body unread. A chunk cut off midway keeps the
          bytes that arrived: HEAD tells where to go on. 409 ``upload_busy``: a request for
          the same partial is still running (a cut connection's, a moment).
``GET``   the blob (``Range: bytes=N-`` or ``bytes=N-M`` → 206), streamed; only to a desk
          whose unit may read it (``may_read``); else 404, the same answer as for a blob
          the server does not hold.

Proof of possession (docs/security.md §7): a SHA-256 is no capability. A unit holds a blob
(``blob_holders``) only once one of its desks sent every byte and the server checked the
hash; a reference (``blob_refs``, one per applied ``attach``, with the unit that pushed it)
lets the units of its dossier read the blob only while the unit that made it holds it.

Bodies are streamed to the backend (server/blob_backends.py) as they arrive: memory per
request stays at one network read, whatever the sizes.
"""

from __future__ import annotations

import logging
import re
import time

from sqlalchemy import Connection, Engine, and_, select
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from counter_app.server import auth, clock, database
from counter_app.server.blob_backends import Backend, Busy, Conflict, Mismatch
from counter_app.server.blob_settings import from_env
from counter_app.server.request_body import too_large
from counter_app.server.schema import blob_holders, blob_refs, blobs, dossiers
from counter_app.server.shared_dossiers import dossier_visible
from counter_app.server.validation import Refused, bad

log = logging.getLogger("counter_app.server.blobs")

#: The largest file a desk may send: a scanned dossier is one PDF per document, a few MB
#: (attachments/pages.py makes the pages small); 64 MB leaves room for a thick one.
MAX_BLOB = 64 * 1024 * 1024
#: The largest chunk one PATCH may carry: a cut connection loses at most this much work.
MAX_CHUNK = 1024 * 1024
#: What one desk's unfinished uploads may hold (a desk sends its files one at a time, so a
#: working desk has one or two): a desk that starts uploads and never ends them cannot
#: fill the server's disk before the daily sweep. A new upload beyond it gets 429.
MAX_PENDING_FILES = 16
MAX_PENDING_BYTES = 4 * MAX_BLOB
_SHA256 = re.compile(r"[0-9a-f]{64}")  # fullmatch: no trailing newline slips through
_RANGE = re.compile(r"^bytes=(\d{1,15})-(\d{0,15})$")

def may_read(conn: Connection, commune_id: int, sha256: str) -> bool:
    """May the desks of unit ``commune_id`` download blob ``sha256``? Yes when a dossier the
    unit holds (``dossier_visible``: it received it or decides it) names the blob in an
    applied ``attach`` event (``blob_refs``, written by the push) pushed by a unit that
    holds the blob (``blob_holders``: it sent the bytes). Naming a hash proves nothing."""
    referrer_holds = and_(blob_holders.c.sha256 == blob_refs.c.sha256,
                          blob_holders.c.commune_id == blob_refs.c.commune_id)
    return conn.execute(
        select(blob_refs.c.sha256)
        .join(dossiers, dossiers.c.id == blob_refs.c.dossier_id)
        .join(blob_holders, referrer_holds)
        .where(blob_refs.c.sha256 == sha256, dossier_visible(commune_id)).limit(1)
    ).first() is not None


def named_by_a_holder(conn: Connection, dossier_id: str, sha256: str) -> bool:
    """Is blob ``sha256`` a file of dossier ``dossier_id``: named there by a reference whose
    unit holds the blob? A reference made by a unit that only knew the hash makes no file
    of the dossier, for whoever reads the dossier (the district's view included)."""
    return conn.execute(
        select(blob_refs.c.sha256)
        .join(blob_holders, and_(blob_holders.c.sha256 == blob_refs.c.sha256,
                                 blob_holders.c.commune_id == blob_refs.c.commune_id))
        .where(blob_refs.c.sha256 == sha256, blob_refs.c.dossier_id == dossier_id).limit(1)
    ).first() is not None


def may_upload(conn: Connection, commune_id: int, sha256: str) -> bool:
    """A desk sends only a file its own unit named in an applied ``attach`` (the record goes
    first): a token alone cannot fill the server's disk with files nobody asked for."""
    return conn.execute(
        select(blob_refs.c.sha256)
        .where(blob_refs.c.sha256 == sha256, blob_refs.c.commune_id == commune_id).limit(1)
    ).first() is not None


def held_size(conn: Connection, commune_id: int, sha256: str) -> int | None:
    """The blob's size when unit ``commune_id`` holds it (one of its desks sent it whole);
    None otherwise, whether or not another unit's copy is stored."""
    return conn.execute(
        select(blobs.c.size).join(blob_holders, blob_holders.c.sha256 == blobs.c.sha256)
        .where(blobs.c.sha256 == sha256, blob_holders.c.commune_id == commune_id)
    ).scalar()


def _may_upload(engine: Engine, commune_id: int, sha256: str) -> bool:
    with database.reading(engine) as conn:
        return may_upload(conn, commune_id, sha256)


#: Partial uploads left this long are removed (a desk that comes back starts that file again).
STALE_PARTIAL_S = 24 * 3600
_last_sweep = [0.0]


def _sweep_now_and_then(backend: Backend) -> None:
    """Remove stale partial uploads, at most once an hour per server process."""
    now = time.monotonic()
    if now - _last_sweep[0] < 3600:
        return
    _last_sweep[0] = now
    try:
        removed = backend.sweep(STALE_PARTIAL_S)
    except OSError as exc:  # never the upload's failure
        log.warning("sweeping stale partial uploads failed: %s", exc)
    else:
        if removed:
            log.info("removed %d stale partial uploads", removed)


def backend_of(request: Request) -> Backend:
    """The app's blob backend (``app.state.blob_backend``; made from the environment,
    blob_backends.from_env, the first time when the app was given none)."""
    state = request.app.state
    backend = getattr(state, "blob_backend", None)
    if backend is None:
        backend = state.blob_backend = from_env()
    return backend


def _reply(status: int, code: str, message: str, headers: dict | None = None,
           **extra) -> JSONResponse:
    return JSONResponse({"error": code, "message": message, **extra,
                         "server_time": clock.iso()}, status, headers=headers)


def _offset_reply(held: int, complete: bool = False, status: int = 204) -> Response:
    headers = {"Upload-Offset": str(held), "Cache-Control": "no-store"}
    if complete:
        headers["X-Blob-Complete"] = "1"
    return Response(status_code=status, headers=headers)


def _desk(engine: Engine, request: Request) -> dict:
    with database.reading(engine) as conn:
        return auth.device(conn, auth.bearer(request.headers))


def _stored(engine: Engine, sha256: str) -> dict | None:
    with database.reading(engine) as conn:
        row = conn.execute(select(blobs).where(blobs.c.sha256 == sha256)).mappings().first()
    return dict(row) if row else None


def _held_size(engine: Engine, desk: dict, sha256: str) -> int | None:
    with database.reading(engine) as conn:
        return held_size(conn, desk["commune_id"], sha256)


def _header_int(request: Request, name: str, limit: int | None = None) -> int:
    value = request.headers.get(name, "")
    if not (value.isascii() and value.isdigit()) or len(value) > 15:
        raise bad(f"{name} must be a whole number of bytes")
    number = int(value)
    if limit is not None and number > limit:
        raise Refused(413, "too_large", f"a file may be at most {limit} bytes")
    return number


async def handle(request: Request) -> Response:
    """HEAD, PATCH and GET of ``/v1/blobs/{sha256}`` (see the module's docstring)."""
    engine = request.app.state.engine
    try:
        desk = await run_in_threadpool(_desk, engine, request)  # before the body
        sha256 = request.path_params["sha256"]
        if not _SHA256.fullmatch(sha256):
            raise bad("the address must name a SHA-256 (64 lower-case hex digits)")
        backend = backend_of(request)
        if request.method == "PATCH":
            return await _patch(request, engine, backend, desk, sha256)
        if request.method == "HEAD":
            return await run_in_threadpool(_head, engine, backend, desk, sha256)
        return await run_in_threadpool(_get, request, engine, backend, desk, sha256)
    except Refused as r:
        r.__traceback__ = None
        return _reply(r.status, r.code, r.message, **r.extra)


def _head(engine: Engine, backend: Backend, desk: dict, sha256: str) -> Response:
    """The unit's own answer: complete when it holds the blob, else this desk's partial."""
    size = _held_size(engine, desk, sha256)
    if size is not None:
        return _offset_reply(size, True, 200)
    held = backend.held(desk["desk_id"], sha256)
    if held is None:
        return Response(status_code=404, headers={"Cache-Control": "no-store"})
    return _offset_reply(held, False, 200)


async def _patch(request: Request, engine: Engine, backend: Backend, desk: dict,
                 sha256: str) -> Response:
    offset = _header_int(request, "upload-offset")
    length = _header_int(request, "upload-length", MAX_BLOB)
    if request.headers.get("content-encoding", "identity").strip().lower() not in (
            "identity", ""):
        raise bad("a chunk is sent as it is (no Content-Encoding)")
    size = request.headers.get("content-length", "")
    if size.isascii() and size.isdigit():
        if int(size) > MAX_CHUNK:
            raise too_large(f"chunk (at most {MAX_CHUNK} bytes)")
        if offset + int(size) > length:
            raise bad("the chunk goes past Upload-Length")
    desk_id = desk["desk_id"]
    size = await run_in_threadpool(_held_size, engine, desk, sha256)
    if size is not None:  # the unit has it: nothing more to send, the body is not read
        await run_in_threadpool(backend.discard, desk_id, sha256)
        return _offset_reply(size, True)
    if offset > length:
        raise bad("Upload-Offset is past Upload-Length")
    if not await run_in_threadpool(_may_upload, engine, desk["commune_id"], sha256):
        raise auth.forbidden("no record this unit pushed names this file (push it first)")
    await run_in_threadpool(_sweep_now_and_then, backend)
    if offset == 0 and await run_in_threadpool(_over_quota, backend, desk_id, sha256, length):
        return _reply(429, "upload_quota", f"this desk has {MAX_PENDING_FILES} unfinished "
                      "uploads or more bytes in them than allowed: finish them first")
    try:
        writer = await run_in_threadpool(backend.writer, desk_id, sha256, offset)
    except Conflict as c:
        return _reply(409, "offset_mismatch", f"the server holds {c.held} bytes of this file",
                      {"Upload-Offset": str(c.held)}, upload_offset=c.held)
    except Busy:
        return _reply(409, "upload_busy", "another request is sending this file")
    total = 0
    try:
        async for piece in request.stream():
            total += len(piece)
            if total > MAX_CHUNK:
                raise too_large(f"chunk (at most {MAX_CHUNK} bytes)")
            if offset + total > length:
                raise bad("the chunk goes past Upload-Length")
            if piece:
                await run_in_threadpool(writer.write, piece)
    except ClientDisconnect:  # keep what arrived: the desk resumes from there
        held = await run_in_threadpool(writer.keep)
        log.info("blob %s: desk %s gone at %d bytes", sha256[:12], desk_id, held)
        return Response(status_code=400)
    except Exception:
        await run_in_threadpool(writer.drop)
        raise
    except BaseException:  # cancelled: undo at once, off no thread pool
        writer.drop()
        raise
    try:
        held = await run_in_threadpool(writer.keep)
    except Busy:
        return _reply(409, "upload_busy", "another request is sending this file")
    if held < length:
        return _offset_reply(held)
    try:
        await run_in_threadpool(_take_whole, engine, backend, desk, sha256, length)
    except Mismatch as exc:
        log.warning("blob %s from desk %s refused: %s", sha256[:12], desk_id, exc)
        return _reply(422, "hash_mismatch", "the file's bytes are not the SHA-256 named; "
                      "the server discarded them: send the file again from the start",
                      {"Upload-Offset": "0"}, upload_offset=0)
    except Busy:
        return _reply(409, "upload_busy", "another request is sending this file")
    return _offset_reply(length, True)


def _over_quota(backend: Backend, desk_id: str, sha256: str, length: int) -> bool:
    """Would a new upload of ``length`` bytes take the desk's unfinished uploads past the
    limits? An upload it has begun already is not new."""
    if backend.held(desk_id, sha256) is not None:
        return False
    files, held = backend.pending(desk_id)
    return files >= MAX_PENDING_FILES or held + length > MAX_PENDING_BYTES


def _take_whole(engine: Engine, backend: Backend, desk: dict, sha256: str, size: int) -> None:
    """A desk's finished upload: its bytes checked against the hash (``Mismatch``: they are
    dropped), stored unless the server holds them already (then only checked), and the
    desk's unit made a holder: it proved it has the file."""
    if _stored(engine, sha256) is None:
        key = backend.commit(desk["desk_id"], sha256, size)
        _record(engine, sha256, size, backend.kind, key, desk)
    else:
        backend.verify(desk["desk_id"], sha256, size)
        _record_holder(engine, sha256, desk)


def _insert(engine: Engine, table):
    if engine.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(table)


def _record(engine: Engine, sha256: str, size: int, kind: str, key: str, desk: dict) -> None:
    """The blob's row, once (a second desk completing the same file changes nothing), and
    the desk's unit among its holders."""
    with database.writing(engine) as conn:
        conn.execute(_insert(engine, blobs).values(
            sha256=sha256, size=size, created_at=clock.iso(), backend=kind, key=key,
            desk_id=desk["desk_id"]).on_conflict_do_nothing(index_elements=["sha256"]))
        _add_holder(conn, engine, sha256, desk)


def _record_holder(engine: Engine, sha256: str, desk: dict) -> None:
    with database.writing(engine) as conn:
        _add_holder(conn, engine, sha256, desk)


def _add_holder(conn: Connection, engine: Engine, sha256: str, desk: dict) -> None:
    conn.execute(_insert(engine, blob_holders).values(
        sha256=sha256, commune_id=desk["commune_id"], desk_id=desk["desk_id"])
        .on_conflict_do_nothing(index_elements=["sha256", "commune_id"]))


def byte_range(header: str | None, size: int) -> tuple[int, int] | None:
    """(first, last) of a ``Range: bytes=N-`` / ``bytes=N-M`` header; None for the whole
    file (no header, or one this server does not serve: several ranges, suffixes);
    ``Refused`` 416 for a start past the end."""
    match = _RANGE.match((header or "").strip())
    if not match:
        return None
    first = int(match.group(1))
    last = min(int(match.group(2)), size - 1) if match.group(2) else size - 1
    if first >= size or last < first:
        raise Refused(416, "range_not_satisfiable", f"the file has {size} bytes", size=size)
    return first, last


def _not_found() -> Refused:
    """The one answer for a blob this unit may not read and for one the server does not
    hold: which of the two it is would tell whether another unit's copy exists."""
    return Refused(404, "not_found", "the server holds no such file for this unit (not "
                   "sent yet by the desk that digitised it, or named by none of its dossiers)")


def _get(request: Request, engine: Engine, backend: Backend, desk: dict,
         sha256: str) -> Response:
    with database.reading(engine) as conn:
        if not may_read(conn, desk["commune_id"], sha256):
            raise _not_found()
        row = conn.execute(select(blobs).where(blobs.c.sha256 == sha256)).mappings().first()
        if row is None:
            raise _not_found()
    size = row["size"]
    headers = {"Accept-Ranges": "bytes", "ETag": f'"{sha256}"',
               "Cache-Control": "private, max-age=31536000, immutable"}
    try:
        wanted = byte_range(request.headers.get("range"), size)
    except Refused as r:
        r.__traceback__ = None
        return _reply(r.status, r.code, r.message, {"Content-Range": f"bytes */{size}"},
                      **r.extra)
    if wanted is None:
        if size == 0:
            return Response(b"", 200, headers=headers, media_type="application/octet-stream")
        first, last, status = 0, size - 1, 200
    else:
        (first, last), status = wanted, 206
        headers["Content-Range"] = f"bytes {first}-{last}/{size}"
    headers["Content-Length"] = str(last - first + 1)
    return StreamingResponse(backend.read(row["key"], first, last), status, headers=headers,
                             media_type="application/octet-stream")


def routes() -> list[Route]:
    return [Route("/v1/blobs/{sha256}", handle, methods=["GET", "HEAD", "PATCH"])]
