"""GET /v1/pull and /v1/snapshot: the commune's changes in server_seq order, read in one
consistent transaction with the dossiers they touch (PROTOCOL.md §Pull, §Snapshot).

Fast on purpose: the stored JSON texts (the inbox's ``event_json``, the dossiers'
``row_json``) are spliced into the reply as they are, never parsed and serialised again
(a new desk's snapshot is 100,000 events). The reply is a ``Raw`` body the app finishes
with ``server_time``.
"""

from __future__ import annotations

import json
import json.encoder

from sqlalchemy import Connection, and_, or_, select, update

from counter_app.server import clock, database, feeds
from counter_app.server.schema import change_log, conflicts, devices, dossiers, inbox
from counter_app.server.shared_dossiers import conflict_visible, dossier_visible
from counter_app.server.validation import bad
from counter_app.store.hash_chain import stored_json

SNAPSHOT_PAGE = 2000      # dossiers in one snapshot page unless the desk asks otherwise
SNAPSHOT_MAX = 5000
_PAYLOAD_KEY = ', "payload": '  # chain.event_json puts the payload last, as stored
_quote = json.encoder.encode_basestring  # a str as a JSON string (non-ASCII kept)
_RESULTS = {r: _quote(r) for r in ("applied", "conflict", "quarantined", "duplicate")}


class Raw:
    """A JSON object already serialised, without its closing brace: the app adds
    ``server_time`` and closes it."""

    def __init__(self, parts: list[str]):
        self.parts = parts

    def finish(self, server_time: str) -> bytes:
        return "".join([*self.parts, ', "server_time": ', json.dumps(server_time), "}"]
                       ).encode("utf-8")


def _dumps(value) -> str:
    return json.dumps(value, ensure_ascii=False)


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


def _payload_as_text(event_json: str) -> str:
    """The event with its payload as a JSON string holding the stored payload text (what
    the desk stores and hashes), cut from the stored event text without parsing it."""
    head, key, payload = event_json.partition(_PAYLOAD_KEY)
    if not key or not payload.endswith("}"):  # not chain.event_json's layout: the slow way
        event = json.loads(event_json)
        event["payload"] = stored_json(event["payload"])
        return _dumps(event)
    return f"{head}{key}{_quote(payload[:-1])}}}"


def event_text(server_seq: int, event_json: str, result: str, reason: str,
               payload_text: bool = False) -> str:
    """One change of type 'event' as JSON text (``event_change``'s, spliced)."""
    quoted = _RESULTS.get(result) or _quote(result)
    if reason and result != "applied":
        quoted = f"{quoted}, \"reason\": {_quote(reason)}"
    event = _payload_as_text(event_json) if payload_text else event_json
    return f'{{"server_seq": {int(server_seq)}, "type": "event", "result": {quoted}, ' \
           f'"event": {event}}}'


def _conflict_text(server_seq: int, conflict: dict) -> str:
    return (f'{{"server_seq": {int(server_seq)}, "type": "conflict", "conflict": '
            f'{_dumps(conflict)}}}')


def _body(changes: list[str], rows: list[str], next_cursor: int, has_more: bool,
          **extra) -> Raw:
    parts = ['{"changes": [', ", ".join(changes), '], "dossiers": [', ", ".join(rows),
             f'], "next_cursor": {int(next_cursor)}, "has_more": {_dumps(has_more)}']
    parts += [f", {_dumps(k)}: {_dumps(v)}" for k, v in extra.items()]
    return Raw(parts)


def _conflicts(conn: Connection, ids: set[str]) -> dict[str, dict]:
    if not ids:
        return {}
    rows = conn.execute(select(conflicts).where(conflicts.c.id.in_(sorted(ids))))
    return {r.id: conflict_dict(r) for r in rows}


def _dossiers(conn: Connection, commune_id: int, ids: set[str]) -> list[str]:
    if not ids:
        return []
    rows = conn.execute(select(dossiers.c.row_json).where(
        database.in_(conn, dossiers.c.id, sorted(ids)), dossier_visible(commune_id)))
    return [r[0] for r in rows]


def _changes(conn: Connection, commune_id: int, cursor: int, limit: int) -> list:
    """Up to ``limit`` changes after ``cursor`` of the unit: its own, and those of the
    dossiers it shares with another unit (``change_log.party_id``); two ordered index
    ranges merged, never a sort of the whole log."""
    found = []
    for column in (change_log.c.commune_id, change_log.c.party_id):
        found += conn.execute(
            select(change_log.c.server_seq, change_log.c.type, change_log.c.ref_id,
                   inbox.c.event_json, inbox.c.result, inbox.c.reason, inbox.c.dossier_id)
            .select_from(change_log.outerjoin(inbox,
                                              inbox.c.server_seq == change_log.c.server_seq))
            .where(column == commune_id, change_log.c.server_seq > cursor)
            .order_by(change_log.c.server_seq).limit(limit)).all()
    return sorted(found, key=lambda r: r.server_seq)[:limit]


