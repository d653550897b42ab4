"""Form II.06a on a hand-built set of dossiers whose answer is known cell by cell, taken
through the real desk (receptions in the past, steps at set moments); plus the periods."""

from __future__ import annotations

import datetime as dt

import pytest

from counter_app.domain.lifecycle import Step
from counter_app.domain.statuses import Status
from counter_app.errors import ValidationError
from counter_app.reports import between, compute, parse_period
from counter_app.reports.ii06a import COLUMNS

HOTICH_15 = "2.001023"   # Hộ tịch, 15 working days (Liên thông … đăng ký khai sinh …)
HOTICH_3 = "1.004873"    # Hộ tịch, 3 working days (Cấp Giấy xác nhận tình trạng hôn nhân)
CHUNGTHUC = "2.001035"   # Chứng thực, 2 working days
BAOTRO = "1.001699"      # Bảo trợ xã hội, 20 working days
DATDAI = "2.002145"      # Đất đai, 30 calendar days

HANDOVER = (Step.HANDOVER, {"to_unit": "Công chức Tư pháp – Hộ tịch"})
FINISH = (Step.FINISH, {"result": "Kết quả"})
RETURN = (Step.RETURN, {"rating": "satisfied"})
SUPPLEMENT = (Step.REQUEST_SUPPLEMENT, {"items": ["Bản sao CCCD"], "reason": "Bản sao mờ"})
RESUME = (Step.RESUME, {})
WITHDRAW = (Step.WITHDRAW, {})
REFUSED_AT_RECEPTION = "Không thuộc thẩm quyền của xã"
STOP = (Step.STOP, {"reason": "Người yêu cầu đã chết"})


