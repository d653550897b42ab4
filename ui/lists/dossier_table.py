"""The dossier table every list shares: chosen columns, Vietnamese sorting, deadline colours.

Rows come with a deadline flag each ('overdue', 'warning' or ''), computed on the worker by
``Counter.deadline_flag``: overdue rows are red and bold, rows close to the deadline orange.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QAbstractTableModel, QSortFilterProxyModel, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView

from counter_app.domain.text import sort_key
from counter_app.store.dossier_store import DossierRow

OVERDUE_COLOR = "#c62828"
OVERDUE_BACKGROUND = "#ffebee"
WARNING_COLOR = "#e65100"
WARNING_BACKGROUND = "#fff3e0"
MAX_COLUMN_WIDTH = 230  # long names and holders are cut (the tooltip has all); the
#                         procedure column takes the rest
FLAG_LABELS = {"overdue": "Quá hạn", "warning": "Sắp đến hạn"}


def long_time(value) -> str:
    return f"{value:%d/%m/%Y %H:%M}"


def pending(row: DossierRow, done: str, due: str, done_text: str) -> str:
    """The time something must be done by, or ``done_text`` once it is."""
    if row.data.get(done):
        return done_text
    value = row.data.get(due)
    return long_time(dt.datetime.fromisoformat(value)) if value else ""


def pending_key(row: DossierRow, done: str, due: str) -> tuple:
    """What is still to do first, soonest first; what is done last."""
    return (bool(row.data.get(done)), row.data.get(due) or "")


def holder(row: DossierRow) -> str:
    person = row.data.get("holder_person") or ""
    return f"{row.data.get('holder') or ''}{' – ' + person if person else ''}"


@dataclass(frozen=True)
class Column:
    header: str
    text: Callable[[DossierRow], str]
    key: Callable[[DossierRow], object] | None = None  # default: Vietnamese order of text
    stretch: bool = False


COLUMNS = {
    "code": Column("Mã hồ sơ", lambda r: r.code, lambda r: r.code),
    "received_time": Column("Giờ nhận", lambda r: f"{r.received_at:%H:%M}",
                            lambda r: r.received_at),
    "received": Column("Ngày nhận", lambda r: long_time(r.received_at), lambda r: r.received_at),
    "applicant": Column("Người nộp", lambda r: r["applicant_name"]),
    "procedure": Column("Thủ tục", lambda r: r["procedure_name"], stretch=True),
    "due": Column("Hẹn trả", lambda r: long_time(r.due_at), lambda r: r.due_at),
    "status": Column("Trạng thái", lambda r: r.status.label),
    "holder": Column("Đang ở", holder),
    # A dossier received for another body (docs/law.md §14): the two sides and the times
    # its electronic copy and its paper must reach the competent body by.
    "competent": Column("Nơi giải quyết",
                        lambda r: r.data.get("competent_name") or r.competent_agency),
    "receiving": Column("Nơi tiếp nhận",
                        lambda r: r.data.get("receiving_name") or r.receiving_agency),
    "forward_due": Column("Hạn chuyển",
                          lambda r: pending(r, "forwarded_at", "forward_due_at", "đã chuyển"),
                          lambda r: pending_key(r, "forwarded_at", "forward_due_at")),
    "paper_due": Column("Hạn gửi giấy",
                        lambda r: pending(r, "paper_sent_at", "paper_due_at", "đã gửi"),
                        lambda r: pending_key(r, "paper_sent_at", "paper_due_at")),
}
FULL = ("code", "applicant", "procedure", "received", "due", "status", "holder")


class DossierTableModel(QAbstractTableModel):
    def __init__(self, columns: tuple[str, ...] = FULL, parent=None):
        super().__init__(parent)
        self.columns = [COLUMNS[c] for c in columns]
        self.column_names = tuple(columns)
        self.rows: list[DossierRow] = []
        self.deadline_flags: dict[str, str] = {}

    def set_columns(self, columns: tuple[str, ...]) -> None:
        self.beginResetModel()
        self.columns = [COLUMNS[c] for c in columns]
        self.column_names = tuple(columns)
        self.endResetModel()

    def set_rows(self, rows: list[DossierRow], flags: dict[str, str] | None = None) -> None:
        self.beginResetModel()
        self.rows = list(rows)
        self.deadline_flags = dict(flags or {})
        self.endResetModel()

    def rowCount(self, parent=None):  # noqa: N802
        return 0 if parent is not None and parent.isValid() else len(self.rows)

    def columnCount(self, parent=None):  # noqa: N802
        return len(self.columns)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):  # noqa: N802
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.columns[section].header
        return None

    def value(self, row: DossierRow, column: int) -> str:
        return self.columns[column].text(row) or ""

    def sort_value(self, row: DossierRow, column: int):
        spec = self.columns[column]
        return spec.key(row) if spec.key else sort_key(spec.text(row))

    def flag(self, row: DossierRow) -> str:
        return self.deadline_flags.get(row.code, "")

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        row = self.rows[index.row()]
        flag = self.flag(row)
        if role == Qt.ItemDataRole.DisplayRole:
            return self.value(row, index.column())
        if role == Qt.ItemDataRole.ToolTipRole:
            text = self.value(row, index.column())
            return f"{text} ({FLAG_LABELS[flag]})" if flag else text
        if role == Qt.ItemDataRole.UserRole:
            return row
        if role == Qt.ItemDataRole.ForegroundRole and flag:
            return QBrush(QColor(OVERDUE_COLOR if flag == "overdue" else WARNING_COLOR))
        if role == Qt.ItemDataRole.BackgroundRole and flag:
            return QBrush(QColor(OVERDUE_BACKGROUND if flag == "overdue" else WARNING_BACKGROUND))
        if role == Qt.ItemDataRole.FontRole and flag == "overdue":
            font = QFont()
            font.setBold(True)
            return font
        return None


class VietnameseSortProxy(QSortFilterProxyModel):
    """Sorts names and procedures as a Vietnamese dictionary does; times by value."""

    def lessThan(self, left, right):  # noqa: N802
        model = self.sourceModel()
        a, b = model.rows[left.row()], model.rows[right.row()]
        column = left.column()
        return model.sort_value(a, column) < model.sort_value(b, column)


class DossierTable(QTableView):
    """A sortable, read-only, row-selecting table; Enter or double-click emits the code."""

    open_requested = Signal(str)

    def __init__(self, columns: tuple[str, ...] = FULL, sort_column: str = "received",
                 descending: bool = True, parent=None):
        super().__init__(parent)
        self.model_ = DossierTableModel(columns, self)
        self.proxy = VietnameseSortProxy(self)
        self.proxy.setSourceModel(self.model_)
        self.setModel(self.proxy)
        self.setSortingEnabled(True)
        self.sortByColumn(columns.index(sort_column), Qt.SortOrder.DescendingOrder if descending
                          else Qt.SortOrder.AscendingOrder)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setTabKeyNavigation(False)
        self.setAlternatingRowColors(False)
        self.verticalHeader().setVisible(False)
        self._stretch()
        self.activated.connect(self._activated)

    def _stretch(self) -> None:
        header = self.horizontalHeader()
        for i, spec in enumerate(self.model_.columns):
            header.setSectionResizeMode(i, QHeaderView.ResizeMode.Stretch if spec.stretch
                                        else QHeaderView.ResizeMode.Interactive)

    def set_columns(self, columns: tuple[str, ...], sort_column: str,
                    descending: bool = False) -> None:
        """Show other columns (a list of another kind), sorted by ``sort_column``."""
        if tuple(columns) == self.model_.column_names:
            return
        self.model_.set_columns(columns)
        self._stretch()
        self.sortByColumn(columns.index(sort_column), Qt.SortOrder.DescendingOrder
                          if descending else Qt.SortOrder.AscendingOrder)

    def set_rows(self, rows: list[DossierRow], flags: dict[str, str] | None = None) -> None:
        current = self.current_code()
        self.model_.set_rows(rows, flags)
        self._fit_columns()
        # Keep the officer's place; otherwise no selection, so the first row's colour shows
        # (the table selects its first row itself when it gets the focus).
        self.select_code(current)

    def _fit_columns(self) -> None:
        """Each column as wide as its content, up to a share of the table's width, so the
        stretching one (the procedure) keeps room on a 1024-pixel screen; cut texts have
        their tooltip."""
        columns = self.model_.columns
        share = max(90, self.viewport().width() // (len(columns) + 1))
        for i, spec in enumerate(columns):
            if not spec.stretch:
                self.resizeColumnToContents(i)
                self.setColumnWidth(i, min(self.columnWidth(i), MAX_COLUMN_WIDTH, share))

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt override)
        super().resizeEvent(event)
        self._fit_columns()

    def codes(self) -> list[str]:
        """The codes in the order shown."""
        return [self.row_at(r).code for r in range(self.proxy.rowCount())]

    def row_at(self, proxy_row: int) -> DossierRow:
        return self.proxy.index(proxy_row, 0).data(Qt.ItemDataRole.UserRole)

    def current_code(self) -> str | None:
        index = self.currentIndex()
        return index.data(Qt.ItemDataRole.UserRole).code if index.isValid() else None

    def select_code(self, code: str | None) -> bool:
        if code is None:
            return False
        for r in range(self.proxy.rowCount()):
            if self.row_at(r).code == code:
                self.selectRow(r)
                return True
        return False

    def _activated(self, index) -> None:
        if index.isValid():
            self.open_requested.emit(index.data(Qt.ItemDataRole.UserRole).code)
