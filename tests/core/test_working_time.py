"""Working time: the clock that stops while a dossier waits for a supplement."""

import datetime as dt

import pytest

from counter_app.domain.working_calendar import WorkingCalendar

CAL = WorkingCalendar()
T = dt.datetime


@pytest.mark.parametrize(("start", "end", "minutes"), [
    (T(2026, 3, 9, 9, 0), T(2026, 3, 9, 10, 0), 60),
    (T(2026, 3, 9, 11, 0), T(2026, 3, 9, 14, 0), 60),     # the lunch break does not count
    (T(2026, 3, 9, 6, 0), T(2026, 3, 9, 18, 0), 480),     # a full office day is 8 h
    (T(2026, 3, 13, 16, 0), T(2026, 3, 16, 8, 0), 120),   # Fri 16:00 -> Mon 08:00
    (T(2026, 4, 24, 16, 0), T(2026, 4, 27, 8, 0), 60),    # Mon 27/4 is Giỗ Tổ (holiday)
    (T(2026, 3, 9, 10, 0), T(2026, 3, 9, 9, 0), 0),
])
def test_working_minutes_between(start, end, minutes):
    assert CAL.working_minutes_between(start, end) == minutes


@pytest.mark.parametrize(("start", "minutes", "end"), [
    (T(2026, 3, 9, 17, 0), 480, T(2026, 3, 10, 17, 0)),   # closing + a day stays at closing
    (T(2026, 3, 9, 11, 0), 60, T(2026, 3, 9, 14, 0)),     # across lunch
    (T(2026, 3, 13, 16, 30), 60, T(2026, 3, 16, 7, 30)),  # across the weekend
    (T(2026, 3, 9, 12, 0), 0, T(2026, 3, 9, 12, 0)),
])
def test_add_working_minutes(start, minutes, end):
    assert CAL.add_working_minutes(start, minutes) == end


def test_adding_back_what_was_measured_is_consistent():
    start = T(2026, 3, 9, 17, 0)
    for minutes in range(0, 3000, 97):
        later = CAL.add_working_minutes(start, minutes)
        assert CAL.working_minutes_between(start, later) == minutes
