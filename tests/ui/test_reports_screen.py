"""The reports tab (F7) as an officer uses it: the period picker, form II.06a on screen and
exported (XLSX read back with openpyxl, PDF with pdftotext), the charts' figures, the
citizens' evaluation, who sees the tab, and the report settings' cut-off day.

The dossiers are tests/core/test_report_ii06a.py's ``book`` (known October 2026 cells),
built through the real desk; a few are then returned with a rating in October."""

from __future__ import annotations

import datetime as dt
import subprocess
from pathlib import Path

import pytest
from openpyxl import load_workbook
from PySide6.QtCharts import QAbstractBarSeries, QChart, QChartView
from PySide6.QtCore import QDate, QPoint, Qt
from PySide6.QtGui import QPainter
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QFileDialog

from counter_app.domain.lifecycle import Step
from counter_app.reports.periods import parse_period
from counter_app.service.counter import Counter
from tests.core.conftest import make_request  # noqa: F401  (a fixture ``book`` needs)
from tests.core.test_report_ii06a import OCTOBER, book  # noqa: F401  (the fixture)
from tests.settable_clock import Clock
from tests.ui.conftest import AGENCY, NOW, _shown_window, signed_in
from tests.ui.driving import finished, run, start
from ui.reports.screen import ReportsScreen
from ui.reports.settings_dialog import ReportSettingsDialog

OCTOBER_TOTAL = (14, 2, 8, 4, 7, 2, 3, 2, 7, 4, 3)
RECEPTION = ("lan", "Trần Thị Lan", "Công chức Văn phòng", ["reception"], "mat-khau-lan")
PROCESSING = ("ngovantu", "Ngô Văn Tư", "Công chức Tư pháp", ["processing"], "mat-khau-tu")


@pytest.fixture
def clock():
    return Clock(dt.datetime(2026, 3, 9, 9, 0))


@pytest.fixture
def desk(tmp_path, clock):
    """The window's officer (every role) on a desk whose clock the ``book`` moves."""
    counter = signed_in(Counter.open(tmp_path / "desk.db", clock=clock))
    counter.set_up(**AGENCY)
    return counter


@pytest.fixture
def window(qtbot, desk, clock, book):  # noqa: F811  (the imported fixture)
    """October's dossiers, four of them returned in October (rated: very satisfied, satisfied,
    not satisfied, none); the window opens on Friday 20/11/2026."""
    for letter, day, rating in (("J", "2026-10-16T09:00", "very_satisfied"),
                                ("R", "2026-10-02T09:00", "not_satisfied"),
                                ("F", "2026-10-14T09:00", "")):
        clock.now = dt.datetime.fromisoformat(day)
        desk.step(book[letter], Step.RETURN, {"rating": rating})
    clock.now = NOW
    w = _shown_window(qtbot, desk)
    yield w
    qtbot.waitUntil(lambda: w.worker.idle)


def shown(qtbot, w) -> ReportsScreen:
    QTest.keyClick(w.focusWidget() or w, Qt.Key.Key_F7)
    assert w.tabs.currentWidget() is w.reports
    qtbot.waitUntil(lambda: w.worker.idle and w.reports.data is not None)
    return w.reports


def show_report(qtbot, screen: ReportsScreen) -> None:
    before = screen.data
    qtbot.mouseClick(screen.show_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: screen.worker.idle and not screen.loading)
    assert screen.data is not before or screen.error_label.isVisible()


def texts(screen: ReportsScreen) -> list[list[str]]:
    return [screen.table.row_texts(r) for r in range(screen.table.rowCount())]


def numbers(cells) -> tuple[int, ...]:
    return tuple(int(c.replace(".", "")) for c in cells)


def on_worker(w, fn):
    return w.worker.call(fn)


