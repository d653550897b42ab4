"""The digitisation inputs of the QĐ 766 service index at the desk (reports/digitisation.py):
dossiers received in October 2026 through the real desk, their documents digitised with
``Counter.attach`` (real pages) or linked from the citizen's earlier dossier with
``Counter.reuse``, every number worked out by hand; then the officer's Excel export, read
back with openpyxl."""

from __future__ import annotations

import datetime as dt

import openpyxl
import pytest

from counter_app.domain.lifecycle import Step
from counter_app.reports import digitisation, parse_period
from counter_app.reports.evaluation import summarise
from tests.sample_pages import jpeg, reportlab_pdf, scanned, text_page

HOTICH = "1.004873"     # 3 documents: form (original), divorce proof (copy), ID card (shown)
CHUNGTHUC = "2.001035"  # 3 documents: draft (original), ownership and ID card (both shown)
OTHER_UNIT = "000.17.22.H99"
SHOWN_ONLY = [{"name": "Giấy tờ tùy thân (CCCD)", "form": "present"},
              {"name": "Giấy chứng nhận quyền sử dụng đất", "form": "present"}]


@pytest.fixture(scope="module")
def scan() -> bytes:
    """A scanned form, at 100 dpi (a 300 dpi page takes seconds to make into a PDF)."""
    return jpeg(scanned(text_page((827, 1170))))