def _t(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


@pytest.fixture
def book(desk, clock, make_request):
    """Dossiers by letter; each is received, then stepped, at the moments given."""
    made: dict[str, str] = {}
    serial = iter(range(10, 99))

    def life(letter, procedure, received, steps=(), due=None, channel=1, refuse=None):
        clock.now = _t(received)
        applicant = {"full_name": f"Người nộp {letter}",
                     "id_number": f"0013030123{next(serial):02d}"}
        request = make_request(procedure, applicant=applicant, received_at=_t(received),
                               due_at=_t(due) if due else None, channel=3 if channel == 3 else 1)
        row = (desk.refuse_at_reception(request, refuse) if refuse else desk.receive(request))
        if channel == 2:  # online dossiers never arrive at the desk: as if pulled from sync
            desk.db.execute("UPDATE dossiers SET channel = 2 WHERE id = ?", [row["id"]])
        for moment, (step, fields) in steps:
            clock.now = _t(moment)
            desk.step(row.code, step, fields)
        made[letter] = row.code

    # Hộ tịch
    life("A", HOTICH_15, "2026-09-21T09:00", due="2026-10-09T17:00", steps=[
        ("2026-09-22T09:00", HANDOVER), ("2026-10-05T10:00", FINISH),
        ("2026-10-06T09:00", RETURN)])                             # carried over, early
    life("B", HOTICH_15, "2026-09-22T09:00", due="2026-10-09T17:00",
         steps=[("2026-09-22T10:00", HANDOVER)])                     # carried over, overdue
    life("C", HOTICH_3, "2026-09-14T09:00", due="2026-09-17T09:00", steps=[
        ("2026-09-16T09:00", FINISH)])                              # all before: not counted
    life("D", HOTICH_15, "2026-10-12T09:00", due="2026-10-30T17:00", steps=[
        ("2026-10-12T10:00", HANDOVER), ("2026-10-30T16:00", FINISH),
        ("2026-11-03T09:00", RETURN)])                  # finished on the due day, returned after
    life("E", HOTICH_3, "2026-10-26T09:00", steps=[
        ("2026-10-26T10:00", HANDOVER), ("2026-11-02T09:00", FINISH)])  # finished after: late
    life("O", HOTICH_3, "2026-11-02T09:00")                            # received after
    life("P", HOTICH_3, "2026-10-29T09:00")                            # open, within
    # Chứng thực
    life("F", CHUNGTHUC, "2026-10-05T09:00", steps=[
        ("2026-10-06T09:00", SUPPLEMENT), ("2026-10-08T09:00", RESUME),
        ("2026-10-13T09:00", FINISH)])                          # paused, resumed, late
    life("G", CHUNGTHUC, "2026-10-28T09:00", steps=[
        ("2026-10-29T10:00", SUPPLEMENT)])                      # waiting at the period end
    life("H", CHUNGTHUC, "2026-10-01T09:00", steps=[
        ("2026-10-07T09:00", SUPPLEMENT)])                      # paused when already overdue
    # Bảo trợ xã hội
    life("I", BAOTRO, "2026-10-20T09:00", channel=2)            # online, open within
    life("J", BAOTRO, "2026-10-02T09:00", channel=2, steps=[
        ("2026-10-15T09:00", FINISH)])                          # online, early
    life("K", BAOTRO, "2026-10-06T09:00", channel=3, steps=[
        ("2026-10-09T09:00", WITHDRAW)])                        # by post, withdrawn
    life("R", BAOTRO, "2026-08-03T09:00", due="2026-08-28T17:00", steps=[
        ("2026-10-01T09:00", FINISH)])                          # carried over, late
    # Đất đai
    life("L", DATDAI, "2026-10-07T09:00", refuse=REFUSED_AT_RECEPTION)  # never received
    life("M", DATDAI, "2026-10-15T09:00", steps=[("2026-11-05T09:00", STOP)])
    life("N", DATDAI, "2026-09-10T09:00", steps=[("2026-10-20T09:00", STOP)])
    life("Q", DATDAI, "2026-09-08T09:00", steps=[("2026-09-25T09:00", WITHDRAW)])
    return made


def _assert_consistent(report):
    for row in [*report.rows, report.total, *(p for r in report.rows for p in r.procedures)]:
        assert row.problems() == [], (row.label, row.columns())
        assert row.received_total == (row.received_online + row.received_direct
                                      + row.carried_over)
        assert row.received_total == row.resolved_total + row.open_total
        assert row.resolved_total == (row.resolved_early + row.resolved_on_time
                                      + row.resolved_late)
        assert row.open_total == row.open_within + row.open_overdue
    for name in COLUMNS:
        assert getattr(report.total, name) == sum(getattr(r, name) for r in report.rows)


def test_the_setup_is_what_the_cells_assume(desk, book):
    status = {k: desk.dossier(c).status for k, c in book.items()}
    assert status["A"] is Status.RETURNED and status["D"] is Status.RETURNED
    assert status["G"] is Status.WAITING_SUPPLEMENT and status["H"] is Status.WAITING_SUPPLEMENT
    assert status["L"] is Status.REFUSED and status["K"] is Status.WITHDRAWN
    verdict = {k: desk.dossier(book[k]).progress.verdict.value for k in "ADEFJR"}
    assert verdict == {"A": "early", "D": "on_time", "E": "late", "F": "late",
                       "J": "early", "R": "late"}
    assert desk.dossier(book["E"]).progress.due_at.date() == dt.date(2026, 10, 29)
    assert desk.dossier(book["G"]).progress.due_at.date() == dt.date(2026, 10, 30)
    assert desk.dossier(book["H"]).progress.due_at.date() == dt.date(2026, 10, 5)
    assert desk.dossier(book["M"]).progress.due_at.date() > dt.date(2026, 10, 31)


# label: col3..col13, closed without result, refused at reception
OCTOBER = {
    "Bảo trợ xã hội": ((4, 2, 1, 1, 3, 1, 1, 1, 1, 1, 0), 1, 0),   # I J K R
    "Chứng thực": ((3, 0, 3, 0, 1, 0, 0, 1, 2, 1, 1), 0, 0),       # F G H
    "Đất đai": ((2, 0, 1, 1, 1, 0, 1, 0, 1, 1, 0), 1, 1),          # M N (L refused, Q before)
    "Hộ tịch": ((5, 0, 3, 2, 2, 1, 1, 0, 3, 1, 2), 0, 0),   # A B D E P (C before, O after)
}


def test_october_cell_by_cell(desk, book):
    report = compute(desk.db, parse_period("2026-10"))
    _assert_consistent(report)
    assert [r.label for r in report.rows] == list(OCTOBER)  # Vietnamese order: Đ after D, before H
    assert [r.stt for r in report.rows] == ["1", "2", "3", "4"]
    for row in report.rows:
        assert (row.columns(), row.closed_without_result,
                row.refused_at_reception) == OCTOBER[row.label], row.label
        assert row.procedures == []
    assert report.total.columns() == (14, 2, 8, 4, 7, 2, 3, 2, 7, 4, 3)
    assert report.total.closed_without_result == 2
    assert report.total.refused_at_reception == 1
    data = report.to_dict()
    assert data["period"] == {"label": "Tháng 10/2026", "start": "2026-10-01",
                              "end": "2026-10-31"}
    assert data["total"]["received_total"] == 14 and data["columns"]["open_overdue"] == 13
    assert data["total"]["refused_at_reception"] == 1
    assert data["rows"][3]["field"] == "Hộ tịch"


def test_october_by_procedure(desk, book):
    report = compute(desk.db, parse_period("2026-10"), by_procedure=True)
    _assert_consistent(report)
    hotich = report.rows[3]
    assert [(p.stt, p.procedure_code) for p in hotich.procedures] == [
        ("4.1", HOTICH_3), ("4.2", HOTICH_15)]   # "Cấp Giấy…" before "Liên thông…"
    assert hotich.procedures[0].label == "Cấp Giấy xác nhận tình trạng hôn nhân"
    assert hotich.procedures[0].columns() == (2, 0, 2, 0, 0, 0, 0, 0, 2, 1, 1)   # E P
    assert hotich.procedures[1].columns() == (3, 0, 1, 2, 2, 1, 1, 0, 1, 0, 1)   # A B D
    assert "procedures" in report.to_dict()["rows"][3]


def test_november_carries_over_octobers_open_dossiers(desk, book):
    october = compute(desk.db, parse_period("2026-10"))
    november = compute(desk.db, parse_period("2026-11"))
    _assert_consistent(november)
    for old in october.rows:
        new = next(r for r in november.rows if r.label == old.label)
        assert new.carried_over == old.open_total, old.label
    rows = {r.label: r.columns() for r in november.rows}
    # Hộ tịch: B, E, P carried; O received; E finished late on 2/11; the rest overdue/open.
    assert rows["Hộ tịch"] == (4, 0, 1, 3, 1, 0, 0, 1, 3, 0, 3)
    # Đất đai: M carried over and stopped on 5/11 (closed without result: on time).
    assert rows["Đất đai"] == (1, 0, 0, 1, 1, 0, 1, 0, 0, 0, 0)


def test_the_due_day_is_within_and_a_paused_clock_is_judged_at_its_pause(desk, book):
    report = compute(desk.db, between("2026-10-01", "05/10/2026"))
    _assert_consistent(report)
    chungthuc = next(r for r in report.rows if r.label == "Chứng thực")
    # H (due 5/10) and F (received 5/10): both open and within at the end of 5/10.
    assert chungthuc.columns() == (2, 0, 2, 0, 0, 0, 0, 0, 2, 2, 0)
    later = compute(desk.db, between("2026-10-06", "2026-10-06"))
    chungthuc = next(r for r in later.rows if r.label == "Chứng thực")
    assert chungthuc.columns() == (2, 0, 0, 2, 0, 0, 0, 0, 2, 1, 1)  # F paused 6/10; H late


def test_an_empty_period_has_no_rows(desk, book):
    report = compute(desk.db, parse_period("2024"))
    assert report.rows == [] and report.total.columns() == (0,) * 11


# -- periods ------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "start", "end", "label"), [
    ("2026-10", "2026-10-01", "2026-10-31", "Tháng 10/2026"),
    ("2026-2", "2026-02-01", "2026-02-28", "Tháng 02/2026"),
    ("2028-02", "2028-02-01", "2028-02-29", "Tháng 02/2028"),
    ("2026-Q3", "2026-07-01", "2026-09-30", "Quý III/2026"),
    ("2026-q1", "2026-01-01", "2026-03-31", "Quý I/2026"),
    ("2026-H1", "2026-01-01", "2026-06-30", "6 tháng đầu năm 2026"),
    ("2026-H2", "2026-07-01", "2026-12-31", "6 tháng cuối năm 2026"),
    (" 2026 ", "2026-01-01", "2026-12-31", "Năm 2026"),
])
def test_named_periods(text, start, end, label):
    period = parse_period(text)
    assert (period.start.isoformat(), period.end.isoformat(), period.label) == (start, end, label)


