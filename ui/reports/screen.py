"""'Báo cáo' (F7): the period's statistics for the officers who report (Action.REPORTS).

At the top, the period: a month, quarter, half year, year or any range of days, by default
the month just ended (officers report it); under it, the exact days the period covers (with
the commune's cut-off day applied, Hệ thống › Cài đặt báo cáo). "Xem báo cáo" computes, on
the worker, form II.06a, the citizens' evaluation, the on-time rate of the last 12 months
and today's overdue dossiers; three sub-tabs show them: the form (exported to Excel or PDF),
the charts (``ui/reports/charts.py``) and the evaluation (``ui/reports/tables.py``).

A period the core refuses (e.g. "đến ngày" before "từ ngày") is explained in red beside the
picker and whatever was shown stays. An answer that arrives after a newer request is dropped.
"""

from __future__ import annotations

import calendar
import datetime as dt
import html
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QDate, QStandardPaths, Qt, QUrl, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from counter_app.printing.ii06a_xlsx import note
from counter_app.reports.evaluation import Evaluation
from counter_app.reports.ii06a import Report
from counter_app.reports.periods import Period
from ui.common.messages import describe
from ui.common.tasks import DbWorker
from ui.reports import charts
from ui.reports.tables import EvaluationView, II06aTable, problems

KINDS = (("month", "Tháng"), ("quarter", "Quý"), ("half", "6 tháng"), ("year", "Năm"),
         ("range", "Khoảng ngày"))
QUARTERS = ("Quý I", "Quý II", "Quý III", "Quý IV")
HALVES = ("6 tháng đầu năm", "6 tháng cuối năm")
MIN_YEAR, MAX_YEAR = 2000, 2100
TREND_MONTHS = 12
ERROR_STYLE = "color: #b71c1c; font-weight: bold;"
EXPORTS = {".xlsx": ("Xuất Excel", "Bảng tính Excel (*.xlsx)"),
           ".pdf": ("Xuất PDF", "Tệp PDF (*.pdf)")}


@dataclass(frozen=True)
class PeriodChoice:
    """What the picker shows: a named period (``number`` = month, quarter or half) or a
    range of days."""
    kind: str
    year: int = 0
    number: int = 0
    start: dt.date | None = None
    end: dt.date | None = None

    def text(self) -> str:
        """The core's name of a named period: "2026-10", "2026-Q4", "2026-H1", "2026"."""
        return {"month": f"{self.year}-{self.number:02d}", "quarter": f"{self.year}-Q{self.number}",
                "half": f"{self.year}-H{self.number}", "year": f"{self.year}"}[self.kind]

    def resolve(self, counter) -> Period:
        """On the worker: the period, with the commune's cut-off day for a named one."""
        if self.kind == "range":
            return counter.report_range(self.start, self.end)
        return counter.report_period(self.text())


@dataclass(frozen=True)
class ReportData:
    report: Report
    evaluation: Evaluation
    trend: list           # trends.MonthPoint, oldest first
    overdue: list         # trends.OverdueGroup, most first
    today: dt.date
    cutoff_day: int | None


def load_reports(counter, choice: PeriodChoice, by_procedure: bool) -> ReportData:
    """On the worker: everything the three sub-tabs show for ``choice``."""
    period = choice.resolve(counter)
    cutoff = counter.report_settings().cutoff_day if choice.kind != "range" else None
    return ReportData(counter.report_ii06a(period, by_procedure),
                      counter.report_evaluation(period),
                      counter.report_trend(period.end, TREND_MONTHS),
                      counter.report_overdue(), counter.clock().date(), cutoff)


def previous_month(today: dt.date) -> dt.date:
    """The first day of the month before ``today``'s."""
    return (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)


def file_stem(report: Report) -> str:
    """"II06a_Thang_10_2026": the period's label without diacritics, for a file name."""
    text = unicodedata.normalize("NFD", report.period.label)
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Mn")
    text = re.sub(r"[^A-Za-z0-9]+", "_", text.replace("đ", "d").replace("Đ", "D")).strip("_")
    return f"II06a_{text}" + ("_theo_thu_tuc" if report.by_procedure else "")


def range_sentence(period: Period, cutoff_day: int | None) -> str:
    text = period.range_text
    if period.label != text:  # a range's label is its days
        text = f"{period.label}: {text}"
    if cutoff_day:
        text += f" (chốt số liệu ngày {cutoff_day} hằng tháng)"
    return text


