"""Form II.06a/VPCP/KSTT (TT 01/2020/TT-VPCP, docs/law.md §5.1): the computation only.

Columns: 3 received total = 4 online + 5 in person or by post + 6 carried over;
7 resolved total = 8 early + 9 on time + 10 late; 11 still open = 12 within the deadline
+ 13 overdue. Every row and the total satisfy col3 = col4+col5+col6 = col7+col11.

The rules below are **the program's reading**. docs/law.md §5.1 gives the column layout
[Xác nhận] and Tân Dân's SQL definitions (one production system, not the circular); the
invariant itself is an inference (docs/law.md §5.1). Where neither settles a point it says so.

Period ``[start, end]`` = whole days, both included. A dossier's *end moment* is
``finished_at`` (the processing-finished moment, docs/law.md §3.2) for statuses 9/10, and
``status_at`` (the moment of the closing step) for statuses 3/7/8; the others (2/4/5/6)
have none.

1. Counted in the period (col3): received on or before ``end`` and without an end moment
   before ``start``. Status 1 (submitted online, not yet accepted) is never counted.
   - col4 / col5: received inside the period; col4 if ``channel`` = 2 (Trực tuyến), col5 for
     1 (Trực tiếp) and 3 (bưu chính) — the form puts post with in person.
   - col6: received before ``start`` and not ended before ``start`` (Tân Dân's "kỳ trước").
2. Resolved (col7): the end moment falls inside the period.
   - Statuses 9/10 by ``dossiers.verdict`` (early/on_time/late, set at finish by comparing
     dates, docs/law.md §3.2; the date comparison is repeated here if a verdict is missing).
     A dossier finished inside the period and returned to the citizen after it is resolved
     in this period (the hand-over does not count, §3.2).
   - Statuses 7 (withdrawn) and 8 (stopped at the citizen's request, before a decision):
     resolved, in col9 "đúng hạn". Tân Dân counts 7 as resolved and docs/law.md §3.2 notes
     that its 06a puts withdrawn dossiers under "đúng hạn". Putting 8 there too is the
     program's reading: the form has no column for "closed without a result" and these
     dossiers must leave the open count, or the next period's col6 would disagree with
     this period's col11. ``Row.closed_without_result`` tells how many of col9 they are.
   - Refused on the merits (the competent body's written refusal, docs/law.md §22): a
     result, status 9/10 with its verdict like any other, judged against the slip.
   - Refused at reception (status 3, Mẫu 03): never received, so neither in col3 nor in
     col7; ``Row.refused_at_reception`` counts those refused inside the period (a
     national indicator counts only received dossiers, docs/law.md §22). Dossiers that
     earlier versions put in status 3 during processing are read the same way: their
     Mẫu 03 told the citizen the dossier was not received.
3. Still open (col11): counted, and no end moment on or before ``end`` (so a dossier
   finished after the period is open in it, whatever its status today).
   - col12 within the deadline: the date of ``due_at`` is on or after the period's last day
     (finishing on the due date is on time, so a dossier due on ``end`` is not late yet);
     col13 overdue otherwise (Tân Dân: "appointment ≥ / < period end").
   - ``due_at`` is the dossier's current appointment: the lifecycle moves it at each
     resume after a supplement (by the waiting time) and at a Mẫu 04 re-appointment. For
     a past period this is the later appointment, not the one in force at that period's
     end (the events would be needed for that) — a known approximation.
   - Waiting for a supplement at the period end (status 5 now, ``paused_at`` ≤ ``end``):
     the clock stopped at ``paused_at`` and the new appointment is only known at resume,
     so the dossier is within the deadline unless its appointment had already passed when
     it was paused (due date < pause date) — program's reading. Tân Dân files such
     dossiers under a separate "tạm dừng" which the form does not have.

4. Which unit counts a dossier received for another one (``domain/sides.py``): the
   **competent (deciding) unit**, never the receiving counter. The Tân Dân system groups
   its II.06a by the dossier's unit (``BaoCaoSo06aHandler.cs``, ``GROUP BY DonViId``),
   and a boundary-free dossier's unit is the competent one from reception on
   (``ThemMoiHoSoPhiDiaGioi``: ``DonViPhiDiaGioi = DonViId``) [confirmed: code, research
   notes 17]; no official text settles it [not law]. At a desk: the rows another unit
   decides are left out, and those another commune received for this unit are counted
   (``DESK_UNIT``); at the server: by ``coalesce(competent_id, commune_id)``
   (``server/reports.py``). The receiving counter follows its own part in the table
   ``reports/transfers.py``.

Rows are the fields (lĩnh vực) of the procedure catalogue (``procedures.field`` by
``dossiers.procedure_code``; for a code no longer in the catalogue, the ``field`` of the
most recent dossier's procedure version), sorted in Vietnamese order; with
``by_procedure`` each field row carries its procedures' rows. Everything is one SQL
aggregate (one pass over the dossiers, no Python loop over them) grouped by procedure code
and column, plus one small lookup per procedure code found.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field, fields

from counter_app.domain.text import sort_key
from counter_app.reports.periods import Period

#: The 11 number columns of the form (col3..col13), in order.
COLUMNS = ("received_total", "received_online", "received_direct", "carried_over",
           "resolved_total", "resolved_early", "resolved_on_time", "resolved_late",
           "open_total", "open_within", "open_overdue")
COLUMN_NUMBERS = dict(zip(COLUMNS, range(3, 14), strict=True))
#: codes -> {code: (field, procedure name)}
NamesFor = Callable[[list[str]], dict[str, tuple[str, str]]]


@dataclass
class Row:
    """One line of the form; ``stt`` is "1", "2"… for fields and "1.1"… for procedures."""
    stt: str
    label: str
    field: str
    procedure_code: str | None = None
    received_total: int = 0       # col3
    received_online: int = 0      # col4
    received_direct: int = 0      # col5 (in person or by post)
    carried_over: int = 0         # col6
    resolved_total: int = 0       # col7
    resolved_early: int = 0       # col8
    resolved_on_time: int = 0     # col9
    resolved_late: int = 0        # col10
    open_total: int = 0           # col11
    open_within: int = 0          # col12
    open_overdue: int = 0         # col13
    closed_without_result: int = 0  # part of col9: withdrawn/stopped (not a column)
    refused_at_reception: int = 0   # Mẫu 03 at the counter: not received (not a column)
    procedures: list[Row] = field(default_factory=list)

    def columns(self) -> tuple[int, ...]:
        """col3..col13 in the form's order."""
        return tuple(getattr(self, name) for name in COLUMNS)

    def add(self, other: Row) -> None:
        for name in (*COLUMNS, "closed_without_result", "refused_at_reception"):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def problems(self) -> list[str]:
        """The form's invariants that this row breaks (empty when it is consistent)."""
        out = []
        if self.received_total != self.received_online + self.received_direct + self.carried_over:
            out.append("cột 3 ≠ cột 4 + cột 5 + cột 6")
        if self.resolved_total != self.resolved_early + self.resolved_on_time + self.resolved_late:
            out.append("cột 7 ≠ cột 8 + cột 9 + cột 10")
        if self.open_total != self.open_within + self.open_overdue:
            out.append("cột 11 ≠ cột 12 + cột 13")
        if self.received_total != self.resolved_total + self.open_total:
            out.append("cột 3 ≠ cột 7 + cột 11")
        return out

    def to_dict(self) -> dict:
        data = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "procedures"}
        if self.procedures:
            data["procedures"] = [p.to_dict() for p in self.procedures]
        return data


