"""The working-day calendar and the appointment (ngày hẹn trả) computation.

Base: the `holidays` package's Vietnam calendar (lunar Tết and Giỗ Tổ in Vietnam's time
zone, compensatory days off, swapped working Saturdays). On top: the commune's local
overrides (extra days off, extra working days) and its office hours.

How the appointment is counted (docs/law.md §3.3; the counting convention is Bộ luật Dân sự
2015 Art. 147-148 [Nhớ]: a period in days starts the day after the event and ends at the end
of its last day; a last day that is a day off moves to the next working day):
- same day: the result is due at the close of the reception day; a dossier received after
  15:00 ("sau 15 giờ"), or on a day the office is closed, is due at the close of the next
  working day [Xác nhận: the 15:00 rule in NĐ 23/2015 and Luật Hộ tịch procedure texts].
  "After" is strict and counted in whole minutes, as the slip shows the time: 15:00 is
  still the same day, 15:01 is the next (docs/law.md §3.3; the program's reading).
- N working days: counted from the working day after reception; a dossier received after
  the afternoon closing or on a day off counts as received on the next working day
  [practice of production systems, Tân Dân CaculateTime.cs]. Due at the close of day N.
- N calendar days: the reception date plus N days, moved forward to a working day.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

import holidays


class DurationUnit(StrEnum):
    SAME_DAY = "same_day"
    WORKING_DAYS = "working_days"
    CALENDAR_DAYS = "calendar_days"

    @property
    def label(self) -> str:
        return {
            "same_day": "trong ngày",
            "working_days": "ngày làm việc",
            "calendar_days": "ngày",
        }[self.value]


def describe_duration(unit: DurationUnit, value: int) -> str:
    """'Trong ngày (sau 15 giờ: ngày làm việc tiếp theo)', '3 ngày làm việc', '15 ngày'."""
    if unit is DurationUnit.SAME_DAY:
        return "Trong ngày (nhận sau 15 giờ thì trả trong ngày làm việc tiếp theo)"
    return f"{value:02d} {unit.label}"


class OverrideKind(StrEnum):
    OFF = "off"    # a day off declared locally (e.g. by the province)
    WORK = "work"  # a working day declared locally (e.g. a swapped Saturday)


@dataclass(frozen=True)
class CalendarOverride:
    day: dt.date
    kind: OverrideKind
    reason: str = ""


@dataclass(frozen=True)
class OfficeHours:
    morning_start: dt.time = dt.time(7, 0)
    morning_end: dt.time = dt.time(11, 30)
    afternoon_start: dt.time = dt.time(13, 30)
    afternoon_end: dt.time = dt.time(17, 0)
    same_day_cutoff: dt.time = dt.time(15, 0)

    def problems(self) -> list[str]:
        order = [self.morning_start, self.morning_end, self.afternoon_start, self.afternoon_end]
        out = []
        if order != sorted(order) or len(set(order)) != 4:
            out.append("Giờ làm việc phải theo thứ tự: sáng bắt đầu < sáng kết thúc "
                       "< chiều bắt đầu < chiều kết thúc.")
        if not (self.morning_start <= self.same_day_cutoff <= self.afternoon_end):
            out.append("Mốc 15 giờ phải nằm trong giờ làm việc.")
        return out


@dataclass(frozen=True)
class DayInfo:
    day: dt.date
    working: bool
    reason: str      # why it is (not) a working day, in Vietnamese
    source: str      # "national" (holidays package), "local" (override), "weekly"


class WorkingCalendar:
    def __init__(self, overrides: Iterable[CalendarOverride] = (),
                 hours: OfficeHours | None = None):
        self.hours = hours or OfficeHours()
        self._overrides = {o.day: o for o in overrides}
        self._national = holidays.Vietnam(language="vi")

    # -- days --------------------------------------------------------------------------
    def day_info(self, day: dt.date) -> DayInfo:
        override = self._overrides.get(day)
        if override is not None:
            working = override.kind is OverrideKind.WORK
            default = "Ngày làm việc (địa phương)" if working else "Ngày nghỉ (địa phương)"
            return DayInfo(day, working, override.reason or default, "local")
        name = self._national.get(day)  # also fills the year, and its swapped Saturdays
        if name:
            return DayInfo(day, False, name, "national")
        if day in self._national.weekend_workdays:
            return DayInfo(day, True, "Làm bù (hoán đổi ngày làm việc)", "national")
        if day.weekday() >= 5:
            return DayInfo(day, False, "Thứ Bảy" if day.weekday() == 5 else "Chủ nhật", "weekly")
        return DayInfo(day, True, "Ngày làm việc", "weekly")

    def is_working_day(self, day: dt.date) -> bool:
        return self.day_info(day).working

    def next_working_day(self, day: dt.date) -> dt.date:
        """The first working day strictly after ``day``."""
        day += dt.timedelta(days=1)
        for _ in range(366):
            if self.is_working_day(day):
                return day
            day += dt.timedelta(days=1)
        raise ValueError("Không có ngày làm việc nào trong một năm sau ngày đã cho.")

    def working_day_on_or_after(self, day: dt.date) -> dt.date:
        return day if self.is_working_day(day) else self.next_working_day(day)

    def add_working_days(self, day: dt.date, count: int) -> dt.date:
        for _ in range(count):
            day = self.next_working_day(day)
        return day

    def shift_deadline(self, due: dt.datetime, waited_minutes: int) -> dt.datetime:
        """Move a deadline by the working time a dossier waited for its supplement.

        An appointment at the office's closing time stays at closing time on its new day
        (17:00 on the day the moved deadline falls in), as an officer would write it.
        """
        moved = self.add_working_minutes(due, waited_minutes)
        if due.time() == self.hours.afternoon_end:
            return self.closing(moved.date())
        return moved

    def working_days_before(self, day: dt.date, count: int) -> dt.date:
        """The working day ``count`` working days before ``day`` (``day`` itself at 0)."""
        for _ in range(count):
            day -= dt.timedelta(days=1)
            for _ in range(366):
                if self.is_working_day(day):
                    break
                day -= dt.timedelta(days=1)
        return day

    def last_apology_at(self, due: dt.datetime, days_before: int) -> dt.datetime:
        """The last moment to apologise and ask for more time (Mẫu 04): the close of the
        working day ``days_before`` working days before the deadline's day
        (docs/law.md §15: at least one working day before)."""
        if days_before <= 0:
            return due
        return self.closing(self.working_days_before(due.date(), days_before))

    def exceptions(self, year: int) -> list[DayInfo]:
        """Weekdays off and weekend days worked in a year: what differs from Mon-Fri."""
        out = []
        day = dt.date(year, 1, 1)
        while day.year == year:
            info = self.day_info(day)
            if info.working == (day.weekday() >= 5) or info.source == "local":
                out.append(info)
            day += dt.timedelta(days=1)
        return out

    # -- the appointment ---------------------------------------------------------------
    def closing(self, day: dt.date) -> dt.datetime:
        return dt.datetime.combine(day, self.hours.afternoon_end)

    def due_at(self, received_at: dt.datetime, unit: DurationUnit, value: int = 0) -> dt.datetime:
        """The appointment for a dossier received at ``received_at`` (naive local time)."""
        if value < 0:
            raise ValueError("Thời hạn giải quyết không được âm.")
        day, at = received_at.date(), received_at.time()
        if unit is DurationUnit.SAME_DAY:
            minute = at.replace(second=0, microsecond=0)
            if self.is_working_day(day) and minute <= self.hours.same_day_cutoff:
                return self.closing(day)
            return self.closing(self.next_working_day(day))
        if unit is DurationUnit.WORKING_DAYS:
            if not self.is_working_day(day) or at >= self.hours.afternoon_end:
                day = self.next_working_day(day)
            return self.closing(self.add_working_days(day, value))
        if unit is DurationUnit.CALENDAR_DAYS:
            return self.closing(self.working_day_on_or_after(day + dt.timedelta(days=value)))
        raise ValueError(f"Đơn vị thời hạn không hợp lệ: {unit}")

    def within_office_hours(self, moment: dt.datetime) -> bool:
        t, h = moment.time(), self.hours
        return self.is_working_day(moment.date()) and (
            h.morning_start <= t <= h.morning_end or h.afternoon_start <= t <= h.afternoon_end)

    # -- working time (the clock that stops during a supplement) -------------------------
    def _open_intervals(self, day: dt.date) -> list[tuple[dt.datetime, dt.datetime]]:
        if not self.is_working_day(day):
            return []
        h = self.hours
        return [(dt.datetime.combine(day, h.morning_start), dt.datetime.combine(day, h.morning_end)),
                (dt.datetime.combine(day, h.afternoon_start),
                 dt.datetime.combine(day, h.afternoon_end))]

    def working_minutes_between(self, start: dt.datetime, end: dt.datetime) -> int:
        """Office-hour minutes between two moments (0 if ``end`` is not after ``start``)."""
        total = dt.timedelta()
        day = start.date()
        while day <= end.date():
            for a, b in self._open_intervals(day):
                lo, hi = max(a, start), min(b, end)
                if hi > lo:
                    total += hi - lo
            day += dt.timedelta(days=1)
        return int(total.total_seconds() // 60)

    def add_working_minutes(self, moment: dt.datetime, minutes: int) -> dt.datetime:
        """The moment ``minutes`` office-hour minutes after ``moment``.

        A result that lands exactly on a closing time stays there (17:00, not 07:00 the next
        working day), so a due time at closing moved by whole working days stays at closing.
        """
        if minutes <= 0:
            return moment
        left = dt.timedelta(minutes=minutes)
        day = moment.date()
        for _ in range(3700):  # ten years of days: far beyond any real pause
            for a, b in self._open_intervals(day):
                start = max(a, moment)
                if b <= start:
                    continue
                if left <= b - start:
                    return start + left
                left -= b - start
            day += dt.timedelta(days=1)
        raise ValueError("Khoảng thời gian quá dài.")
