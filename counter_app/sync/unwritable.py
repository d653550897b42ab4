"""The server's rows this desk could not store (a register number held here by another
dossier after a restore, a value its schema refuses): kept in ``sync_state`` with the
technical reason and ids only (no personal data), shown by the sync status, and taken off
the list when a later page stores the row."""

from __future__ import annotations

import datetime as dt
import logging

import sqlite_utils

from counter_app.sync import desk_state

log = logging.getLogger(__name__)

UNWRITABLE = "unwritable_dossiers"
MAX_UNWRITABLE = 300


def reason(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:300]


def note(row: object, kind: str, reason: str) -> dict:
    """One entry of UNWRITABLE (ids and the technical reason; no personal data)."""
    get = row.get if isinstance(row, dict) else (lambda key: None)
    ident, code = get("id"), get("code") if kind == "dossier" else ""
    note = {"id": ident if isinstance(ident, str) else "",
            "code": code if isinstance(code, str) else "", "kind": kind, "reason": reason}
    if kind == "event" and isinstance(get("dossier_id"), str):
        note["dossier_id"] = get("dossier_id")
    return note


def record(db: sqlite_utils.Database, notes: list[dict], written: set[str]) -> None:
    """Keep the rows left out (newest last, at most MAX_UNWRITABLE); a dossier written
    since (a later page could store it) is taken off the list."""
    kept = desk_state.get(db, UNWRITABLE) or []
    if not kept and not notes:
        return
    fresh = {n["id"] for n in notes}
    kept = [n for n in kept if isinstance(n, dict) and n.get("id") not in written
            and n.get("id") not in fresh]
    stamp = dt.datetime.now().astimezone().isoformat(timespec="seconds")
    for note in notes:
        log.warning("pulled %s %s cannot be stored on this desk: %s", note["kind"],
                    note["id"], note["reason"])
        kept.append({**note, "at": stamp})
    desk_state.put(db, UNWRITABLE, kept[-MAX_UNWRITABLE:])


def unwritable(db: sqlite_utils.Database) -> list[dict]:
    """The server's rows this desk could not store (newest last)."""
    return list(desk_state.get(db, UNWRITABLE) or [])
