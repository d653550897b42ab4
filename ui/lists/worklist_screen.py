"""'Việc cần làm': the work lists with their counts; a list's dossiers in a sortable table.

Up/Down picks a list, Enter (or →) goes to its dossiers, Enter or double-click opens one.
Every read goes through the worker; an answer that arrives after a newer request is dropped.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetrics
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from counter_app.store.dossier_queries import Worklist
from ui.common.tasks import DbWorker
from ui.lists.dossier_table import FULL, OVERDUE_COLOR, WARNING_COLOR, DossierTable
from ui.lists.transfer_lists import COLUMNS, TRANSFER_LISTS, load_transfer_list
from ui.lists.worklist_strip import ORDER, list_label

#: The lists on this tab: the strip's, with "cần xin lỗi" and the dossiers received for
#: another body (or for this one elsewhere) after the ones due soon.
LISTS = (*ORDER[:3], Worklist.NEEDS_APOLOGY, *TRANSFER_LISTS, *ORDER[3:], Worklist.MINE,
         Worklist.FINISHED_TODAY)

EXPLANATIONS = {
    Worklist.OVERDUE: "Hồ sơ đang giải quyết đã quá thời hạn hẹn trả.",
    Worklist.DUE_TODAY: "Hồ sơ phải trả kết quả trong hôm nay.",
    Worklist.DUE_SOON: "Hồ sơ đến hạn trong {days} ngày làm việc tới "
                       "(đổi ở Hệ thống › Cảnh báo trước hạn).",
    Worklist.NEEDS_APOLOGY: "Hồ sơ sắp đến hạn, chưa xin lỗi: nếu sẽ trễ, lãnh đạo xin lỗi và "
                            "đề nghị gia hạn (Mẫu 04) trước hạn trả ít nhất một ngày làm việc; "
                            "trả sau hạn vẫn tính là trễ hạn.",
    Worklist.WAITING_SUPPLEMENT: "Hồ sơ chờ người nộp bổ sung giấy tờ "
                                 "(thời hạn tạm dừng).",
    Worklist.TO_FORWARD: "Hồ sơ nhận tại đây cho cơ quan khác giải quyết: chuyển điện tử ngay "
                         "(nhận sau 15 giờ: sáng ngày làm việc sau), gửi hồ sơ giấy trong 01 "
                         "ngày làm việc. Dòng đỏ: đã quá hạn chuyển.",
    Worklist.PAPER_INCOMING: "Hồ sơ nơi khác tiếp nhận cho cơ quan này giải quyết, chưa nhận "
                             "được hồ sơ giấy.",
    Worklist.READY_TO_RETURN: "Hồ sơ đã có kết quả, chờ người nộp đến nhận.",
    Worklist.RETURNED_TODAY: "Hồ sơ đã trả kết quả trong hôm nay.",
}


def load_worklist(counter, name: Worklist):
    """On the worker: the list's dossiers and the deadline flag of each."""
    if name in TRANSFER_LISTS:
        return load_transfer_list(counter, name)
    rows = counter.worklist(name)
    return rows, counter.deadline_flags(rows)


class WorkListSelector(QListWidget):
    """The lists; Enter or → hands over to the table (``forward``)."""

    forward = Signal()

    def keyPressEvent(self, event):  # noqa: N802
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Right):
            self.forward.emit()
            return
        super().keyPressEvent(event)


