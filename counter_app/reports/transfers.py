"""Dossiers received by one unit for another ("Hồ sơ tiếp nhận cho cơ quan khác"): the
receiving counter's follow-up table, per competent unit; its converse for the competent side
("Hồ sơ đơn vị khác tiếp nhận cho đơn vị"), per receiving commune; and, at the server, the
flows between every pair of units (``server/reports.py``).

Why a separate table: form II.06a counts such a dossier at the competent (deciding) unit only
(``ii06a`` rule 4), so the receiving counter's part — receiving, forwarding the electronic
dossier, sending the paper, returning the result — shows nowhere in it. The Tân Dân system's
own report for these dossiers, ``ThongKeHoSoPhiDiaGioi`` ("Sổ theo dõi hồ sơ phi địa
giới"), is a per-dossier list (code, procedure, owner, address, phone, received /
appointment / result dates) with **no** on-time columns [confirmed: code, research notes
17]. No official form for this table was found [not law]: the columns below are the
program's, built on the provincial time limits it keeps (``domain/forwarding.py``:
electronic dossier at once or at the start of the next working day after 15:00, paper
within 01 working day [confirmed: gov copies, Bắc Ninh QĐ 1490, Cao Bằng QĐ 1948]).

The rules [not law: the program's reading]:
- A dossier is in the period when it was **received** in it (``received_at`` within the
  days, both included) and was received (status 1, not yet accepted, and 3, refused at
  reception with Mẫu 03, are left out).
- Its state is the one **when the table is made** (a follow-up register, as Tân Dân's list
  with its "Ngày có kết quả"): a result that came after the period's end is counted.
- Electronic forwarding: ``forwarded_at`` (set by the server when it took the reception
  and passed it on) against ``forward_due_at``; in time when at or before it, late after
  it, "not yet" while ``forwarded_at`` is empty (a desk that has not synchronised).
- Paper: ``paper_sent_at`` (the counter's "send paper" step) against ``paper_due_at``, the
  same way; "not yet" while it is empty. ``paper_received`` counts those the competent
  unit has marked received.
- Both compared to the minute (the desks write minutes or seconds; the due times minutes).
- Results back: status 9 or 10 (finished, returned); of which late: verdict "late" (judged
  against the appointment on the slip, which covers the whole chain, ``domain/forwarding``);
  returned: status 10.

Every row satisfies received = forwarded in time + late + not yet = paper in time + late +
not yet, and returned ≤ results ≤ received. The dossiers are few (a partial index on the
desk, ``dossiers_transfers``; ``dossiers_competent_received`` on the server), so they are
folded here one by one rather than in SQL: the server keeps the forwarding and paper times
in each dossier's ``row_json`` only.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field, fields

from counter_app.domain.text import sort_key
from counter_app.reports.periods import Period

#: SENT: received here for other units (per competent unit); RECEIVED: received by other
#: communes for this unit (per receiving commune); FLOWS: every pair (the server's view).
SENT, RECEIVED, FLOWS = "sent", "received", "flows"
DIRECTIONS = (SENT, RECEIVED)
TITLES = {SENT: "HỒ SƠ TIẾP NHẬN CHO CƠ QUAN KHÁC",
          RECEIVED: "HỒ SƠ ĐƠN VỊ KHÁC TIẾP NHẬN CHO ĐƠN VỊ",
          FLOWS: "HỒ SƠ TIẾP NHẬN KHÔNG PHỤ THUỘC ĐỊA GIỚI HÀNH CHÍNH GIỮA CÁC ĐƠN VỊ"}
#: The number columns, in order, with their Vietnamese headings.
COLUMNS = ("received", "forwarded_on_time", "forwarded_late", "not_forwarded",
           "paper_on_time", "paper_late", "paper_not_sent", "paper_received",
           "results", "results_late", "returned")
HEADINGS = {
    "received": "Số hồ sơ tiếp nhận",
    "forwarded_on_time": "Chuyển hồ sơ điện tử đúng hạn",
    "forwarded_late": "Chuyển hồ sơ điện tử trễ hạn",
    "not_forwarded": "Chưa chuyển hồ sơ điện tử",
    "paper_on_time": "Gửi hồ sơ giấy đúng hạn",
    "paper_late": "Gửi hồ sơ giấy trễ hạn",
    "paper_not_sent": "Chưa gửi hồ sơ giấy",
    "paper_received": "Cơ quan giải quyết đã nhận hồ sơ giấy",
    "results": "Đã có kết quả",
    "results_late": "Trong đó: giải quyết quá hạn",
    "returned": "Đã trả kết quả cho người nộp",
}
_RESULT, _RETURNED = (9, 10), 10

#: Desk: one query per direction over the partial index ``dossiers_transfers``.
DESK_SQL = """
SELECT receiving_agency, competent_agency, competent_name, status, verdict,
       forward_due_at, forwarded_at, paper_due_at, paper_sent_at, paper_received_at,
       receiving_name