def _date_edit(value: dt.date) -> QDateEdit:
    edit = QDateEdit(QDate(value.year, value.month, value.day))
    edit.setDisplayFormat("dd/MM/yyyy")
    edit.setCalendarPopup(True)
    edit.setMinimumDate(QDate(MIN_YEAR, 1, 1))
    edit.setMaximumDate(QDate(MAX_YEAR, 12, 31))
    return edit


def _combo(texts) -> QComboBox:
    combo = QComboBox()
    combo.addItems(list(texts))
    return combo


class PeriodPicker(QWidget):
    """Kind of period and its inputs, on one line; ``changed`` after every edit."""

    changed = Signal()

    def __init__(self, month: dt.date, parent=None):
        super().__init__(parent)
        self.kind = _combo(text for _, text in KINDS)
        self.kind.setAccessibleName("Loại kỳ báo cáo")
        self.month = _combo(f"Tháng {m}" for m in range(1, 13))
        self.quarter = _combo(QUARTERS)
        self.half = _combo(HALVES)
        self.year = QSpinBox(minimum=MIN_YEAR, maximum=MAX_YEAR)
        self.year.setPrefix("năm ")
        last_day = month.replace(day=calendar.monthrange(month.year, month.month)[1])
        self.start = _date_edit(month)
        self.end = _date_edit(last_day)
        self.between = QLabel("đến")
        caption = QLabel("&Kỳ báo cáo:")
        caption.setBuddy(self.kind)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for widget in (caption, self.kind, self.month, self.quarter, self.half, self.year,
                       self.start, self.between, self.end):
            layout.addWidget(widget)
        self.set_month(month.year, month.month)
        self.quarter.setCurrentIndex((month.month - 1) // 3)
        self.half.setCurrentIndex(0 if month.month <= 6 else 1)
        self.kind.currentIndexChanged.connect(self._kind_changed)
        for combo in (self.month, self.quarter, self.half):
            combo.currentIndexChanged.connect(lambda _=0: self.changed.emit())
        self.year.valueChanged.connect(lambda _=0: self.changed.emit())
        for edit in (self.start, self.end):
            edit.dateChanged.connect(lambda _=None: self.changed.emit())
        self._kind_changed()

    def kind_key(self) -> str:
        return KINDS[self.kind.currentIndex()][0]

    def set_kind(self, key: str) -> None:
        self.kind.setCurrentIndex([k for k, _ in KINDS].index(key))

    def set_month(self, year: int, month: int) -> None:
        self.set_kind("month")
        self.year.setValue(year)
        self.month.setCurrentIndex(month - 1)

    def set_range(self, start: dt.date, end: dt.date) -> None:
        self.set_kind("range")
        self.start.setDate(QDate(start.year, start.month, start.day))
        self.end.setDate(QDate(end.year, end.month, end.day))

    def _kind_changed(self, _index: int = 0) -> None:
        key = self.kind_key()
        shown = {self.month: key == "month", self.quarter: key == "quarter",
                 self.half: key == "half", self.year: key != "range",
                 self.start: key == "range", self.between: key == "range",
                 self.end: key == "range"}
        for widget, visible in shown.items():
            widget.setVisible(visible)
        self.changed.emit()

    def choice(self) -> PeriodChoice:
        key, year = self.kind_key(), self.year.value()
        if key == "range":
            return PeriodChoice("range", start=self.start.date().toPython(),
                                end=self.end.date().toPython())
        number = {"month": self.month.currentIndex() + 1,
                  "quarter": self.quarter.currentIndex() + 1,
                  "half": self.half.currentIndex() + 1, "year": 0}[key]
        return PeriodChoice(key, year, number)


class ReportsScreen(QWidget):
    status_message = Signal(str)

    def __init__(self, worker: DbWorker, clock, parent=None):
        super().__init__(parent)
        self.worker = worker
        self.data: ReportData | None = None
        self.loading = False
        self._seq = self._preview_seq = 0
        self._folder = QStandardPaths.writableLocation(
            QStandardPaths.StandardLocation.DocumentsLocation)
        self.picker = PeriodPicker(previous_month(clock().date()))
        self.picker.changed.connect(self.preview)
        self.by_procedure = QCheckBox("Chi tiết theo &thủ tục")
        self.by_procedure.setToolTip("Dưới mỗi lĩnh vực, một dòng cho từng thủ tục")
        self.by_procedure.toggled.connect(lambda _: self.data is not None and self.load())
        self.show_button = QPushButton("&Xem báo cáo")
        self.show_button.clicked.connect(self.load)
        self.range_label = QLabel(objectName="periodRange")
        self.range_label.setStyleSheet("color: #0d47a1;")
        self.error_label = QLabel(objectName="periodError", wordWrap=True)
        self.error_label.setStyleSheet(ERROR_STYLE)
        self.error_label.hide()
        top = QHBoxLayout()
        top.addWidget(self.picker)
        top.addSpacing(12)
        top.addWidget(self.by_procedure)
        top.addWidget(self.show_button)
        top.addWidget(self.error_label, 1)
        top.addStretch(0)  # the spare room, while there is no error to show
        self.tabs = QTabWidget()
        self.tabs.addTab(self._table_tab(), "Biểu II.06a")
        self.tabs.addTab(self._charts_tab(), "Biểu đồ")
        self.evaluation = EvaluationView()
        self.tabs.addTab(self.evaluation, "Đánh giá của người dân")
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.range_label)
        layout.addWidget(self.tabs, 1)
        self.setFocusProxy(self.picker.kind)
        self.preview()

    def _table_tab(self) -> QWidget:
        tab = QWidget()
        self.title = QLabel("Chọn kỳ báo cáo rồi bấm “Xem báo cáo”.")
        self.title.setStyleSheet("font-size: 14px; font-weight: bold;")
        self.table = II06aTable()
        self.problems_label = QLabel(wordWrap=True)
        self.problems_label.setStyleSheet(ERROR_STYLE)
        self.problems_label.hide()
        self.note_label = QLabel(wordWrap=True)
        self.note_label.setStyleSheet("color: #616161;")
        self.export_buttons: dict[str, QPushButton] = {}
        buttons = QHBoxLayout()
        for suffix, (text, _) in EXPORTS.items():
            button = QPushButton(text + "…")
            button.setEnabled(False)
            button.clicked.connect(lambda _=False, s=suffix: self.export(s))
            self.export_buttons[suffix] = button
            buttons.addWidget(button)
        self.export_label = QLabel(wordWrap=True)
        self.export_label.setTextFormat(Qt.TextFormat.RichText)
        self.export_label.setOpenExternalLinks(True)
        buttons.addWidget(self.export_label, 1)
        layout = QVBoxLayout(tab)
        layout.addWidget(self.title)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.problems_label)
        layout.addWidget(self.note_label)
        layout.addLayout(buttons)
        return tab

    def _charts_tab(self) -> QWidget:
        area = QScrollArea()
        area.setWidgetResizable(True)
        body = QWidget()
        self.charts_box = QVBoxLayout(body)
        self.charts_note = QLabel("Bấm “Xem báo cáo” để vẽ biểu đồ.", wordWrap=True)
        self.charts_note.setStyleSheet("color: #616161;")
        self.charts_box.addWidget(self.charts_note)
        self.chart_views: list = []
        area.setWidget(body)
        return area

    # -- the period ------------------------------------------------------------------------
    def activated(self) -> None:
        """The tab was opened: last month's report the first time."""
        if self.data is None and not self.loading:
            self.load()
        self.picker.kind.setFocus()

    def preview(self) -> None:
        """The exact days of the period picked (on the worker: the cut-off is a setting)."""
        self._preview_seq += 1
        seq, choice = self._preview_seq, self.picker.choice()
        self.worker.run(lambda c: (choice.resolve(c), c.report_settings().cutoff_day),
                        lambda result: self._previewed(seq, choice, *result),
                        lambda error: self._preview_failed(seq, error))

    def _previewed(self, seq: int, choice: PeriodChoice, period: Period, cutoff) -> None:
        if seq != self._preview_seq:
            return
        self.range_label.setText(range_sentence(period, cutoff if choice.kind != "range"
                                                else None))
        self.error_label.hide()

    def _preview_failed(self, seq: int, error: BaseException) -> None:
        if seq == self._preview_seq:
            self.range_label.setText("")
            self._show_error(error)

    def _show_error(self, error: BaseException) -> None:
        self.error_label.setText(describe(error))
        self.error_label.show()

    def settings_changed(self) -> None:
        """The cut-off day may have changed: the period's days, and the report shown."""
        self.preview()
        if self.data is not None:
            self.load()

    # -- the report ------------------------------------------------------------------------
    def load(self) -> None:
        self._seq += 1
        seq, choice, detail = self._seq, self.picker.choice(), self.by_procedure.isChecked()
        self.loading = True
        self.show_button.setText("Đang tính…")
        self.worker.run(lambda c: load_reports(c, choice, detail),
                        lambda data: self._loaded(seq, data),
                        lambda error: self._failed(seq, error))

    def _done(self, seq: int) -> bool:
        if seq != self._seq:
            return False
        self.loading = False
        self.show_button.setText("&Xem báo cáo")
        return True

    def _failed(self, seq: int, error: BaseException) -> None:
        if self._done(seq):
            self._show_error(error)  # what was shown stays

    def _loaded(self, seq: int, data: ReportData) -> None:
        if not self._done(seq):
            return
        self.data = data
        self.error_label.hide()
        report = data.report
        self.range_label.setText(range_sentence(report.period, data.cutoff_day))
        self.title.setText(f"Biểu số II.06a – {report.period.label} ({report.period.range_text})"
                           + (" – chi tiết theo thủ tục" if report.by_procedure else ""))
        self.table.show_report(report)
        found = problems(report)
        self.problems_label.setText("Số liệu không khớp (hãy báo cho người quản trị): "
                                    + "; ".join(found))
        self.problems_label.setVisible(bool(found))
        lines = [note(report) or ""] if report.rows else \
            ["Không có hồ sơ nào tiếp nhận hoặc đang giải quyết trong kỳ này."]
        self.note_label.setText(lines[0])
        self.note_label.setVisible(bool(lines[0]))
        self.export_label.setText("")
        for button in self.export_buttons.values():
            button.setEnabled(True)
        self._show_charts(data)
        self.evaluation.show_evaluation(data.evaluation)

    def _show_charts(self, data: ReportData) -> None:
        for view in self.chart_views:
            self.charts_box.removeWidget(view)
            view.deleteLater()
        self.chart_views = [charts.on_time_chart(data.trend),
                            charts.fields_chart(data.report),
                            charts.overdue_chart(data.overdue, data.today)]
        for index, view in enumerate(self.chart_views):
            self.charts_box.insertWidget(index, view)
        notes = ["Biểu đồ tỉ lệ đúng hạn tính theo tháng dương lịch (từ ngày 1 đến cuối "
                 "tháng)" + (", không theo ngày chốt số liệu" if data.cutoff_day else "") + "."]
        notes.append("Hồ sơ quá hạn: hồ sơ đang giải quyết đã quá ngày hẹn trả, tính đến "
                     f"ngày {data.today:%d/%m/%Y}; rê chuột lên cột để xem số liệu chi tiết.")
        self.charts_note.setText(" ".join(notes))

    # -- export ----------------------------------------------------------------------------
    def export(self, suffix: str) -> None:
        if self.data is None:
            return
        report = self.data.report
        title, pattern = EXPORTS[suffix]
        suggested = str(Path(self._folder or ".") / (file_stem(report) + suffix))
        path, _ = QFileDialog.getSaveFileName(self, f"{title} – Biểu II.06a", suggested, pattern)
        if not path:
            return
        if not path.lower().endswith(suffix):
            path += suffix
        self._folder = str(Path(path).parent)
        self.export_label.setStyleSheet("")
        self.export_label.setText("Đang lưu…")
        self.worker.run(lambda c: c.report_export(report, path), self._exported,
                        self._export_failed)

    def _exported(self, path: Path) -> None:
        url = QUrl.fromLocalFile(str(path)).toString()
        self.export_label.setText(f"Đã lưu {html.escape(str(path))} – "
                                  f"<a href=\"{html.escape(url)}\">Mở tệp</a>")
        self.status_message.emit(f"Đã lưu {path}")

    def _export_failed(self, error: BaseException) -> None:
        self.export_label.setStyleSheet(ERROR_STYLE)
        text = describe(error)
        if isinstance(error, OSError):
            text += " Nếu tệp đang mở trong Excel hoặc trình xem PDF, hãy đóng lại rồi xuất lại."
        self.export_label.setText(html.escape("Chưa lưu được báo cáo: " + text))

    def keyPressEvent(self, event):  # noqa: N802
        """Enter in the picker shows the report (the inputs pass it on)."""
        picking = self.picker.isAncestorOf(self.focusWidget()) or \
            self.focusWidget() is self.by_procedure
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and picking:
            self.load()
            return
        super().keyPressEvent(event)
