"""The appointment (ngày hẹn trả) against real Vietnamese calendars.

Expected values were worked out by hand from the official holiday notices:
- Tết Ất Tỵ 2025: off Sat 25/1 - Sun 2/2/2025 (weekdays 27-31/1 are Tết days).
- Tết Bính Ngọ 2026: off Sat 14/2 - Sun 22/2/2026 (weekdays 16-20/2).
- Giỗ Tổ 2026 (10/3 âm lịch) is Sun 26/4/2026, so Mon 27/4 is the compensatory day off.
- 30/4-1/5/2025: Sat 26/4/2025 is worked in exchange for Fri 2/5/2025 off.
"""

from __future__ import annotations

import datetime as dt

import pytest

from counter_app.domain.working_calendar import (
    CalendarOverride,
    DurationUnit,
    OverrideKind,
    WorkingCalendar,
)

D = dt.date
T = dt.datetime
SAME, WD, CD = DurationUnit.SAME_DAY, DurationUnit.WORKING_DAYS, DurationUnit.CALENDAR_DAYS


@pytest.fixture(scope="module")
def cal() -> WorkingCalendar:
    return WorkingCalendar()


def days(start: dt.date, end: dt.date) -> list[dt.date]:
    return [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]


# -- working days ---------------------------------------------------------------------------
def test_tet_2025_is_nine_days_off(cal):
    for day in days(D(2025, 1, 25), D(2025, 2, 2)):
        assert not cal.is_working_day(day), day
    assert cal.is_working_day(D(2025, 1, 24))  # Friday before Tết
    assert cal.is_working_day(D(2025, 2, 3))   # Monday after Tết
    # the weekdays off are national holidays, not just weekends
    assert [d.day for d in cal.exceptions(2025) if d.day.month in (1, 2) and d.day.day > 1] == [
        D(2025, 1, 27), D(2025, 1, 28), D(2025, 1, 29), D(2025, 1, 30), D(2025, 1, 31)]


def test_tet_2026_is_nine_days_off(cal):
    for day in days(D(2026, 2, 14), D(2026, 2, 22)):
        assert not cal.is_working_day(day), day
    assert cal.is_working_day(D(2026, 2, 13))
    assert cal.is_working_day(D(2026, 2, 23))
    assert cal.day_info(D(2026, 2, 17)).source == "national"


def test_gio_to_2026_on_sunday_gives_monday_off(cal):
    assert not cal.is_working_day(D(2026, 4, 26))   # Sunday, Giỗ Tổ itself
    info = cal.day_info(D(2026, 4, 27))
    assert not info.working and info.source == "national"
    assert cal.is_working_day(D(2026, 4, 28))


def test_2025_swapped_saturday_and_friday(cal):
    assert D(2025, 4, 26).weekday() == 5 and D(2025, 5, 2).weekday() == 4
    assert cal.is_working_day(D(2025, 4, 26))       # Saturday worked in exchange
    assert not cal.is_working_day(D(2025, 5, 2))    # ... for Friday 2/5 off
    assert not cal.is_working_day(D(2025, 4, 30))
    assert not cal.is_working_day(D(2025, 5, 1))
    assert not cal.is_working_day(D(2025, 4, 27))   # the Sunday after stays off


def test_ordinary_weekend_and_weekday(cal):
    assert cal.is_working_day(D(2026, 3, 9))        # Monday
    assert not cal.is_working_day(D(2026, 3, 7))    # Saturday
    assert not cal.is_working_day(D(2026, 3, 8))    # Sunday


