"""Local calendar overrides: days off and working days the province declares."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

from counter_app.domain.working_calendar import OverrideKind, WorkingCalendar
from ui.common.tasks import DbWorker

SOURCES = {"national": "Quốc gia", "local": "Địa phương", "weekly": "Cuối tuần"}


class CalendarDialog(QDialog):
    """Shows the year's exceptions to Mon–Fri; adds or removes local overrides."""

    def __init__(self, worker: DbWorker, year: int, parent=None):
        super().__init__(parent)
        self.worker = worker
        self.year = year
        self.calendar: WorkingCalendar | None = None
        self.setWindowTitle("Lịch làm việc")
        self.resize(640, 560)
        self.table = QTableWidget(0, 4)
        self.table.setHorizontalHeaderLabels(["Ngày", "Loại", "Lý do", "Nguồn"])
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.day = QDateEdit(QDate.currentDate(), displayFormat="dd/MM/yyyy", calendarPopup=True)
        self.kind = QComboBox()
        self.kind.addItem("Ngày nghỉ", OverrideKind.OFF.value)
        self.kind.addItem("Ngày làm việc", OverrideKind.WORK.value)
        self.reason = QLineEdit(placeholderText="Lý do, căn cứ (vd: Thông báo số …/UBND)")
        add = QPushButton("&Thêm / sửa")
        add.clicked.connect(self.add_override)
        remove = QPushButton("&Bỏ ngày địa phương")
        remove.clicked.connect(self.remove_override)
        row = QHBoxLayout()
        for w in (self.day, self.kind, self.reason, add, remove):
            row.addWidget(w)
        self.message = QLabel()
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(f"Ngày nghỉ và ngày làm bù năm {year} (ngoài thứ Hai – thứ Sáu "
                                "thông thường). Ngày địa phương ghi đè lịch quốc gia."))
        layout.addWidget(self.table, 1)
        layout.addLayout(row)
        layout.addWidget(self.message)
        self.refresh()

    def refresh(self) -> None:
        self.worker.run(lambda c: c.calendar, self._show)

    def _show(self, calendar: WorkingCalendar) -> None:
        self.calendar = calendar
        days = calendar.exceptions(self.year)
        self.table.setRowCount(len(days))
        for i, info in enumerate(days):
            values = (f"{info.day:%d/%m/%Y}", "Làm việc" if info.working else "Nghỉ",
                      info.reason, SOURCES[info.source])
            for col, value in enumerate(values):
                self.table.setItem(i, col, QTableWidgetItem(value))

    def _chosen_day(self) -> dt.date:
        d = self.day.date()
        return dt.date(d.year(), d.month(), d.day())

    def add_override(self) -> None:
        day, kind, reason = self._chosen_day(), OverrideKind(self.kind.currentData()), self.reason.text()
        self.worker.run(lambda c: c.set_calendar_day(day, kind, reason),
                        lambda _: self._changed(f"Đã lưu ngày {day:%d/%m/%Y}."))

    def remove_override(self) -> None:
        day = self._chosen_day()
        self.worker.run(lambda c: c.clear_calendar_day(day), lambda removed: self._changed(
            f"Đã bỏ ngày địa phương {day:%d/%m/%Y}." if removed
            else f"Ngày {day:%d/%m/%Y} không có ghi đè địa phương."))

    def _changed(self, message: str) -> None:
        self.message.setText(message)
        self.refresh()
