"""Today's dossiers at this desk: searchable without diacritics; Enter opens one."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QLabel, QLineEdit, QVBoxLayout, QWidget

from counter_app.store.dossier_store import DossierRow
from ui.common.tasks import DbWorker
from ui.lists.dossier_table import DossierTable

COLUMNS = ("code", "received_time", "applicant", "procedure", "due", "status")


def load_today(counter, text: str):
    """On the worker: today's dossiers matching ``text`` and the deadline flag of each."""
    rows = counter.received_today(text)
    return rows, counter.deadline_flags(rows)


class TodayScreen(QWidget):
    open_requested = Signal(str)

    def __init__(self, worker: DbWorker, parent=None):
        super().__init__(parent)
        self.worker = worker
        self.search = QLineEdit(placeholderText="Tìm theo mã, tên, CCCD, điện thoại, thủ tục "
                                                "(không cần dấu)")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self.refresh)
        self.count_label = QLabel()
        self.table = DossierTable(COLUMNS, sort_column="received_time", descending=True)
        self.model, self.proxy = self.table.model_, self.table.proxy
        self.table.open_requested.connect(self.open_requested)
        self.search.returnPressed.connect(self._open_first)
        layout = QVBoxLayout(self)
        layout.addWidget(self.search)
        layout.addWidget(self.count_label)
        layout.addWidget(self.table, 1)
        self.setFocusProxy(self.search)

    def refresh(self) -> None:
        text = self.search.text()
        self.worker.run(lambda c: load_today(c, text),
                        lambda result: self._show(*result, text))

    def _show(self, rows: list[DossierRow], flags: dict[str, str], text: str) -> None:
        if text != self.search.text():
            return  # a newer search is on its way
        self.table.set_rows(rows, flags)
        self.count_label.setText(f"{len(rows)} hồ sơ tiếp nhận hôm nay tại quầy này"
                                 + (" (đang lọc)" if text.strip() else ""))

    def _open_first(self) -> None:
        if self.proxy.rowCount():
            self.open_requested.emit(self.table.row_at(0).code)
