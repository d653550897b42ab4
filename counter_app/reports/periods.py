"""Reporting periods: month, quarter, half year, year or any date range (dates inclusive).

Accepted forms of ``parse_period``: ``2026-10`` (month), ``2026-Q3`` (quarter),
``2026-H1`` / ``2026-H2`` (six months), ``2026`` (year). ``between(from, to)`` makes an
explicit range from dates or text (``2026-10-01`` or ``01/10/2026``).

The data cut-off rule (docs/law.md §5.1, after NĐ 09/2019: a period runs from the 15th of the
last month of the previous period to the 14th of the last month of this one) is marked
[Nhớ] there, so here it is only a setting, off by default: ``cutoff_day=15`` turns month
2026-10 into 15/09/2026..14/10/2026 and year 2026 into 15/12/2025..14/12/2026. It applies to
named periods only; an explicit range is taken as given.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

from counter_app.errors import ValidationError

_ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}
_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_QUARTER = re.compile(r"^(\d{4})-Q(\d)$", re.IGNORECASE)
_HALF = re.compile(r"^(\d{4})-H(\d)$", re.IGNORECASE)
_YEAR = re.compile(r"^(\d{4})$")
_MIN_YEAR, _MAX_YEAR = 2000, 2100
_FORMATS = "tháng “2026-10”, quý “2026-Q3”, 6 tháng “2026-H1”, năm “2026”"


@dataclass(frozen=True)
class Period:
    """A reporting period: ``start`` and ``end`` are both included."""
    start: dt.date
    end: dt.date
    label: str

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def range_text(self) -> str:
        """The form's "(Từ ngày … đến ngày …)"."""
        return f"Từ ngày {self.start:%d/%m/%Y} đến ngày {self.end:%d/%m/%Y}"

    def up_to(self, today: dt.date) -> Period:
        """A period that has not ended yet is counted up to today: its open dossiers are
        then overdue or within the deadline as of today, not as of a last day still to
        come (a dossier due on the 25th is not overdue on the 20th)."""
        if self.start <= today < self.end:
            return Period(self.start, today, self.label)
        return self

    def to_dict(self) -> dict:
        return {"label": self.label, "start": self.start.isoformat(),
                "end": self.end.isoformat()}


def _bad(message: str) -> ValidationError:
    return ValidationError({"period": message})


def _check_cutoff(cutoff_day: int | None) -> None:
    if cutoff_day is not None and not 2 <= cutoff_day <= 28:
        raise _bad(f"Ngày chốt số liệu phải từ 2 đến 28 (đã nhập {cutoff_day}).")


def _check_year(year: int) -> None:
    if not _MIN_YEAR <= year <= _MAX_YEAR:
        raise _bad(f"Năm {year} không hợp lệ (phải từ {_MIN_YEAR} đến {_MAX_YEAR}).")


def _months(year: int, first: int, last: int, label: str, cutoff_day: int | None) -> Period:
    """Months ``first``..``last`` of ``year``; with a cut-off day, shifted to the convention."""
    if cutoff_day is None:
        end_day = calendar.monthrange(year, last)[1]
        return Period(dt.date(year, first, 1), dt.date(year, last, end_day), label)
    prev_year, prev_month = (year - 1, 12) if first == 1 else (year, first - 1)
    start = dt.date(prev_year, prev_month, cutoff_day)
    end = dt.date(year, last, cutoff_day) - dt.timedelta(days=1)
    return Period(start, end, label)


def parse_period(text: str, cutoff_day: int | None = None) -> Period:
    """``2026-10`` | ``2026-Q3`` | ``2026-H1`` | ``2026``; ValidationError (Vietnamese)."""
    _check_cutoff(cutoff_day)
    value = (text or "").strip()
    if not value:
        raise _bad(f"Chưa nhập kỳ báo cáo (dùng {_FORMATS}).")
    if m := _MONTH.match(value):
        year, month = int(m[1]), int(m[2])
        _check_year(year)
        if not 1 <= month <= 12:
            raise _bad(f"Tháng {month} không hợp lệ trong “{value}” (phải từ 1 đến 12).")
        return _months(year, month, month, f"Tháng {month:02d}/{year}", cutoff_day)
    if m := _QUARTER.match(value):
        year, quarter = int(m[1]), int(m[2])
        _check_year(year)
        if not 1 <= quarter <= 4:
            raise _bad(f"Quý {quarter} không hợp lệ trong “{value}” (phải từ 1 đến 4).")
        first = 3 * quarter - 2
        return _months(year, first, first + 2, f"Quý {_ROMAN[quarter]}/{year}", cutoff_day)
    if m := _HALF.match(value):
        year, half = int(m[1]), int(m[2])
        _check_year(year)
        if half not in (1, 2):
            raise _bad(f"Nửa năm “H{half}” không hợp lệ trong “{value}” (dùng H1 hoặc H2).")
        if half == 1:
            return _months(year, 1, 6, f"6 tháng đầu năm {year}", cutoff_day)
        return _months(year, 7, 12, f"6 tháng cuối năm {year}", cutoff_day)
    if m := _YEAR.match(value):
        year = int(m[1])
        _check_year(year)
        return _months(year, 1, 12, f"Năm {year}", cutoff_day)
    raise _bad(f"Kỳ báo cáo “{value}” không hợp lệ (dùng {_FORMATS}, "
               "hoặc chọn từ ngày … đến ngày …).")


def parse_date(value: dt.date | str, what: str = "ngày") -> dt.date:
    """A date from a date, ``2026-10-01`` or ``01/10/2026``; ValidationError otherwise."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = (value or "").strip()
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            day = dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
        _check_year(day.year)
        return day
    if not text:
        raise _bad(f"Chưa nhập {what}.")
    raise _bad(f"{what.capitalize()} “{text}” không hợp lệ (dùng dd/mm/yyyy hoặc yyyy-mm-dd).")


def between(start: dt.date | str, end: dt.date | str) -> Period:
    """An explicit range, both days included."""
    first, last = parse_date(start, "từ ngày"), parse_date(end, "đến ngày")
    if last < first:
        raise _bad(f"“Đến ngày” ({last:%d/%m/%Y}) phải không sớm hơn "
                   f"“từ ngày” ({first:%d/%m/%Y}).")
    return Period(first, last, f"Từ ngày {first:%d/%m/%Y} đến ngày {last:%d/%m/%Y}")
