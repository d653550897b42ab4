"""One officer account: add (with a password typed twice), edit name, title and roles; the
first administrator at first run (``ui.accounts.first_admin_dialog``) is the same form.

``AccountForm`` is the frame shared with the password dialogs: a red line under each field
for the core's ValidationError (by field name), Enter to the next field (Enter in the last
one saves), Esc cancels; the core call runs through ``runner.run`` (the window's DbWorker,
or a direct call at start-up).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import isValid

from counter_app.domain.officers import Officer
from counter_app.domain.roles import Role
from counter_app.errors import SignInFailed, ValidationError
from ui.accounts.sign_in_dialog import password_edit
from ui.common.enter_navigation import EnterMovesFocus
from ui.common.messages import describe

FIELD_ERROR_STYLE = "border: 2px solid #c62828; background: #fff3f3;"
MISMATCH = "Hai lần nhập mật khẩu không khớp."
ROLE_HINTS = {
    Role.RECEPTION: "tiếp nhận, trả kết quả, in phiếu, xuất sổ",
    Role.PROCESSING: "chỉ hồ sơ được chuyển cho mình",
    Role.LEADER: "mọi bước xử lý, xin lỗi và hẹn lại, xem nhật ký",
    Role.ADMIN: "tài khoản, thông tin cơ quan, danh mục, lịch",
}


class AccountForm(QDialog):
    """Subclasses add their fields with ``add`` and return the core call in ``call``."""

    def __init__(self, runner, title: str, intro: str = "", parent: QWidget | None = None):
        super().__init__(parent)
        self.runner = runner
        self.result_value: object = None
        self.setWindowTitle(title)
        self.setMinimumWidth(520)
        self.field_widgets: dict[str, QWidget] = {}
        self.error_labels: dict[str, QLabel] = {}
        self._enter = EnterMovesFocus(self)
        self._line_edits: list[QLineEdit] = []
        self.intro = QLabel(intro, wordWrap=True)
        self.intro.setVisible(bool(intro))
        self.errors = QLabel(objectName="errors", wordWrap=True)
        self.errors.setStyleSheet("color: #b71c1c; font-weight: bold;")
        self.errors.hide()
        self.form = QFormLayout()
        buttons = QDialogButtonBox()
        self.save_button = buttons.addButton("Lưu (Enter)", QDialogButtonBox.ButtonRole.AcceptRole)
        self.cancel_button = buttons.addButton("Hủy (Esc)", QDialogButtonBox.ButtonRole.RejectRole)
        self.save_button.setDefault(True)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addWidget(self.errors)
        layout.addLayout(self.form)
        layout.addWidget(buttons)

    def add(self, name: str, label: str, widget: QWidget) -> QWidget:
        caption = QLabel(label)
        caption.setBuddy(widget)
        error = QLabel(wordWrap=True)
        error.setStyleSheet("color: #b71c1c;")
        error.hide()
        column = QVBoxLayout()
        column.setSpacing(2)
        column.addWidget(widget)
        column.addWidget(error)
        self.form.addRow(caption, column)
        self.field_widgets[name] = widget
        self.error_labels[name] = error
        if isinstance(widget, QLineEdit):
            self._line_edits.append(widget)
        return widget

    def finish_fields(self) -> None:
        """Enter moves on in every line but the last editable one (there it saves)."""
        editable = [e for e in self._line_edits if not e.isReadOnly()]
        for edit in editable[:-1]:
            edit.installEventFilter(self._enter)
        if editable:
            editable[0].setFocus()

    # -- for subclasses ------------------------------------------------------------------
    def check(self) -> dict[str, str]:
        """Problems found before asking the core (e.g. two passwords that differ)."""
        return {}

    def call(self) -> Callable:
        raise NotImplementedError

    # -- behaviour -----------------------------------------------------------------------
    def save(self) -> None:
        if not self.save_button.isEnabled():
            return
        self.clear_errors()
        problems = self.check()
        if problems:
            self.show_errors(problems)
            return
        self.save_button.setEnabled(False)
        self.runner.run(self.call(), self._saved, self._failed)

    def _saved(self, value: object) -> None:
        if not isValid(self):
            return
        self.save_button.setEnabled(True)
        self.result_value = value
        self.accept()

    def _failed(self, error: BaseException) -> None:
        if not isValid(self):
            return
        self.save_button.setEnabled(True)
        if isinstance(error, ValidationError):
            self.show_errors(error.errors)
        elif isinstance(error, SignInFailed) and "old_password" in self.field_widgets:
            self.show_errors({"old_password": str(error)})
        else:
            self.errors.setText("Chưa lưu được:\n" + describe(error))
            self.errors.show()

    def show_errors(self, errors: dict[str, str]) -> None:
        first, elsewhere = None, []
        for key, message in errors.items():
            widget = self.field_widgets.get(key)
            if widget is None:
                elsewhere.append(message)
                continue
            if isinstance(widget, QLineEdit):
                widget.setStyleSheet(FIELD_ERROR_STYLE)
            widget.setToolTip(message)
            self.error_labels[key].setText(message)
            self.error_labels[key].show()
            first = first or widget
        text = "Chưa lưu được: hãy sửa các ô tô đỏ."
        if elsewhere:
            text = "Chưa lưu được:\n" + "\n".join(elsewhere)
        self.errors.setText(text)
        self.errors.show()
        target = first or next(iter(self._line_edits), None)
        if target is not None:
            if isinstance(target, QLineEdit) and target.echoMode() == QLineEdit.EchoMode.Password:
                target.clear()
            target.setFocus()

    def clear_errors(self) -> None:
        self.errors.hide()
        for name, widget in self.field_widgets.items():
            widget.setStyleSheet("")
            widget.setToolTip("")
            self.error_labels[name].hide()


class RolesBox(QWidget):
    """One checkbox per role, with what it allows."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.boxes: dict[Role, QCheckBox] = {}
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(2)
        for role in Role:
            box = QCheckBox(f"{role.label} ({ROLE_HINTS[role]})")
            self.boxes[role] = box
            column.addWidget(box)
        self.setFocusProxy(self.boxes[Role.RECEPTION])

    def set_roles(self, roles: frozenset[Role]) -> None:
        for role, box in self.boxes.items():
            box.setChecked(role in roles)

    def roles(self) -> list[str]:
        return [role.value for role, box in self.boxes.items() if box.isChecked()]


