"""'Tra cứu hồ sơ': find any dossier by code, name (with or without diacritics, any word
order), ID number or phone, narrowed by procedure, status and reception dates.

The search runs as the officer types, 250 ms after the last change, on the worker; an answer
to an older search is dropped. Enter in the box opens the dossier when it holds a code.
"""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QDate, QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from counter_app.domain.dossier_code import looks_like_code
from counter_app.domain.procedures import Procedure
from counter_app.domain.statuses import Status
from counter_app.store.dossier_queries import DossierQuery, FoundDossiers
from ui.common.scanner import KEEP_TEXT_PROPERTY
from ui.common.tasks import DbWorker
from ui.lists.dossier_table import FULL, DossierTable
from ui.reception.procedure_picker import ProcedurePicker

DEBOUNCE_MS = 250
LIMIT = 500
TRUNCATED_NOTE = "Chỉ hiển thị {limit} hồ sơ mới nhất; hãy thu hẹp điều kiện tìm."


def to_qdate(day: dt.date) -> QDate:
    return QDate(day.year, day.month, day.day)


def from_qdate(day: QDate) -> dt.date:
    return dt.date(day.year(), day.month(), day.day())


class SearchScreen(QWidget):
    open_requested = Signal(str)

    def __init__(self, worker: DbWorker, clock, parent=None):
        super().__init__(parent)
        self.worker = worker
        self._seq = 0
        self.limit = LIMIT
        self.last_query: DossierQuery | None = None
        self._timer = QTimer(self, singleShot=True, interval=DEBOUNCE_MS)
        self._timer.timeout.connect(self.run_search)
        self.text = QLineEdit(placeholderText="Mã hồ sơ, họ tên (có dấu hoặc không), "
                                              "số CCCD, số điện thoại…")
        self.text.setClearButtonEnabled(True)
        self.text.setProperty(KEEP_TEXT_PROPERTY, True)  # a code typed here stays visible
        font = self.text.font()
        font.setPointSizeF(font.pointSizeF() * 1.2)
        self.text.setFont(font)
        self.procedure = ProcedurePicker()
        self.procedure.setPlaceholderText("Mọi thủ tục (gõ tên hoặc mã để lọc, không cần dấu)")
        self.status = QComboBox()
        self.status.addItem("Mọi trạng thái", None)
        for s in Status:
            self.status.addItem(s.label, int(s))
        self.all_dates = QCheckBox("Mọi ngày")
        self.all_dates.setChecked(True)
        today = clock().date()
        self.date_from = QDateEdit(to_qdate(today - dt.timedelta(days=30)))
        self.date_to = QDateEdit(to_qdate(today))
        for edit in (self.date_from, self.date_to):
            edit.setDisplayFormat("dd/MM/yyyy")
            edit.setCalendarPopup(True)
            edit.dateChanged.connect(self.schedule)
        self.all_dates.toggled.connect(self._dates_toggled)
        self.date_from.setEnabled(False)
        self.date_to.setEnabled(False)

        self.count_label = QLabel()
        self.count_label.setStyleSheet("font-weight: bold;")
        self.note_label = QLabel()
        self.note_label.setStyleSheet("color: #b71c1c;")
        self.table = DossierTable(FULL, sort_column="received", descending=True)
        self.table.setAccessibleName("Kết quả tra cứu")
        self.table.open_requested.connect(self.open_requested)

        self.text.textChanged.connect(self.schedule)
        self.text.returnPressed.connect(self._enter_in_box)
        self.procedure.chosen.connect(self.schedule)
        self.status.currentIndexChanged.connect(self.schedule)

        filters = QGridLayout()
        filters.addWidget(self._label("&Tìm:", self.text), 0, 0)
        filters.addWidget(self.text, 0, 1, 1, 5)
        filters.addWidget(self._label("Thủ tụ&c:", self.procedure), 1, 0)
        filters.addWidget(self.procedure, 1, 1, 1, 5)
        filters.addWidget(self._label("Trạn&g thái:", self.status), 2, 0)
        dates = QHBoxLayout()
        dates.addWidget(self.status)
        dates.addSpacing(24)
        dates.addWidget(self._label("Ngày &nhận:", self.all_dates))
        dates.addWidget(self.all_dates)
        dates.addWidget(QLabel("từ"))
        dates.addWidget(self.date_from)
        dates.addWidget(QLabel("đến"))
        dates.addWidget(self.date_to)
        dates.addStretch(1)
        filters.addLayout(dates, 2, 1, 1, 5)
        filters.setColumnStretch(1, 1)
        counts = QHBoxLayout()
        counts.addWidget(self.count_label)
        counts.addWidget(self.note_label, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(filters)
        layout.addLayout(counts)
        layout.addWidget(self.table, 1)
        self.setFocusProxy(self.text)

    @staticmethod
    def _label(text: str, buddy: QWidget) -> QLabel:
        label = QLabel(text)
        label.setBuddy(buddy)
        return label

    def set_procedures(self, procedures: list[Procedure]) -> None:
        self.procedure.set_procedures(procedures)

    def _dates_toggled(self, all_dates: bool) -> None:
        self.date_from.setEnabled(not all_dates)
        self.date_to.setEnabled(not all_dates)
        self.schedule()

    # -- searching -------------------------------------------------------------------------
    def query(self) -> DossierQuery:
        chosen = self.procedure.current
        dated = not self.all_dates.isChecked()
        return DossierQuery(
            text=self.text.text().strip(), procedure_code=chosen.code if chosen else "",
            status=self.status.currentData(),
            received_from=from_qdate(self.date_from.date()) if dated else None,
            received_to=from_qdate(self.date_to.date()) if dated else None, limit=self.limit)

    def schedule(self, *_args) -> None:
        """Search shortly after the last change (typing is not slowed by the disk)."""
        self._timer.start()

    def run_search(self) -> None:
        self._timer.stop()
        self._seq += 1
        seq, query = self._seq, self.query()
        self.worker.run(lambda c: self._find(c, query),
                        lambda result: self._found(seq, query, *result))

    @staticmethod
    def _find(counter, query: DossierQuery):
        found = counter.find(query)
        return found, counter.deadline_flags(found.rows)

    def _found(self, seq: int, query: DossierQuery, found: FoundDossiers, flags) -> None:
        if seq != self._seq:
            return  # an older search answered late; a newer one is on its way
        self.last_query = query
        self.table.set_rows(found.rows, flags)
        n = len(found.rows)
        filtered = query != DossierQuery(limit=query.limit)
        if n == 0:
            self.count_label.setText("Không tìm thấy hồ sơ nào.")
        elif filtered:
            self.count_label.setText(f"Tìm thấy {n} hồ sơ.")
        else:
            self.count_label.setText(f"{n} hồ sơ mới nhất.")
        self.note_label.setText(TRUNCATED_NOTE.format(limit=query.limit) if found.truncated
                                else "")

    @property
    def pending(self) -> bool:
        return self._timer.isActive()

    def _enter_in_box(self) -> None:
        text = self.text.text().strip()
        if looks_like_code(text):
            self.open_requested.emit(text.upper())  # opening checks that it exists
        elif self.table.proxy.rowCount():
            self.table.setFocus()
            self.table.selectRow(0)
