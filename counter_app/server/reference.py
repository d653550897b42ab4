"""Reference data: the catalogue and the calendar (common to every commune) and each
commune's officers. A dataset's version is the largest server_seq among its rows."""

from __future__ import annotations

import datetime as dt
import json

from sqlalchemy import Connection, func, select

from counter_app.domain.procedures import Procedure
from counter_app.domain.text import clean
from counter_app.server import database, feeds
from counter_app.server.schema import calendar_overrides, communes, officers, procedures


def _version(table, *where):
    """The dataset's version, as a scalar subquery (an index step: revision 0015)."""
    return (select(func.coalesce(func.max(table.c.updated_seq), 0)).where(*where)
            .scalar_subquery())


def versions(conn: Connection, commune_id: int) -> dict[str, int]:
    """The four datasets' versions, in one statement: every desk asks at every round."""
    row = conn.execute(select(
        _version(procedures).label("catalogue"),
        _version(calendar_overrides).label("calendar"),
        _version(officers, officers.c.commune_id == commune_id).label("officers"),
        _version(communes).label("units"))).one()
    return {k: int(v) for k, v in row._mapping.items()}


def _changed(version: int, asked: int) -> bool:
    """Send the dataset unless the desk has exactly this version (or there is none)."""
    return version != 0 and version != asked


def reference(conn: Connection, desk: dict, asked: dict[str, int]) -> dict:
    out: dict = {"catalogue": None, "calendar": None, "officers": None, "units": None}
    now = versions(conn, desk["commune_id"])
    version = now["catalogue"]
    if _changed(version, asked["catalogue"]):
        rows = conn.execute(select(procedures.c.record_json).order_by(procedures.c.code))
        out["catalogue"] = {"version": version,
                            "procedures": [json.loads(r[0]) for r in rows]}
    version = now["calendar"]
    if _changed(version, asked["calendar"]):
        rows = conn.execute(select(calendar_overrides).where(
            calendar_overrides.c.deleted.is_(False)).order_by(calendar_overrides.c.day))
        out["calendar"] = {"version": version, "overrides": [
            {"day": r.day, "kind": r.kind, "reason": r.reason} for r in rows]}
    mine = officers.c.commune_id == desk["commune_id"]
    version = now["officers"]
    if _changed(version, asked["officers"]):
        rows = conn.execute(select(officers.c.record_json).where(mine)
                            .order_by(officers.c.username))
        out["officers"] = {"version": version, "officers": [json.loads(r[0]) for r in rows]}
    version = now["units"]
    if _changed(version, asked.get("units", 0)):
        rows = conn.execute(select(communes.c.code, communes.c.name, communes.c.kind)
                            .order_by(communes.c.code))
        out["units"] = {"version": version, "units": [
            {"code": r.code, "name": r.name, "kind": r.kind} for r in rows]}
    return out


def import_catalogue(conn: Connection, items: list[Procedure]) -> int:
    """Add or replace these procedures (one new catalogue version)."""
    if not items:
        return 0
    seq = feeds.reserve(conn, 1, [feeds.REFERENCE])[0]
    rows = [{"code": p.code, "record_json": json.dumps(p.to_dict(), ensure_ascii=False),
             "updated_seq": seq} for p in items]
    database.upsert(conn, procedures, rows, ["code"])
    return len(rows)


def set_day(conn: Connection, day: dt.date, kind: str, reason: str) -> None:
    if kind not in ("off", "work"):
        raise ValueError("kind must be 'off' or 'work'")
    seq = feeds.reserve(conn, 1, [feeds.REFERENCE])[0]
    database.upsert(conn, calendar_overrides, [
        {"day": day.isoformat(), "kind": kind, "reason": clean(reason), "deleted": False,
         "updated_seq": seq}], ["day"])


def clear_day(conn: Connection, day: dt.date) -> bool:
    """Remove a day's override (kept as a tombstone so the version moves on)."""
    row = conn.execute(select(calendar_overrides.c.deleted).where(
        calendar_overrides.c.day == day.isoformat())).first()
    if row is None or row[0]:
        return False
    seq = feeds.reserve(conn, 1, [feeds.REFERENCE])[0]
    conn.execute(calendar_overrides.update().where(
        calendar_overrides.c.day == day.isoformat()).values(deleted=True, updated_seq=seq))
    return True


def officer_records(conn: Connection, commune_id: int) -> list[dict]:
    rows = conn.execute(select(officers.c.record_json).where(
        officers.c.commune_id == commune_id).order_by(officers.c.username))
    return [json.loads(r[0]) for r in rows]


def reset_account_trust(conn: Connection, commune_id: int) -> tuple[int, int]:
    """The province takes a commune's accounts back after the wrong administrator was
    anchored first (docs/security.md §1): the commune's anchors are removed and its accounts
    lose their signatures, so none of them signs any more; they stay as they are (the desks
    keep working and signing in). The commune's next enrolment with a code and an
    administrator's signed account anchors again. Returns (anchors removed, accounts
    unsigned)."""
    from counter_app.server.schema import commune_anchors

    removed = conn.execute(commune_anchors.delete().where(
        commune_anchors.c.commune_id == commune_id)).rowcount
    rows = conn.execute(select(officers.c.username, officers.c.record_json).where(
        officers.c.commune_id == commune_id)).all()
    unsigned = 0
    for username, raw in rows:
        record = json.loads(raw)
        if record.pop("signed", None) is not None:
            unsigned += 1
            conn.execute(officers.update().where(
                officers.c.commune_id == commune_id, officers.c.username == username
            ).values(record_json=json.dumps(record, ensure_ascii=False)))
    return removed, unsigned
