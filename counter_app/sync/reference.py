"""Reference data from the server: the procedure catalogue, the calendar's days off and
working days, and the commune's officer accounts (PROTOCOL.md, Reference data).

The desk sends the versions it has; the server answers ``null`` for a dataset that has not
changed. Each dataset that did is replaced whole, in one transaction together with its new
version, so a desk never holds half of a catalogue:

- catalogue: every procedure the server lists is written with source ``server``; a
  procedure that came from the server before and is no longer listed is removed (bundled and
  locally imported ones stay);
- calendar: the overrides become exactly the server's;
- units: the province's communes and provincial bodies, replaced whole;
- officers: the server's accounts, each change only when it is signed as the rule says
  (``apply_officers``), except those changed here and not pushed yet (they go up at the
  next push and come back from there); a pulled account is marked as pushed.
"""

from __future__ import annotations

import datetime as dt
import logging
import sqlite3

import sqlite_utils

from counter_app.domain import account_signing as signing
from counter_app.domain.procedures import procedure_from_row
from counter_app.domain.text import clean
from counter_app.domain.units import UNIT_KINDS, Unit
from counter_app.store import (
    audit_log,
    officer_store,
    procedure_store,
    settings_store,
    unit_store,
)
from counter_app.store.audit_log import AuditAction
from counter_app.store.database import transaction
from counter_app.sync import desk_state
from counter_app.sync.transport import Channel

log = logging.getLogger(__name__)
DATASETS = ("catalogue", "calendar", "officers", "units")
SYSTEM = "(hệ thống)"  # who an audit entry is by when it is no officer's act


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
    """The commune's accounts from the server, each change applied only when its signature
    holds by this desk's own rule (domain.account_signing.check_change, against the accounts this
    desk holds and the anchors of its enrolment), whatever the server says. Every change
    applied, and every one refused, is in the audit trail with who signed it. Accounts
    changed here and not pushed yet are left as they are; none is ever deleted."""
    pulled = [o for o in data.get("officers") or []
              if isinstance(o, dict) and isinstance(o.get("username"), str)]
    now = dt.datetime.now().astimezone()
    with transaction(db):
        desk_id = settings_store.desk_id(db)
        local = officer_store.records(db)
        dirty = {r[0] for r in db.execute("SELECT username FROM officers "
                                          "WHERE local_rev > pushed_rev")}
        changed = [o for o in pulled if o["username"] not in dirty
                   and _fields_differ(o, local.get(o["username"]))]
        # a new desk's first-run accounts of names the commune already has (enrolment.py:
        # _yield_accounts) are replaced as if new, the commune's checked through its anchors
        yielded = set(desk_state.get(db, desk_state.YIELDED, []) or [])
        trusted = {u: r for u, r in local.items() if u not in yielded}
        accepted, refused = signing.check_batch(changed, trusted, anchors(db))
        applied = 0
        for record in accepted:
            before = local.get(record["username"])
            try:
                officer_store.put_pulled(db, record)
            except (KeyError, TypeError, ValueError, OverflowError,
                    sqlite3.IntegrityError) as exc:
                refused[record["username"]] = f"bản ghi không đọc được ({type(exc).__name__})"
                continue
            applied += 1
            by = record["signed"]["by"]
            audit_log.append(db, desk_id=desk_id, officer=by, at=now,
                             action=AuditAction.OFFICER_SYNCED, subject=record["username"],
                             detail={"by": by, "revision": record["revision"],
                                     "changes": _changes(before, record)})
        for username, why in sorted(refused.items()):
            signed = next((o.get("signed") for o in changed if o["username"] == username),
                          None)
            by = signed.get("by") if isinstance(signed, dict) else None
            log.warning("account %s from the server refused: %s", username, why)
            audit_log.append(db, desk_id=desk_id, officer=SYSTEM, at=now,
                             action=AuditAction.OFFICER_SYNC_REFUSED, subject=username,
                             detail={"reason": why, "signed_by": str(by)[:100] if by else None})
        desk_state.put(db, desk_state.YIELDED, [])
        desk_state.put(db, desk_state.ACCOUNTS_TAKEN, True)
        _save_version(db, "officers", data["version"])
    return applied


def anchors(db: sqlite_utils.Database) -> dict[str, str]:
    """The commune's keys the server bound by an enrolment code (public key → username), as
    this desk's enrolment received them."""
    stored = desk_state.get(db, desk_state.ANCHORS, {}) or {}
    return {k: v for k, v in stored.items() if isinstance(k, str) and isinstance(v, str)}


def _fields_differ(new: dict, old: dict | None) -> bool:
    return old is None or any(new.get(k) != old.get(k) for k in signing.SIGNED
                              if k not in ("updated_at", "revision"))


def _changes(before: dict | None, after: dict) -> list[str]:
    """The names of the fields that changed (never their values: hashes, keys)."""
    if before is None:
        return ["new"]
    return [k for k in ("full_name", "title", "roles", "active", "password_hash",
                        "public_key") if before.get(k) != after.get(k)]


def apply_units(db: sqlite_utils.Database, data: dict) -> int:
    """The province's communes and provincial bodies: replaced whole. An entry of the wrong
    shape is left out (and logged), never the whole list."""
    units = []
    for u in data.get("units") or []:
        if (isinstance(u, dict) and isinstance(u.get("code"), str)
                and 0 < len(u["code"]) <= 64 and isinstance(u.get("name"), str)
                and 0 < len(u["name"]) <= 200 and u.get("kind") in UNIT_KINDS):
            units.append(Unit(clean(u["code"]), clean(u["name"]), u["kind"]))
        else:
            log.warning("a unit from the server left out: %r", str(u)[:200])
    with transaction(db):
        unit_store.replace_all(db, units)
        _save_version(db, "units", data["version"])
    return len(units)


_APPLY = {"catalogue": apply_catalogue, "calendar": apply_calendar, "officers": apply_officers,
          "units": apply_units}


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