FROM dossiers
WHERE competent_agency <> receiving_agency
  AND received_at >= :start AND received_at < :next AND status NOT IN (1, 3)
  AND {side} = :here
"""


@dataclass
class FlowRow:
    """One line: the dossiers ``receiving`` received for ``competent`` in the period."""
    receiving: str
    receiving_name: str
    competent: str
    competent_name: str
    stt: str = ""
    received: int = 0
    forwarded_on_time: int = 0
    forwarded_late: int = 0
    not_forwarded: int = 0
    paper_on_time: int = 0
    paper_late: int = 0
    paper_not_sent: int = 0
    paper_received: int = 0
    results: int = 0
    results_late: int = 0
    returned: int = 0

    def columns(self) -> tuple[int, ...]:
        return tuple(getattr(self, name) for name in COLUMNS)

    def add(self, other: FlowRow) -> None:
        for name in COLUMNS:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    @property
    def late(self) -> int:
        """Dossiers of the row with anything late: not told apart per dossier here, so the
        dashboard shows the three kinds of lateness as they are (forwarding, paper, result)."""
        return self.forwarded_late + self.paper_late + self.results_late

    def problems(self) -> list[str]:
        out = []
        if self.received != self.forwarded_on_time + self.forwarded_late + self.not_forwarded:
            out.append("tiếp nhận ≠ chuyển điện tử đúng hạn + trễ hạn + chưa chuyển")
        if self.received != self.paper_on_time + self.paper_late + self.paper_not_sent:
            out.append("tiếp nhận ≠ gửi giấy đúng hạn + trễ hạn + chưa gửi")
        if not self.returned <= self.results <= self.received:
            out.append("đã trả ≤ có kết quả ≤ tiếp nhận không đúng")
        if self.results_late > self.results:
            out.append("quá hạn > có kết quả")
        return out

    def to_dict(self) -> dict:
        return {f.name: getattr(self, f.name) for f in fields(self)}


@dataclass
class TransferReport:
    period: Period
    direction: str             # SENT, RECEIVED or FLOWS
    unit: str                  # the agency code it is made for ("" for FLOWS)
    rows: list[FlowRow]
    total: FlowRow = field(default_factory=lambda: FlowRow("", "", "", "", "", 0))

    @property
    def title(self) -> str:
        return TITLES[self.direction]

    def to_dict(self) -> dict:
        return {"report": "transfers", "direction": self.direction, "unit": self.unit,
                "title": self.title, "period": self.period.to_dict(),
                "columns": dict(HEADINGS), "rows": [r.to_dict() for r in self.rows],
                "total": self.total.to_dict()}


def _minute(value: str | None) -> str:
    return (value or "")[:16]


@dataclass(frozen=True)
class Dossier:
    """What the table reads of one dossier."""
    receiving: str
    competent: str
    competent_name: str
    status: int
    verdict: str | None
    forward_due_at: str | None
    forwarded_at: str | None
    paper_due_at: str | None
    paper_sent_at: str | None
    paper_received_at: str | None
    receiving_name: str | None = None


def _count(row: FlowRow, d: Dossier) -> None:
    row.received += 1
    if not d.forwarded_at:
        row.not_forwarded += 1
    elif d.forward_due_at and _minute(d.forwarded_at) > _minute(d.forward_due_at):
        row.forwarded_late += 1
    else:
        row.forwarded_on_time += 1
    if not d.paper_sent_at:
        row.paper_not_sent += 1
    elif d.paper_due_at and _minute(d.paper_sent_at) > _minute(d.paper_due_at):
        row.paper_late += 1
    else:
        row.paper_on_time += 1
    row.paper_received += 1 if d.paper_received_at else 0
    if d.status in _RESULT:
        row.results += 1
        row.results_late += 1 if d.verdict == "late" else 0
    row.returned += 1 if d.status == _RETURNED else 0


def fold(period: Period, direction: str, unit: str, dossiers: Iterable[Dossier],
         names: dict[str, str]) -> TransferReport:
    """The table from the period's dossiers; ``names``: agency code -> unit name (a
    dossier's own ``receiving_name`` / ``competent_name`` is used when the code is not
    there)."""
    by_pair: dict[tuple[str, str], FlowRow] = {}
    for d in dossiers:
        key = (d.receiving, d.competent)
        row = by_pair.get(key)
        if row is None:
            row = by_pair[key] = FlowRow(
                d.receiving, names.get(d.receiving) or d.receiving_name or d.receiving,
                d.competent,
                names.get(d.competent) or d.competent_name or d.competent)
        _count(row, d)
    if direction == SENT:
        order = lambda r: (sort_key(r.competent_name), r.competent)  # noqa: E731
    elif direction == RECEIVED:
        order = lambda r: (sort_key(r.receiving_name), r.receiving)  # noqa: E731
    else:
        order = lambda r: (sort_key(r.receiving_name), r.receiving,  # noqa: E731
                           sort_key(r.competent_name), r.competent)
    rows = sorted(by_pair.values(), key=order)
    total = FlowRow("", "", "", "", "", 0)
    for i, row in enumerate(rows, 1):
        row.stt = str(i)
        total.add(row)
    return TransferReport(period, direction, unit, rows, total)


def from_row_json(receiving: str, competent: str, competent_name: str, status: int,
                  verdict: str | None, row_json: str) -> Dossier:
    """A server's dossier: the forwarding and paper times from its ``row_json``."""
    data = json.loads(row_json) if row_json else {}
    return Dossier(receiving, competent, competent_name, int(status), verdict,
                   data.get("forward_due_at"), data.get("forwarded_at"),
                   data.get("paper_due_at"), data.get("paper_sent_at"),
                   data.get("paper_received_at"), data.get("receiving_name"))


