"""Today's dossiers at this desk: searchable without diacritics; Enter opens one."""

from __future__ import annotations

from PySide6.QtCore import QAbstractTableModel, QSortFilterProxyModel, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from counter_app.domain.text import sort_key
from counter_app.store.dossier_store import DossierRow
from ui.tasks import DbWorker

HEADERS = ("Mã hồ sơ", "Giờ nhận", "Người nộp", "Thủ tục", "Hẹn trả", "Trạng thái")


class DossierTableModel(QAbstractTableModel):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.rows: list[DossierRow] = []

    def set_rows(self, rows: list[DossierRow]) -> None:
        self.beginResetModel()
        self.rows = rows
        self.endResetModel()

    def rowCount(self, parent=None):  # noqa: N802
        return 0 if parent is not None and parent.isValid() else len(self.rows)

    def columnCount(self, parent=None):  # noqa: N802
        return len(HEADERS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):  # noqa: N802
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return HEADERS[section]
        return None

    def value(self, row: DossierRow, column: int):
        return (row.code, f"{row.received_at:%H:%M}", row["applicant_name"],
                row["procedure_name"], f"{row.due_at:%H:%M %d/%m/%Y}", row.status.label)[column]

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        row = self.rows[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return self.value(row, index.column())
        if role == Qt.ItemDataRole.UserRole:
            return row
        return None


class VietnameseSortProxy(QSortFilterProxyModel):
    """Sorts names and procedures as a Vietnamese dictionary does; times by value."""

    def lessThan(self, left, right):  # noqa: N802
        model = self.sourceModel()
        a, b = model.rows[left.row()], model.rows[right.row()]
        column = left.column()
        if column == 1:
            return a.received_at < b.received_at
        if column == 4:
            return a.due_at < b.due_at
        return sort_key(model.value(a, column)) < sort_key(model.value(b, column))


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
        self.model = DossierTableModel(self)
        self.proxy = VietnameseSortProxy(self)
        self.proxy.setSourceModel(self.model)
        self.table = QTableView()
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(1, Qt.SortOrder.DescendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.table.activated.connect(self._open)
        self.search.returnPressed.connect(self._open_first)
        layout = QVBoxLayout(self)
        layout.addWidget(self.search)
        layout.addWidget(self.count_label)
        layout.addWidget(self.table, 1)

    def refresh(self) -> None:
        text = self.search.text()
        self.worker.run(lambda c: c.received_today(text), lambda rows: self._show(rows, text))

    def _show(self, rows: list[DossierRow], text: str) -> None:
        if text != self.search.text():
            return  # a newer search is on its way
        self.model.set_rows(rows)
        self.count_label.setText(f"{len(rows)} hồ sơ tiếp nhận hôm nay tại quầy này"
                                 + (" (đang lọc)" if text.strip() else ""))
        for col in (0, 1, 4, 5):
            self.table.resizeColumnToContents(col)

    def _open(self, index) -> None:
        self.open_requested.emit(self.proxy.data(index, Qt.ItemDataRole.UserRole).code)

    def _open_first(self) -> None:
        if self.proxy.rowCount():
            self._open(self.proxy.index(0, 0))
