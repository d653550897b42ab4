"""The append-only event log: every change to a dossier is one immutable row.

Each event carries a UUIDv7 id, the desk that made it and that desk's own sequence
number (1, 2, 3, ... with no gaps), so a desk's history can be replayed and synced in order.
The table refuses UPDATE and DELETE (triggers in the schema), and each event carries the
hash of the desk's previous event (``hash_chain``): an edit made behind the program's back,
straight in the SQLite file, is found by ``audit verify``.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from dataclasses import dataclass

import sqlite_utils

from counter_app.store import hash_chain
from counter_app.store.ids import new_id

#: The columns the chain covers, in order.
CHAINED = ("id", "dossier_id", "desk_id", "desk_seq", "at", "officer", "kind", "payload")


@dataclass(frozen=True)
class Event:
    id: str
    dossier_id: str
    desk_id: str
    desk_seq: int
    at: str
    officer: str  # the officer's username (older databases: the full name)
    kind: str
    payload: dict
    prev_hash: str = ""
    hash: str = ""

    def to_dict(self) -> dict:
        return dict(self.__dict__)


def chain_tail(db: sqlite_utils.Database, table: str, desk_id: str) -> tuple[int, str]:
    """(last sequence number, its hash) of a desk's chain in ``table``; (0, GENESIS) if empty."""
    row = db.execute(f"SELECT desk_seq, hash FROM {table} WHERE desk_id = ? "
                     "ORDER BY desk_seq DESC LIMIT 1", [desk_id]).fetchone()
    return (row[0], row[1]) if row else (0, hash_chain.GENESIS)


def append(db: sqlite_utils.Database, *, dossier_id: str, desk_id: str, kind: str,
           payload: dict, officer: str, at: dt.datetime) -> Event:
    """Append one event. Must run inside the caller's transaction (with the dossier write)."""
    if not db.conn.in_transaction:
        raise RuntimeError("events are written in the same transaction as the dossier")
    last_seq, prev_hash = chain_tail(db, "events", desk_id)
    text = hash_chain.stored_json(payload)
    values = [new_id(), dossier_id, desk_id, last_seq + 1, at.isoformat(timespec="seconds"),
              officer, kind, text]
    digest = hash_chain.link_hash(prev_hash, values)
    db.execute("INSERT INTO events (id, dossier_id, desk_id, desk_seq, at, officer, kind, "
               "payload, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
               [*values, prev_hash, digest])
    return Event(*values[:7], payload, prev_hash, digest)


def for_dossier(db: sqlite_utils.Database, dossier_id: str) -> list[Event]:
    """In the order this desk recorded them (never by the clock, which can be wrong)."""
    rows = db.query("SELECT * FROM events WHERE dossier_id = ? ORDER BY rowid",
                    [dossier_id])
    return [Event(**{**r, "payload": json.loads(r["payload"])}) for r in rows]


def chain_rows(db: sqlite_utils.Database) -> Iterator[tuple]:
    """Every event as ``hash_chain.verify`` wants it, desk by desk in sequence order."""
    cols = ", ".join(CHAINED)
    for r in db.execute(f"SELECT {cols}, prev_hash, hash FROM events "
                        "ORDER BY desk_id, desk_seq"):
        yield r[2], r[0], r[3], r[8], r[9], r[:8]