@pytest.mark.parametrize(("text", "start", "end"), [
    ("2026-10", "2026-09-15", "2026-10-14"),
    ("2026-01", "2025-12-15", "2026-01-14"),
    ("2026-Q3", "2026-06-15", "2026-09-14"),
    ("2026-H1", "2025-12-15", "2026-06-14"),
    ("2026", "2025-12-15", "2026-12-14"),
])
def test_cutoff_day_convention(text, start, end):
    period = parse_period(text, cutoff_day=15)
    assert (period.start.isoformat(), period.end.isoformat()) == (start, end)


def test_explicit_range():
    period = between("01/10/2026", dt.date(2026, 10, 15))
    assert period.days == 15
    assert period.range_text == "Từ ngày 01/10/2026 đến ngày 15/10/2026"


@pytest.mark.parametrize(("call", "words"), [
    (lambda: parse_period(""), "Chưa nhập kỳ báo cáo"),
    (lambda: parse_period("2026-13"), "Tháng 13 không hợp lệ"),
    (lambda: parse_period("2026-Q5"), "Quý 5 không hợp lệ"),
    (lambda: parse_period("2026-H3"), "H3"),
    (lambda: parse_period("1899"), "Năm 1899 không hợp lệ"),
    (lambda: parse_period("tháng 10"), "không hợp lệ"),
    (lambda: parse_period("2026-10", cutoff_day=31), "Ngày chốt số liệu"),
    (lambda: between("2026-10-31", "2026-10-01"), "phải không sớm hơn"),
    (lambda: between("31/02/2026", "2026-10-01"), "Từ ngày “31/02/2026” không hợp lệ"),
    (lambda: between("", "2026-10-01"), "Chưa nhập từ ngày"),
])
def test_bad_periods_say_why_in_vietnamese(call, words):
    with pytest.raises(ValidationError) as err:
        call()
    assert words in err.value.errors["period"]


