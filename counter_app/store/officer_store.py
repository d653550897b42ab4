"""Officer accounts in the desk's database (only the password's argon2 hash is kept)."""

from __future__ import annotations

import datetime as dt
import json

import sqlite_utils

from counter_app.domain.officers import Officer
from counter_app.domain.roles import Role
from counter_app.store.database import transaction


def _officer(row: dict) -> Officer:
    return Officer(row["username"], row["full_name"], row["title"],
                   frozenset(Role(r) for r in json.loads(row["roles"])), bool(row["active"]))


def count(db: sqlite_utils.Database) -> int:
    return db.execute("SELECT count(*) FROM officers").fetchone()[0]


def get(db: sqlite_utils.Database, username: str) -> Officer | None:
    rows = list(db.query("SELECT * FROM officers WHERE username = ?", [username]))
    return _officer(rows[0]) if rows else None


def password_hash(db: sqlite_utils.Database, username: str) -> str | None:
    row = db.execute("SELECT password_hash FROM officers WHERE username = ?",
                     [username]).fetchone()
    return row[0] if row else None


def all_officers(db: sqlite_utils.Database) -> list[Officer]:
    from counter_app.domain.text import sort_key

    officers = [_officer(r) for r in db.query("SELECT * FROM officers")]
    return sorted(officers, key=lambda o: (not o.active, sort_key(o.full_name), o.username))


def put(db: sqlite_utils.Database, officer: Officer, hashed: str, now: dt.datetime) -> None:
    """Insert or replace an account made or changed at this desk (it will go up to the server
    at the next sync: ``local_rev`` passes ``pushed_rev``)."""
    stamp = now.isoformat(timespec="seconds")
    roles = json.dumps([r.value for r in Role if r in officer.roles])
    with transaction(db):
        db.execute(
            "INSERT INTO officers (username, full_name, title, roles, password_hash, active, "
            "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT(username) DO UPDATE SET full_name = excluded.full_name, "
            "title = excluded.title, roles = excluded.roles, "
            "password_hash = excluded.password_hash, active = excluded.active, "
            "updated_at = excluded.updated_at, local_rev = officers.local_rev + 1",
            [officer.username, officer.full_name, officer.title, roles, hashed,
             int(officer.active), stamp, stamp])


def set_active(db: sqlite_utils.Database, username: str, active: bool, now: dt.datetime) -> None:
    db.execute("UPDATE officers SET active = ?, updated_at = ?, local_rev = local_rev + 1 "
               "WHERE username = ?",
               [int(active), now.isoformat(timespec="seconds"), username])


def set_password_hash(db: sqlite_utils.Database, username: str, hashed: str,
                      now: dt.datetime) -> None:
    db.execute("UPDATE officers SET password_hash = ?, updated_at = ?, "
               "local_rev = local_rev + 1 WHERE username = ?",
               [hashed, now.isoformat(timespec="seconds"), username])


def display_names(db: sqlite_utils.Database) -> dict[str, Officer]:
    """Every account by username, to print full names and titles on the forms."""
    return {r["username"]: _officer(r) for r in db.query("SELECT * FROM officers")}
