"""Figures for the charts: timeliness month by month, and the overdue dossiers by procedure.

Both follow form II.06a's rules (``counter_app/reports/ii06a.py``, its docstring says which
are the program's reading) so a chart never disagrees with the form:

- ``on_time_by_month``: for each calendar month, II.06a's cols 7-10 of that month. Resolved
  in a month = the *end moment* falls in it: ``finished_at`` for statuses 9/10, judged by
  ``dossiers.verdict`` (the date comparison when missing); ``status_at`` for 3/7/8 (refused,
  withdrawn, stopped), which II.06a counts as "đúng hạn". One SQL aggregate over all the
  months, grouped by the month of the end moment.
- ``overdue_by_procedure``: the dossiers still open (statuses 2/4/5/6,
  ``lifecycle.ACTIVE``) received on or before ``on`` whose appointment had passed at the end
  of ``on`` by II.06a's col13 rule with ``on`` as the period's last day: the appointment date
  is before ``on``; a dossier waiting for a supplement since ``on`` or before is judged at
  its pause (overdue only if its appointment had passed when it was paused). For ``on`` =
  today this is II.06a col13 of any period ending today; for an earlier day it leaves out
  the dossiers closed since, which col13 of that period would still count.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass

from counter_app.domain.lifecycle import ACTIVE
from counter_app.domain.text import sort_key
from counter_app.errors import ValidationError
from counter_app.reports import ii06a

MAX_MONTHS = 120


@dataclass(frozen=True)
class MonthPoint:
    label: str          # "10/2026"
    start: dt.date
    end: dt.date
    resolved: int = 0   # II.06a col7
    early: int = 0      # col8
    on_time: int = 0    # col9 (with the refused/withdrawn/stopped)
    late: int = 0       # col10

    @property
    def rate(self) -> float | None:
        """(early + on time) / resolved; None for a month with nothing resolved."""
        return (self.early + self.on_time) / self.resolved if self.resolved else None

    def to_dict(self) -> dict:
        return {"label": self.label, "start": self.start.isoformat(),
                "end": self.end.isoformat(), "resolved": self.resolved, "early": self.early,
                "on_time": self.on_time, "late": self.late, "rate": self.rate}


@dataclass(frozen=True)
class OverdueGroup:
    procedure_code: str
    name: str
    field: str
    count: int
    oldest_due: dt.date   # the earliest appointment among them

    def to_dict(self) -> dict:
        return {**self.__dict__, "oldest_due": self.oldest_due.isoformat()}


def _months(last_month: dt.date, months: int) -> list[tuple[dt.date, dt.date]]:
    if not 1 <= months <= MAX_MONTHS:
        raise ValidationError({"months": f"Số tháng phải từ 1 đến {MAX_MONTHS} "
                                         f"(đã nhập {months})."})
    index = last_month.year * 12 + last_month.month - 1 - (months - 1)
    out = []
    for i in range(index, index + months):
        year, month = divmod(i, 12)
        start = dt.date(year, month + 1, 1)
        out.append((start, start.replace(day=calendar.monthrange(year, month + 1)[1])))
    return out


# Each dossier ended in the months asked for, by the month of its end moment and the column
# it leaves II.06a by (8/9/10; 0 = closed without a result, counted in 9). A refusal at
# reception (status 3) was never received, so it never ends in a month either. The received_at
# condition is II.06a's "received on or before the period's end" for that month (always
# true for data the desk wrote). "+status": one pass in table order is faster here than the
# (status, due_at) index, which nearly every ended dossier matches.
_MONTHLY = f"""
SELECT month, col, count(*) FROM (
  SELECT CASE WHEN status >= 9 THEN substr(finished_at, 1, 7)
              ELSE substr(status_at, 1, 7) END AS month,
         CASE WHEN status < 9 THEN 0 ELSE {ii06a.TIMELINESS_COLUMN} END AS col,
         substr(received_at, 1, 7) AS received_month
  FROM dossiers
  WHERE ((+status >= 9 AND finished_at >= :start AND finished_at < :next)
     OR (+status IN (7, 8) AND status_at >= :start AND status_at < :next))
    AND {ii06a.DESK_UNIT})
WHERE received_month <= month
GROUP BY month, col
"""
_COLUMN = {8: "early", 9: "on_time", 0: "on_time", 10: "late"}


def on_time_by_month(db, last_month: dt.date, months: int = 12,
                     here: str | None = None) -> list[MonthPoint]:
    """II.06a's resolved columns (7-10) for each of ``months`` calendar months, the last
    being the month of ``last_month``; oldest first. Like II.06a, only the dossiers the
    unit ``here`` (default: this desk's) decides (``ii06a`` rule 4)."""
    spans = _months(last_month, months)
    bounds = {"start": spans[0][0].isoformat(),
              "next": (spans[-1][1] + dt.timedelta(days=1)).isoformat(),
              "here": ii06a.desk_agency_code(db) if here is None else here}
    found: dict[str, dict[str, int]] = {}
    for month, col, n in db.execute(_MONTHLY, bounds).fetchall():
        counts = found.setdefault(month, {"early": 0, "on_time": 0, "late": 0})
        counts[_COLUMN[col]] += n
    points = []
    for start, end in spans:
        counts = found.get(start.isoformat()[:7], {"early": 0, "on_time": 0, "late": 0})
        points.append(MonthPoint(f"{start:%m/%Y}", start, end, sum(counts.values()),
                                 counts["early"], counts["on_time"], counts["late"]))
    return points


_ACTIVE = ", ".join(str(int(s)) for s in sorted(ACTIVE))
# ``due_at < :on`` (ISO text) is "the appointment's date is before ``on``" and lets SQLite
# use the (status, due_at) index; the NOT keeps a dossier paused with time left.
_OVERDUE = f"""
SELECT procedure_code, count(*), min(due_at)
FROM dossiers
WHERE status IN ({_ACTIVE}) AND due_at < :on AND received_at < :next
  AND NOT (status = 5 AND paused_at < :next
           AND substr(due_at, 1, 10) >= substr(paused_at, 1, 10))
  AND {ii06a.DESK_UNIT}
GROUP BY procedure_code
"""


def overdue_by_procedure(db, on: dt.date, here: str | None = None) -> list[OverdueGroup]:
    """Open dossiers already overdue at the end of ``on``, by procedure: most first; only
    those the unit ``here`` (default: this desk's) decides (``ii06a`` rule 4: a dossier
    received for another unit is that unit's to finish in time)."""
    bounds = {"on": on.isoformat(), "next": (on + dt.timedelta(days=1)).isoformat(),
              "here": ii06a.desk_agency_code(db) if here is None else here}
    rows = db.execute(_OVERDUE, bounds).fetchall()
    names = ii06a.procedure_names(db, [code for code, _, _ in rows])
    groups = [OverdueGroup(code, names[code][1], names[code][0], n,
                           dt.date.fromisoformat(oldest[:10])) for code, n, oldest in rows]
    return sorted(groups, key=lambda g: (-g.count, sort_key(g.name), g.procedure_code))