def test_a_period_not_ended_is_counted_up_to_today(desk, clock, make_request):
    """On 20/11 a dossier due 25/11 is within the deadline in November's report, not overdue
    because the month's last day (30/11) is after its appointment."""
    clock.now = _t("2026-11-16T09:00")
    desk.receive(make_request(HOTICH_15, received_at=clock.now, due_at=_t("2026-11-25T17:00")))
    clock.now = _t("2026-11-20T10:00")
    report = desk.report_ii06a(parse_period("2026-11"))
    assert report.period.end == dt.date(2026, 11, 20) and report.period.label == "Tháng 11/2026"
    assert (report.total.open_within, report.total.open_overdue) == (1, 0)
    clock.now = _t("2026-12-01T08:00")  # after the month: judged on its last day
    ended = desk.report_ii06a(parse_period("2026-11"))
    assert ended.period.end == dt.date(2026, 11, 30)
    assert (ended.total.open_within, ended.total.open_overdue) == (0, 1)


# -- lateness as the law counts it (docs/law.md §15) -------------------------------------------
APOLOGY = Step.APOLOGIZE


def test_rule_late_with_an_apology_before_the_deadline_is_still_late(desk, clock, make_request):
    """Apologised (Mẫu 04) a working day ahead, finished after the slip's deadline but before
    the apology's new date: late in the verdict and in col10 all the same."""
    clock.now = _t("2026-10-05T09:00")  # Mon; 3 working days: due Thu 08/10 17:00
    code = desk.receive(make_request(HOTICH_3, received_at=clock.now)).code
    clock.now = _t("2026-10-07T10:00")  # Wed, a working day before the deadline: allowed
    row = desk.step(code, APOLOGY, {"reason": "Chờ xác minh", "new_due_at": "2026-10-14"})
    assert row.due_at == _t("2026-10-08T17:00")
    assert row.progress.extended_due_at == _t("2026-10-14T17:00")
    clock.now = _t("2026-10-12T10:00")  # before the new date, after the slip's
    row = desk.step(code, *FINISH)
    assert row["verdict"] == "late"
    total = compute(desk.db, parse_period("2026-10")).total
    assert (total.resolved_early, total.resolved_on_time, total.resolved_late) == (0, 0, 1)


def test_rule_an_apology_after_its_cut_off_is_refused(desk, clock, make_request):
    """An apology is made at least one working day before the deadline, never on or after."""
    clock.now = _t("2026-10-05T09:00")
    code = desk.receive(make_request(HOTICH_3, received_at=clock.now)).code  # due Thu 08/10
    clock.now = _t("2026-10-07T17:00")  # the last moment: still offered
    assert APOLOGY in desk.allowed_steps(code)
    clock.now = _t("2026-10-07T17:01")
    assert APOLOGY not in desk.allowed_steps(code)  # the window shows no button for it
    for moment in ("2026-10-07T17:01", "2026-10-08T09:00", "2026-10-13T11:00"):
        clock.now = _t(moment)
        with pytest.raises(ValidationError) as err:
            desk.step(code, APOLOGY, {"reason": "Chờ", "new_due_at": "2026-10-20"})
        assert "Đã quá hạn xin lỗi" in err.value.errors["apology"], moment
    assert not desk.dossier(code)["apologized"]
    clock.now = _t("2026-10-13T11:00")
    assert desk.step(code, *FINISH)["verdict"] == "late"


