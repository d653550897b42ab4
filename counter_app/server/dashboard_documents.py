"""A dossier's digitised documents for the district's leaders (issue "Digitising at the
counter", the leader's part): the files the desks digitised and sent, listed and downloaded.

- ``GET /dashboard/dossiers/{dossier_id}/documents/{sha256}``: the PDF, to a signed-in
  leader (the dashboard's session cookie, dashboard_auth.py); the page that lists them is
  ``/dashboard/dossier`` (dashboard_routes.py).
- ``GET /v1/district/dossiers/{dossier_id}/documents``: the dossier and its documents as
  JSON (name, document index or result, pages, bytes, SHA-256, when, who, reused from, and
  whether the server holds the file), to a district viewer's token (auth.viewer), as the
  other ``/v1/district`` views.
- ``GET /v1/district/dossiers/{dossier_id}/documents/{sha256}``: the PDF, to the same.

A file is served only when the dossier names it (an applied ``attach``: ``blob_refs``) and
the server holds it whole (``blobs``): never a file by its hash alone, never a partial
upload (server/district.py ``stored_file``). ``application/pdf``, ``Content-Disposition:
attachment`` (never shown inline inside the dashboard's origin), not cached, streamed from
the blob backend piece by piece (blob_backends.py), whatever its size (at most
blobs.MAX_BLOB, the largest a desk may send). No ``Range``: a leader downloads the whole file.

Each download is logged (logger ``counter_app.server.dashboard``, INFO): who (the leader's
username, or the viewer's name), the dossier's code and the file's hash, never a citizen's
data. The server keeps no other record of what leaders read (access_log.py only cuts query
strings from uvicorn's access lines, which carry these paths).

These routes are added to the app by ``dashboard_routes.routes()``.
"""

from __future__ import annotations

import logging
import unicodedata
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from counter_app.server import auth, clock, database, district
from counter_app.server import dashboard_auth as leaders_auth
from counter_app.server import dashboard_view as view
from counter_app.server.blobs import backend_of
from counter_app.server.validation import Refused

log = logging.getLogger("counter_app.server.dashboard")
SIGN_IN = "/dashboard/sign-in"


def file_name(found: district.StoredFile) -> tuple[str, str]:
    """The download's names: an ASCII one (the dossier code and the document's name without
    diacritics) and the UTF-8 one, both ending ".pdf", with no character a file name or
    the header cannot hold."""
    name = unicodedata.normalize("NFC", found.name or "tep-so-hoa")
    unsafe = '/\\"<>:|?*;,'
    clean = "".join(" " if (ch in unsafe or not ch.isprintable()) else ch for ch in name)
    full = " ".join(f"{found.dossier_code} {clean}".split())[:150] + ".pdf"
    plain = unicodedata.normalize("NFD", full.replace("đ", "d").replace("Đ", "D"))
    plain = "".join(ch for ch in plain if ch.isascii() and (ch.isalnum() or ch in ".-_ "))
    return "_".join(plain.split()) or "tep-so-hoa.pdf", full


def pdf_response(request: Request, found: district.StoredFile) -> Response:
    plain, full = file_name(found)
    headers = {"Content-Disposition": f"attachment; filename=\"{plain}\"; "
                                      f"filename*=UTF-8''{quote(full, safe='')}",
               "Content-Length": str(found.size), "Cache-Control": "no-store",
               **view.SECURITY}
    backend = backend_of(request)
    return StreamingResponse(backend.read(found.key, 0, found.size - 1), 200,
                             headers=headers, media_type="application/pdf")


def _logged(who: str, found: district.StoredFile) -> None:
    log.info("%s downloaded the file %s of dossier %s", who, found.sha256[:16],
             found.dossier_code)


# -- the dashboard (a signed-in leader) -------------------------------------------------------

def _leader_file(request: Request) -> Response:  # sync: Starlette runs it in the thread pool
    dossier_id = request.path_params["dossier_id"]
    sha256 = request.path_params["sha256"]
    with database.reading(request.app.state.engine) as conn:
        leader = leaders_auth.current(conn, request.cookies.get(leaders_auth.COOKIE))
        if leader is None:
            back = f"/dashboard/dossier?id={quote(dossier_id[:64], safe='')}"
            return view.redirect(request, f"{SIGN_IN}?next={quote(back, safe='')}")
        found = district.stored_file(conn, dossier_id, sha256)
    if found is None:
        return view.page(request, "notice.html", 404, title="Không có tệp này", leader=leader,
                         read_at=None, here="dossier", error="",
                         message="Hồ sơ này không có tệp số hóa đó, hoặc máy trạm chưa gửi "
                                 "tệp lên máy chủ.",
                         back=f"/dashboard/dossier?id={quote(dossier_id[:64], safe='')}")
    _logged(f"leader {leader.username}", found)
    return pdf_response(request, found)


# -- the district API (a viewer's token) ------------------------------------------------------

def _reply(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"error": code, "message": message, "server_time": clock.iso()},
                        status, headers={"Cache-Control": "no-store"})


def _viewer_documents(request: Request) -> Response:
    with database.reading(request.app.state.engine) as conn:
        auth.viewer(conn, auth.bearer(request.headers))
        found = district.documents_reply(conn, request.path_params["dossier_id"])
    if found is None:
        return _reply(404, "not_found", "the server holds no such dossier")
    return JSONResponse({**found, "server_time": clock.iso()},
                        headers={"Cache-Control": "no-store"})


def _viewer_file(request: Request) -> Response:
    with database.reading(request.app.state.engine) as conn:
        viewer = auth.viewer(conn, auth.bearer(request.headers))
        found = district.stored_file(conn, request.path_params["dossier_id"],
                                     request.path_params["sha256"])
    if found is None:
        return _reply(404, "not_found", "the dossier names no such file, or the server does "
                                        "not hold it yet")
    _logged(f"viewer {viewer['name']!r} (id {viewer['id']})", found)
    return pdf_response(request, found)


def _api(work):
    """A district API endpoint: the viewer's token checked first (in the thread pool), a
    refusal answered as the other endpoints answer it (JSON ``error``, ``message``)."""
    async def handle(request: Request) -> Response:
        try:
            return await run_in_threadpool(work, request)
        except Refused as r:
            r.__traceback__ = None
            return _reply(r.status, r.code, r.message)
    return handle


def routes() -> list[Route]:
    return [
        Route("/dashboard/dossiers/{dossier_id}/documents/{sha256}", _leader_file,
              methods=["GET"]),
        Route("/v1/district/dossiers/{dossier_id}/documents", _api(_viewer_documents),
              methods=["GET"]),
        Route("/v1/district/dossiers/{dossier_id}/documents/{sha256}", _api(_viewer_file),
              methods=["GET"]),
    ]