class OfficerForm(AccountForm):
    """Add (``officer`` None) or edit an account. ``result_value``: the Officer saved."""

    def __init__(self, runner, officer: Officer | None = None, parent: QWidget | None = None,
                 title: str = "", intro: str = ""):
        self.officer = officer
        if not title:
            title = ("Thêm tài khoản cán bộ" if officer is None
                     else f"Sửa tài khoản {officer.username}")
        super().__init__(runner, title, intro, parent)
        self.full_name = self.add("full_name", "&Họ và tên:",
                                  QLineEdit(placeholderText="Họ và tên đầy đủ, có dấu"))
        self.job_title = self.add("title", "&Chức danh:",
                                  QLineEdit(placeholderText="vd: Công chức Văn phòng – Thống kê"))
        self.username = self.add("username", "&Tên đăng nhập:",
                                 QLineEdit(placeholderText="chữ không dấu, vd: hoa.lt"))
        self.username.setMaxLength(32)
        if officer is None:
            self.password = self.add("password", "&Mật khẩu:",
                                     password_edit("Ít nhất 8 ký tự"))
            self.password2 = self.add("password2", "&Nhập lại mật khẩu:", password_edit())
        self.roles = self.add("roles", "&Vai trò:", RolesBox())
        if officer is not None:
            self.full_name.setText(officer.full_name)
            self.job_title.setText(officer.title)
            self.username.setText(officer.username)
            self.username.setReadOnly(True)
            self.roles.set_roles(officer.roles)
        self.finish_fields()

    def check(self) -> dict[str, str]:
        if self.officer is None and self.password.text() != self.password2.text():
            return {"password2": MISMATCH}
        return {}

    def call(self) -> Callable:
        name, title, roles = self.full_name.text(), self.job_title.text(), self.roles.roles()
        if self.officer is not None:
            username = self.officer.username
            return lambda c: c.update_officer(username, full_name=name, title=title,
                                              roles=roles)
        username, password = self.username.text(), self.password.text()
        return lambda c: c.add_officer(username, name, title, roles, password)