def test_rule_the_apology_window_is_a_setting_in_working_days(desk, clock, make_request):
    desk.set_apology_days(2)
    clock.now = _t("2026-10-05T09:00")
    code = desk.receive(make_request(HOTICH_3, received_at=clock.now)).code  # due Thu 08/10
    clock.now = _t("2026-10-07T09:00")  # one working day ahead: too late with 2
    with pytest.raises(ValidationError, match="2 ngày làm việc"):
        desk.step(code, APOLOGY, {"reason": "Chờ", "new_due_at": "2026-10-20"})
    clock.now = _t("2026-10-06T16:00")  # Tue: two working days ahead
    assert desk.step(code, APOLOGY, {"reason": "Chờ", "new_due_at": "2026-10-20"})["apologized"]
    with pytest.raises(ValidationError):
        desk.set_apology_days(0)  # the law's floor is one working day


def _cells(desk, period="2026-10"):
    total = compute(desk.db, parse_period(period)).total
    return total.columns(), total.closed_without_result, total.refused_at_reception


def test_rule_refused_at_reception_is_neither_received_nor_resolved(desk, clock, make_request):
    """Mẫu 03 at the reception check: recorded (status 3, for the register and the count
    beside the form), but not a received dossier: no cell of col3-col13 moves."""
    clock.now = _t("2026-10-05T09:00")
    row = desk.refuse_at_reception(make_request(HOTICH_3, received_at=clock.now),
                                   "Thiếu tờ khai")
    assert row.status is Status.REFUSED
    assert _cells(desk) == ((0,) * 11, 0, 1)
    assert _cells(desk, "2026-11") == ((0,) * 11, 0, 0)  # counted in its own period only


def test_rule_stopped_at_request_is_resolved_without_a_result(desk, clock, make_request):
    """Stopped at the citizen's request before a decision (status 8): leaves the open count
    as resolved in col9, and is counted among those closed without a result."""
    clock.now = _t("2026-10-05T09:00")
    code = desk.receive(make_request(HOTICH_3, received_at=clock.now)).code
    clock.now = _t("2026-10-06T10:00")
    row = desk.step(code, Step.STOP, {"reason": "Người nộp đề nghị dừng để bổ sung giấy tờ"})
    assert row.status is Status.STOPPED
    assert _cells(desk) == ((1, 0, 1, 0, 1, 0, 1, 0, 0, 0, 0), 1, 0)


def test_rule_refused_on_the_merits_is_a_result_judged_by_the_slip(desk, clock, make_request):
    """The competent body's written refusal is the dossier's result (status 9, then 10
    when handed over), early/on time/late against the slip's deadline like any other."""
    clock.now = _t("2026-10-05T09:00")  # due Thu 08/10
    on_time = desk.receive(make_request(HOTICH_3, received_at=clock.now)).code
    late = desk.receive(make_request(HOTICH_3, received_at=clock.now, applicant={
        "full_name": "Trần Văn Bình", "id_number": "001303012399"})).code
    refusal = {"decision_no": "15/TB-UBND", "decided_by": "Chủ tịch UBND xã",
               "reason": "Không đủ điều kiện theo quy định"}
    clock.now = _t("2026-10-08T16:00")
    row = desk.step(on_time, Step.REFUSE_ON_MERITS, {**refusal, "decided_at": "2026-10-08"})
    assert (row.status, row["verdict"], row["outcome"]) == (Status.FINISHED, "on_time", "refused")
    clock.now = _t("2026-10-09T09:00")
    row = desk.step(late, Step.REFUSE_ON_MERITS, {**refusal, "decided_at": "2026-10-09"})
    assert row["verdict"] == "late"
    assert _cells(desk) == ((2, 0, 2, 0, 2, 0, 1, 1, 0, 0, 0), 0, 0)
    assert desk.step(late, Step.RETURN, {})["status"] == Status.RETURNED


@pytest.mark.parametrize(("received", "cells"), [
    ("2026-10-05T15:00", (1, 0, 1, 0, 1, 0, 0, 1, 0, 0, 0)),   # due the same day: late
    ("2026-10-05T15:01", (1, 0, 1, 0, 1, 0, 1, 0, 0, 0, 0)),   # after 15:00: due next day
])
def test_rule_received_at_1500_and_1501(desk, clock, make_request, received, cells):
    """"Sau 15 giờ" is strictly after 15:00: a same-day certification received at 15:00 is
    due that day, at 15:01 the next working day; finished the next morning it is late in
    the first case and on time in the second."""
    clock.now = _t(received)
    code = desk.receive(make_request("2.000815", received_at=clock.now)).code
    clock.now = _t("2026-10-06T09:00")
    desk.step(code, *FINISH)
    assert _cells(desk) == (cells, 0, 0)