# -- the appointment -----------------------------------------------------------------------
@pytest.mark.parametrize(("received", "unit", "value", "due"), [
    # Tết 2025: Fri 24/1 + 3 working days = Mon 3/2, Tue 4/2, Wed 5/2
    (T(2025, 1, 24, 10, 0), WD, 3, T(2025, 2, 5, 17, 0)),
    # Tết 2026: Fri 13/2 + 3 working days = Mon 23/2, Tue 24/2, Wed 25/2
    (T(2026, 2, 13, 10, 0), WD, 3, T(2026, 2, 25, 17, 0)),
    # Giỗ Tổ 2026: Fri 24/4 + 1 working day skips Sat, Sun 26/4 and Mon 27/4 (nghỉ bù)
    (T(2026, 4, 24, 10, 0), WD, 1, T(2026, 4, 28, 17, 0)),
    # Wed 29/4/2026 + 1: Thu 30/4 and Fri 1/5 are holidays, then a weekend -> Mon 4/5
    (T(2026, 4, 29, 10, 0), WD, 1, T(2026, 5, 4, 17, 0)),
    # Fri 25/4/2025 + 1 working day = the swapped working Saturday 26/4
    (T(2025, 4, 25, 10, 0), WD, 1, T(2025, 4, 26, 17, 0)),
    # Tue 29/4/2025 + 1: 30/4, 1/5, 2/5 (swapped) off, 3-4/5 weekend -> Mon 5/5
    (T(2025, 4, 29, 10, 0), WD, 1, T(2025, 5, 5, 17, 0)),
    # ordinary week: Mon 9/3/2026 + 3 = Thu 12/3
    (T(2026, 3, 9, 9, 0), WD, 3, T(2026, 3, 12, 17, 0)),
    # Fri 6/3/2026 + 1 = Mon 9/3
    (T(2026, 3, 6, 10, 0), WD, 1, T(2026, 3, 9, 17, 0)),
])
def test_working_days(cal, received, unit, value, due):
    assert cal.due_at(received, unit, value) == due


@pytest.mark.parametrize(("received", "due"), [
    (T(2026, 3, 9, 14, 59), T(2026, 3, 9, 17, 0)),    # Monday before 15:00: same day
    (T(2026, 3, 9, 7, 30), T(2026, 3, 9, 17, 0)),
    (T(2026, 3, 9, 15, 0), T(2026, 3, 9, 17, 0)),     # at 15:00: not yet "sau 15 giờ"
    (dt.datetime(2026, 3, 9, 15, 0, 59), T(2026, 3, 9, 17, 0)),  # 15:00 on the slip
    (T(2026, 3, 9, 15, 1), T(2026, 3, 10, 17, 0)),    # 15:01: after 15:00, next working day
    (T(2026, 3, 9, 16, 45), T(2026, 3, 10, 17, 0)),
    (T(2026, 3, 6, 15, 30), T(2026, 3, 9, 17, 0)),    # Friday 15:30 -> Monday
    (T(2026, 3, 8, 10, 0), T(2026, 3, 9, 17, 0)),     # Sunday -> Monday
    (T(2025, 1, 24, 15, 30), T(2025, 2, 3, 17, 0)),   # Friday before Tết 2025, after 15:00
    (T(2025, 4, 26, 10, 0), T(2025, 4, 26, 17, 0)),   # the swapped working Saturday
    (T(2025, 5, 2, 9, 0), T(2025, 5, 5, 17, 0)),      # the swapped day off
])
def test_same_day_and_the_15_oclock_rule(cal, received, due):
    assert cal.due_at(received, SAME) == due


@pytest.mark.parametrize(("received", "value", "due"), [
    # after the 17:00 closing: counts as received Tue 10/3, so +1 = Wed 11/3
    (T(2026, 3, 9, 17, 30), 1, T(2026, 3, 11, 17, 0)),
    (T(2026, 3, 9, 16, 59), 1, T(2026, 3, 10, 17, 0)),
    # on a Sunday: counts as received Mon 9/3, so +3 = Thu 12/3
    (T(2026, 3, 8, 10, 0), 3, T(2026, 3, 12, 17, 0)),
    # on a Saturday: same
    (T(2026, 3, 7, 8, 0), 1, T(2026, 3, 10, 17, 0)),
    # on a Tết day: counts as received Mon 23/2/2026, so +2 = Wed 25/2
    (T(2026, 2, 18, 9, 0), 2, T(2026, 2, 25, 17, 0)),
])
def test_working_days_received_after_closing_or_on_a_day_off(cal, received, value, due):
    assert cal.due_at(received, WD, value) == due


