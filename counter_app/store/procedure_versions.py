"""Procedure versions: the procedure exactly as a dossier was received under it (its time
limit, fee and documents then), stored once and referenced by id from every dossier and
received event (``domain.procedures.version_id``). A catalogue change makes a new version;
the dossiers already received keep theirs."""

from __future__ import annotations

import json

import sqlite_utils

from counter_app.domain.procedures import canonical_json, version_id


def put(db: sqlite_utils.Database, body: dict) -> str:
    """Store ``body`` if it is new here; its id either way (call inside a transaction)."""
    vid = version_id(body)
    db.execute("INSERT OR IGNORE INTO procedure_versions (id, code, body) VALUES (?, ?, ?)",
               [vid, str(body.get("code", "")), canonical_json(body)])
    return vid


def get(db: sqlite_utils.Database, vid: str) -> dict | None:
    row = db.execute("SELECT body FROM procedure_versions WHERE id = ?", [vid]).fetchone()
    return json.loads(row[0]) if row else None


def bodies(db: sqlite_utils.Database, ids: set[str]) -> dict[str, dict]:
    """id -> body for the ids stored here (unknown ids are left out)."""
    found: dict[str, dict] = {}
    ids = sorted(i for i in ids if isinstance(i, str))
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        marks = ", ".join("?" for _ in chunk)
        for vid, body in db.execute(
                f"SELECT id, body FROM procedure_versions WHERE id IN ({marks})", chunk):
            found[vid] = json.loads(body)
    return found
