"""When the synthetic dossiers arrive: working days only, a busy commune's seasons, office
hours with the morning rush, and never more than a desk can number in a day (999)."""

from __future__ import annotations

import bisect
import datetime as dt
import random

from counter_app.domain.dossier_code import PER_DESK_PER_DAY
from counter_app.domain.working_calendar import WorkingCalendar
from counter_app.errors import CounterError

# Before Tết and the school year are busy; the Tết month is quiet.
MONTH = (1.25, 0.75, 1.05, 1.0, 0.95, 1.05, 1.15, 1.15, 1.0, 0.95, 1.0, 1.1)
WEEKDAY = (1.15, 1.05, 1.0, 1.0, 0.9, 0.7, 0.7)  # Monday ... Sunday (a swapped working day)
HOUR = {7: 0.8, 8: 1.3, 9: 1.4, 10: 1.2, 11: 0.7, 12: 0.3, 13: 0.7, 14: 1.1, 15: 1.0, 16: 0.6}
GROWTH = 0.04  # a little more every year


class SyntheticDataRefused(CounterError, ValueError):
    """Synthetic data cannot be generated as asked (the message says why)."""


class CachedCalendar(WorkingCalendar):
    """The desk's calendar, made fast for millions of questions with the same answers:
    each day's working status is remembered, and working time between ``first`` and
    ``last`` is read from a running total of office seconds instead of walked day by day
    (tests/core/test_synthetic.py checks it against WorkingCalendar)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._working: dict[dt.date, bool] = {}
        self._first: dt.date | None = None

    def is_working_day(self, day: dt.date) -> bool:
        working = self._working.get(day)
        if working is None:
            working = self._working[day] = super().is_working_day(day)
        return working

    def tabulate(self, first: dt.date, last: dt.date) -> None:
        """Keep the running total of office seconds for the days ``first`` to ``last``."""
        h = self.hours
        secs = [t.hour * 3600 + t.minute * 60 + t.second for t in
                (h.morning_start, h.morning_end, h.afternoon_start, h.afternoon_end)]
        self._parts = secs
        self._morning = secs[1] - secs[0]
        daily = self._morning + secs[3] - secs[2]
        self._open, self._total = [], [0]
        day = first
        while day <= last:
            self._open.append(self.is_working_day(day))
            self._total.append(self._total[-1] + (daily if self._open[-1] else 0))
            day += dt.timedelta(days=1)
        self._first = first

    def _seconds(self, moment: dt.datetime) -> int | None:
        """Office seconds from the start of the table to ``moment`` (None: outside it)."""
        if self._first is None:
            return None
        i = (moment.date() - self._first).days
        if not 0 <= i < len(self._open):
            return None
        total = self._total[i]
        if self._open[i]:
            x = moment.hour * 3600 + moment.minute * 60 + moment.second
            a, b, c, d = self._parts
            total += min(max(x - a, 0), b - a) + min(max(x - c, 0), d - c)
        return total

    def working_minutes_between(self, start: dt.datetime, end: dt.datetime) -> int:
        a, b = self._seconds(start), self._seconds(end)
        if a is None or b is None or start.microsecond or end.microsecond:
            return super().working_minutes_between(start, end)
        return max(0, b - a) // 60

    def add_working_minutes(self, moment: dt.datetime, minutes: int) -> dt.datetime:
        if minutes <= 0:
            return moment
        now = self._seconds(moment)
        if now is None or moment.microsecond:
            return super().add_working_minutes(moment, minutes)
        target = now + minutes * 60
        i = bisect.bisect_left(self._total, target) - 1  # the day on which it is reached
        if i >= len(self._open):
            return super().add_working_minutes(moment, minutes)
        rest = target - self._total[i]
        a, _, c, _ = self._parts
        at = a + rest if rest <= self._morning else c + rest - self._morning
        return dt.datetime.combine(self._first + dt.timedelta(days=i), dt.time()) + \
            dt.timedelta(seconds=at)


def period(cal: WorkingCalendar, end: dt.date | None, years: int) -> tuple[dt.datetime, dt.date]:
    """The simulated present, and the first day of the data."""
    if end is None:
        present = dt.datetime.now().replace(microsecond=0)
    elif isinstance(end, dt.datetime):
        present = end.replace(microsecond=0, tzinfo=None)
    else:
        present = cal.closing(end)
    try:
        start = present.date().replace(year=present.year - years)
    except ValueError:  # 29 February
        start = present.date().replace(year=present.year - years, day=28)
    return present, start + dt.timedelta(days=1)


def office_segments(cal: WorkingCalendar, day: dt.date,
                    until: dt.datetime) -> list[tuple[dt.datetime, float, float]]:
    """(start, seconds long, weight) of the day's office time before ``until``, by hour."""
    h, out = cal.hours, []
    for start, stop in ((h.morning_start, h.morning_end), (h.afternoon_start, h.afternoon_end)):
        a, b = dt.datetime.combine(day, start), dt.datetime.combine(day, stop)
        b = min(b, until)
        while a < b:
            cut = min(b, a.replace(minute=0, second=0) + dt.timedelta(hours=1))
            seconds = (cut - a).total_seconds()
            out.append((a, seconds, HOUR.get(a.hour, 0.5) * seconds / 3600))
            a = cut
    return out