class WorklistScreen(QWidget):
    open_requested = Signal(str)

    def __init__(self, worker: DbWorker, parent=None):
        super().__init__(parent)
        self.worker = worker
        self.counts: dict[Worklist, int] = {}
        self.warning_days = 1
        self._seq = 0
        self._shown: Worklist | None = None
        self.lists = WorkListSelector()
        self.lists.setAccessibleName("Danh sách việc cần làm")
        font = self.lists.font()
        font.setPointSizeF(font.pointSizeF() * 1.15)
        self.lists.setFont(font)
        self.lists.setSpacing(3)
        for name in LISTS:
            item = QListWidgetItem(name.label)
            item.setData(Qt.ItemDataRole.UserRole, name.value)
            self.lists.addItem(item)
        bold = QFont(font)
        bold.setBold(True)
        widest = QFontMetrics(bold).horizontalAdvance("Sắp đến hạn (30 ngày làm việc)  (9999)")
        self.lists.setFixedWidth(widest + 36)
        self.lists.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.hint = QLabel("↑ ↓ chọn danh sách · Enter: xem hồ sơ · Enter lần nữa: mở hồ sơ"
                           " · hoặc quét mã trên giấy hẹn")
        self.hint.setWordWrap(True)
        self.hint.setStyleSheet("color: #757575;")
        self.hint.setFixedWidth(widest + 36)
        self.lists.setCurrentRow(0)  # the caller loads it (refresh)
        self.lists.currentRowChanged.connect(lambda _row: self.load())
        self.lists.forward.connect(self.focus_table)
        self.title = QLabel()
        self.title.setStyleSheet("font-size: 15px; font-weight: bold;")
        self.explanation = QLabel(wordWrap=True)
        self.explanation.setStyleSheet("color: #555;")
        self.table = DossierTable(FULL, sort_column="due", descending=False)
        self.table.setAccessibleName("Hồ sơ trong danh sách")
        self.table.open_requested.connect(self.open_requested)
        right = QVBoxLayout()
        right.addWidget(self.title)
        right.addWidget(self.explanation)
        right.addWidget(self.table, 1)
        left = QVBoxLayout()
        left.addWidget(self.lists, 1)
        left.addWidget(self.hint)
        layout = QHBoxLayout(self)
        layout.addLayout(left)
        layout.addLayout(right, 1)
        self.setFocusProxy(self.lists)

    # -- which list ------------------------------------------------------------------------
    def current(self) -> Worklist:
        item = self.lists.currentItem()
        return Worklist(item.data(Qt.ItemDataRole.UserRole)) if item else LISTS[0]

    def show_list(self, name: Worklist | str) -> None:
        row = LISTS.index(Worklist(name))
        if self.lists.currentRow() == row:
            self.load()
        else:
            self.lists.setCurrentRow(row)  # loads

    def focus_table(self) -> None:
        self.table.setFocus()
        if not self.table.currentIndex().isValid() and self.table.proxy.rowCount():
            self.table.selectRow(0)

    # -- counts ----------------------------------------------------------------------------
    def set_counts(self, counts: dict[Worklist, int], warning_days: int) -> None:
        self.counts = dict(counts)
        self.warning_days = warning_days
        for row, name in enumerate(LISTS):
            item = self.lists.item(row)
            n = counts.get(name, 0)
            item.setText(f"{list_label(name, warning_days)}  ({n})")
            urgent = n > 0 and name in (Worklist.OVERDUE, Worklist.DUE_TODAY, Worklist.DUE_SOON,
                                        Worklist.TO_FORWARD)
            color = OVERDUE_COLOR if name is Worklist.OVERDUE else WARNING_COLOR
            item.setForeground(QBrush(QColor(color)) if urgent else QBrush())
            font = QFont(self.lists.font())
            font.setBold(urgent)
            item.setFont(font)
        self._show_title()

    # -- the dossiers of the chosen list ---------------------------------------------------
    def load(self) -> None:
        self._seq += 1
        seq, name = self._seq, self.current()
        if name is not self._shown:
            self._show_title()  # "đang tải…" until its dossiers arrive
        self.worker.run(lambda c: load_worklist(c, name),
                        lambda result: self._loaded(seq, name, *result))

    def _loaded(self, seq: int, name: Worklist, rows, flags) -> None:
        if seq != self._seq:
            return  # the officer has moved on to another list (or a newer refresh is due)
        self._shown = name
        columns, sort_column = COLUMNS.get(name, (FULL, "due"))
        self.table.set_columns(columns, sort_column)
        self.table.set_rows(rows, flags)
        self._show_title()

    def _show_title(self) -> None:
        name = self.current()
        shown = self.table.proxy.rowCount()
        if name is not self._shown:
            count = "đang tải…"
        elif shown == 0:
            count = "không có hồ sơ nào"
        else:
            count = f"{shown} hồ sơ"
        self.title.setText(f"{list_label(name, self.warning_days)} – {count}")
        color = OVERDUE_COLOR if name is Worklist.OVERDUE and shown else "#0d47a1"
        self.title.setStyleSheet(f"font-size: 15px; font-weight: bold; color: {color};")
        self.explanation.setText(EXPLANATIONS[name].format(days=self.warning_days))
