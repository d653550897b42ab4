"""The ASGI application: routes, JSON bodies (gzip accepted, size capped: request_body.py),
errors as JSON, server_time on every reply. A push's token is checked before its body is
read. Database work, parsing the body, and serialising and compressing the reply, run in the
thread pool, off the event loop (a snapshot page is tens of megabytes)."""

from __future__ import annotations

import json
import logging
import zlib
from collections.abc import Callable

from sqlalchemy import Engine
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from counter_app.server import (
    auth,
    blobs,
    clock,
    dashboard_routes,
    database,
    district,
    enrolment,
    pull,
    push,
    reference,
    request_body,
)
from counter_app.server.validation import Refused, bad, day, obj, push_fields, query_int

log = logging.getLogger("counter_app.server")
GZIP_ABOVE = 1024                 # replies smaller than this go as they are
#: gzip level by reply size. Measured on a 100,000-event snapshot (187 MB of JSON in 5
#: pages): level 1 → 29.0 MB in 1.1 s of CPU, 3 → 26.7 MB in 1.2 s, 4 → 23.5 MB in 1.6 s,
#: 6 → 20.8 MB in 2.1 s (the former default, 9, slower still and on the event loop). End
#: to end over loopback a new desk took 8.9 s with 1 and 9.9 s with 6 (medians of 3), so
#: large replies get 3: nearly the speed of 1, 8 % fewer bytes for the slow rural links.
GZIP_LEVEL_SMALL, GZIP_LEVEL_LARGE, LARGE = 6, 3, 1024 * 1024


def _reply(result: dict, status: int = 200) -> JSONResponse:
    result["server_time"] = clock.iso()
    return JSONResponse(result, status)


def _accepts_gzip(request: Request) -> bool:
    return "gzip" in request.headers.get("accept-encoding", "").lower()


def render(result: dict | pull.Raw, gzip_ok: bool, status: int = 200) -> Response:
    """The reply's bytes (with ``server_time``), gzip-compressed when the client takes it
    and it is worth it. Runs in the thread pool."""
    now = clock.iso()
    if isinstance(result, pull.Raw):
        body = result.finish(now)
    else:
        result["server_time"] = now
        body = json.dumps(result, ensure_ascii=False, allow_nan=False,
                          separators=(",", ":")).encode("utf-8")
    headers = {"Vary": "Accept-Encoding"}
    if gzip_ok and len(body) >= GZIP_ABOVE:
        level = GZIP_LEVEL_LARGE if len(body) >= LARGE else GZIP_LEVEL_SMALL
        packer = zlib.compressobj(level, zlib.DEFLATED, 31)
        body = packer.compress(body) + packer.flush()
        headers["Content-Encoding"] = "gzip"
    return Response(body, status, media_type="application/json", headers=headers)


Who = Callable[[Engine, Request], None]


def _handler(work, *, body: request_body.Limits | None = None, who: Who | None = None):
    """``work(engine, request, body)`` runs in the thread pool, and so do parsing the body
    and rendering the reply; Refused becomes its reply. ``who`` (in the thread pool too)
    checks the caller's token before a byte of the body is read: a request without a valid
    one costs the server no memory."""
    def run(engine, request: Request, raw) -> Response:
        data = request_body.parse(raw) if raw is not None else None
        return render(work(engine, request, data), _accepts_gzip(request))

    async def handle(request: Request) -> Response:
        engine = request.app.state.engine
        try:
            if any("\x00" in value for value in request.query_params.values()):
                raise bad("a query parameter holds a NUL character")
            if who is not None:
                await run_in_threadpool(who, engine, request)
            raw = await request_body.read(request, body) if body else None
            return await run_in_threadpool(run, engine, request, raw)
        except Refused as r:
            # Its traceback's frames hold the body (tens of MB) in a reference cycle that
            # would live until the garbage collector runs: let them go now.
            r.__traceback__ = None
            return _reply({"error": r.code, "message": r.message, **r.extra}, r.status)
    return handle


def _enroll(engine: Engine, request: Request, data) -> dict:
    with database.writing(engine) as conn:
        return enrolment.enroll(conn, obj(data, "request"))


def _desk(engine: Engine, request: Request) -> None:
    """A desk's token, checked before its push is read (push.push checks it again, locked)."""
    with database.reading(engine) as conn:
        auth.device(conn, auth.bearer(request.headers))


def _push(engine: Engine, request: Request, data) -> dict:
    push_fields(data)
    with database.writing(engine) as conn:
        return push.push(conn, auth.bearer(request.headers), data)


def _seen(engine: Engine, desk_id: str, cursor: int | None = None) -> None:
    with database.writing(engine) as conn:
        pull.seen(conn, desk_id, cursor)


