"""Finding dossiers and the work lists; every query is served by an index or the FTS table,
so it stays fast on a database of years (see tests/bench/bench_lifecycle.py)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from enum import StrEnum

import sqlite_utils

from counter_app.domain.citizen_id import normalise_id
from counter_app.domain.dossier_code import looks_like_code
from counter_app.domain.lifecycle import ACTIVE, OPEN
from counter_app.domain.statuses import Status
from counter_app.domain.text import fold
from counter_app.store.dossier_store import DossierRow

_OPEN = ", ".join(str(int(s)) for s in sorted(OPEN))
_ACTIVE = ", ".join(str(int(s)) for s in sorted(ACTIVE))


@dataclass(frozen=True)
class DossierQuery:
    """What the officer searches by; every part is optional and they combine (AND)."""
    text: str = ""                      # code, name, ID number, phone, procedure: any order
    procedure_code: str = ""
    status: int | None = None
    received_from: dt.date | None = None
    received_to: dt.date | None = None  # inclusive
    limit: int = 500
    #: None: every dossier; else only those handed to one of these people (the core sets it
    #: from the signed-in officer's roles; an empty tuple finds nothing).
    holders: tuple[str, ...] | None = None


def _holders_sql(holders: tuple[str, ...] | None, column: str) -> tuple[str, list]:
    if holders is None:
        return "", []
    if not holders:
        return "0", []
    # Exact (NFC) names, the rule of domain.roles.holds: never folded, never case-blind.
    return f"{column} IN ({', '.join('?' for _ in holders)})", list(holders)


@dataclass(frozen=True)
class FoundDossiers:
    rows: list[DossierRow]
    truncated: bool  # more matched than ``limit``: the officer should narrow the search


def fts_query(text: str) -> str:
    """Every folded word as a prefix, all required: 'Nguyễn An' -> '"nguyen"* "an"*'."""
    words = [w for w in re.split(r"[^0-9a-z]+", fold(text)) if w]
    return " ".join(f'"{w}"*' for w in words)


def find(db: sqlite_utils.Database, q: DossierQuery) -> FoundDossiers:
    where: list[str] = []
    params: list = []
    text = q.text.strip()
    source = "dossiers d"
    order = "d.received_at DESC, d.code DESC"
    if text and looks_like_code(text):
        where.append("d.code = ?")
        params.append(text.upper())
    elif text:
        match = fts_query(text)
        if match:
            # Newest first in FTS rowid order: the search stops after `limit` matches.
            source = "dossiers_fts f JOIN dossiers d ON d.rowid = f.rowid"
            where.append("dossiers_fts MATCH ?")
            params.append(match)
            order = "f.rowid DESC"
    if q.procedure_code:
        where.append("d.procedure_code = ?")
        params.append(q.procedure_code.strip())
    if q.status is not None:
        where.append("d.status = ?")
        params.append(int(q.status))
    if q.received_from:
        where.append("d.received_at >= ?")
        params.append(q.received_from.isoformat())
    if q.received_to:
        where.append("d.received_at < ?")
        params.append((q.received_to + dt.timedelta(days=1)).isoformat())
    scope, scope_params = _holders_sql(q.holders, "d.holder_person")
    if scope:
        where.append(scope)
        params.extend(scope_params)
    sql = f"SELECT d.* FROM {source}"
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += f" ORDER BY {order} LIMIT ?"
    rows = [DossierRow(r) for r in db.query(sql, [*params, q.limit + 1])]
    return FoundDossiers(rows[:q.limit], len(rows) > q.limit)


def by_id_number(db: sqlite_utils.Database, id_number: str, limit: int = 500) -> list[DossierRow]:
    sql = ("SELECT * FROM dossiers WHERE applicant_id_number = ? "
           "ORDER BY received_at DESC LIMIT ?")
    return [DossierRow(r) for r in db.query(sql, [normalise_id(id_number), limit])]


class Worklist(StrEnum):
    DUE_TODAY = "due_today"
    DUE_SOON = "due_soon"
    OVERDUE = "overdue"
    NEEDS_APOLOGY = "needs_apology"
    WAITING_SUPPLEMENT = "waiting_supplement"
    READY_TO_RETURN = "ready_to_return"
    RETURNED_TODAY = "returned_today"
    MINE = "mine"
    FINISHED_TODAY = "finished_today"
    #: Received here for another body, not yet all sent there (electronic copy, paper).
    TO_FORWARD = "to_forward"
    #: Received elsewhere for this body, its paper not arrived yet.
    PAPER_INCOMING = "paper_incoming"

    @property
    def label(self) -> str:
        return {
            "to_forward": "Chờ chuyển nơi giải quyết",
            "paper_incoming": "Chờ nhận hồ sơ giấy",
            "due_today": "Đến hạn hôm nay", "due_soon": "Sắp đến hạn",
            "overdue": "Quá hạn", "needs_apology": "Cần xin lỗi",
            "waiting_supplement": "Chờ bổ sung",
            "ready_to_return": "Chờ trả kết quả", "returned_today": "Đã trả hôm nay",
            "mine": "Hồ sơ của tôi", "finished_today": "Tôi đã xử lý xong hôm nay",
        }[self.value]


#: Lists about the signed-in officer's own work: never cut to the holders a processing
#: officer may see (a dossier they finished is back at the counter, out of their hands).
OWN_WORK = frozenset({Worklist.MINE, Worklist.FINISHED_TODAY})
#: The steps that give a dossier its result.
RESULT_STEPS = ("finish", "refuse_on_merits")


@dataclass(frozen=True)
class WorklistWindow:
    """The moments a work list is cut at, computed by the caller from its calendar."""
    now: dt.datetime
    soon_until: dt.datetime  # end of the warning window (default: one working day ahead)
    holders: tuple[str, ...] | None = None  # as DossierQuery.holders
    #: Deadlines whose apology (Mẫu 04) can still be made and falls due within the warning
    #: window: the "cần xin lỗi" list. None: the list is empty.
    apology_from: dt.datetime | None = None
    apology_until: dt.datetime | None = None
    #: The signed-in officer: their username and full name (as holder_person spells it).
    me: tuple[str, ...] = ()
    #: This desk's agency code: which side of a dossier received for another body it is.
    here: str = ""

    @property
    def today(self) -> tuple[str, str]:
        start = dt.datetime.combine(self.now.date(), dt.time())
        return start.isoformat(), (start + dt.timedelta(days=1)).isoformat()


def _worklist_sql(name: Worklist, w: WorklistWindow) -> tuple[str, list, str]:
    where, params, order = _worklist_base(name, w)
    if name in OWN_WORK:
        return where, params, order
    scope, scope_params = _holders_sql(w.holders, "holder_person")
    if scope:
        return f"({where}) AND {scope}", [*params, *scope_params], order
    return where, params, order


def _worklist_base(name: Worklist, w: WorklistWindow) -> tuple[str, list, str]:
    now = w.now.isoformat(timespec="minutes")
    start, end = w.today
    if name is Worklist.DUE_TODAY:
        return f"status IN ({_OPEN}) AND due_at >= ? AND due_at < ?", [now, end], "due_at"
    if name is Worklist.DUE_SOON:
        until = w.soon_until.isoformat(timespec="minutes")
        return f"status IN ({_OPEN}) AND due_at >= ? AND due_at <= ?", [now, until], "due_at"
    if name is Worklist.OVERDUE:
        return f"status IN ({_OPEN}) AND due_at < ?", [now], "due_at"
    if name is Worklist.NEEDS_APOLOGY:
        if w.apology_from is None or w.apology_until is None:
            return "0", [], "due_at"
        return (f"status IN ({_OPEN}) AND apologized = 0 AND due_at >= ? AND due_at <= ?",
                [w.apology_from.isoformat(timespec="minutes"),
                 w.apology_until.isoformat(timespec="minutes")], "due_at")
    if name is Worklist.WAITING_SUPPLEMENT:
        return f"status = {int(Status.WAITING_SUPPLEMENT)}", [], "paused_at"
    if name is Worklist.READY_TO_RETURN:  # the result is returned where it was received
        return (f"status = {int(Status.FINISHED)} AND (receiving_agency IS NULL "
                "OR receiving_agency = ?)", [w.here], "finished_at")
    if name is Worklist.TO_FORWARD:
        return (f"receiving_agency = ? AND competent_agency <> receiving_agency AND status "
                f"<> {int(Status.REFUSED)} AND (forwarded_at IS NULL OR paper_sent_at IS NULL)",
                [w.here], "paper_due_at")
    if name is Worklist.PAPER_INCOMING:
        return (f"competent_agency = ? AND competent_agency <> receiving_agency AND status "
                f"<> {int(Status.REFUSED)} AND paper_received_at IS NULL", [w.here],
                "received_at")
    if name is Worklist.MINE:
        if not w.me:
            return "0", [], "due_at"
        marks = ", ".join("?" for _ in w.me)
        return (f"status IN ({_ACTIVE}) AND holder_person IN ({marks})", list(w.me),
                "due_at")
    if name is Worklist.FINISHED_TODAY:
        if not w.me:
            return "0", [], "finished_at"
        kinds = ", ".join(f"'{k}'" for k in RESULT_STEPS)
        return (f"finished_at >= ? AND finished_at < ? AND id IN (SELECT dossier_id FROM "
                f"events WHERE kind IN ({kinds}) AND officer = ? AND at >= ?)",
                [start, end, w.me[0], start], "finished_at DESC")
    return "returned_at >= ? AND returned_at < ?", [start, end], "returned_at DESC"


def worklist(db: sqlite_utils.Database, name: Worklist, window: WorklistWindow,
             limit: int = 1000) -> list[DossierRow]:
    where, params, order = _worklist_sql(name, window)
    sql = f"SELECT * FROM dossiers WHERE {where} ORDER BY {order}, code LIMIT ?"
    return [DossierRow(r) for r in db.query(sql, [*params, limit])]


def worklist_counts(db: sqlite_utils.Database, window: WorklistWindow) -> dict[Worklist, int]:
    out = {}
    for name in Worklist:
        where, params, _ = _worklist_sql(name, window)
        out[name] = db.execute(f"SELECT count(*) FROM dossiers WHERE {where}", params).fetchone()[0]
    return out


def registered_between(db: sqlite_utils.Database, start: dt.date, end: dt.date,
                       book: str | None = None, here: str = "") -> list[DossierRow]:
    """The register (Sổ theo dõi): dossiers received from ``start`` to ``end`` inclusive, in
    book and entry-number order. ``here``: this desk's agency code; a dossier another unit
    received for this one is in that unit's register, not here."""
    sql = "SELECT * FROM dossiers WHERE received_at >= ? AND received_at < ?"
    params: list = [start.isoformat(), (end + dt.timedelta(days=1)).isoformat()]
    if here:
        sql += " AND (receiving_agency IS NULL OR receiving_agency = ?)"
        params.append(here)
    if book:
        sql += " AND register_book = ?"
        params.append(book)
    sql += " ORDER BY register_book, register_no"
    return [DossierRow(r) for r in db.query(sql, params)]


