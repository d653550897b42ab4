"""Reference data from the server: the procedure catalogue, the calendar's days off and
working days, and the commune's officer accounts (PROTOCOL.md, Reference data).

The desk sends the versions it has; the server answers ``null`` for a dataset that has not
changed. Each dataset that did is replaced whole, in one transaction together with its new
version, so a desk never holds half of a catalogue:

- catalogue: every procedure the server lists is written with source ``server``; a
  procedure that came from the server before and is no longer listed is removed (bundled and
  locally imported ones stay);
- calendar: the overrides become exactly the server's;
- officers: the server's accounts, except those changed here and not pushed yet (they go up
  at the next push and come back from there); a pulled account is marked as pushed.
"""

from __future__ import annotations

import datetime as dt
import json
import logging

import sqlite_utils

from counter_app.domain.procedures import procedure_from_row
from counter_app.domain.roles import Role
from counter_app.store import procedure_store
from counter_app.store.database import transaction
from counter_app.sync import desk_state
from counter_app.sync.transport import Channel

log = logging.getLogger(__name__)
DATASETS = ("catalogue", "calendar", "officers")


def _save_version(db: sqlite_utils.Database, name: str, version: int) -> None:
    versions = dict(desk_state.get(db, desk_state.REF_VERSIONS, {}) or {})
    versions[name] = int(version)
    desk_state.put(db, desk_state.REF_VERSIONS, versions)


def apply_catalogue(db: sqlite_utils.Database, data: dict) -> int:
    procedures = []
    for record in data.get("procedures") or []:
        try:
            procedures.append(procedure_from_row(dict(record)))
        except (ValueError, KeyError, TypeError) as exc:
            log.warning("procedure from the server left out (%s): %s", record.get("code"), exc)
    codes = [p.code for p in procedures]
    with transaction(db):
        procedure_store.upsert_all(db, procedures, "server")
        marks = ", ".join("?" for _ in codes)
        db.execute(f"DELETE FROM procedures WHERE source = 'server' "
                   f"AND code NOT IN ({marks or 'NULL'})", codes)
        _save_version(db, "catalogue", data["version"])
    return len(procedures)


def apply_calendar(db: sqlite_utils.Database, data: dict) -> int:
    stamp = dt.datetime.now().isoformat(timespec="seconds")
    rows = [(o["day"], o["kind"], o.get("reason") or "", stamp)
            for o in data.get("overrides") or [] if o.get("kind") in ("off", "work")]
    with transaction(db):
        db.execute("DELETE FROM calendar_overrides")
        db.conn.executemany("INSERT OR REPLACE INTO calendar_overrides (day, kind, reason, "
                            "updated_at) VALUES (?, ?, ?, ?)", rows)
        _save_version(db, "calendar", data["version"])
    return len(rows)


def apply_officers(db: sqlite_utils.Database, data: dict) -> int:
    known = {r.value for r in Role}
    rows = []
    for o in data.get("officers") or []:
        roles = [r for r in o.get("roles") or [] if r in known]
        rows.append({"username": o["username"], "full_name": o["full_name"],
                     "title": o.get("title") or "", "roles": json.dumps(roles),
                     "password_hash": o["password_hash"], "active": int(bool(o.get("active"))),
                     "updated_at": o.get("updated_at") or dt.datetime.now().isoformat(
                         timespec="seconds")})
    with transaction(db):
        dirty = {r[0] for r in db.execute("SELECT username FROM officers "
                                          "WHERE local_rev > pushed_rev")}
        rows = [r for r in rows if r["username"] not in dirty]
        listed = [r["username"] for r in rows]
        marks = ", ".join("?" for _ in listed)
        db.execute(f"DELETE FROM officers WHERE local_rev <= pushed_rev "
                   f"AND username NOT IN ({marks or 'NULL'})", listed)
        db.conn.executemany(
            "INSERT INTO officers (username, full_name, title, roles, password_hash, active, "
            "created_at, updated_at, local_rev, pushed_rev) VALUES (:username, :full_name, "
            ":title, :roles, :password_hash, :active, :updated_at, :updated_at, 1, 1) "
            "ON CONFLICT(username) DO UPDATE SET full_name = excluded.full_name, "
            "title = excluded.title, roles = excluded.roles, "
            "password_hash = excluded.password_hash, active = excluded.active, "
            "updated_at = excluded.updated_at, pushed_rev = officers.local_rev", rows)
        _save_version(db, "officers", data["version"])
    return len(rows)


_APPLY = {"catalogue": apply_catalogue, "calendar": apply_calendar, "officers": apply_officers}


def refresh(db: sqlite_utils.Database, channel: Channel) -> list[str]:
    """Ask for what changed; returns the names of the datasets replaced."""
    versions = desk_state.get(db, desk_state.REF_VERSIONS, {}) or {}
    reply = channel.call("GET", "/v1/reference",
                         params={name: int(versions.get(name, 0)) for name in DATASETS})
    updated = []
    for name in DATASETS:
        data = reply.get(name)
        if isinstance(data, dict) and "version" in data:
            _APPLY[name](db, data)
            updated.append(name)
    return updated
