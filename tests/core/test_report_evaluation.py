"""The citizens' evaluation of a period and the QĐ 766 inputs, on dossiers taken through the
real desk (two officers returning), with every number worked out by hand."""

from __future__ import annotations

import datetime as dt

import pytest

from counter_app.domain.lifecycle import Step
from counter_app.domain.statuses import Status
from counter_app.reports import compute, parse_period
from counter_app.reports.evaluation import QD766_GROUPS, RatingCounts, summarise
from tests.core.conftest import OFFICER, sign_in_as

HOTICH = "1.004873"     # Cấp Giấy xác nhận tình trạng hôn nhân (Hộ tịch)
CHUNGTHUC = "2.001035"  # Chứng thực hợp đồng, giao dịch liên quan đến tài sản là động sản
BAOTRO = "1.001699"     # Xác định, xác định lại mức độ khuyết tật … (Bảo trợ xã hội)
BINH = "Đỗ Văn Bình"    # the second officer: "Đ" sorts before "L" in Vietnamese only
HUONG = OFFICER["full_name"]


def _t(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


@pytest.fixture
def returns(desk, clock, make_request):
    """Dossiers by letter: (procedure, received, due, finished, returned, by whom, rating,
    extra return fields); channel 2 for the online ones."""
    serial = iter(range(10, 99))
    made: dict[str, str] = {}
    binh = sign_in_as(desk, BINH, roles=("reception",))
    sign_in_as(desk, HUONG)

    def life(letter, procedure, received, due, finish=None, ret=None, by=HUONG, rating="",
             channel=1, extra=None, withdraw=None):
        clock.now = _t(received)
        applicant = {"full_name": f"Người nộp {letter}",
                     "id_number": f"0013030123{next(serial):02d}"}
        row = desk.receive(make_request(procedure, applicant=applicant,
                                        received_at=_t(received), due_at=_t(due)))
        if channel == 2:  # online dossiers come from sync, never from the desk
            desk.db.execute("UPDATE dossiers SET channel = 2 WHERE id = ?", [row["id"]])
        if finish:
            clock.now = _t(finish)
            desk.step(row.code, Step.FINISH, {"result": "Kết quả"})
        if withdraw:
            clock.now = _t(withdraw)
            desk.step(row.code, Step.WITHDRAW, {})
        if ret:
            clock.now = _t(ret)
            sign_in_as(desk, by)
            desk.step(row.code, Step.RETURN, {"rating": rating, **(extra or {})})
            sign_in_as(desk, HUONG)
        made[letter] = row.code

    # Returned in October 2026 (counted): a b c d e f l
    life("a", HOTICH, "2026-10-01T09:00", "2026-10-06T17:00", "2026-10-05T10:00",
         "2026-10-07T09:00", HUONG, "very_satisfied")                       # early
    life("b", HOTICH, "2026-10-05T09:00", "2026-10-08T17:00", "2026-10-08T15:00",
         "2026-10-09T09:00", BINH, "satisfied",
         extra={"fee_vnd": "8.000", "fee_receipt_no": "BL-0001"})          # on time, fee
    life("c", HOTICH, "2026-10-06T09:00", "2026-10-09T17:00", "2026-10-13T09:00",
         "2026-10-14T09:00", BINH, "not_satisfied",
         extra={"comment": "Phải chờ lâu"})                                  # late, comment
    life("d", CHUNGTHUC, "2026-10-12T09:00", "2026-10-14T17:00", "2026-10-14T10:00",
         "2026-10-15T09:00", HUONG, "")                                      # on time, unrated
    life("e", CHUNGTHUC, "2026-10-19T09:00", "2026-10-21T17:00", "2026-10-20T09:00",
         "2026-10-30T09:00", BINH, "very_satisfied")                         # early
    life("f", BAOTRO, "2026-09-01T09:00", "2026-09-29T17:00", "2026-09-30T09:00",
         "2026-10-01T07:30", HUONG, "satisfied")        # late, finished in Sept, returned 1/10
    life("l", CHUNGTHUC, "2026-10-28T09:00", "2026-10-30T17:00", "2026-10-29T09:00",
         "2026-10-31T16:30", HUONG, "satisfied")        # early, returned on the last day
    # Not counted: returned before / after the period, not returned, withdrawn, open.
    life("g", BAOTRO, "2026-09-01T10:00", "2026-09-29T17:00", "2026-09-20T09:00",
         "2026-09-30T16:00", HUONG, "very_satisfied")
    life("h", HOTICH, "2026-10-26T09:00", "2026-10-29T17:00", "2026-10-29T09:00",
         "2026-11-02T08:00", BINH, "not_satisfied")     # on time in Oct, returned in Nov
    life("i", CHUNGTHUC, "2026-10-20T09:00", "2026-10-22T17:00", "2026-10-21T09:00",
         channel=2)                                     # online, early, not returned
    life("j", BAOTRO, "2026-10-22T09:00", "2026-11-19T17:00", channel=2)      # online, open
    life("k", HOTICH, "2026-10-27T09:00", "2026-10-30T17:00", withdraw="2026-10-28T09:00")
    made["binh"] = binh
    return made


def _counts(c: RatingCounts) -> tuple:
    return (c.very_satisfied, c.satisfied, c.not_satisfied, c.not_rated, c.returned,
            c.on_time, c.late)


def test_the_setup_is_what_the_numbers_assume(desk, returns):
    status = {k: desk.dossier(c).status for k, c in returns.items() if k != "binh"}
    assert [k for k, s in status.items() if s is Status.RETURNED] == list("abcdeflgh")
    assert status["i"] is Status.FINISHED and status["k"] is Status.WITHDRAWN
    verdict = {k: desk.dossier(returns[k]).progress.verdict.value for k in "abcdeflhi"}
    assert verdict == {"a": "early", "b": "on_time", "c": "late", "d": "on_time",
                       "e": "early", "f": "late", "l": "early", "h": "on_time", "i": "early"}
    assert returns["binh"] == "do.van.binh"


def test_october_overall(desk, returns):
    ev = summarise(desk.db, parse_period("2026-10"))
    # a e very; b f l satisfied; c not; d unrated. On time: a b d e l; late: c f.
    assert _counts(ev.overall) == (2, 3, 1, 1, 7, 5, 2)
    assert ev.overall.rated == 6
    assert ev.overall.satisfied_share == pytest.approx(5 / 6)
    assert ev.overall.on_time_share == pytest.approx(5 / 7)


def test_october_by_procedure_in_vietnamese_order(desk, returns):
    ev = summarise(desk.db, parse_period("2026-10"))
    # "Cấp…" before "Chứng…" (â before h), then "Xác…"; code-point order would swap the two.
    assert [(p.code, p.name[:12]) for p in ev.by_procedure] == [
        (HOTICH, "Cấp Giấy xác"), (CHUNGTHUC, "Chứng thực h"), (BAOTRO, "Xác định, xá")]
    assert [_counts(p.counts) for p in ev.by_procedure] == [
        (1, 1, 1, 0, 3, 2, 1),    # a b c
        (1, 1, 0, 1, 3, 3, 0),    # d e l
        (0, 1, 0, 0, 1, 0, 1)]    # f
    code, name, counts = ev.by_procedure[0]  # still a plain (code, name, counts) tuple
    assert code == HOTICH and counts.satisfied_share == pytest.approx(2 / 3)


def test_october_by_returning_officer(desk, returns):
    ev = summarise(desk.db, parse_period("2026-10"))
    assert [(o.username, o.name) for o in ev.by_officer] == [
        ("do.van.binh", BINH), ("huong", HUONG)]           # Đ before L in Vietnamese
    assert _counts(ev.by_officer[0].counts) == (1, 1, 1, 0, 3, 2, 1)   # b c e
    assert _counts(ev.by_officer[1].counts) == (1, 2, 0, 1, 4, 3, 1)   # a d f l
    # An account no longer in the table is shown by the name recorded in the event.
    desk.db.execute("DELETE FROM officers WHERE username = 'do.van.binh'")
    ev = summarise(desk.db, parse_period("2026-10"))
    assert [(o.username, o.name) for o in ev.by_officer] == [
        ("do.van.binh", "do.van.binh"), ("huong", HUONG)]


def test_the_period_bounds_are_the_return_days(desk, returns):
    first = summarise(desk.db, parse_period("2026-09"))
    assert _counts(first.overall) == (1, 0, 0, 0, 1, 1, 0)            # g
    november = summarise(desk.db, parse_period("2026-11"))
    assert _counts(november.overall) == (0, 0, 1, 0, 1, 1, 0)         # h
    from counter_app.reports import between
    edges = summarise(desk.db, between("2026-10-01", "2026-10-01"))
    assert edges.overall.returned == 1 and edges.overall.late == 1    # f at 07:30 on 1/10
    last = summarise(desk.db, between("2026-10-31", "2026-10-31"))
    assert last.overall.returned == 1 and last.overall.satisfied == 1  # l at 16:30 on 31/10


def test_october_service_index_inputs(desk, returns):
    period = parse_period("2026-10")
    ev = summarise(desk.db, period)
    index = {i.name: i for i in ev.service_index}
    groups = [g for g, _ in QD766_GROUPS]
    assert [i.group for i in ev.service_index] == sorted(
        (i.group for i in ev.service_index), key=groups.index)
    assert {i.group for i in ev.service_index} == set(groups)

    # With a result, finished in October: a b c d e h i l; early/on time all but c.
    progress = index["Hồ sơ giải quyết đúng hạn"]
    assert (progress.numerator, progress.denominator) == (7, 8)
    assert progress.value == pytest.approx(7 / 8)
    assert "Không tính 1 hồ sơ" in progress.note                     # k, withdrawn
    total = compute(desk.db, period).total
    assert (total.resolved_total, total.closed_without_result) == (9, 1)

    online = index["Hồ sơ tiếp nhận trực tuyến"]                      # i j of a-e h-l
    assert (online.numerator, online.denominator, online.value) == (2, 10, 0.2)

    liked = index["Hài lòng về tiếp nhận, giải quyết thủ tục hành chính"]
    assert (liked.numerator, liked.denominator) == (5, 6)
    assert "6/7 hồ sơ trả có đánh giá" in liked.note

    # Nothing digitised yet: the digitisation inputs are 0 %, no longer "not recorded".
    # On paper in October: a b c d e h k l (i, j online); documents to digitise: 2 for each
    # Hộ tịch (a b c h k; the ID card is only shown), 1 for each Chứng thực (d e l).
    reception = index["Số hóa thành phần hồ sơ khi tiếp nhận"]
    assert (reception.numerator, reception.denominator, reception.value) == (0, 8, 0.0)
    assert "Giấy tờ đã số hóa: 0/13." in reception.note
    reuse = index["Tái sử dụng giấy tờ, dữ liệu đã số hóa"]
    assert (reuse.numerator, reuse.denominator, reuse.value) == (0, 8, 0.0)
    result = index["Số hóa kết quả giải quyết"]                       # as "đúng hạn": 8
    assert (result.numerator, result.denominator, result.value) == (0, 8, 0.0)

    missing = [i for i in ev.service_index if i.value is None]
    assert {i.name for i in missing} == {
        "Công khai, cập nhật thủ tục hành chính", "Thanh toán trực tuyến",
        "Xử lý phản ánh, kiến nghị đúng hạn", "Hài lòng về việc xử lý phản ánh, kiến nghị"}
    for item in missing:
        assert item.note.startswith("Chương trình chưa ghi nhận"), item.name
        assert item.numerator is None and item.denominator is None
    assert "1/7 hồ sơ trả trong kỳ có thu phí" in index["Thanh toán trực tuyến"].note   # b
    assert "1/7 hồ sơ trả trong kỳ có ý kiến" in index[
        "Xử lý phản ánh, kiến nghị đúng hạn"].note                                      # c


def test_to_dict(desk, returns):
    data = summarise(desk.db, parse_period("2026-10")).to_dict()
    assert data["period"]["label"] == "Tháng 10/2026"
    assert data["overall"]["rated"] == 6 and data["overall"]["returned"] == 7
    assert data["by_officer"][0]["name"] == BINH and data["by_officer"][0]["late"] == 1
    assert data["by_procedure"][2]["code"] == BAOTRO
    assert sum(g["max_points"] for g in data["groups"]) == 100
    assert "score" not in str(data).lower()
    assert data["service_index"][1]["numerator"] == 7


def test_an_empty_period(desk, returns):
    ev = summarise(desk.db, parse_period("2024"))
    assert _counts(ev.overall) == (0,) * 7
    assert ev.overall.satisfied_share is None and ev.overall.on_time_share is None
    assert ev.by_procedure == [] and ev.by_officer == []
    assert all(i.value is None for i in ev.service_index)