def recent_units(db: sqlite_utils.Database, within_events: int = 20_000) -> list[str]:
    """Units dossiers were handed over to in the last ``within_events`` events, most recent
    first (a bounded rowid range: fast on any size of log)."""
    rows = db.execute(
        "SELECT json_extract(payload, '$.to_unit') AS unit, max(rowid) AS last FROM events"
        " WHERE kind = 'handover' AND rowid > (SELECT coalesce(max(rowid), 0) FROM events) - ?"
        " GROUP BY unit ORDER BY last DESC", [within_events]).fetchall()
    return [r[0] for r in rows if r[0]]


def procedure_usage(db, desk_id: str, since: dt.datetime) -> dict[str, int]:
    """How many dossiers of each procedure this desk received since ``since`` (the reception
    picker ranks by it; a range on the received_at index, not a pass over every dossier)."""
    rows = db.execute("SELECT procedure_code, count(*) FROM dossiers WHERE received_at >= ? "
                      "AND desk_id = ? GROUP BY procedure_code",
                      [since.isoformat(timespec="minutes"), desk_id]).fetchall()
    return {code: n for code, n in rows}


def gave_result(db, dossier_id: str, officer: str, since: dt.datetime) -> bool:
    """Did ``officer`` record this dossier's result (finish, written refusal) since then?"""
    kinds = ", ".join("?" for _ in RESULT_STEPS)
    return db.execute(f"SELECT 1 FROM events WHERE dossier_id = ? AND kind IN ({kinds}) "
                      "AND officer = ? AND at >= ? LIMIT 1",
                      [dossier_id, *RESULT_STEPS, officer, since.isoformat()]
                      ).fetchone() is not None