@dataclass
class Report:
    period: Period
    by_procedure: bool
    rows: list[Row]
    total: Row

    def to_dict(self) -> dict:
        return {"form": "II.06a/VPCP/KSTT", "period": self.period.to_dict(),
                "by_procedure": self.by_procedure, "columns": COLUMN_NUMBERS,
                "rows": [r.to_dict() for r in self.rows], "total": self.total.to_dict()}


# One pass over the dossiers: every counted dossier of the period, grouped by procedure code,
# by where it enters the form (column 4/5/6) and where it leaves it (8/9/10, 0 = closed
# without a result, counted in 9; 12/13 = open). Each dossier's CASE is evaluated once and
# the few hundred groups are folded into columns in Python.
# :start = first day, :end = last day, :next = the day after (ISO text compares as time).
# {keys}: the grouping columns before the two column numbers; {where}: extra conditions.
# Plain SQL that SQLite and PostgreSQL both run (the district server counts with it too).
_SQL = """
SELECT {keys},
       CASE WHEN status = 3 THEN 0
            WHEN received_at < :start THEN 6 WHEN channel = 2 THEN 4 ELSE 5 END,
       CASE WHEN status = 3 THEN 3
            WHEN status >= 9 AND finished_at < :next THEN {timeliness}
            WHEN status IN (7, 8) AND status_at < :next THEN 0
            WHEN substr(due_at, 1, 10) >= CASE WHEN status = 5 AND paused_at < :next
                                               THEN substr(paused_at, 1, 10) ELSE :end END
            THEN 12 ELSE 13 END,
       count(*)
FROM dossiers
WHERE received_at < :next AND status <> 1
  AND NOT (status >= 9 AND finished_at < :start)
  AND NOT (status IN (3, 7, 8) AND status_at < :start)
  AND NOT (status = 3 AND status_at >= :next){where}
GROUP BY {group}
"""
#: The column (8 early, 9 on time, 10 late) a dossier with a result leaves the form by: its
#: verdict, or, when missing, the dates compared (finishing on the due date is on time).
TIMELINESS_COLUMN = """CASE verdict WHEN 'early' THEN 8 WHEN 'on_time' THEN 9 WHEN 'late' THEN 10
    ELSE CASE WHEN substr(finished_at, 1, 10) < substr(due_at, 1, 10) THEN 8
              WHEN substr(finished_at, 1, 10) = substr(due_at, 1, 10) THEN 9
              ELSE 10 END END"""
