"""Form II.06a at the district server: per commune, and for all communes together.

The same query and the same counting rules as the desk (``counter_app.reports.ii06a``, whose
docstring sets them out), run over the server's copy of every commune's dossiers: one
aggregate grouped by commune and procedure. A procedure's field and name come from the
server's catalogue, or, for a code it does not hold, from the latest dossier's snapshot.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy import Connection, select, text

from counter_app.reports import ii06a
from counter_app.reports.periods import Period
from counter_app.server.schema import communes, dossiers, procedures

_OTHER_FIELD = "Lĩnh vực khác"


@dataclass
class CommuneReport:
    code: str       # the commune's agency code
    name: str
    report: ii06a.Report

    def to_dict(self) -> dict:
        return {"commune": self.code, "name": self.name, **self.report.to_dict()}


def _names(conn: Connection, codes: list[str]) -> dict[str, tuple[str, str]]:
    out: dict[str, tuple[str, str]] = {}
    if not codes:
        return out
    for code, record in conn.execute(select(procedures.c.code, procedures.c.record_json)
                                     .where(procedures.c.code.in_(codes))):
        data = json.loads(record)
        out[code] = (data.get("field") or _OTHER_FIELD, data.get("name") or code)
    for code in codes:
        if code in out:
            continue
        row = conn.execute(select(dossiers.c.row_json).where(dossiers.c.procedure_code == code)
                           .order_by(dossiers.c.received_at.desc()).limit(1)).scalar()
        data = json.loads(row) if row else {}
        snapshot = data.get("procedure_snapshot") or {}
        if isinstance(snapshot, str):
            snapshot = json.loads(snapshot)
        out[code] = (snapshot.get("field") or _OTHER_FIELD, data.get("procedure_name") or code)
    return out


def _groups(conn: Connection, period: Period, commune_id: int | None) -> list[tuple]:
    where = "commune_id = :commune" if commune_id is not None else ""
    sql = ii06a.grouped_sql("commune_id, procedure_code", where)
    params = {**ii06a.bounds(period), "commune": commune_id}
    return [tuple(r) for r in conn.execute(text(sql), params)]


def _communes(conn: Connection, commune: str | None) -> list:
    query = select(communes.c.id, communes.c.code, communes.c.name).order_by(communes.c.code)
    if commune is not None:
        query = query.where(communes.c.code == commune)
    known = conn.execute(query).all()
    if commune is not None and not known:
        raise LookupError(commune)
    return known


def _fold_each(period: Period, by_procedure: bool, known: list, groups: list[tuple],
               names: dict) -> list[CommuneReport]:
    by_id: dict[int, list[tuple]] = {}
    for commune_id, *rest in groups:
        by_id.setdefault(commune_id, []).append(tuple(rest))
    return [CommuneReport(c.code, c.name, ii06a.fold(period, by_procedure, by_id.get(c.id, []),
                                                     lambda codes: names))
            for c in known]


def per_commune(conn: Connection, period: Period, by_procedure: bool = False,
                commune: str | None = None) -> list[CommuneReport]:
    """One report per commune (every commune the server knows, with or without dossiers),
    or only ``commune`` (its agency code; ``LookupError`` if unknown), by commune code."""
    known = _communes(conn, commune)
    groups = _groups(conn, period, known[0].id if commune is not None else None)
    names = _names(conn, sorted({g[1] for g in groups}))
    return _fold_each(period, by_procedure, known, groups, names)


def all_communes(conn: Connection, period: Period, by_procedure: bool = False) -> ii06a.Report:
    """Every commune's dossiers counted together (one form for the district)."""
    return district(conn, period, by_procedure)[1]


def district(conn: Connection, period: Period,
             by_procedure: bool = False) -> tuple[list[CommuneReport], ii06a.Report]:
    """Each commune's report and all of them together, from one pass over the dossiers."""
    known = _communes(conn, None)
    groups = _groups(conn, period, None)
    names = _names(conn, sorted({g[1] for g in groups}))
    together = ii06a.fold(period, by_procedure, [g[1:] for g in groups], lambda codes: names)
    return _fold_each(period, by_procedure, known, groups, names), together
