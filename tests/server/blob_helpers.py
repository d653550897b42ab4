"""Helpers of the blob tests (tests/server/test_blob_*.py, tests/sync/test_blob_transfer.py):
the app with the blob routes added, a desk token, an attach event in the inbox, and a raw
ASGI call that shows which parts of a body the server read (and can cut it off)."""

from __future__ import annotations

import asyncio
import json
import uuid

from sqlalchemy import func, select, text

from counter_app.server import database, enrolment
from counter_app.server.app import create_app
from counter_app.server.schema import blob_holders, blob_refs, communes, dossiers, inbox


def blob_app(engine, backend):
    """The server's app with its blobs in ``backend``."""
    return create_app(engine, backend)


def enrol(http, engine, commune: str, desk: int) -> str:
    """A new desk's token (enrolled through /v1/enroll with a fresh code)."""
    with database.writing(engine) as conn:
        code = enrolment.make_code(conn, commune, desk, 7)[0]
    reply = http.post("/v1/enroll", json={
        "code": code, "desk_id": str(uuid.uuid4()), "agency_code": None, "desk_number": None,
        "client_schema": 2, "app_version": "0.1.0"})
    assert reply.status_code == 200, reply.text
    return reply.json()["device_token"]


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def attach(engine, commune: str, sha256: str, *, competent: str | None = None,
           result: str = "applied", kind: str = "attach", by: str | None = None) -> str:
    """A dossier of ``commune`` (decided by ``competent``) with an event of ``kind`` naming
    the blob, pushed by a desk of unit ``by`` (the commune unless said), stored as the push
    stores it (the inbox, and ``blob_refs`` for an applied attach); returns the dossier
    id."""
    with database.writing(engine) as conn:
        ids = dict(conn.execute(select(communes.c.code, communes.c.id)).all())
        pusher = ids[by or commune]
        seq = (conn.execute(select(func.max(inbox.c.server_seq))).scalar() or 0) + 1
        dossier_id = str(uuid.uuid4())
        conn.execute(dossiers.insert().values(
            id=dossier_id, commune_id=ids[commune], code=f"T-{seq}", status=1,
            received_at="2026-03-09T09:00", search="", row_json="{}", updated_seq=seq,
            competent_id=ids[competent] if competent else None))
        event = {"id": str(uuid.uuid4()), "dossier_id": dossier_id, "kind": kind,
                 "payload": {"sha256": sha256, "name": "giay-to.pdf"}}
        conn.execute(inbox.insert().values(
            desk_id=str(uuid.uuid4()), desk_seq=1, event_id=event["id"],
            commune_id=pusher, dossier_id=dossier_id, hash="0" * 64,
            event_json=json.dumps(event), result=result, server_seq=seq,
            received_at="2026-03-09T09:00"))
        if result == "applied" and kind == "attach":
            conn.execute(blob_refs.insert().values(sha256=sha256, dossier_id=dossier_id,
                                                   commune_id=pusher))
    return dossier_id


def blob_rows(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(text("SELECT count(*) FROM blobs")).scalar_one()


def holders(engine, sha256: str) -> set[str]:
    """The agency codes of the units that hold the blob (sent it whole)."""
    with engine.connect() as conn:
        return set(conn.execute(
            select(communes.c.code).join(blob_holders,
                                         blob_holders.c.commune_id == communes.c.id)
            .where(blob_holders.c.sha256 == sha256)).scalars())


class Asgi:
    """One request straight to the ASGI app: the body in ``pieces``; ``cut`` ends it with a
    disconnect after them. ``reads`` counts the body messages the app asked for."""

    def __init__(self, app):
        self.app = app

    def __call__(self, method: str, path: str, headers: dict, pieces=(), cut: bool = False):
        return asyncio.run(self._call(method, path, headers, list(pieces), cut))

    async def _call(self, method, path, headers, pieces, cut):
        messages = [{"type": "http.request", "body": p, "more_body": True} for p in pieces]
        if cut:
            messages.append({"type": "http.disconnect"})
        else:
            messages.append({"type": "http.request", "body": b"", "more_body": False})
        self.reads = 0
        sent: list[dict] = []

        async def receive():
            self.reads += 1
            return messages.pop(0) if messages else {"type": "http.disconnect"}

        async def send(message):
            sent.append(message)

        scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
                 "method": method, "path": path, "raw_path": path.encode(), "root_path": "",
                 "query_string": b"", "scheme": "http", "client": ("127.0.0.1", 50000),
                 "server": ("testserver", 80),
                 "headers": [(k.lower().encode(), str(v).encode()) for k, v in headers.items()]}
        await self.app(scope, receive, send)
        start = next(m for m in sent if m["type"] == "http.response.start")
        body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
        return start["status"], {k.decode(): v.decode() for k, v in start["headers"]}, body
