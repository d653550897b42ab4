"""Màn hình › Xuất sổ theo dõi hồ sơ: the register (Sổ theo dõi) for a date range, as PDF or
Excel, from the window (the same export as `counter-app register`). It prints in the family
of its dossiers (Mẫu 06 of 2018 or 07 of 2025)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QLabel,
    QVBoxLayout,
)

from ui.common.messages import describe
from ui.common.tasks import DbWorker

FORMATS = {".pdf": "Tệp PDF (*.pdf)", ".xlsx": "Tệp Excel (*.xlsx)"}


def _qdate(day: dt.date) -> QDate:
    return QDate(day.year, day.month, day.day)


def _day(value: QDate) -> dt.date:
    return dt.date(value.year(), value.month(), value.day())


class RegisterExportDialog(QDialog):
    def __init__(self, worker: DbWorker, today: dt.date, parent=None):
        super().__init__(parent)
        self.worker = worker
        self.setWindowTitle("Xuất sổ theo dõi hồ sơ")
        first = today.replace(day=1)
        self.start = QDateEdit(_qdate(first), displayFormat="dd/MM/yyyy", calendarPopup=True)
        self.end = QDateEdit(_qdate(today), displayFormat="dd/MM/yyyy", calendarPopup=True)
        self.kind = QComboBox()
        for suffix, label in FORMATS.items():
            self.kind.addItem(label, suffix)
        self.message = QLabel(wordWrap=True)
        form = QFormLayout()
        form.addRow(QLabel("&Từ ngày:", buddy=self.start), self.start)
        form.addRow(QLabel("Đế&n ngày:", buddy=self.end), self.end)
        form.addRow(QLabel("Định &dạng:", buddy=self.kind), self.kind)
        buttons = QDialogButtonBox()
        self.save_button = buttons.addButton("Lưu…", QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton("Đóng", QDialogButtonBox.ButtonRole.RejectRole)
        buttons.accepted.connect(self.choose_file)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Sổ theo dõi các hồ sơ tiếp nhận tại quầy trong khoảng ngày.",
                                wordWrap=True))
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(buttons)
        self.folder = str(Path.home())

    def choose_file(self) -> None:
        start, end = _day(self.start.date()), _day(self.end.date())
        if end < start:
            self._say("“Đến ngày” phải không sớm hơn “từ ngày”.", error=True)
            return
        suffix = self.kind.currentData()
        suggested = str(Path(self.folder) / f"so-theo-doi-{start:%Y%m%d}-{end:%Y%m%d}{suffix}")
        path, _ = QFileDialog.getSaveFileName(self, "Lưu sổ theo dõi hồ sơ", suggested,
                                              FORMATS[suffix])
        if path:
            self.export(start, end, path)

    def export(self, start: dt.date, end: dt.date, path: str) -> None:
        suffix = self.kind.currentData()
        if not path.lower().endswith(suffix):
            path += suffix
        self.folder = str(Path(path).parent)
        self._say("Đang lưu…")
        self.save_button.setEnabled(False)
        self.worker.run(lambda c: c.register_export(start, end, path),
                        lambda count: self._done(count, path), self._failed)

    def _done(self, count: int, path: str) -> None:
        self.save_button.setEnabled(True)
        self._say(f"Đã lưu {count} hồ sơ vào {path}.")

    def _failed(self, error: BaseException) -> None:
        self.save_button.setEnabled(True)
        self._say(f"Chưa lưu được: {describe(error)}", error=True)

    def _say(self, text: str, error: bool = False) -> None:
        self.message.setStyleSheet("color: #b71c1c; font-weight: bold;" if error
                                   else "color: #1b5e20;")
        self.message.setText(text)
