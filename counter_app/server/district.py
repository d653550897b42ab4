"""The district's read-only views: dossiers of every commune, counts, communes and desks."""

from __future__ import annotations

import datetime as dt
import json

from sqlalchemy import Connection, and_, case, func, select

from counter_app.domain.lifecycle import ACTIVE, OPEN
from counter_app.domain.text import tokens
from counter_app.server import clock
from counter_app.server.schema import communes, devices, dossiers

#: Heavy columns the list leaves out (the desks have them).
_LEFT_OUT = ("procedure_snapshot", "documents", "search")


def find_dossiers(conn: Connection, q: str, commune: str, status: int | None,
                  limit: int, offset: int) -> dict:
    where = [dossiers.c.search.like(f"%{word}%") for word in tokens(q)]
    if commune:
        where.append(communes.c.code == commune)
    if status is not None:
        where.append(dossiers.c.status == status)
    joined = dossiers.join(communes, communes.c.id == dossiers.c.commune_id)
    total = conn.execute(select(func.count()).select_from(joined).where(*where)).scalar_one()
    rows = conn.execute(
        select(communes.c.code, dossiers.c.row_json).select_from(joined).where(*where)
        .order_by(dossiers.c.received_at.desc(), dossiers.c.id).limit(limit).offset(offset))
    found = []
    for code, text in rows:
        row = {k: v for k, v in json.loads(text).items() if k not in _LEFT_OUT}
        found.append({"commune": code, **row})
    return {"dossiers": found, "total": total}


def _desks(conn: Connection) -> dict[int, list[dict]]:
    by_commune: dict[int, list[dict]] = {}
    for r in conn.execute(select(devices).order_by(devices.c.commune_id, devices.c.desk_number)):
        by_commune.setdefault(r.commune_id, []).append({
            "desk_id": r.desk_id, "desk_number": r.desk_number, "enrolled_at": r.enrolled_at,
            "revoked_at": r.revoked_at, "last_seen": r.last_seen, "waiting": r.waiting,
            "clock_offset_s": r.clock_offset_s, "app_version": r.app_version,
            "acked_through": r.last_seq, "last_pull_cursor": r.last_pull_cursor})
    return by_commune


def communes_list(conn: Connection) -> dict:
    desks = _desks(conn)
    return {"communes": [{"code": r.code, "name": r.name, "desks": desks.get(r.id, [])}
                         for r in conn.execute(select(communes).order_by(communes.c.code))]}


def counts(conn: Connection, start: dt.date, end: dt.date) -> dict:
    """Per commune: received in [start, end], their status now, finished in the period by
    verdict, open and overdue now; and the desks."""
    lo, hi = start.isoformat(), (end + dt.timedelta(days=1)).isoformat()
    now = clock.now().isoformat(timespec="minutes")  # as due_at is stored
    c = dossiers.c
    in_period = and_(c.received_at >= lo, c.received_at < hi)
    finished = and_(c.finished_at >= lo, c.finished_at < hi)
    sums = {
        "received": func.sum(case((in_period, 1), else_=0)),
        "finished_early": func.sum(case((and_(finished, c.verdict == "early"), 1), else_=0)),
        "finished_on_time": func.sum(case((and_(finished, c.verdict == "on_time"), 1),
                                          else_=0)),
        "finished_late": func.sum(case((and_(finished, c.verdict == "late"), 1), else_=0)),
        "open_now": func.sum(case((c.status.in_([int(s) for s in ACTIVE]), 1), else_=0)),
        "overdue_now": func.sum(case((and_(c.status.in_([int(s) for s in OPEN]),
                                           c.due_at < now), 1), else_=0)),
    }
    totals = {r.commune_id: r for r in conn.execute(
        select(c.commune_id, *[v.label(k) for k, v in sums.items()]).group_by(c.commune_id))}
    by_status: dict[int, dict[str, int]] = {}
    for r in conn.execute(select(c.commune_id, c.status, func.count()).where(in_period)
                          .group_by(c.commune_id, c.status)):
        by_status.setdefault(r[0], {})[str(r[1])] = r[2]
    desks = _desks(conn)
    out = []
    for r in conn.execute(select(communes).order_by(communes.c.code)):
        t = totals.get(r.id)
        item = {"code": r.code, "name": r.name,
                **{k: int(getattr(t, k) or 0) if t else 0 for k in sums},
                "by_status": by_status.get(r.id, {}), "desks": desks.get(r.id, [])}
        out.append(item)
    return {"from": start.isoformat(), "to": end.isoformat(), "communes": out}
