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


# -- signed records (domain.account_signing) ------------------------------------------------
def as_record(row: dict) -> dict:
    return {"username": row["username"], "full_name": row["full_name"], "title": row["title"],
            "roles": json.loads(row["roles"]), "password_hash": row["password_hash"],
            "active": bool(row["active"]), "updated_at": row["updated_at"],
            "revision": row["revision"], "public_key": row["public_key"],
            "sealed_key": json.loads(row["sealed_key"]) if row["sealed_key"] else None,
            "signed": json.loads(row["signed"]) if row["signed"] else None}


def record(db: sqlite_utils.Database, username: str) -> dict | None:
    """The account as the desks exchange it (``signed``: None while no one signed it)."""
    rows = list(db.query("SELECT * FROM officers WHERE username = ?", [username]))
    return as_record(rows[0]) if rows else None


def records(db: sqlite_utils.Database) -> dict[str, dict]:
    return {r["username"]: as_record(r) for r in db.query("SELECT * FROM officers")}


def _columns(r: dict) -> list:
    known = [role.value for role in Role if role.value in (r.get("roles") or [])]
    return [r["username"], r["full_name"], r.get("title") or "", json.dumps(known),
            r["password_hash"], int(bool(r.get("active"))), r["updated_at"],
            int(r.get("revision") or 0), r.get("public_key"),
            json.dumps(r["sealed_key"]) if r.get("sealed_key") else None,
            json.dumps(r["signed"]) if r.get("signed") else None]


_UPSERT = (
    "INSERT INTO officers (username, full_name, title, roles, password_hash, active, "
    "updated_at, revision, public_key, sealed_key, signed, created_at) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
    "ON CONFLICT(username) DO UPDATE SET full_name = excluded.full_name, "
    "title = excluded.title, roles = excluded.roles, password_hash = excluded.password_hash, "
    "active = excluded.active, updated_at = excluded.updated_at, "
    "revision = excluded.revision, public_key = excluded.public_key, "
    "sealed_key = excluded.sealed_key, signed = excluded.signed, ")


def put_record(db: sqlite_utils.Database, r: dict) -> None:
    """An account made or changed at this desk: it goes up at the next sync when signed."""
    db.execute(_UPSERT + "local_rev = officers.local_rev + 1, sync_refused = NULL",
               [*_columns(r), r["updated_at"]])


def put_pulled(db: sqlite_utils.Database, r: dict) -> None:
    """An account the server sent (already checked): nothing of it is to be sent back."""
    db.execute(_UPSERT + "pushed_rev = officers.local_rev, sync_refused = NULL",
               [*_columns(r), r["updated_at"]])
    db.execute("UPDATE officers SET pushed_rev = local_rev WHERE username = ?",
               [r["username"]])


def to_endorse(db: sqlite_utils.Database) -> list[str]:
    """Accounts waiting for an administrator's signature: never signed (made before
    signatures, or a key made at sign-in), or refused by the server (signed by a key the
    commune does not know, e.g. a first-run administrator of a desk installed later)."""
    return [r[0] for r in db.execute(
        "SELECT username FROM officers WHERE signed IS NULL OR sync_refused IS NOT NULL "
        "ORDER BY username")]


def mark_refused(db: sqlite_utils.Database, refused: dict[str, str]) -> None:
    db.conn.executemany("UPDATE officers SET sync_refused = ? WHERE username = ?",
                        [(why or "?", u) for u, why in refused.items()])


def retry_refused(db: sqlite_utils.Database) -> None:
    """After an enrolment (a new anchor): what the server refused may be accepted now."""
    db.execute("UPDATE officers SET sync_refused = NULL WHERE sync_refused IS NOT NULL")
