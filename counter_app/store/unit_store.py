"""The province's units as this desk last received them from the server (domain/units.py)."""

from __future__ import annotations

import sqlite_utils

from counter_app.domain.text import sort_key
from counter_app.domain.units import Unit


def all_units(db: sqlite_utils.Database) -> list[Unit]:
    """Communes first, then provincial bodies, each by name in Vietnamese order."""
    units = [Unit(r["code"], r["name"], r["kind"]) for r in db.query("SELECT * FROM units")]
    return sorted(units, key=lambda u: (u.kind != "commune", sort_key(u.name), u.code))


def replace_all(db: sqlite_utils.Database, units: list[Unit]) -> None:
    """The whole list, in the caller's transaction."""
    db.execute("DELETE FROM units")
    db.conn.executemany("INSERT OR REPLACE INTO units (code, name, kind) VALUES (?, ?, ?)",
                        [(u.code, u.name, u.kind) for u in units])
