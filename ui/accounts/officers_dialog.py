"""Hệ thống › Tài khoản cán bộ (administrator only): every account with its roles; add,
edit, disable or enable, set a new password. The core checks every rule (one active
administrator always remains, usernames are unique…); its messages are shown here."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import isValid

from counter_app.domain.officers import Officer
from ui.accounts.officer_form import OfficerForm
from ui.accounts.password_dialogs import ResetPasswordDialog
from ui.common.messages import describe
from ui.common.tasks import DbWorker

HEADERS = ("Họ và tên", "Tên đăng nhập", "Chức danh", "Vai trò", "Trạng thái")


class AccountTable(QTableWidget):
    """Enter edits the account (and goes no further: the dialog's buttons stay put)."""

    enter_pressed = Signal()

    def keyPressEvent(self, event):  # noqa: N802 (Qt override)
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.enter_pressed.emit()
            return
        super().keyPressEvent(event)


class OfficersDialog(QDialog):
    def __init__(self, worker: DbWorker, parent: QWidget | None = None):
        super().__init__(parent)
        self.worker = worker
        self.officers: list[Officer] = []
        self.setWindowTitle("Tài khoản cán bộ")
        self.resize(900, 460)
        self.table = AccountTable(0, len(HEADERS))
        self.table.setHorizontalHeaderLabels(HEADERS)
        self.table.verticalHeader().setVisible(False)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.table.setAccessibleName("Danh sách tài khoản cán bộ")
        self.table.doubleClicked.connect(lambda _index: self.edit())
        self.table.enter_pressed.connect(self.edit)
        self.table.itemSelectionChanged.connect(self._selection_changed)
        self.message = QLabel(objectName="message", wordWrap=True)
        self.message.hide()

        self.add_button = QPushButton("&Thêm cán bộ… (Ins)")
        self.edit_button = QPushButton("&Sửa… (Enter)")
        self.active_button = QPushButton("&Khóa tài khoản")
        self.reset_button = QPushButton("Đặt lại &mật khẩu…")
        self.close_button = QPushButton("Đóng (Esc)")
        for button, slot in ((self.add_button, self.add), (self.edit_button, self.edit),
                             (self.active_button, self.toggle_active),
                             (self.reset_button, self.reset_password),
                             (self.close_button, self.reject)):
            button.clicked.connect(slot)
        QShortcut(QKeySequence(Qt.Key.Key_Insert), self, self.add)
        buttons = QHBoxLayout()
        for b in (self.add_button, self.edit_button, self.active_button, self.reset_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        buttons.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.message)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        self.table.setFocus()
        self.refresh()

    # -- the list ------------------------------------------------------------------------
    def refresh(self, select: str = "") -> None:
        self.worker.run(lambda c: c.officers(), lambda officers: self._show(officers, select),
                        self._failed)

    def _show(self, officers: list[Officer], select: str = "") -> None:
        if not isValid(self):
            return
        current = select or (self.selected().username if self.selected() else "")
        self.officers = officers
        self.table.setRowCount(len(officers))
        for row, o in enumerate(officers):
            values = (o.full_name, o.username, o.title, o.roles_label,
                      "Đang hoạt động" if o.active else "Đã khóa")
            for col, text in enumerate(values):
                item = QTableWidgetItem(text)
                if not o.active:
                    item.setForeground(QBrush(QColor("#757575")))
                self.table.setItem(row, col, item)
        self.table.resizeColumnsToContents()
        names = [o.username for o in officers]
        self.table.selectRow(names.index(current) if current in names else 0)
        self._selection_changed()

    def selected(self) -> Officer | None:
        row = self.table.currentRow()
        return self.officers[row] if 0 <= row < len(self.officers) else None

    def _selection_changed(self) -> None:
        officer = self.selected()
        for b in (self.edit_button, self.active_button, self.reset_button):
            b.setEnabled(officer is not None)
        if officer is not None:
            self.active_button.setText("Mở &lại tài khoản" if not officer.active
                                       else "&Khóa tài khoản")

    # -- changes -------------------------------------------------------------------------
    def add(self) -> None:
        form = OfficerForm(self.worker, None, self)
        if form.exec():
            officer = form.result_value
            self.say(f"Đã thêm tài khoản {officer.username} – {officer.full_name}.")
            self.refresh(officer.username)

    def edit(self) -> None:
        officer = self.selected()
        if officer is None:
            return
        form = OfficerForm(self.worker, officer, self)
        if form.exec():
            self.say(f"Đã lưu tài khoản {officer.username}.")
            self.refresh(officer.username)

    def toggle_active(self) -> None:
        officer = self.selected()
        if officer is None:
            return
        username, active = officer.username, not officer.active
        done = (f"Đã mở lại tài khoản {username}." if active
                else f"Đã khóa tài khoản {username}: cán bộ này không đăng nhập được nữa.")
        self.worker.run(lambda c: c.set_officer_active(username, active),
                        lambda _o: (self.say(done), self.refresh(username)), self._failed)

    def reset_password(self) -> None:
        officer = self.selected()
        if officer is not None and ResetPasswordDialog(self.worker, officer, self).exec():
            self.say(f"Đã đặt mật khẩu mới cho {officer.username}.")

    # -- messages ------------------------------------------------------------------------
    def say(self, text: str, error: bool = False) -> None:
        if not isValid(self):
            return
        colour = "#b71c1c" if error else "#1b5e20"
        self.message.setStyleSheet(f"color: {colour}; font-weight: bold;")
        self.message.setText(text)
        self.message.show()

    def _failed(self, error: BaseException) -> None:
        self.say(describe(error), error=True)
