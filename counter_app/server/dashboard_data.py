"""What the leaders' dashboard reads beyond form II.06a (counter_app/server/reports.py):
dossiers overdue now, each commune's desks and when they last synchronised, each unit's
digitisation in the period (reports/digitisation.py), and one dossier with its digitised
documents (server/district.py).

"Overdue now" is a dossier whose clock runs (statuses 2, 4, 6: ``lifecycle.OPEN``; one
waiting for a supplement is the citizen's turn) and whose appointment *date* is before
today: finishing on the due date is on time (docs/law.md §3.2, ``lifecycle.timeliness``), so
a dossier due this afternoon is not late yet. Days late are calendar days since that date.
The thresholds below (3 days without synchronising, 5 minutes of clock offset, the on-time
rate's colours) are the program's choice, not a rule of any circular.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from sqlalchemy import Connection, func, select

from counter_app.domain.digitised import digitised_indexes
from counter_app.domain.lifecycle import OPEN
from counter_app.domain.procedures import DocForm
from counter_app.domain.statuses import Status
from counter_app.domain.text import sort_key
from counter_app.reports.digitisation import Digitisation
from counter_app.reports.ii06a import Report, Row
from counter_app.reports.periods import Period
from counter_app.server import district, reports
from counter_app.server.schema import communes, devices, dossiers

STALE_DAYS = 3          # a commune / desk not synchronised for longer is flagged
OFFSET_WARN_S = 300     # a desk clock further off than this is flagged
RED_BELOW, AMBER_BELOW = 0.80, 0.95
PAGE = 50
_OPEN = sorted(int(s) for s in OPEN)


def as_of(period: Period, today: dt.date) -> Period:
    """A period that has not ended yet, counted up to today (``Period.up_to``)."""
    return period.up_to(today)


def rate_class(rate: float | None) -> str:
    if rate is None:
        return "none"
    return "red" if rate < RED_BELOW else "amber" if rate < AMBER_BELOW else "green"


@dataclass
class Line:
    """One commune (or the district) on the overview."""
    code: str
    name: str
    total: Row
    overdue_now: int = 0
    last_seen: dt.datetime | None = None
    desks: int = 0          # active desks
    stale: bool = False     # it has desks, and none synchronised for more than STALE_DAYS

    @property
    def on_time(self) -> int:
        return self.total.resolved_early + self.total.resolved_on_time

    @property
    def rate(self) -> float | None:
        return self.on_time / self.total.resolved_total if self.total.resolved_total else None

    @property
    def colour(self) -> str:
        return rate_class(self.rate)


def _parse(value: str | None) -> dt.datetime | None:
    """A stored moment (the server writes its local time with its UTC offset; one without
    an offset is taken as the server's local time)."""
    if not value:
        return None
    moment = dt.datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.astimezone()


def _deciding_unit():
    """The unit a dossier is counted at: the competent one for a dossier received for
    another unit (as II.06a, server/reports.py)."""
    return func.coalesce(dossiers.c.competent_id, dossiers.c.commune_id)


def overdue_counts(conn: Connection, today: dt.date) -> dict[str, int]:
    """Unit code -> dossiers overdue now (at the unit deciding them)."""
    c = dossiers.c
    rows = conn.execute(
        select(communes.c.code, func.count()).select_from(
            dossiers.join(communes, communes.c.id == _deciding_unit()))
        .where(c.status.in_(_OPEN), c.due_at < today.isoformat())
        .group_by(communes.c.code))
    return {code: n for code, n in rows}


def _stale(seen: dt.datetime | None, now: dt.datetime, days: int) -> bool:
    return seen is None or now - seen > dt.timedelta(days=days)


def overview(conn: Connection, period: Period, now: dt.datetime,
             sort: str = "rate") -> tuple[list[Line], Line]:
    """A line per commune (sorted: worst on-time rate first, by name, or most overdue
    first) and the district's line (the sum of the communes', which is what
    ``reports.all_communes`` counts, without a second pass over the dossiers)."""
    overdue = overdue_counts(conn, now.date())
    seen: dict[int, list[dt.datetime | None]] = {}
    for commune_id, last in conn.execute(select(devices.c.commune_id, devices.c.last_seen)
                                         .where(devices.c.revoked_at.is_(None))):
        seen.setdefault(commune_id, []).append(_parse(last))
    ids = dict(conn.execute(select(communes.c.code, communes.c.id)).all())
    lines, district = [], Line("", "Toàn tỉnh", Row("", "Toàn tỉnh", ""))
    for c in reports.per_commune(conn, period):
        times = seen.get(ids[c.code], [])
        last = max((t for t in times if t), default=None)
        line = Line(c.code, c.name, c.report.total, overdue.get(c.code, 0), last, len(times),
                    bool(times) and _stale(last, now, STALE_DAYS))
        lines.append(line)
        district.total.add(line.total)
        district.overdue_now += line.overdue_now
        district.desks += line.desks
    if sort == "name":
        lines.sort(key=lambda x: (sort_key(x.name), x.code))
    elif sort == "overdue":
        lines.sort(key=lambda x: (-x.overdue_now, -x.total.open_overdue, sort_key(x.name)))
    else:
        lines.sort(key=lambda x: (x.rate is None, x.rate or 0, -x.total.resolved_total,
                                  sort_key(x.name)))
    return lines, district


@dataclass
class DigitisationLine:
    """One unit (or the district) on the overview's digitisation table."""
    code: str
    name: str
    counts: Digitisation


def digitisation(conn: Connection, period: Period) -> tuple[list[DigitisationLine],
                                                             DigitisationLine]:
    """Each unit's digitisation in ``period`` (by name; every unit, with or without
    dossiers) and the district's (their sum)."""
    found = reports.digitisation(conn, period)
    lines = [DigitisationLine(r.code, r.name, reports.digitisation_of(found, r.id))
             for r in conn.execute(select(communes.c.id, communes.c.code, communes.c.name))]
    lines.sort(key=lambda x: (sort_key(x.name), x.code))
    total = Digitisation()
    for line in lines:
        total.add(line.counts)
    return lines, DigitisationLine("", "Toàn tỉnh", total)


@dataclass
class Overdue:
    id: str
    commune: str
    commune_name: str
    code: str
    procedure: str
    received_at: str
    due_at: str
    days_late: int
    holder: str
    holder_person: str
    applicant: str


def overdue(conn: Connection, today: dt.date, commune: str | None = None,
            page: int = 1) -> tuple[list[Overdue], int, int]:
    """One page of the dossiers overdue now, the longest overdue first; how many there are;
    and the page shown (a page past the last shows the last)."""
    c = dossiers.c
    joined = dossiers.join(communes, communes.c.id == _deciding_unit())
    where = [c.status.in_(_OPEN), c.due_at < today.isoformat()]
    if commune:
        where.append(communes.c.code == commune)
    total = conn.execute(select(func.count()).select_from(joined).where(*where)).scalar_one()
    page = max(1, min(page, -(-total // PAGE)))
    rows = conn.execute(
        select(c.id, communes.c.code.label("commune"), communes.c.name, c.code,
               c.received_at, c.due_at, c.row_json).select_from(joined).where(*where)
        .order_by(c.due_at, c.received_at, c.id).limit(PAGE).offset((page - 1) * PAGE))
    found = []
    for r in rows:
        row = json.loads(r.row_json)  # 50 at most; only what a leader needs is kept
        found.append(Overdue(
            r.id, r.commune, r.name, r.code, row.get("procedure_name") or row.get("procedure_code", ""),
            r.received_at, r.due_at, (today - dt.date.fromisoformat(r.due_at[:10])).days,
            row.get("holder") or "", row.get("holder_person") or "",
            row.get("applicant_name") or ""))
    return found, total, page


@dataclass
class DeskLine:
    commune: str
    commune_name: str
    desk_number: int
    desk_id: str
    enrolled_at: dt.datetime | None
    last_seen: dt.datetime | None
    waiting: int | None
    clock_offset_s: float | None
    app_version: str
    revoked_at: dt.datetime | None
    stale: bool = False

    @property
    def offset_flagged(self) -> bool:
        return self.clock_offset_s is not None and abs(self.clock_offset_s) > OFFSET_WARN_S


def desks(conn: Connection, now: dt.datetime, days: int = STALE_DAYS) -> list[DeskLine]:
    """Every desk: the active ones not synchronised for more than ``days`` first (never
    synchronised, then the longest silent), then the others, then the revoked ones."""
    rows = conn.execute(
        select(devices, communes.c.code, communes.c.name)
        .join(communes, communes.c.id == devices.c.commune_id))
    out = []
    for r in rows:
        seen, revoked = _parse(r.last_seen), _parse(r.revoked_at)
        out.append(DeskLine(r.code, r.name, r.desk_number, r.desk_id, _parse(r.enrolled_at),
                            seen, r.waiting, r.clock_offset_s, r.app_version or "", revoked,
                            revoked is None and _stale(seen, now, days)))
    far = dt.datetime.max.replace(tzinfo=dt.UTC)
    out.sort(key=lambda d: (d.revoked_at is not None, not d.stale,
                            (d.last_seen or dt.datetime.min.replace(tzinfo=dt.UTC)) if d.stale
                            else far, sort_key(d.commune_name), d.commune, d.desk_number))
    return out


def report(conn: Connection, period: Period, by_procedure: bool,
           commune: str | None) -> tuple[Report, str]:
    """Form II.06a for one commune (``LookupError`` if unknown) or all; and for whom."""
    if commune:
        [one] = reports.per_commune(conn, period, by_procedure, commune)
        return one.report, one.name
    return reports.all_communes(conn, period, by_procedure), ""


def commune_choices(conn: Connection) -> list[tuple[str, str]]:
    return [(r.code, r.name) for r in conn.execute(
        select(communes.c.code, communes.c.name).order_by(communes.c.code))]


def flows(conn: Connection, period: Period):
    """The dossiers received by one unit for another in ``period``, one row per (receiving
    commune, competent unit): ``server/reports.transfers`` (reports/transfers.py)."""
    return reports.transfers(conn, period)


@dataclass
class ChecklistLine:
    """One document of a dossier's checklist as the dossier page shows it."""
    name: str
    form: str
    received: bool
    to_digitise: bool   # received and not only shown (reports/digitisation.py rule 1)
    digitised: bool


def dossier_page(conn: Connection, dossier_id: str) -> dict | None:
    """The dossier, its checklist (which documents are digitised) and its digitised
    documents; None when the server holds no such dossier. Only what a leader needs: no
    ID number, phone, address or e-mail of the applicant."""
    row = district.dossier(conn, dossier_id)
    if row is None:
        return None
    try:
        listed = json.loads(row.get("documents") or "[]")
    except ValueError:
        listed = []
    done = set(digitised_indexes(row))
    checklist = []
    for i, item in enumerate(listed if isinstance(listed, list) else []):
        if not isinstance(item, dict):
            continue
        form, received = item.get("form") or "", item.get("received", True) is not False
        try:
            label = DocForm(form).label
        except ValueError:
            label = form
        checklist.append(ChecklistLine(str(item.get("name") or ""), label, received,
                                       received and form != DocForm.PRESENT, i in done))
    try:
        status = Status(int(row.get("status") or 0)).label
    except ValueError:
        status = str(row.get("status"))
    keep = ("id", "code", "commune", "commune_name", "competent", "competent_name",
            "procedure_code", "procedure_name", "received_at", "due_at", "finished_at",
            "returned_at", "holder", "holder_person", "applicant_name")
    return {"dossier": {k: row.get(k) or "" for k in keep}, "status": status,
            "checklist": checklist, "result_digitised": bool(row.get("result_digitised")),
            "documents": district.documents(conn, dossier_id)}


def dossier_matches(conn: Connection, code: str) -> list[dict]:
    """The dossiers with this code: their id, code and unit, to choose from."""
    return [{k: d.get(k) for k in ("id", "code", "commune", "commune_name",
                                   "procedure_name", "received_at")}
            for d in district.dossiers_by_code(conn, code)]
