"""The procedure's document list: tick what was received (Space), adjust counts; the last
column says which documents have their pages (digitised, or a returning citizen's earlier
copy to reuse)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableWidget, QTableWidgetItem

from counter_app.domain.procedures import DocForm, RequiredDocument

# Two-line headings and fixed narrow columns leave the name room on a 1024×768 screen.
COLUMNS = ("Đã\nnhận", "Tên giấy tờ", "Hình thức", "Số\nlượng", "Bản\nsố hóa")
PAGES = 4
FIXED_WIDTHS = {2: 100, PAGES: 76}  # the texts wrap in them


class DocumentChecklist(QTableWidget):
    def __init__(self, parent=None):
        super().__init__(0, len(COLUMNS), parent)
        self.setHorizontalHeaderLabels(COLUMNS)
        self.setTabKeyNavigation(False)  # Tab leaves the table; arrows and Space work inside
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked
                             | QAbstractItemView.EditTrigger.EditKeyPressed)
        self.verticalHeader().setVisible(False)
        header = self.horizontalHeader()
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        for col in (0, 3):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        for col, width in FIXED_WIDTHS.items():
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.Fixed)
            self.setColumnWidth(col, width)
        self.setWordWrap(True)  # a long document name wraps on a narrow screen
        self.setAccessibleName("Thành phần hồ sơ")
        self._forms: list[DocForm] = []

    def set_documents(self, documents: tuple[RequiredDocument, ...]) -> None:
        self.setRowCount(0)
        self._forms = []
        for doc in documents:
            row = self.rowCount()
            self.insertRow(row)
            tick = QTableWidgetItem()
            tick.setFlags(Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsEnabled
                          | Qt.ItemFlag.ItemIsSelectable)
            tick.setCheckState(Qt.CheckState.Unchecked)
            self.setItem(row, 0, tick)
            for col, value in ((1, doc.name), (2, doc.form.label)):
                item = QTableWidgetItem(value)
                item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
                item.setToolTip(value)
                self.setItem(row, col, item)
            count = QTableWidgetItem(str(doc.count))
            count.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
            self.setItem(row, 3, count)
            pages = QTableWidgetItem()
            pages.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
            self.setItem(row, PAGES, pages)
            self._forms.append(doc.form)
        if self.rowCount():
            self.setCurrentCell(0, 0)
        self.resizeRowsToContents()

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt override)
        super().resizeEvent(event)
        self.resizeRowsToContents()  # the names wrap to the new width

    def keyPressEvent(self, event):  # noqa: N802 (Qt override)
        if event.key() == Qt.Key.Key_Space and self.currentRow() >= 0:
            self.toggle(self.currentRow())
            return
        super().keyPressEvent(event)

    def toggle(self, row: int) -> None:
        item = self.item(row, 0)
        checked = item.checkState() == Qt.CheckState.Checked
        item.setCheckState(Qt.CheckState.Unchecked if checked else Qt.CheckState.Checked)

    def check_all(self) -> None:
        for row in range(self.rowCount()):
            self.item(row, 0).setCheckState(Qt.CheckState.Checked)

    def set_pages_note(self, row: int, text: str, tooltip: str = "",
                       offer: bool = False) -> None:
        """What the "Bản số hóa" column says for ``row`` (``offer``: an earlier copy that
        could be reused, in green, not yet taken)."""
        item = self.item(row, PAGES)
        if item is None:
            return
        item.setText(text)
        item.setToolTip(tooltip or text)
        item.setForeground(QColor("#1b5e20" if offer else "#0d47a1"))
        self.resizeRowToContents(row)

    def name(self, row: int) -> str:
        return self.item(row, 1).text() if 0 <= row < self.rowCount() else ""

    def ticks(self) -> list[bool]:
        return [self.item(r, 0).checkState() == Qt.CheckState.Checked
                for r in range(self.rowCount())]

    def set_ticks(self, ticks: list[bool]) -> None:
        for row, checked in enumerate(ticks[:self.rowCount()]):
            self.item(row, 0).setCheckState(
                Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)

    def missing(self) -> list[str]:
        return [self.item(r, 1).text() for r in range(self.rowCount())
                if self.item(r, 0).checkState() != Qt.CheckState.Checked]

    def documents(self) -> list[dict]:
        out = []
        for row in range(self.rowCount()):
            text = self.item(row, 3).text().strip()
            out.append({
                "name": self.item(row, 1).text(),
                "form": self._forms[row].value,
                "count": int(text) if text.isdigit() else text,
                "received": self.item(row, 0).checkState() == Qt.CheckState.Checked,
            })
        return out
