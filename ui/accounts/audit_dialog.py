"""Hệ thống → Nhật ký (leader, administrator): who did what and when, filtered by officer and
date, and the check of the hash chains that points at the first broken link."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

from counter_app.accounts.audit_trail import AuditReport, TrailEntry
from ui.common.messages import show_error
from ui.common.tasks import DbWorker

COLUMNS = ["Thời điểm", "Cán bộ", "Việc", "Hồ sơ / đối tượng", "Quầy · số"]


def verdict_text(report: AuditReport) -> str:
    counted = (f"{report.events_checked:,} sự kiện hồ sơ và {report.audit_checked:,} "
               "bản ghi nhật ký").replace(",", ".")
    if report.ok:
        return f"Nhật ký nguyên vẹn: đã kiểm tra {counted}, không có chỗ nào bị sửa hay xóa."
    lines = [f"<b>Nhật ký đã bị can thiệp</b> (đã kiểm tra {counted}):"]
    lines += [f"• {b.position}: {b.reason}" for b in report.broken]
    lines += [f"• {guard}" for guard in report.missing_guards]
    return "<br>".join(lines)


class AuditDialog(QDialog):
    def __init__(self, worker: DbWorker, today: dt.date, parent=None):
        super().__init__(parent)
        self.setWindowTitle("Nhật ký hoạt động")
        self.resize(900, 560)
        self.worker = worker
        self.entries: list[TrailEntry] = []
        self.officer = QComboBox()
        self.officer.addItem("Tất cả cán bộ", None)
        self.since = QDateEdit(QDate(today.year, today.month, today.day).addDays(-30))
        self.since.setDisplayFormat("dd/MM/yyyy")
        self.since.setCalendarPopup(True)
        show = QPushButton("&Xem")
        show.clicked.connect(self.load)
        self.verify_button = QPushButton("&Kiểm tra toàn vẹn")
        self.verify_button.clicked.connect(self.verify)
        self.verdict = QLabel()
        self.verdict.setWordWrap(True)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().hide()
        close = QPushButton("Đóng")
        close.clicked.connect(self.reject)
        filters = QHBoxLayout()
        filters.addWidget(QLabel("Cán bộ:"))
        filters.addWidget(self.officer)
        filters.addWidget(QLabel("Từ ngày:"))
        filters.addWidget(self.since)
        filters.addWidget(show)
        filters.addStretch(1)
        filters.addWidget(self.verify_button)
        bottom = QHBoxLayout()
        bottom.addStretch(1)
        bottom.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addLayout(filters)
        layout.addWidget(self.verdict)
        layout.addWidget(self.table, 1)
        layout.addLayout(bottom)
        worker.run(lambda c: [(o.username, o.full_name) for o in c.officer_directory()],
                   self._officers, lambda e: show_error(self, e))
        self.load()

    def _officers(self, officers: list[tuple[str, str]]) -> None:
        for username, full_name in officers:
            self.officer.addItem(f"{full_name} ({username})", username)

    def load(self) -> None:
        officer = self.officer.currentData()
        d = self.since.date()
        since = dt.date(d.year(), d.month(), d.day())
        self.worker.run(lambda c: c.audit_trail(officer=officer, since=since), self._show,
                        lambda e: show_error(self, e))

    def _show(self, entries: list[TrailEntry]) -> None:
        self.entries = entries
        self.table.setRowCount(len(entries))
        for row, e in enumerate(entries):
            who = f"{e.officer_name} ({e.officer})" if e.officer_name else e.officer
            cells = [f"{e.moment:%d/%m/%Y %H:%M}", who, e.label, e.subject,
                     f"{e.desk_id[-6:]} · {e.desk_seq}"]
            for col, text in enumerate(cells):
                self.table.setItem(row, col, QTableWidgetItem(text))
        self.table.resizeColumnsToContents()

    def verify(self) -> None:
        self.verify_button.setEnabled(False)
        self.verdict.setText("Đang kiểm tra…")
        self.worker.run(lambda c: c.audit_verify(), self._verified, self._failed)

    def _verified(self, report: AuditReport) -> None:
        self.verify_button.setEnabled(True)
        self.verdict.setStyleSheet("" if report.ok else "color: #b00020;")
        self.verdict.setText(verdict_text(report))

    def _failed(self, error: BaseException) -> None:
        self.verify_button.setEnabled(True)
        self.verdict.setText("")
        show_error(self, error)