#: The dossiers a desk counts as its unit's (rule 4): its own, and those another commune
#: received for it (``competent_agency = :here``); not those it received for another unit.
#: NULL or "" in competent_agency (a row an older desk's event made) is the commune's own.
DESK_UNIT = ("(competent_agency IS NULL OR competent_agency = '' "
             "OR competent_agency = receiving_agency OR competent_agency = :here)")
#: The desk's query: "+procedure_code" keeps SQLite from walking an index in code order
#: (a full pass in table order is faster than a sort-free index walk here).
DESK_SQL = _SQL.format(keys="procedure_code", where=f"\n  AND {DESK_UNIT}",
                       group="+procedure_code, 2, 3", timeliness=TIMELINESS_COLUMN)
_IN = {4: "received_online", 5: "received_direct", 6: "carried_over"}
#: Refused at reception (status 3): neither received nor resolved, counted beside the form.
_REFUSED = (0, 3)
_OUT = {8: ("resolved_total", "resolved_early"), 9: ("resolved_total", "resolved_on_time"),
        10: ("resolved_total", "resolved_late"),
        0: ("resolved_total", "resolved_on_time", "closed_without_result"),
        12: ("open_total", "open_within"), 13: ("open_total", "open_overdue")}


def grouped_sql(keys: str | tuple[str, ...], where: str = "") -> str:
    """The same count grouped by ``keys`` (e.g. ``("coalesce(competent_id, commune_id)",
    "procedure_code")``; a plain string is split at its commas), with extra ``AND``
    conditions: each result row is (*keys, column in, column out, count). Grouped by
    position, so a key may be any expression (SQLite and PostgreSQL both take it)."""
    if isinstance(keys, str):
        keys = tuple(k.strip() for k in keys.split(","))
    n = len(keys)
    return _SQL.format(keys=", ".join(keys), where=f"\n  AND {where}" if where else "",
                       group=", ".join(str(i) for i in range(1, n + 3)),
                       timeliness=TIMELINESS_COLUMN)