def _t(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


@pytest.fixture
def october(desk, clock, make_request, scan):
    """Dossiers by letter (every number in the tests is worked out from this list):

    a  Hộ tịch, 05/10: both documents to digitise scanned (and the ID card, only shown):
       complete; finished 08/10, its result scanned.
    b  Hộ tịch, 06/10: the form scanned, the divorce proof not: 1 of 2; finished 09/10.
    c  Chứng thực, 07/10: nothing scanned (1 to digitise); finished in November.
    d  Hộ tịch, 08/10, the divorce proof not received (unticked): the form scanned is all
       there is to digitise: complete.
    e  only papers shown (xuất trình): nothing to digitise.
    f  the same citizen as a, 12/10: the form linked from a (reused), the divorce proof
       scanned: complete, 1 document reused; finished 14/10, result not scanned.
    g  online (channel 2), 13/10, scanned anyway: not counted (electronic already).
    h  refused at reception (Mẫu 03), 14/10: never received, not counted.
    s  received 30/09, scanned: another period.
    t  received 15/10 by another commune for this unit (a row pulled from the server):
       scanned there, not at this counter; finished 20/10, its result scanned here: the
       result counts here (the deciding unit), the reception does not.
    """
    made: dict[str, str] = {}

    def at(moment: str) -> None:
        clock.now = _t(moment)

    def receive(letter, procedure, moment, **extra):
        at(moment)
        row = desk.receive(make_request(procedure, received_at=_t(moment), **extra))
        made[letter] = row.code
        return row.code

    def finish(letter, moment):
        at(moment)
        desk.step(made[letter], Step.FINISH, {"result": "Giấy xác nhận"})

    a = receive("a", HOTICH, "2026-10-05T09:00")
    desk.attach(a, [scan], document=0)
    first_proof = desk.attach(a, [reportlab_pdf(2)], document=1)
    desk.attach(a, [scan], document=2)          # the ID card: shown, scanned all the same
    finish("a", "2026-10-08T09:00")
    desk.attach(a, [reportlab_pdf(1)], result=True)

    b = receive("b", HOTICH, "2026-10-06T09:00")
    desk.attach(b, [scan], document=0)
    finish("b", "2026-10-09T09:00")

    receive("c", CHUNGTHUC, "2026-10-07T09:00")

    d = receive("d", HOTICH, "2026-10-08T09:00", documents=[
        {"name": "Tờ khai", "form": "original"},
        {"name": "Giấy tờ chứng minh đã ly hôn", "form": "copy", "received": False},
        {"name": "Căn cước công dân", "form": "present"}])
    desk.attach(d, [scan], document=0)

    receive("e", CHUNGTHUC, "2026-10-09T09:00", documents=SHOWN_ONLY)

    f = receive("f", HOTICH, "2026-10-12T09:00")
    was = desk.attachments(a)[0]
    desk.reuse(f, 0, a, was.id)
    desk.attach(f, [reportlab_pdf(3)], document=1)
    finish("f", "2026-10-14T09:00")

    g = receive("g", HOTICH, "2026-10-13T09:00")
    desk.db.execute("UPDATE dossiers SET channel = 2 WHERE code = ?", [g])
    desk.attach(g, [scan], document=0)
    desk.attach(g, [scan], document=1)

    at("2026-10-14T10:00")
    made["h"] = desk.refuse_at_reception(make_request(HOTICH), "Không thuộc thẩm quyền").code

    s = receive("s", HOTICH, "2026-09-30T09:00")
    desk.attach(s, [scan], document=0)
    desk.attach(s, [scan], document=1)

    t = receive("t", HOTICH, "2026-10-15T09:00")
    desk.attach(t, [scan], document=0)
    desk.attach(t, [scan], document=1)
    finish("t", "2026-10-20T09:00")
    desk.attach(t, [scan], result=True)
    desk.db.execute("UPDATE dossiers SET receiving_agency = ? WHERE code = ?", [OTHER_UNIT, t])

    finish("c", "2026-11-02T09:00")
    at("2026-11-03T09:00")
    made["first_proof"] = first_proof.sha256
    return made


def test_october_counted_by_hand(desk, october):
    found = digitisation.compute(desk.db, parse_period("2026-10"))
    # On paper at this counter in October: a b c d e f (g online, h refused, s September,
    # t another counter's). Something to digitise: all but e.
    assert (found.received, found.to_digitise) == (6, 5)
    assert found.complete == 3                                  # a d f
    # Documents to digitise: a 2, b 2, c 1, d 1, f 2 = 8; digitised: a 2, b 1, d 1, f 2.
    # The ID card a scanned is only shown: in neither.
    assert (found.documents, found.documents_digitised) == (8, 6)
    assert (found.reused_dossiers, found.reused_documents) == (1, 1)   # f: the form from a
    # With a result finished in October: a b f t (c in November); scanned: a and t.
    assert (found.with_result, found.results_digitised) == (4, 2)
    assert found.reception_share == pytest.approx(3 / 5)
    assert found.reuse_share == pytest.approx(1 / 6)
    assert found.result_share == pytest.approx(1 / 2)


def test_the_service_index_shows_the_three_inputs(desk, october):
    ev = summarise(desk.db, parse_period("2026-10"))
    index = {i.name: i for i in ev.service_index}
    reception = index["Số hóa thành phần hồ sơ khi tiếp nhận"]
    assert (reception.numerator, reception.denominator) == (3, 5)
    assert reception.value == pytest.approx(0.6)
    assert "Giấy tờ đã số hóa: 6/8." in reception.note
    assert "Không tính 1 hồ sơ không có giấy tờ phải số hóa" in reception.note
    reuse = index["Tái sử dụng giấy tờ, dữ liệu đã số hóa"]
    assert (reuse.numerator, reuse.denominator) == (1, 6)
    assert "1 giấy tờ được dùng lại" in reuse.note
    result = index["Số hóa kết quả giải quyết"]
    assert (result.numerator, result.denominator, result.value) == (2, 4, 0.5)
    # The result's denominator is the "đúng hạn" line's: the dossiers with a result.
    assert index["Hồ sơ giải quyết đúng hạn"].denominator == result.denominator
    assert ev.to_dict()["digitisation"]["documents_digitised"] == 6


def test_a_period_without_the_scans(desk, october):
    september = digitisation.compute(desk.db, parse_period("2026-09"))
    assert (september.received, september.complete, september.with_result) == (1, 1, 0)
    november = digitisation.compute(desk.db, parse_period("2026-11"))
    assert (november.received, november.with_result, november.results_digitised) == (0, 1, 0)
    assert november.reception_share is None and november.result_share == 0.0
    empty = summarise(desk.db, parse_period("2025"))
    assert all(i.value is None for i in empty.service_index)


def test_a_later_scan_of_the_missing_document_completes_b(desk, october, scan):
    before = digitisation.compute(desk.db, parse_period("2026-10"))
    desk.attach(october["b"], [scan], document=1)
    desk.attach(october["c"], [scan], document=1)   # c's ownership paper: only shown
    after = digitisation.compute(desk.db, parse_period("2026-10"))
    assert (after.complete, after.documents_digitised) == (before.complete + 1,
                                                           before.documents_digitised + 1)


def test_the_unit_is_the_receiving_counter(desk, october):
    """Read as the other commune's desk would: t is its reception (and a..f are not)."""
    there = digitisation.compute(desk.db, parse_period("2026-10"), here=OTHER_UNIT)
    assert (there.received, there.to_digitise, there.complete) == (1, 1, 1)
    assert there.results_digitised == 1  # a's; t is decided here, not there


def test_the_excel_export_has_the_service_index_sheet(desk, october, tmp_path):
    period = desk.report_period("2026-10")
    out = desk.report_export(desk.report_ii06a(period), tmp_path / "ii06a.xlsx")
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == ["Biểu II.06a", "Chỉ số phục vụ"]
    assert book.active.title == "Biểu II.06a"
    sheet = book["Chỉ số phục vụ"]
    rows = {r[2]: r for r in sheet.iter_rows(values_only=True) if r[2] and r[0]}
    reception = rows["Số hóa thành phần hồ sơ khi tiếp nhận"]
    assert reception[3:6] == (pytest.approx(0.6), 3, 5)
    assert "Giấy tờ đã số hóa: 6/8." in reception[6]
    assert rows["Tái sử dụng giấy tờ, dữ liệu đã số hóa"][3:6] == (pytest.approx(1 / 6), 1, 6)
    assert rows["Số hóa kết quả giải quyết"][3:6] == (0.5, 2, 4)
    assert rows["Thanh toán trực tuyến"][3:6] == ("Chưa ghi nhận", None, None)
    share = next(r[3] for r in sheet.iter_rows() if r[2].value == reception[2])
    assert share.number_format == "0.0%"  # 60,0% in Excel, the number 0.6 underneath
    texts = [c for r in sheet.iter_rows(values_only=True) for c in r if isinstance(c, str)]
    assert any("Số hóa hồ sơ (tối đa 22 điểm)" == t for t in texts)
    assert any(t.startswith("Kỳ báo cáo: Tháng 10/2026") for t in texts)
    assert not any("điểm:" in t.lower() or "tổng điểm" in t.lower() for t in texts)