def _allocate(total: int, weights: list[float]) -> list[int]:
    """Split ``total`` in proportion to ``weights`` (largest remainder: exact and stable)."""
    s = sum(weights)
    if total == 0 or s <= 0:
        return [0] * len(weights)
    shares = [total * w / s for w in weights]
    counts = [int(x) for x in shares]
    order = sorted(range(len(weights)), key=lambda i: counts[i] - shares[i])
    for i in order[:total - sum(counts)]:
        counts[i] += 1
    return counts


def daily_counts(rng: random.Random, cal: WorkingCalendar, start: dt.date,
                 present: dt.datetime, total: int, desks: int
                 ) -> list[tuple[dt.date, int, list]]:
    """(day, dossiers, office segments) for every working day from ``start`` to the present."""
    days, weights = [], []
    full = sum(w for *_, w in office_segments(cal, dt.date(2000, 1, 3), dt.datetime.max))
    day = start
    while day <= present.date():
        if cal.is_working_day(day):
            segments = office_segments(cal, day, present)
            part = sum(w for *_, w in segments) / full
            if part > 0:
                years = (day - start).days / 365.25
                weights.append(MONTH[day.month - 1] * WEEKDAY[day.weekday()] * part
                               * (1 + GROWTH * years) * rng.lognormvariate(0, 0.2))
                days.append((day, segments))
        day += dt.timedelta(days=1)
    cap = PER_DESK_PER_DAY * desks
    if total > cap * len(days):
        raise SyntheticDataRefused(f"{total} dossiers do not fit in {len(days)} working days "
                         f"with {desks} desks of at most {PER_DESK_PER_DAY} a day each.")
    counts = _allocate(total, weights)
    while max(counts, default=0) > cap:  # a very busy day: spill over to the others
        spill = sum(c - cap for c in counts if c > cap)
        counts = [min(c, cap) for c in counts]
        room = [w if c < cap else 0.0 for c, w in zip(counts, weights, strict=True)]
        counts = [c + e for c, e in zip(counts, _allocate(spill, room), strict=True)]
    return [(d, n, seg) for (d, seg), n in zip(days, counts, strict=True) if n]


def moments(rng: random.Random, segments: list, count: int) -> list[dt.datetime]:
    """``count`` reception moments (whole seconds) in the day's office time, in order."""
    cum, total = [], 0.0
    for *_, w in segments:
        total += w
        cum.append(total)
    picked = rng.choices(segments, cum_weights=cum, k=count)
    return sorted(a + dt.timedelta(seconds=int(rng.random() * length))
                  for a, length, _ in picked)
