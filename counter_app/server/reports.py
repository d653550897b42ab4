"""Form II.06a at the district server: per commune, and for all communes together.

The same query and the same counting rules as the desk (``counter_app.reports.ii06a``, whose
docstring sets them out), run over the server's copy of every commune's dossiers: one
aggregate grouped by unit and procedure. A procedure's field and name come from the
server's catalogue, or, for a code it does not hold, from the latest dossier's snapshot.

A dossier received by one commune for another unit is counted in the **competent (deciding)
unit's** form, never the receiving commune's: grouped by ``coalesce(competent_id,
commune_id)`` (``ii06a`` rule 4; as the Tân Dân system, which groups II.06a by the
dossier's unit, the competent one [confirmed: code]). Provincial bodies are rows of
``communes`` too, so each gets its own form; the sum over all units is unchanged.

``digitisation``: each unit's digitisation inputs of the QĐ 766 index (reports/
digitisation.py, whose docstring sets out the rules): receptions by the receiving commune,
results by the deciding unit, from the dossiers' ``row_json`` and the applied ``attach``
events in the inbox, in one SQL text per dialect.
"""


from __future__ import annotations

import functools
import json
from dataclasses import dataclass

from sqlalchemy import Connection, select, text

from counter_app.reports import digitisation as _digitisation
from counter_app.reports import ii06a
from counter_app.reports import transfers as _transfers
from counter_app.reports.periods import Period
from counter_app.server.schema import communes, dossiers, procedures

_OTHER_FIELD = "Lĩnh vực khác"
#: The unit whose form counts a dossier: the one deciding it.
UNIT_OF = "coalesce(competent_id, commune_id)"
#: One unit's dossiers, written so each side can use its index (commune_id / competent_id).
_ONE_UNIT = ("((commune_id = :commune AND (competent_id IS NULL OR competent_id = commune_id))"
             " OR competent_id = :commune)")


@dataclass
class CommuneReport:
    code: str       # the commune's agency code
    name: str
    report: ii06a.Report

    def to_dict(self) -> dict:
        return {"commune": self.code, "name": self.name, **self.report.to_dict()}


@functools.cache
def _bundled_names() -> dict[str, tuple[str, str]]:
    """Procedure code -> (field, name) of the catalogue bundled with the program."""
    from counter_app.store.catalogue_files import bundled

    return {p.code: (p.field or _OTHER_FIELD, p.name) for p in bundled()}


def _names(conn: Connection, codes: list[str]) -> dict[str, tuple[str, str]]:
    out: dict[str, tuple[str, str]] = {}
    if not codes:
        return out
    for code, record in conn.execute(select(procedures.c.code, procedures.c.record_json)
                                     .where(procedures.c.code.in_(codes))):
        data = json.loads(record)
        out[code] = (data.get("field") or _OTHER_FIELD, data.get("name") or code)
    bundled = _bundled_names()
    for code in codes:
        if code not in out and code in bundled:  # the program's own list: no query
            out[code] = bundled[code]
    for code in codes:  # a code on neither list: the name the newest dossier carries
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
    where = _ONE_UNIT if commune_id is not None else ""
    sql = ii06a.grouped_sql((UNIT_OF, "procedure_code"), where)
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


def transfers(conn: Connection, period: Period, unit: str | None = None,
              direction: str = _transfers.FLOWS) -> _transfers.TransferReport:
    """Dossiers received by one unit for another in ``period`` (reports/transfers.py):
    FLOWS, one row per (receiving commune, competent unit) over the province; or, for
    ``unit`` (an agency code; ``LookupError`` if unknown), SENT (what it received for
    others) or RECEIVED (what others received for it). One pass over the transfers of the
    period (index ``dossiers_competent_received``); their times are read from row_json."""
    units = {r.id: (r.code, r.name) for r in conn.execute(
        select(communes.c.id, communes.c.code, communes.c.name))}
    d = dossiers.c
    bounds = ii06a.bounds(period)
    where = [d.competent_id.is_not(None), d.competent_id != d.commune_id,
             d.received_at >= bounds["start"], d.received_at < bounds["next"],
             d.status.not_in((1, 3))]
    code = ""
    if unit is not None:
        found = [i for i, (c, _) in units.items() if c == unit]
        if not found:
            raise LookupError(unit)
        code = unit
        where.append((d.commune_id if direction == _transfers.SENT else d.competent_id)
                     == found[0])
    elif direction != _transfers.FLOWS:
        raise ValueError("a direction needs a unit")
    rows = conn.execute(select(d.commune_id, d.competent_id, d.status, d.verdict, d.row_json)
                        .where(*where))
    found_dossiers = []
    for r in rows:
        receiving = units.get(r.commune_id, (str(r.commune_id), ""))[0]
        competent, name = units.get(r.competent_id, (str(r.competent_id), ""))
        found_dossiers.append(_transfers.from_row_json(receiving, competent, name, r.status,
                                                       r.verdict, r.row_json))
    names = dict(units.values())
    return _transfers.fold(period, direction, code, found_dossiers, names)


def digitisation(conn: Connection, period: Period) -> dict[int, _digitisation.Digitisation]:
    """Unit id -> its digitisation inputs for ``period`` (units with nothing are absent).

    PostgreSQL estimates the per-dossier subqueries far above ``jit_above_cost`` and would
    spend about half a second compiling the query: JIT is off for these two queries only
    (``SET LOCAL``, put back after them)."""
    reception, result = _digitisation.server_sql(conn.dialect.name)
    params = _digitisation.bounds(period)
    pg = conn.dialect.name == "postgresql"
    if pg:
        was = conn.exec_driver_sql("SHOW jit").scalar()
        conn.exec_driver_sql("SET LOCAL jit = off")
    try:
        return _digitisation.fold_units(conn.execute(text(reception), params).all(),
                                        conn.execute(text(result), params).all())
    finally:
        if pg and was in ("on", "off"):
            conn.exec_driver_sql(f"SET LOCAL jit = {was}")


def digitisation_of(found: dict[int, _digitisation.Digitisation],
                    unit_id: int) -> _digitisation.Digitisation:
    return found.get(unit_id) or _digitisation.Digitisation()
