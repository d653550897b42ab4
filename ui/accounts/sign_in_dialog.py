"""Signing in at the desk: username and password, checked by the core against the local
database (so it works without a network). Enter signs in, Esc leaves.

``SignInPanel`` (the fields, the error line, the demo hint) is shared with the lock screen's
"Đổi cán bộ". The core call goes through ``runner.run(fn, on_done, on_error)``: the window's
DbWorker, or at start-up (before the window exists) a direct call.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import isValid

from counter_app.domain.officers import Officer
from counter_app.errors import SignInFailed
from ui.common.desk_settings import last_username, remember_username
from ui.common.messages import describe

ERROR_STYLE = "color: #b71c1c; font-weight: bold;"
HINT_STYLE = "color: #5d4037; background: #fff8e1; padding: 6px; border: 1px solid #ffe082;"
ENTER = (Qt.Key.Key_Return, Qt.Key.Key_Enter)


def password_edit(placeholder: str = "", edit: QLineEdit | None = None) -> QLineEdit:
    edit = edit or QLineEdit()
    edit.setPlaceholderText(placeholder)
    edit.setEchoMode(QLineEdit.EchoMode.Password)
    edit.setMaxLength(128)
    return edit


class EnterField(QLineEdit):
    """A line whose Enter is its own (``entered``), never also the dialog's default button
    (QLineEdit passes Enter on to the dialog)."""

    entered = Signal()

    def keyPressEvent(self, event):  # noqa: N802 (Qt override)
        if event.key() in ENTER:
            self.entered.emit()
            return
        super().keyPressEvent(event)


class SignInPanel(QWidget):
    """Username, password, a red error line and an optional hint. Enter in the username
    goes to the password (or signs in when it is filled); Enter in the password signs in:
    ``submitted(username, password)``."""

    submitted = Signal(str, str)

    def __init__(self, hint: str = "", parent: QWidget | None = None):
        super().__init__(parent)
        self.username = EnterField(placeholderText="vd: tiepnhan")
        self.username.setMaxLength(32)
        self.username.entered.connect(self._enter_in_username)
        self.password = password_edit(edit=EnterField())
        self.password.entered.connect(self.submit)
        self.error = QLabel(objectName="signInError", wordWrap=True)
        self.error.setStyleSheet(ERROR_STYLE)
        self.error.hide()
        self.hint = QLabel(hint, objectName="signInHint", wordWrap=True)
        self.hint.setStyleSheet(HINT_STYLE)
        self.hint.setVisible(bool(hint))
        form = QFormLayout()
        for text, field in (("&Tên đăng nhập:", self.username), ("&Mật khẩu:", self.password)):
            label = QLabel(text)
            label.setBuddy(field)
            form.addRow(label, field)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.hint)
        self.setTabOrder(self.username, self.password)

    def _enter_in_username(self) -> None:
        if self.password.text():
            self.submit()
        else:
            self.password.setFocus()

    def submit(self) -> None:
        if not self.isEnabled():
            return  # a check is already on its way
        if not self.username.text().strip():
            self.show_error("Hãy nhập tên đăng nhập.")
            self.username.setFocus()
            return
        self.submitted.emit(self.username.text().strip(), self.password.text())

    def show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.show()

    def failed(self, error: BaseException) -> None:
        """Wrong name or password: keep the name, clear the password, try again."""
        self.setEnabled(True)
        self.show_error(str(error) if isinstance(error, SignInFailed) else describe(error))
        self.password.clear()
        (self.password if self.username.text().strip() else self.username).setFocus()

    def start(self, username: str = "") -> None:
        """Ready for a new attempt: ``username`` filled in (focus on the password) or not."""
        self.setEnabled(True)
        self.error.hide()
        self.username.setText(username)
        self.password.clear()
        (self.password if username else self.username).setFocus()


class SignInDialog(QDialog):
    """The first thing an officer sees. ``officer`` is set once the core accepted."""

    def __init__(self, runner, hint: str = "", parent: QWidget | None = None,
                 agency_name: str = ""):
        super().__init__(parent)
        self.runner = runner
        self.officer: Officer | None = None
        self.setWindowTitle("Đăng nhập – Bộ phận Một cửa")
        title = QLabel("Đăng nhập bằng tài khoản cán bộ")
        title.setStyleSheet("font-size: 16px; font-weight: bold;")
        place = QLabel(agency_name)
        place.setVisible(bool(agency_name))
        self.panel = SignInPanel(hint)
        self.panel.submitted.connect(self._sign_in)
        self.sign_in_button = QPushButton("Đăng nhập (Enter)")
        self.sign_in_button.setDefault(True)
        self.sign_in_button.clicked.connect(self.panel.submit)
        self.quit_button = QPushButton("Thoát (Esc)")
        self.quit_button.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.sign_in_button)
        buttons.addWidget(self.quit_button)
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(place)
        layout.addWidget(self.panel)
        layout.addLayout(buttons)
        self.setTabOrder(self.panel.password, self.sign_in_button)
        self.setTabOrder(self.sign_in_button, self.quit_button)
        self.setMinimumWidth(440)
        self.panel.start(last_username())

    def _sign_in(self, username: str, password: str) -> None:
        self.panel.setEnabled(False)
        self.runner.run(lambda c: c.sign_in(username, password), self._signed_in, self._failed)

    def _signed_in(self, officer: Officer) -> None:
        if not isValid(self):
            return
        self.officer = officer
        remember_username(officer.username)
        self.panel.setEnabled(True)
        self.accept()

    def _failed(self, error: BaseException) -> None:
        if isValid(self):
            self.panel.failed(error)