# -- the form on screen ---------------------------------------------------------------------
def test_last_month_by_default_and_the_form_cell_by_cell(qtbot, window):
    screen = shown(qtbot, window)
    picker = screen.picker
    # 20/11/2026: officers report the month just ended.
    assert picker.kind.currentText() == "Tháng" and picker.month.currentText() == "Tháng 10"
    assert picker.year.value() == 2026 and not picker.start.isVisible()
    picker.kind.setCurrentIndex(3)  # Năm: the month is hidden
    assert not picker.month.isVisible() and picker.year.isVisible()
    picker.kind.setCurrentIndex(0)
    picker.month.setCurrentIndex(9)
    show_report(qtbot, screen)
    assert screen.range_label.text() == "Tháng 10/2026: Từ ngày 01/10/2026 đến ngày 31/10/2026"
    header = [screen.table.horizontalHeaderItem(c).text() for c in range(13)]
    assert header[2] == "(3)\nTổng số" and header[12] == "(13)\nQuá hạn"
    assert "trực tuyến" in screen.table.horizontalHeaderItem(3).toolTip()
    rows = texts(screen)
    assert rows[0][:2] == ["", "Tổng cộng"] and numbers(rows[0][2:]) == OCTOBER_TOTAL
    assert [r[1] for r in rows[1:]] == list(OCTOBER)       # the fields, Vietnamese order
    for row in rows[1:]:
        assert numbers(row[2:]) == OCTOBER[row[1]][0], row[1]
    assert screen.table.item(1, 1).font().bold()
    for column in range(2, 13):
        alignment = screen.table.item(1, column).textAlignment()
        assert alignment & Qt.AlignmentFlag.AlignRight.value
    assert screen.note_label.text() == (
        "Ghi chú: cột (9) gồm 2 hồ sơ rút hoặc dừng giải quyết theo đề nghị của người nộp; "
        "1 hồ sơ bị từ chối tiếp nhận (Mẫu 03) trong kỳ không được tính là hồ sơ tiếp nhận.")
    assert not screen.problems_label.isVisible()
    assert "Tháng 10/2026" in screen.title.text()

    box = screen.by_procedure
    qtbot.mouseClick(box, Qt.MouseButton.LeftButton, pos=QPoint(8, box.height() // 2))
    qtbot.waitUntil(lambda: screen.worker.idle and screen.data.report.by_procedure)
    expected = on_worker(window, lambda c: c.report_ii06a(parse_period("2026-10"), True))
    rows = texts(screen)
    hotich = rows.index(next(r for r in rows if r[1] == "Hộ tịch"))
    assert rows[hotich + 1][:2] == ["4.1", "    Cấp Giấy xác nhận tình trạng hôn nhân"]
    assert numbers(rows[hotich + 1][2:]) == (2, 0, 2, 0, 0, 0, 0, 0, 2, 1, 1)
    assert not screen.table.item(hotich + 1, 1).font().bold()
    procedures = [p for r in expected.rows for p in r.procedures]
    assert len(rows) == 1 + len(expected.rows) + len(procedures)
    assert numbers(rows[0][2:]) == OCTOBER_TOTAL


def test_a_range_ending_before_it_starts_is_explained_and_the_table_stays(qtbot, window):
    screen = shown(qtbot, window)
    picker = screen.picker
    picker.kind.setCurrentIndex(4)  # Khoảng ngày
    assert picker.start.isVisible() and not picker.year.isVisible()
    assert picker.start.displayFormat() == "dd/MM/yyyy" and picker.start.calendarPopup()
    assert picker.start.text() == "01/10/2026" and picker.end.text() == "31/10/2026"
    picker.start.setDate(QDate(2026, 10, 31))
    picker.end.setDate(QDate(2026, 10, 1))
    show_report(qtbot, screen)
    assert screen.error_label.isVisible()
    assert screen.error_label.text() == ("“Đến ngày” (01/10/2026) phải không sớm hơn "
                                         "“từ ngày” (31/10/2026).")
    assert numbers(texts(screen)[0][2:]) == OCTOBER_TOTAL  # what was shown stays
    picker.start.setDate(QDate(2026, 10, 1))
    picker.end.setDate(QDate(2026, 10, 31))
    show_report(qtbot, screen)
    assert not screen.error_label.isVisible()
    assert screen.range_label.text() == "Từ ngày 01/10/2026 đến ngày 31/10/2026"
    assert numbers(texts(screen)[0][2:]) == OCTOBER_TOTAL


def save_as(qtbot, screen: ReportsScreen, suffix: str, out: Path) -> str:
    """Click the export button and answer the save dialog with ``out``; the name offered."""
    offered = []

    def answer():
        dialog = QApplication.activeModalWidget()
        offered.append(Path(dialog.selectedFiles()[0]).name)
        dialog.selectFile(str(out))
        dialog.accept()

    script = start([("dialog", lambda: isinstance(QApplication.activeModalWidget(),
                                                  QFileDialog), answer)])
    qtbot.mouseClick(screen.export_buttons[suffix], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: script.done)
    finished(script)
    qtbot.waitUntil(lambda: screen.worker.idle and "Đã lưu" in screen.export_label.text())
    return offered[0]


def test_export_to_excel_and_pdf(qtbot, window, tmp_path):
    screen = shown(qtbot, window)
    xlsx, pdf = tmp_path / "bao-cao.xlsx", tmp_path / "bao-cao.pdf"
    assert save_as(qtbot, screen, ".xlsx", xlsx) == "II06a_Thang_10_2026.xlsx"
    assert window.statusBar().currentMessage() == f"Đã lưu {xlsx}"
    workbook = load_workbook(xlsx)
    assert workbook.sheetnames == ["Biểu II.06a", "Chỉ số phục vụ"]  # + the QĐ 766 inputs
    sheet = workbook.active
    total = next(row for row in sheet.iter_rows(values_only=True) if "Tổng cộng" in row)
    assert tuple(total[2:13]) == OCTOBER_TOTAL
    assert save_as(qtbot, screen, ".pdf", pdf) == "II06a_Thang_10_2026.pdf"
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout
    assert "Tổng cộng" in text and "Từ ngày 01/10/2026 đến ngày 31/10/2026" in text


# -- charts and the evaluation --------------------------------------------------------------
def bars(view: QChartView) -> dict[str, dict[str, float]]:
    """Each bar set's values by category."""
    chart = view.chart()
    series = chart.series()[0]
    assert isinstance(series, QAbstractBarSeries)
    categories = next(a for a in series.attachedAxes() if hasattr(a, "categories")).categories()
    return {s.label(): dict(zip(categories, (s.at(i) for i in range(s.count())), strict=True))
            for s in series.barSets()}


def test_three_charts_hold_the_reports_figures(qtbot, window):
    screen = shown(qtbot, window)
    screen.tabs.setCurrentIndex(1)
    views = screen.findChildren(QChartView)
    assert len(views) == 3 and all(v.isVisible() for v in views)
    for view in views:
        assert view.chart().animationOptions() == QChart.AnimationOption.NoAnimation
        assert view.renderHints() & QPainter.RenderHint.Antialiasing
    on_time, fields, overdue = screen.chart_views
    rate = bars(on_time)["Tỉ lệ đúng hạn (%)"]
    assert list(rate)[0] == "11/2025" and list(rate)[-1] == "10/2026" and len(rate) == 12
    assert rate["10/2026"] == 71.4                          # (2 + 3) / 7
    assert rate["09/2026"] == 100.0 and rate["08/2026"] == 0.0  # C early, Q withdrawn; none
    assert "Không có hồ sơ giải quyết xong" in on_time.chart().title()
    report = screen.data.report
    by_field = bars(fields)
    assert by_field["Hồ sơ nhận giải quyết (cột 3)"] == {
        r.label: r.received_total for r in report.rows}
    assert by_field["Đã giải quyết (cột 7)"] == {r.label: r.resolved_total for r in report.rows}
    assert by_field["Hồ sơ nhận giải quyết (cột 3)"]["Hộ tịch"] == 5
    expected = on_worker(window, lambda c: c.report_overdue(NOW.date()))
    assert expected and sum(g.count for g in expected) >= 3
    late = bars(overdue)["Hồ sơ quá hạn"]
    assert sorted(late.values()) == sorted(float(g.count) for g in expected)
    assert "20/11/2026" in overdue.chart().title()


def test_the_citizens_evaluation(qtbot, window):
    screen = shown(qtbot, window)
    screen.tabs.setCurrentIndex(2)
    view = screen.evaluation
    shown_values = {k: label.text() for k, label in view.values.items()}
    # Returned in October: A (satisfied), J (very), R (not satisfied), F (none).
    assert shown_values == {"returned": "4", "very_satisfied": "1 (25,0 %)",
                            "satisfied": "1 (25,0 %)", "not_satisfied": "1 (25,0 %)",
                            "not_rated": "1 (25,0 %)", "satisfied_share": "66,7 %",
                            "on_time_share": "50,0 %"}  # A and J early; R and F late
    officers = [[view.officers.item(r, c).text() for c in range(8)]
                for r in range(view.officers.rowCount())]
    assert officers == [["Lê Thị Hoa", "4", "1", "1", "1", "1", "66,7 %", "50,0 %"]]
    assert view.procedures.rowCount() == 3  # Hộ tịch (A), Bảo trợ (J, R), Chứng thực (F)
    index = {view.index.item(r, 1).text(): view.index.item(r, 2).text()
             for r in range(view.index.rowCount())}
    assert index["Hồ sơ giải quyết đúng hạn"] == "60,0 %"   # 3 of the 5 with a result
    assert index["Số hóa kết quả giải quyết"] == "0,0 %"            # none of the 5 scanned
    assert index["Thanh toán trực tuyến"] == "Chưa ghi nhận"


# -- who sees it, and the settings ----------------------------------------------------------
@pytest.mark.parametrize(("account", "sees"), [(RECEPTION, True), (PROCESSING, False)])
def test_only_officers_who_report_see_the_tab(qtbot, counter, account, sees):
    username, name, title, roles, password = account
    counter.add_officer(username, name, title, roles, password)
    counter.sign_in(username, password)
    w = _shown_window(qtbot, counter)
    assert w.tabs.isTabVisible(w.tabs.indexOf(w.reports)) is sees
    QTest.keyClick(w.focusWidget() or w, Qt.Key.Key_F7)
    assert (w.tabs.currentWidget() is w.reports) is sees
    qtbot.waitUntil(lambda: w.worker.idle)
    if sees:
        assert w.reports.data is not None and not w.reports.error_label.isVisible()
    settings = {a.text(): a for a in w.menuBar().actions()[0].menu().actions()}
    assert not settings["Cài đặt báo cá&o…"].isVisible()  # the administrator's


def test_the_cut_off_day_moves_the_period(qtbot, window):
    screen = shown(qtbot, window)
    assert "01/10/2026" in screen.title.text()
    seen = {}

    def fill():
        d = QApplication.activeModalWidget()
        seen["spin"] = (d.cutoff_day.minimum(), d.cutoff_day.maximum(), d.cutoff_day.isEnabled())
        d.cutoff_day.setValue(40)  # out of range: held at 28
        seen["clamped"] = d.cutoff_day.value()
        qtbot.mouseClick(d.cutoff_on, Qt.MouseButton.LeftButton)
        d.cutoff_day.setValue(15)
        seen["hint"] = d.cutoff_hint.text()
        d.receiving_unit.setText("V" * 201)
        qtbot.mouseClick(d.save_button, Qt.MouseButton.LeftButton)

    def fix():
        d = QApplication.activeModalWidget()
        seen["error"] = d.error_labels["receiving_unit"].text()
        d.receiving_unit.setText("Văn phòng UBND tỉnh Thanh Hóa")
        qtbot.mouseClick(d.save_button, Qt.MouseButton.LeftButton)

    def dialog():
        d = QApplication.activeModalWidget()
        return d if isinstance(d, ReportSettingsDialog) else None

    run(qtbot, [("open", lambda: True, window.edit_report_settings),
                ("fill", lambda: dialog() is not None, fill),
                ("refused", lambda: dialog() is not None and dialog().errors.isVisible(), fix),
                ("closed", lambda: dialog() is None and window.worker.idle, lambda: None)])
    assert seen["spin"] == (2, 28, False) and seen["clamped"] == 28
    assert "15/09/2026" in seen["hint"] and "cần đối chiếu văn bản hiện hành" in seen["hint"]
    assert seen["error"] == "Đơn vị nhận báo cáo dài quá 200 ký tự."
    settings = on_worker(window, lambda c: c.report_settings())
    assert (settings.cutoff_day, settings.head_title) == (15, "CHỦ TỊCH")
    assert settings.receiving_unit == "Văn phòng UBND tỉnh Thanh Hóa"
    qtbot.waitUntil(lambda: screen.worker.idle and not screen.loading
                    and screen.data.report.period.start == dt.date(2026, 9, 15))
    assert screen.data.report.period.end == dt.date(2026, 10, 14)
    assert screen.range_label.text() == ("Tháng 10/2026: Từ ngày 15/09/2026 đến ngày "
                                         "14/10/2026 (chốt số liệu ngày 15 hằng tháng)")
    assert "15/09/2026" in screen.title.text()
    expected = on_worker(window, lambda c: c.report_ii06a(c.report_period("2026-10")))
    assert numbers(texts(screen)[0][2:]) == expected.total.columns()
