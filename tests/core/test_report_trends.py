"""Chart data on the II.06a book of dossiers (tests/core/test_report_ii06a.py): timeliness
month by month agrees with form II.06a for every month, and the overdue dossiers by
procedure follow its col13 rule."""

from __future__ import annotations

import datetime as dt

import pytest

from counter_app.errors import ValidationError
from counter_app.reports import between, compute, parse_period
from counter_app.reports.trends import on_time_by_month, overdue_by_procedure
from tests.core import test_report_ii06a
from tests.core.test_report_ii06a import BAOTRO, CHUNGTHUC, HOTICH_3, HOTICH_15

book = test_report_ii06a.book  # the fixture: the II.06a test's dossiers, answers known

D = dt.date


def _cols(point) -> tuple:
    return (point.resolved, point.early, point.on_time, point.late)


def test_months_by_hand(desk, book):
    points = on_time_by_month(desk.db, D(2026, 11, 15), months=4)
    assert [p.label for p in points] == ["08/2026", "09/2026", "10/2026", "11/2026"]
    assert [(p.start, p.end) for p in points] == [
        (D(2026, 8, 1), D(2026, 8, 31)), (D(2026, 9, 1), D(2026, 9, 30)),
        (D(2026, 10, 1), D(2026, 10, 31)), (D(2026, 11, 1), D(2026, 11, 30))]
    assert [_cols(p) for p in points] == [
        (0, 0, 0, 0),      # August: nothing ended (R was due 28/8 but finished 1/10)
        (2, 1, 1, 0),      # C early (16/9), Q withdrawn (25/9: on time, no result)
        (7, 2, 3, 2),      # A J early; D + K N closed (L refused at reception); F R late
        (2, 0, 1, 1)]      # M stopped (5/11); E late (2/11)
    assert points[0].rate is None
    assert points[1].rate == 1.0 and points[2].rate == pytest.approx(5 / 7)
    assert points[3].rate == 0.5
    assert points[2].to_dict()["label"] == "10/2026"


def test_every_month_agrees_with_ii06a(desk, book):
    points = on_time_by_month(desk.db, D(2026, 12, 31), months=8)
    assert points[0].label == "05/2026" and points[-1].label == "12/2026"
    for point in points:
        total = compute(desk.db, parse_period(f"{point.start:%Y-%m}")).total
        assert _cols(point) == (total.resolved_total, total.resolved_early,
                                total.resolved_on_time, total.resolved_late), point.label
    assert sum(p.resolved for p in points) == 11
    # Even for a row the desk would never write (received after it finished), the month's
    # figures follow II.06a: J leaves October (and is not in November either).
    desk.db.execute("UPDATE dossiers SET received_at = '2026-11-05T09:00' WHERE code = ?",
                    [book["J"]])
    points = on_time_by_month(desk.db, D(2026, 11, 1), months=2)
    assert [_cols(p) for p in points] == [(6, 1, 3, 2), (2, 0, 1, 1)]
    for point in points:
        total = compute(desk.db, parse_period(f"{point.start:%Y-%m}")).total
        assert _cols(point) == (total.resolved_total, total.resolved_early,
                                total.resolved_on_time, total.resolved_late), point.label


def test_months_cross_the_year_and_are_checked(desk, book):
    points = on_time_by_month(desk.db, D(2027, 1, 1), months=3)
    assert [p.label for p in points] == ["11/2026", "12/2026", "01/2027"]
    assert [p.resolved for p in points] == [2, 0, 0]
    assert len(on_time_by_month(desk.db, D(2026, 10, 31))) == 12
    with pytest.raises(ValidationError) as err:
        on_time_by_month(desk.db, D(2026, 10, 31), months=0)
    assert "Số tháng" in err.value.errors["months"]


def _groups(groups) -> list[tuple]:
    return [(g.procedure_code, g.count, g.oldest_due) for g in groups]


def test_overdue_at_the_end_of_november(desk, book):
    p_due = desk.dossier(book["P"]).progress.due_at.date()
    o_due = desk.dossier(book["O"]).progress.due_at.date()
    i_due = desk.dossier(book["I"]).progress.due_at.date()
    assert p_due < o_due < D(2026, 11, 30) and i_due < D(2026, 11, 30)
    groups = overdue_by_procedure(desk.db, D(2026, 11, 30))
    # Hộ tịch 3 days: P and O. Then one each, by name: "Chứng…" (H), "Liên…" (B), "Xác…"
    # (I). G waits for a supplement paused with time left: not overdue.
    assert _groups(groups) == [
        (HOTICH_3, 2, p_due), (CHUNGTHUC, 1, D(2026, 10, 5)),
        (HOTICH_15, 1, D(2026, 10, 9)), (BAOTRO, 1, i_due)]
    assert groups[0].field == "Hộ tịch" and groups[0].name.startswith("Cấp Giấy xác nhận")
    assert groups[1].to_dict()["oldest_due"] == "2026-10-05"
    # Nothing has ended since 30/11: exactly II.06a's col13 of a period ending that day.
    november = compute(desk.db, parse_period("2026-11")).total
    assert sum(g.count for g in groups) == november.open_overdue == 5


def test_overdue_on_earlier_days(desk, book):
    # 31/10: B (due 9/10) and H (paused on 7/10 when already due 5/10). E, overdue in
    # October's col13, was finished on 2/11 and is no longer open: left out.
    assert _groups(overdue_by_procedure(desk.db, D(2026, 10, 31))) == [
        (CHUNGTHUC, 1, D(2026, 10, 5)), (HOTICH_15, 1, D(2026, 10, 9))]
    assert compute(desk.db, parse_period("2026-10")).total.open_overdue == 3
    # The due day itself is not overdue: B on 9/10, not yet; on 10/10, overdue.
    assert _groups(overdue_by_procedure(desk.db, D(2026, 10, 9))) == [
        (CHUNGTHUC, 1, D(2026, 10, 5))]
    assert _groups(overdue_by_procedure(desk.db, D(2026, 10, 10))) == [
        (CHUNGTHUC, 1, D(2026, 10, 5)), (HOTICH_15, 1, D(2026, 10, 9))]
    # 6/10: H not yet paused and past its appointment; it matches II.06a's col13 that day.
    assert _groups(overdue_by_procedure(desk.db, D(2026, 10, 6))) == [
        (CHUNGTHUC, 1, D(2026, 10, 5))]
    assert overdue_by_procedure(desk.db, D(2026, 9, 1)) == []
    assert compute(desk.db, between("2026-10-06", "2026-10-06")).total.open_overdue == 1
