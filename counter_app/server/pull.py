"""GET /v1/pull and /v1/snapshot: the commune's changes in server_seq order, read in one
consistent transaction with the dossiers they touch (PROTOCOL.md §Pull)."""

from __future__ import annotations

import json

from sqlalchemy import Connection, select, text, update

from counter_app.server import clock
from counter_app.server.schema import change_log, conflicts, devices, dossiers, inbox


def conflict_dict(row) -> dict:
    return {"id": row.id, "dossier_id": row.dossier_id, "code": row.code,
            "event_id": row.event_id, "kind": row.kind, "detail": json.loads(row.detail_json),
            "created_at": row.created_at, "created_seq": row.created_seq,
            "resolved_at": row.resolved_at, "resolved_by": row.resolved_by,
            "resolution": row.resolution}


def event_change(server_seq: int, event_json: str, result: str, reason: str) -> dict:
    change = {"server_seq": server_seq, "type": "event", "result": result,
              "event": json.loads(event_json)}
    if reason and result != "applied":
        change["reason"] = reason
    return change


def _conflicts(conn: Connection, ids: set[str]) -> dict[str, dict]:
    if not ids:
        return {}
    rows = conn.execute(select(conflicts).where(conflicts.c.id.in_(sorted(ids))))
    return {r.id: conflict_dict(r) for r in rows}


def _dossiers(conn: Connection, commune_id: int, ids: set[str]) -> list[dict]:
    if not ids:
        return []
    rows = conn.execute(select(dossiers.c.row_json).where(
        dossiers.c.id.in_(sorted(ids)), dossiers.c.commune_id == commune_id))
    return [json.loads(r[0]) for r in rows]


def pull(conn: Connection, desk: dict, cursor: int, limit: int) -> dict:
    """One page after ``cursor``; ``next_cursor`` is the last server_seq in it."""
    commune_id = desk["commune_id"]
    rows = conn.execute(
        select(change_log.c.server_seq, change_log.c.type, change_log.c.ref_id,
               inbox.c.event_json, inbox.c.result, inbox.c.reason, inbox.c.dossier_id)
        .select_from(change_log.outerjoin(inbox, inbox.c.server_seq == change_log.c.server_seq))
        .where(change_log.c.commune_id == commune_id, change_log.c.server_seq > cursor)
        .order_by(change_log.c.server_seq).limit(limit + 1)).all()
    has_more = len(rows) > limit
    rows = rows[:limit]
    found = _conflicts(conn, {r.ref_id for r in rows if r.type == "conflict"})
    touched = {r.dossier_id for r in rows if r.type == "event"}
    touched |= {c["dossier_id"] for c in found.values()}
    changes = []
    for r in rows:
        if r.type == "event":
            changes.append(event_change(r.server_seq, r.event_json, r.result, r.reason))
        elif r.ref_id in found:
            changes.append({"server_seq": r.server_seq, "type": "conflict",
                            "conflict": found[r.ref_id]})
    return {"changes": changes, "dossiers": _dossiers(conn, commune_id, touched),
            "next_cursor": rows[-1].server_seq if rows else cursor, "has_more": has_more}


def snapshot(conn: Connection, desk: dict) -> dict:
    """Every event, conflict and dossier of the commune, and the cursor it corresponds to."""
    commune_id = desk["commune_id"]
    cursor = conn.execute(text("SELECT value FROM counters WHERE name = 'server_seq'")
                          ).scalar_one()
    changes = [event_change(r.server_seq, r.event_json, r.result, r.reason) for r in conn.execute(
        select(inbox.c.server_seq, inbox.c.event_json, inbox.c.result, inbox.c.reason)
        .where(inbox.c.commune_id == commune_id, inbox.c.event_id.is_not(None))
        .order_by(inbox.c.server_seq))]
    for r in conn.execute(select(conflicts).where(conflicts.c.commune_id == commune_id)
                          .order_by(conflicts.c.created_seq)):
        changes.append({"server_seq": r.created_seq, "type": "conflict",
                        "conflict": conflict_dict(r)})
    changes.sort(key=lambda c: c["server_seq"])
    rows = conn.execute(select(dossiers.c.row_json).where(dossiers.c.commune_id == commune_id)
                        .order_by(dossiers.c.received_at, dossiers.c.id))
    return {"changes": changes, "dossiers": [json.loads(r[0]) for r in rows],
            "next_cursor": cursor, "has_more": False}


def seen(conn: Connection, desk_id: str, cursor: int | None = None) -> None:
    """Note the desk's visit (and how far it has pulled) for the district."""
    values = {"last_seen": clock.iso()}
    if cursor is not None:
        values["last_pull_cursor"] = cursor
    conn.execute(update(devices).where(devices.c.desk_id == desk_id).values(**values))
