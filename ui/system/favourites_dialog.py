"""Hệ thống › Thủ tục hay dùng: the officer sets up to 9 procedures, in order, that Alt+1…9
take on the reception screen (the places left are filled with the desk's most used ones).
Kept on this computer (desk_settings)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from counter_app.domain.procedures import Procedure
from ui.common.desk_settings import MAX_PINNED, pinned_procedures, set_pinned_procedures
from ui.common.screen_fit import fit_to_screen
from ui.reception.procedure_picker import ProcedurePicker

TITLE = "Thủ tục hay dùng (Alt+1…9)"
_ENTER = {Qt.Key.Key_Return, Qt.Key.Key_Enter}


class FavouritesDialog(QDialog):
    """The pinned procedures as a numbered list (Alt+1…Alt+9): add, move, remove, save.

    Codes no longer in the catalogue are left out: Alt+1…9 could not take them anyway, and
    the numbers shown stay the keys the officer will press."""

    def __init__(self, procedures: list[Procedure], pinned: list[str],
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(TITLE)
        self._by_code = {p.code: p for p in procedures}
        intro = QLabel(
            f"Chọn tối đa {MAX_PINNED} thủ tục để bấm nhanh ở màn hình Tiếp nhận hồ sơ: "
            "Alt+1 chọn thủ tục thứ nhất, Alt+2 thủ tục thứ hai… Các số còn trống dùng "
            "những thủ tục quầy này nhận nhiều nhất.", wordWrap=True)
        self.picker = ProcedurePicker()
        self.picker.set_procedures(procedures)
        self.add_button = QPushButton("Thê&m")
        self.add_button.clicked.connect(self.add_current)
        self.list = QListWidget()
        self.list.currentRowChanged.connect(self._enable)
        self.up_button = QPushButton("&Lên")
        self.up_button.clicked.connect(lambda: self.move(-1))
        self.down_button = QPushButton("&Xuống")
        self.down_button.clicked.connect(lambda: self.move(1))
        self.remove_button = QPushButton("&Bỏ")
        self.remove_button.clicked.connect(self.remove_current)
        #: Why an addition was refused (a 10th, a duplicate, nothing chosen); "" otherwise.
        self.message = QLabel(wordWrap=True, objectName="favourites_message")
        self.message.setStyleSheet("color: #b00020;")
        self.message.hide()
        for button in (self.add_button, self.up_button, self.down_button, self.remove_button):
            button.setAutoDefault(False)  # Enter in the picker adds; it never saves
        buttons = QDialogButtonBox()
        self.save_button = buttons.addButton("Lưu", QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton("Hủy", QDialogButtonBox.ButtonRole.RejectRole)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)

        find = QHBoxLayout()
        find.addWidget(QLabel("&Tìm thủ tục:", buddy=self.picker))
        find.addWidget(self.picker, 1)
        find.addWidget(self.add_button)
        grid = QGridLayout()
        grid.addWidget(QLabel("&Danh sách (theo thứ tự Alt+1…Alt+9):", buddy=self.list),
                       0, 0, 1, 2)
        grid.addWidget(self.list, 1, 0)
        side = QVBoxLayout()
        for button in (self.up_button, self.down_button, self.remove_button):
            side.addWidget(button)
        side.addStretch(1)
        grid.addLayout(side, 1, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(find)
        layout.addWidget(self.message)
        layout.addLayout(grid, 1)
        layout.addWidget(buttons)
        for code in dict.fromkeys(pinned):
            if code in self._by_code and self.list.count() < MAX_PINNED:
                self._append(code)
        self._renumber()
        self.list.setCurrentRow(0 if self.list.count() else -1)
        self._enable()
        self.picker.setFocus()
        fit_to_screen(self, 760, 520)

    # -- what the officer does -------------------------------------------------------------
    def pinned(self) -> list[str]:
        return [self.list.item(i).data(Qt.ItemDataRole.UserRole)
                for i in range(self.list.count())]

    def add_current(self) -> bool:
        """Add the procedure chosen in the picker at the end; False (and why, in
        ``message``) when nothing is chosen, it is already there or 9 are set."""
        procedure = self.picker.current
        if procedure is None and self.picker.text().strip():
            found = self.picker.matching(self.picker.text())
            procedure = found[0] if found else None
        codes = self.pinned()
        if procedure is None:
            return self._refuse("Chưa chọn thủ tục: gõ tên hoặc mã thủ tục vào ô Tìm thủ tục "
                                "rồi chọn trong danh sách.")
        if procedure.code in codes:
            return self._refuse(f"Thủ tục {procedure.code} đã có trong danh sách "
                                f"(Alt+{codes.index(procedure.code) + 1}).")
        if len(codes) >= MAX_PINNED:
            return self._refuse(f"Đã đủ {MAX_PINNED} thủ tục (Alt+1…Alt+{MAX_PINNED}): bỏ "
                                "bớt một thủ tục trước khi thêm thủ tục khác.")
        self._append(procedure.code)
        self._renumber()
        self.list.setCurrentRow(self.list.count() - 1)
        self.message.clear()
        self.message.hide()
        self.picker.select(None)
        self.picker.setFocus()
        return True

    def move(self, step: int) -> None:
        """Move the highlighted procedure up (-1) or down (+1) one place."""
        row = self.list.currentRow()
        to = row + step
        if row < 0 or not 0 <= to < self.list.count():
            return
        item = self.list.takeItem(row)
        self.list.insertItem(to, item)
        self._renumber()
        self.list.setCurrentRow(to)

    def remove_current(self) -> None:
        row = self.list.currentRow()
        if row < 0:
            return
        self.list.takeItem(row)
        self._renumber()
        self.list.setCurrentRow(min(row, self.list.count() - 1))
        self.message.hide()
        self._enable()

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt override)
        """Enter in the picker adds the procedure chosen there (never saves the dialog);
        Delete in the list removes the highlighted one."""
        if event.key() in _ENTER and self.picker.hasFocus():
            self.add_current()
            return
        if event.key() == Qt.Key.Key_Delete and self.list.hasFocus():
            self.remove_current()
            return
        super().keyPressEvent(event)

    # -- the list --------------------------------------------------------------------------
    def _append(self, code: str) -> None:
        item = QListWidgetItem()
        item.setData(Qt.ItemDataRole.UserRole, code)
        self.list.addItem(item)

    def _renumber(self) -> None:
        for i in range(self.list.count()):
            item = self.list.item(i)
            p = self._by_code[item.data(Qt.ItemDataRole.UserRole)]
            item.setText(f"Alt+{i + 1}   {p.code} · {p.name}")
            item.setToolTip(f"{p.code} · {p.name} ({p.field})")

    def _refuse(self, text: str) -> bool:
        self.message.setText(text)
        self.message.show()
        return False

    def _enable(self, *_args) -> None:
        row, count = self.list.currentRow(), self.list.count()
        self.up_button.setEnabled(row > 0)
        self.down_button.setEnabled(0 <= row < count - 1)
        self.remove_button.setEnabled(row >= 0)


def edit_favourites(parent: QWidget | None, procedures: list[Procedure]) -> list[str] | None:
    """Open the dialog on this desk's pinned procedures; on Lưu keep the new list
    (desk_settings) and return it, on Hủy return None."""
    dialog = FavouritesDialog(procedures, pinned_procedures(), parent)
    saved, codes = dialog.exec(), dialog.pinned()
    dialog.deleteLater()
    if not saved:
        return None
    set_pinned_procedures(codes)
    return codes
