"""The append-only event log: every change to a dossier is one immutable row.

Each event carries a UUIDv7 id, the desk that made it and that desk's own sequence
number (1, 2, 3, ... with no gaps), so a desk's history can be replayed and synced in order.
The table refuses UPDATE and DELETE (triggers in the schema).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

import sqlite_utils

from counter_app.store.ids import new_id


@dataclass(frozen=True)
class Event:
    id: str
    dossier_id: str
    desk_id: str
    desk_seq: int
    at: str
    officer: str
    kind: str
    payload: dict

    def to_dict(self) -> dict:
        return dict(self.__dict__)


def append(db: sqlite_utils.Database, *, dossier_id: str, desk_id: str, kind: str,
           payload: dict, officer: str, at: dt.datetime) -> Event:
    """Append one event. Must run inside the caller's transaction (with the dossier write)."""
    if not db.conn.in_transaction:
        raise RuntimeError("events are written in the same transaction as the dossier")
    seq = db.execute("SELECT coalesce(max(desk_seq), 0) + 1 FROM events WHERE desk_id = ?",
                     [desk_id]).fetchone()[0]
    event = Event(new_id(), dossier_id, desk_id, seq, at.isoformat(timespec="seconds"),
                  officer, kind, payload)
    db.execute("INSERT INTO events (id, dossier_id, desk_id, desk_seq, at, officer, kind, payload)"
               " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
               [event.id, dossier_id, desk_id, seq, event.at, officer, kind,
                json.dumps(payload, ensure_ascii=False, sort_keys=True)])
    return event


def for_dossier(db: sqlite_utils.Database, dossier_id: str) -> list[Event]:
    """In the order this desk recorded them (never by the clock, which can be wrong)."""
    rows = db.query("SELECT * FROM events WHERE dossier_id = ? ORDER BY rowid",
                    [dossier_id])
    return [Event(**{**r, "payload": json.loads(r["payload"])}) for r in rows]