@pytest.mark.parametrize(("received", "value", "due"), [
    (T(2026, 3, 4, 10, 0), 15, T(2026, 3, 19, 17, 0)),   # Wed + 15 = Thu 19/3, a working day
    (T(2026, 3, 6, 10, 0), 15, T(2026, 3, 23, 17, 0)),   # Fri + 15 = Sat 21/3 -> Mon 23/3
    (T(2026, 3, 7, 10, 0), 15, T(2026, 3, 23, 17, 0)),   # Sat + 15 = Sun 22/3 -> Mon 23/3
    (T(2026, 2, 10, 10, 0), 10, T(2026, 2, 23, 17, 0)),  # lands on Fri 20/2 (Tết) -> Mon 23/2
    (T(2025, 4, 16, 10, 0), 10, T(2025, 4, 26, 17, 0)),  # lands on the swapped Saturday
])
def test_calendar_days(cal, received, value, due):
    assert cal.due_at(received, CD, value) == due


def test_negative_duration_is_refused(cal):
    with pytest.raises(ValueError):
        cal.due_at(T(2026, 3, 9, 9, 0), WD, -1)


# -- local overrides -----------------------------------------------------------------------
def test_local_day_off_pushes_the_appointment():
    plain = WorkingCalendar()
    local = WorkingCalendar([CalendarOverride(D(2026, 3, 9), OverrideKind.OFF, "Bầu cử")])
    received = T(2026, 3, 6, 10, 0)  # Friday
    assert plain.due_at(received, WD, 1) == T(2026, 3, 9, 17, 0)
    assert local.due_at(received, WD, 1) == T(2026, 3, 10, 17, 0)
    assert local.due_at(T(2026, 3, 9, 10, 0), SAME) == T(2026, 3, 10, 17, 0)
    info = local.day_info(D(2026, 3, 9))
    assert (info.working, info.reason, info.source) == (False, "Bầu cử", "local")


def test_local_working_saturday_is_counted():
    local = WorkingCalendar([CalendarOverride(D(2026, 3, 7), OverrideKind.WORK)])
    assert local.is_working_day(D(2026, 3, 7))
    assert local.due_at(T(2026, 3, 6, 10, 0), WD, 1) == T(2026, 3, 7, 17, 0)
    assert local.due_at(T(2026, 3, 6, 10, 0), WD, 2) == T(2026, 3, 9, 17, 0)
    assert local.due_at(T(2026, 3, 7, 9, 0), SAME) == T(2026, 3, 7, 17, 0)
    assert D(2026, 3, 7) in [d.day for d in local.exceptions(2026)]


def test_overrides_are_stored_in_the_database(open_desk, clock):
    desk = open_desk("overrides.db")
    procedure = desk.procedure("1.003677")  # Khai báo tạm vắng: 1 working day
    assert (procedure.unit, procedure.value) == (WD, 1)
    friday = T(2026, 3, 6, 10, 0)
    assert desk.due_for(procedure, friday) == T(2026, 3, 9, 17, 0)
    desk.set_calendar_day(D(2026, 3, 9), OverrideKind.OFF, "Nghỉ theo quyết định của tỉnh")
    assert desk.due_for(procedure, friday) == T(2026, 3, 10, 17, 0)
    desk.set_calendar_day(D(2026, 3, 7), OverrideKind.WORK, "Làm bù")
    assert desk.due_for(procedure, friday) == T(2026, 3, 7, 17, 0)
    desk.close()

    reopened = open_desk("overrides.db", setup=False)
    assert not reopened.calendar.is_working_day(D(2026, 3, 9))
    assert reopened.calendar.day_info(D(2026, 3, 9)).reason == "Nghỉ theo quyết định của tỉnh"
    assert reopened.due_for(procedure, friday) == T(2026, 3, 7, 17, 0)
    assert reopened.clear_calendar_day(D(2026, 3, 7))
    assert reopened.clear_calendar_day(D(2026, 3, 9))
    assert not reopened.clear_calendar_day(D(2026, 3, 9))
    assert reopened.due_for(procedure, friday) == T(2026, 3, 9, 17, 0)