def pull(conn: Connection, desk: dict, cursor: int, limit: int) -> Raw:
    """One page after ``cursor``; ``next_cursor`` is the last server_seq in it."""
    commune_id = desk["commune_id"]
    rows = _changes(conn, commune_id, cursor, limit + 1)
    has_more = len(rows) > limit
    rows = rows[:limit]
    found = _conflicts(conn, {r.ref_id for r in rows if r.type == "conflict"})
    touched = {r.dossier_id for r in rows if r.type == "event"}
    touched |= {c["dossier_id"] for c in found.values()}
    changes = []
    for r in rows:
        if r.type == "event":
            changes.append(event_text(r.server_seq, r.event_json, r.result, r.reason))
        elif r.ref_id in found:
            changes.append(_conflict_text(r.server_seq, found[r.ref_id]))
    return _body(changes, _dossiers(conn, commune_id, touched),
                 rows[-1].server_seq if rows else cursor, has_more)


def _after(value: str | None) -> tuple[str, str] | None:
    """The opaque ``after`` of a snapshot page: the last dossier's (received_at, id)."""
    if value is None:
        return None
    received_at, sep, dossier_id = value.partition("|")
    if not sep or not received_at or len(received_at) > 40 or not 0 < len(dossier_id) <= 36:
        raise bad("after: not a value this server gave")
    return received_at, dossier_id


def snapshot(conn: Connection, desk: dict, cursor: int | None = None,
             after: str | None = None, limit: int = SNAPSHOT_PAGE) -> Raw:
    """One page of the commune's snapshot: up to ``limit`` dossiers after ``after`` (in
    (received_at, id) order) with every event of theirs; the first page (no ``after``)
    also holds every conflict of the commune and the events that have no dossier of this
    commune. ``next_cursor`` is the cursor the snapshot corresponds to: taken on the first
    page, repeated by the desk on the next ones (PROTOCOL.md §Snapshot).
    Events carry their payload as the stored text (a JSON string)."""
    commune_id = desk["commune_id"]
    if cursor is None:  # its feed's last number committed (server/feeds.py)
        cursor = feeds.cursor(conn, commune_id)
    start = _after(after)
    rows = []
    # Its own dossiers and those it decides for another commune: two ordered index ranges.
    for column in (dossiers.c.commune_id, dossiers.c.competent_id):
        query = (select(dossiers.c.id, dossiers.c.received_at, dossiers.c.row_json)
                 .where(column == commune_id)
                 .order_by(dossiers.c.received_at, dossiers.c.id).limit(limit + 1))
        if start is not None:
            query = query.where(dossiers.c.received_at >= start[0], or_(
                dossiers.c.received_at > start[0],
                and_(dossiers.c.received_at == start[0], dossiers.c.id > start[1])))
        rows += conn.execute(query).all()
    rows = sorted({r.id: r for r in rows}.values(), key=lambda r: (r.received_at, r.id))
    has_more = len(rows) > limit
    rows = rows[:limit]
    events = []
    if rows:  # sorted here: so the database looks them up by dossier (inbox_dossier)
        # Its own events, and what the other unit of a shared dossier applied or lost.
        events = sorted(conn.execute(
            select(inbox.c.server_seq, inbox.c.event_json, inbox.c.result, inbox.c.reason)
            .where(database.in_(conn, inbox.c.dossier_id, [r.id for r in rows]),
                   or_(inbox.c.commune_id == commune_id,
                       inbox.c.result.in_(("applied", "conflict"))),
                   inbox.c.event_id.is_not(None))).all(),
            key=lambda e: e[0])
    changes = [event_text(*e, payload_text=True) for e in events]
    if start is None:
        changes += [event_text(*e, payload_text=True) for e in _homeless(conn, commune_id)]
        changes += [_conflict_text(r.created_seq, conflict_dict(r)) for r in conn.execute(
            select(conflicts).where(conflict_visible(commune_id))
            .order_by(conflicts.c.created_seq))]
    extra = {"after": f"{rows[-1].received_at}|{rows[-1].id}"} if has_more else {}
    return _body(changes, [r.row_json for r in rows], cursor, has_more, **extra)


def _homeless(conn: Connection, commune_id: int) -> list:
    """The commune's events without a dossier of the commune (quarantined ones, a
    duplicate code's reception): no dossier page carries them. An applied event always
    has its dossier, so only the others are looked at."""
    held = select(dossiers.c.id).where(dossiers.c.id == inbox.c.dossier_id,
                                       dossier_visible(commune_id))
    return conn.execute(
        select(inbox.c.server_seq, inbox.c.event_json, inbox.c.result, inbox.c.reason)
        .select_from(change_log.join(inbox, inbox.c.server_seq == change_log.c.server_seq))
        .where(change_log.c.commune_id == commune_id, change_log.c.type == "event",
               inbox.c.result != "applied", inbox.c.event_id.is_not(None),
               ~held.exists())
        .order_by(inbox.c.server_seq)).all()


def seen(conn: Connection, desk_id: str, cursor: int | None = None) -> None:
    """Note the desk's visit (and how far it has pulled) for the district."""
    values = {"last_seen": clock.iso()}
    if cursor is not None:
        values["last_pull_cursor"] = cursor
    conn.execute(update(devices).where(devices.c.desk_id == desk_id).values(**values))
