"""The procedure catalogue in the database: the bundled list, imports, lookups."""

from __future__ import annotations

import datetime as dt
import json

import sqlite_utils

from counter_app.domain.procedures import Procedure, procedure_from_row
from counter_app.domain.text import sort_key, tokens
from counter_app.store.database import transaction


def _row(p: Procedure, source: str) -> dict:
    data = p.to_dict()
    data["documents"] = json.dumps(data["documents"], ensure_ascii=False)
    data.update(search=p.search_text, source=source,
                updated_at=dt.datetime.now().isoformat(timespec="seconds"))
    return data


def upsert_all(db: sqlite_utils.Database, procedures: list[Procedure], source: str) -> int:
    """Insert or replace every procedure in one transaction."""
    with transaction(db):
        for p in procedures:
            row = _row(p, source)
            cols = ", ".join(row)
            marks = ", ".join("?" for _ in row)
            db.execute(f"INSERT OR REPLACE INTO procedures ({cols}) VALUES ({marks})",
                       list(row.values()))
    return len(procedures)


def _from_db(row: dict) -> Procedure:
    data = dict(row)
    data["documents"] = json.loads(data["documents"])
    for extra in ("search", "source", "updated_at"):
        data.pop(extra, None)
    return procedure_from_row(data)


def get(db: sqlite_utils.Database, code: str) -> Procedure | None:
    rows = list(db.query("SELECT * FROM procedures WHERE code = ?", [code.strip().upper()]))
    return _from_db(rows[0]) if rows else None


def count(db: sqlite_utils.Database) -> int:
    return db.execute("SELECT count(*) FROM procedures").fetchone()[0]


def search(db: sqlite_utils.Database, text: str = "", limit: int | None = None) -> list[Procedure]:
    """Procedures whose code, field or name contain every word of ``text``, diacritics ignored.

    Sorted by field, then name, in Vietnamese order.
    """
    words = tokens(text)
    where = " AND ".join("search LIKE ?" for _ in words) or "1"
    rows = db.query(f"SELECT * FROM procedures WHERE {where}", [f"%{w}%" for w in words])
    found = sorted((_from_db(r) for r in rows), key=lambda p: (sort_key(p.field), sort_key(p.name)))
    return found[:limit] if limit else found
