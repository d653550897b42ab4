"""The reports tab (F7) at 1024×768 shows the digitisation inputs of the QĐ 766 service
index for real: October 2026's dossiers digitised through the real desk (Counter.attach on
real pages, Counter.reuse of a returning citizen's document), read on the evaluation
sub-tab as the officer sees it."""

from __future__ import annotations

import datetime as dt

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from counter_app.domain.lifecycle import Step
from counter_app.service.counter import Counter
from tests.core.conftest import make_request  # noqa: F401  (the fixture)
from tests.sample_pages import jpeg, reportlab_pdf, scanned, text_page
from tests.settable_clock import Clock
from tests.ui.conftest import AGENCY, NOW, _shown_window, signed_in

HOTICH = "1.004873"  # two documents to digitise and the ID card, only shown


@pytest.fixture
def desk(tmp_path, make_request):  # noqa: F811
    """a: both documents and the result scanned; b: one of two documents, result not
    scanned; c (the same citizen, back on 12/10): the form linked from a, the other
    document scanned."""
    clock = Clock(dt.datetime(2026, 10, 5, 9, 0))
    counter = signed_in(Counter.open(tmp_path / "desk.db", clock=clock))
    counter.set_up(**AGENCY)
    scan = jpeg(scanned(text_page((827, 1170))))

    def receive(moment: str) -> str:
        clock.now = dt.datetime.fromisoformat(moment)
        return counter.receive(make_request(HOTICH, received_at=clock.now)).code

    def finish(code: str, moment: str) -> None:
        clock.now = dt.datetime.fromisoformat(moment)
        counter.step(code, Step.FINISH, {"result": "Giấy xác nhận"})

    a = receive("2026-10-05T09:00")
    first = counter.attach(a, [scan], document=0)
    counter.attach(a, [reportlab_pdf(2)], document=1)
    finish(a, "2026-10-07T09:00")
    counter.attach(a, [reportlab_pdf(1)], result=True)
    b = receive("2026-10-06T09:00")
    counter.attach(b, [scan], document=0)
    finish(b, "2026-10-08T09:00")
    c = receive("2026-10-12T09:00")
    counter.reuse(c, 0, a, first.id)
    counter.attach(c, [reportlab_pdf(3)], document=1)
    clock.now = NOW  # Friday 20/11/2026: the tab opens on October
    return counter


def test_the_three_inputs_show_values_at_1024x768(qtbot, desk):
    w = _shown_window(qtbot, desk)
    w.resize(1024, 768)
    QTest.keyClick(w.focusWidget() or w, Qt.Key.Key_F7)
    assert w.tabs.currentWidget() is w.reports
    qtbot.waitUntil(lambda: w.worker.idle and w.reports.data is not None)
    screen = w.reports
    assert screen.data.evaluation.period.label == "Tháng 10/2026"
    screen.tabs.setCurrentIndex(2)
    view = screen.evaluation
    table = view.index
    view.ensureWidgetVisible(table)
    shown = {table.item(r, 1).text(): [table.item(r, c).text() for c in (2, 3, 4)]
             for r in range(table.rowCount())}
    value, parts, note = shown["Số hóa thành phần hồ sơ khi tiếp nhận"]
    assert (value, parts) == ("66,7 %", "2/3")                    # a and c of a b c
    assert "Giấy tờ đã số hóa: 5/6." in note                      # b's second one missing
    assert "xuất trình" in note
    value, parts, note = shown["Tái sử dụng giấy tờ, dữ liệu đã số hóa"]
    assert (value, parts) == ("33,3 %", "1/3") and "1 giấy tờ được dùng lại" in note
    value, parts, note = shown["Số hóa kết quả giải quyết"]
    assert (value, parts) == ("50,0 %", "1/2")                    # a's, not b's
    assert shown["Thanh toán trực tuyến"][0] == "Chưa ghi nhận"
    row = next(r for r in range(table.rowCount())
               if table.item(r, 1).text() == "Số hóa thành phần hồ sơ khi tiếp nhận")
    assert table.item(row, 2).foreground().color().name() != "#9e9e9e"  # a value, not grey
    assert table.item(row, 0).text() == "Số hóa hồ sơ (tối đa 22 điểm)"
    assert table.rowSpan(row, 0) == 3  # the group's one cell over its three inputs
    # Fits the 1024-pixel window: no sideways scrolling of the evaluation.
    assert table.width() <= view.viewport().width()
    assert not view.horizontalScrollBar().isVisible()
    qtbot.waitUntil(lambda: w.worker.idle)