def _bounds(period: Period) -> dict:
    return {"start": period.start.isoformat(), "end": period.end.isoformat(),
            "next": (period.end + dt.timedelta(days=1)).isoformat()}


#: The latest dossier's procedure as received: its version's body on a desk (schema 9),
#: the row's own copy on the server.
_LATEST_VERSION = ("SELECT v.body, d.procedure_name FROM dossiers d "
                   "LEFT JOIN procedure_versions v ON v.id = d.procedure_version "
                   "WHERE d.procedure_code = ? ORDER BY d.received_at DESC LIMIT 1")


def procedure_names(db, codes: list[str]) -> dict[str, tuple[str, str]]:
    """code -> (field, name): the catalogue first, else the latest dossier's snapshot."""
    out: dict[str, tuple[str, str]] = {}
    for code in codes:
        row = db.execute("SELECT field, name FROM procedures WHERE code = ?", [code]).fetchone()
        if row is None:
            snap = db.execute(_LATEST_VERSION, [code]).fetchone()
            try:
                field_ = json.loads(snap[0]).get("field") or ""
            except (TypeError, ValueError, AttributeError):
                field_ = ""
            row = (field_ or "Lĩnh vực khác", snap[1] if snap else code)
        out[code] = (row[0], row[1])
    return out


def bounds(period: Period) -> dict:
    """The query's parameters for ``period``."""
    return _bounds(period)


def fold(period: Period, by_procedure: bool, groups, names: NamesFor) -> Report:
    """The report from the query's rows (code, column in, column out, count); ``names``
    gives (field, procedure name) for the codes found."""
    per_code: dict[str, Row] = {}
    for code, col_in, col_out, n in groups:
        row = per_code.setdefault(code, Row("", "", "", code))
        if (col_in, col_out) == _REFUSED:
            row.refused_at_reception += n
            continue
        for name in ("received_total", _IN[col_in], *_OUT[col_out]):
            setattr(row, name, getattr(row, name) + n)
    found = names(list(per_code))
    by_field: dict[str, Row] = {}
    for code, proc in per_code.items():
        proc.field, proc.label = found[code]
        row = by_field.setdefault(proc.field, Row("", proc.field, proc.field))
        row.add(proc)
        if by_procedure:
            row.procedures.append(proc)
    rows = sorted(by_field.values(), key=lambda r: sort_key(r.label))
    total = Row("", "Tổng cộng", "")
    for i, row in enumerate(rows, 1):
        row.stt = str(i)
        row.procedures.sort(key=lambda p: (sort_key(p.label), p.procedure_code))
        for j, proc in enumerate(row.procedures, 1):
            proc.stt = f"{i}.{j}"
        total.add(row)
    return Report(period, by_procedure, rows, total)


def desk_agency_code(db) -> str:
    """The agency code this desk is set up with ("" when it is not set up yet)."""
    from counter_app.store import settings_store

    try:
        agency = settings_store.agency(db)
    except (sqlite3.OperationalError, TypeError):  # no settings table (a bare file)
        return ""
    return agency.agency_code if agency else ""


def compute(db, period: Period, by_procedure: bool = False, here: str | None = None) -> Report:
    """Form II.06a for ``period`` over the ``dossiers`` table of ``db`` (a sqlite-utils
    Database or a sqlite3 connection), for the unit ``here`` (an agency code; by default
    the one this desk is set up with): rule 4."""
    here = desk_agency_code(db) if here is None else here
    groups = db.execute(DESK_SQL, {**_bounds(period), "here": here}).fetchall()
    return fold(period, by_procedure, groups, lambda codes: procedure_names(db, codes))