def _bounds(period: Period, here: str) -> dict:
    from counter_app.reports.ii06a import bounds

    return {**bounds(period), "here": here}


def _desk_names(db) -> dict[str, str]:
    """Agency code -> name: the province's units as this desk knows them, and its own."""
    try:
        names = dict(db.execute("SELECT code, name FROM units").fetchall())
    except sqlite3.OperationalError:  # a desk file from before the units table
        names = {}
    from counter_app.store import settings_store

    agency = settings_store.agency(db)
    if agency and agency.agency_code:
        names[agency.agency_code] = agency.agency_name or names.get(agency.agency_code, "")
    return names


def compute(db, period: Period, direction: str = SENT, here: str | None = None
            ) -> TransferReport:
    """The desk's table for ``period``: SENT (received at this counter for other units,
    per competent unit) or RECEIVED (received by other communes for this unit, per
    receiving commune); ``here`` defaults to this desk's agency code."""
    from counter_app.reports.ii06a import desk_agency_code

    if direction not in DIRECTIONS:
        raise ValueError(direction)
    here = desk_agency_code(db) if here is None else here
    side = "receiving_agency" if direction == SENT else "competent_agency"
    found = [Dossier(*r) for r in db.execute(DESK_SQL.format(side=side),
                                             _bounds(period, here)).fetchall()]
    return fold(period, direction, here, found, _desk_names(db))