def _pull(engine: Engine, request: Request, _data) -> pull.Raw:
    with database.reading(engine) as conn:
        desk = auth.device(conn, auth.bearer(request.headers))
        cursor = query_int(request.query_params, "cursor", 0, 0, 2**62)
        limit = query_int(request.query_params, "limit", 1000, 1, 5000)
        page = pull.pull(conn, desk, cursor, limit)
    _seen(engine, desk["desk_id"], cursor)
    return page


def _snapshot(engine: Engine, request: Request, _data) -> pull.Raw:
    p = request.query_params
    with database.reading(engine) as conn:
        desk = auth.device(conn, auth.bearer(request.headers))
        cursor = query_int(p, "cursor", 0, 0, 2**62) if p.get("cursor") else None
        limit = query_int(p, "limit", pull.SNAPSHOT_PAGE, 1, pull.SNAPSHOT_MAX)
        page = pull.snapshot(conn, desk, cursor, p.get("after"), limit)
    _seen(engine, desk["desk_id"])
    return page


def _reference(engine: Engine, request: Request, _data) -> dict:
    with database.reading(engine) as conn:
        desk = auth.device(conn, auth.bearer(request.headers))
        asked = {k: query_int(request.query_params, k, 0, 0, 2**62)
                 for k in ("catalogue", "calendar", "officers", "units")}
        return reference.reference(conn, desk, asked)


def _viewer(conn, request: Request) -> None:
    auth.viewer(conn, auth.bearer(request.headers))


def _district_dossiers(engine: Engine, request: Request, _data) -> dict:
    p = request.query_params
    with database.reading(engine) as conn:
        _viewer(conn, request)
        q = p.get("q", "")
        if len(q) > 200:
            raise bad("q is longer than 200 characters")
        status = query_int(p, "status", 0, 1, 10) if p.get("status") else None
        return district.find_dossiers(conn, q, p.get("commune", "")[:64], status,
                                      query_int(p, "limit", 50, 1, 500),
                                      query_int(p, "offset", 0, 0, 10**9))


def _district_counts(engine: Engine, request: Request, _data) -> dict:
    p = request.query_params
    with database.reading(engine) as conn:
        _viewer(conn, request)
        today = clock.now().date()
        start = day(p["from"], "from") if p.get("from") else today.replace(day=1)
        end = day(p["to"], "to") if p.get("to") else today
        if end < start:
            raise bad("'to' is before 'from'")
        return district.counts(conn, start, end)


def _district_communes(engine: Engine, request: Request, _data) -> dict:
    with database.reading(engine) as conn:
        _viewer(conn, request)
        return district.communes_list(conn)


async def _not_found(request: Request, exc) -> JSONResponse:
    return _reply({"error": "not_found", "message": "no such endpoint"}, 404)


async def _method(request: Request, exc) -> JSONResponse:
    return _reply({"error": "bad_request", "message": "method not allowed"}, 405)


async def _internal(request: Request, exc) -> JSONResponse:
    log.exception("internal error on %s %s", request.method, request.url.path)
    return _reply({"error": "internal", "message": "internal server error"}, 500)


def create_app(engine: Engine, blob_backend=None) -> Starlette:
    routes = [
        Route("/v1/enroll", _handler(_enroll, body=request_body.ENROL), methods=["POST"]),
        Route("/v1/push", _handler(_push, body=request_body.PUSH, who=_desk),
              methods=["POST"]),
        Route("/v1/pull", _handler(_pull), methods=["GET"]),
        Route("/v1/snapshot", _handler(_snapshot), methods=["GET"]),
        Route("/v1/reference", _handler(_reference), methods=["GET"]),
        Route("/v1/district/dossiers", _handler(_district_dossiers), methods=["GET"]),
        Route("/v1/district/counts", _handler(_district_counts), methods=["GET"]),
        Route("/v1/district/communes", _handler(_district_communes), methods=["GET"]),
        *blobs.routes(),  # the desks' files: resumable upload, ranged download
        *dashboard_routes.routes(),  # the leaders' web pages (server-rendered)
    ]
    app = Starlette(routes=routes,
                    exception_handlers={404: _not_found, 405: _method, Exception: _internal})
    app.state.engine = engine
    app.state.blob_backend = blob_backend  # None: from $COUNTER_BLOBS on first use
    return app


def from_environment() -> Starlette:
    """The app as a worker process builds it (``counter-server serve --workers N``, or any
    ASGI server given ``counter_app.server.app:from_environment`` as a factory): the
    database from $COUNTER_SERVER_DB (database.default_url), the digitised files from
    $COUNTER_BLOBS (blob_settings.from_env). Each process has its own engine and pool;
    everything shared lives in the database or the blob store (docs/deploy.md)."""
    from contextlib import asynccontextmanager

    from counter_app.server.blob_settings import from_env

    engine = database.make_engine(database.default_url())

    @asynccontextmanager
    async def lifespan(_app):
        try:
            yield
        finally:
            engine.dispose()  # the pool's connections, closed when the worker stops

    app = create_app(engine, from_env())
    app.router.lifespan_context = lifespan
    return app
