"""Locking the desk: the work stays open underneath (a half-filled reception form, an open
dossier and its step form), but nothing of it is visible until the officer types their
password again, or another officer signs in ("Đổi cán bộ").

``DeskLock.lock`` covers every open window of the program with a ``Curtain`` (a plain
child widget over the whole window, so a window raised by hand shows nothing either) and
opens the ``LockScreen``, an application-modal dialog above everything. Dialogs are never
closed or hidden for the lock (hiding a dialog would end its exec()); only a switch to
another officer closes the previous officer's dossier windows (the main window does that).
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import isValid

from counter_app.domain.officers import Officer
from counter_app.errors import SignInFailed
from ui.accounts.idle_watch import SWITCH_KEY_TEXT
from ui.accounts.sign_in_dialog import ERROR_STYLE, EnterField, SignInPanel, password_edit
from ui.common.desk_settings import remember_username
from ui.common.messages import describe
from ui.common.tasks import DbWorker

CURTAIN_STYLE = "QWidget#curtain { background: #263238; } QLabel { color: #eceff1; }"
PANEL_STYLE = ("QFrame#lockPanel { background: #fafafa; border: 1px solid #90a4ae; "
               "border-radius: 6px; }")


class Curtain(QWidget):
    """Covers all of ``window`` (kept on top and at its size) until ``lift``."""

    def __init__(self, window: QWidget):
        super().__init__(window)
        self.setObjectName("curtain")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setStyleSheet(CURTAIN_STYLE)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        label = QLabel("Màn hình đã khóa", alignment=Qt.AlignmentFlag.AlignCenter)
        label.setStyleSheet("font-size: 20px;")
        layout = QVBoxLayout(self)
        layout.addWidget(label)
        self.window_ = window
        self.setGeometry(window.rect())
        window.installEventFilter(self)
        self.raise_()
        self.show()

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt override)
        if obj is self.window_:
            if event.type() == QEvent.Type.Resize:
                self.setGeometry(self.window_.rect())
            elif event.type() == QEvent.Type.ChildAdded:
                QTimer.singleShot(0, self._on_top)  # a widget added while locked stays under
        return False

    def _on_top(self) -> None:
        if isValid(self):
            self.raise_()

    def covers(self) -> bool:
        return (isValid(self) and self.isVisible()
                and self.geometry().contains(self.window_.rect()))

    def lift(self) -> None:
        if isValid(self):
            if isValid(self.window_):
                self.window_.removeEventFilter(self)
            self.hide()
            self.deleteLater()


class LockScreen(QDialog):
    """"Màn hình đã khóa": the officer's password (Enter unlocks) or "Đổi cán bộ"
    (Ctrl+Shift+L): another officer signs in (Esc goes back). It cannot be closed."""

    unlocked = Signal(object, bool)  # the officer now signed in; True if it is another one

    def __init__(self, worker: DbWorker, officer: Officer, hint: str = "",
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.worker, self.officer = worker, officer
        self._done = False
        self.setWindowTitle("Màn hình đã khóa – Bộ phận Một cửa")
        self.setWindowModality(Qt.WindowModality.ApplicationModal)
        self.setWindowFlag(Qt.WindowType.WindowCloseButtonHint, False)
        self.setStyleSheet(PANEL_STYLE)

        title = QLabel("Màn hình đã khóa", objectName="lockTitle")
        title.setStyleSheet("font-size: 20px; font-weight: bold;")
        self.who = QLabel(wordWrap=True)
        # -- unlock: the same officer's password
        self.password = password_edit(edit=EnterField())
        self.password.setAccessibleName("Mật khẩu để mở khóa")
        self.password.entered.connect(self.unlock)
        self.error = QLabel(objectName="unlockError", wordWrap=True)
        self.error.setStyleSheet(ERROR_STYLE)
        self.error.hide()
        self.unlock_button = QPushButton("&Mở khóa (Enter)")
        self.unlock_button.clicked.connect(self.unlock)
        self.switch_button = QPushButton(f"Đổi &cán bộ ({SWITCH_KEY_TEXT})")
        self.switch_button.clicked.connect(self.show_switch)
        password_label = QLabel("Mật &khẩu:")
        password_label.setBuddy(self.password)
        unlock_page = QWidget()
        column = QVBoxLayout(unlock_page)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.who)
        row = QHBoxLayout()
        row.addWidget(password_label)
        row.addWidget(self.password, 1)
        column.addLayout(row)
        column.addWidget(self.error)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.unlock_button)
        buttons.addWidget(self.switch_button)
        column.addLayout(buttons)
        # -- switch: another officer signs in
        self.panel = SignInPanel(hint)
        self.panel.submitted.connect(self._sign_in)
        self.sign_in_button = QPushButton("Đăng &nhập (Enter)")
        self.sign_in_button.clicked.connect(self.panel.submit)
        self.back_button = QPushButton("&Quay lại (Esc)")
        self.back_button.clicked.connect(self.show_unlock)
        switch_page = QWidget()
        column = QVBoxLayout(switch_page)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(QLabel("Cán bộ khác đăng nhập để làm việc tại quầy này:"))
        column.addWidget(self.panel)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.sign_in_button)
        buttons.addWidget(self.back_button)
        column.addLayout(buttons)

        self.pages = QStackedWidget()
        self.pages.addWidget(unlock_page)
        self.pages.addWidget(switch_page)
        panel = QFrame(objectName="lockPanel")
        inner = QVBoxLayout(panel)
        inner.setContentsMargins(24, 20, 24, 20)
        inner.addWidget(title)
        inner.addWidget(self.pages)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(panel)
        self.setMinimumWidth(520)
        self.show_unlock()

    @property
    def switching(self) -> bool:
        return self.pages.currentIndex() == 1

    def show_unlock(self) -> None:
        o = self.officer
        self.who.setText(f"Cán bộ đang làm việc: <b>{o.full_name}</b> ({o.username})<br>"
                         "Nhập mật khẩu để mở khóa; công việc đang làm vẫn được giữ nguyên.")
        self.pages.setCurrentIndex(0)
        self.password.setEnabled(True)
        self.password.clear()
        self.password.setFocus()

    def show_switch(self) -> None:
        self.pages.setCurrentIndex(1)
        self.panel.start()

    # -- keys ----------------------------------------------------------------------------
    def keyPressEvent(self, event):  # noqa: N802 (Qt override)
        if event.key() == Qt.Key.Key_Escape:
            if self.switching:
                self.show_unlock()
            return  # the lock is never cancelled
        super().keyPressEvent(event)

    def reject(self) -> None:
        if self._done:
            super().reject()

    def closeEvent(self, event):  # noqa: N802 (Qt override)
        if not self._done:
            event.ignore()

    # -- unlocking -----------------------------------------------------------------------
    def unlock(self) -> None:
        if not self.password.isEnabled():
            return
        password = self.password.text()
        self.password.setEnabled(False)
        self.worker.run(lambda c: c.unlock(password),
                        lambda officer: self._finish(officer, False), self._unlock_failed)

    def _unlock_failed(self, error: BaseException) -> None:
        if not isValid(self):
            return
        self.password.setEnabled(True)
        self.password.clear()
        self.error.setText(str(error) if isinstance(error, SignInFailed) else describe(error))
        self.error.show()
        self.password.setFocus()

    def _sign_in(self, username: str, password: str) -> None:
        self.panel.setEnabled(False)
        self.worker.run(lambda c: c.sign_in(username, password), self._signed_in,
                        lambda e: self.panel.failed(e) if isValid(self) else None)

    def _signed_in(self, officer: Officer) -> None:
        remember_username(officer.username)
        self._finish(officer, officer.username != self.officer.username)

    def _finish(self, officer: Officer, switched: bool) -> None:
        if not isValid(self):
            return
        self._done = True
        self.accept()
        self.unlocked.emit(officer, switched)


class DeskLock(QObject):
    """Curtains over every window and the lock screen above them; ``unlocked(officer,
    switched)`` once someone signed in again (the curtains go after the handlers ran)."""

    locked_changed = Signal(bool)
    unlocked = Signal(object, bool)

    def __init__(self, worker: DbWorker, hint: str = "", parent: QObject | None = None):
        super().__init__(parent)
        self.worker, self.hint = worker, hint
        self.curtains: list[Curtain] = []
        self.screen: LockScreen | None = None

    @property
    def locked(self) -> bool:
        return self.screen is not None

    def lock(self, officer: Officer, parent: QWidget | None = None) -> None:
        if self.locked:
            return
        while (popup := QApplication.activePopupWidget()) is not None:
            popup.close()  # a menu or a completer list shows names too
        for window in QApplication.topLevelWidgets():
            if window.isVisible() and window.isWindow() and window.windowType() in (
                    Qt.WindowType.Window, Qt.WindowType.Dialog):
                self.curtains.append(Curtain(window))
        self.screen = LockScreen(self.worker, officer, self.hint, parent)
        self.screen.unlocked.connect(self._unlocked)
        self.screen.show()  # application-modal, above a dossier window's own exec()
        self.screen.activateWindow()
        self.screen.password.setFocus()
        self.worker.run(lambda c: c.lock(), None, lambda _e: None)  # audited by the core
        self.locked_changed.emit(True)

    def show_switch(self) -> None:
        if self.screen is not None:
            self.screen.show_switch()

    def covered(self, window: QWidget) -> bool:
        """The window is under a curtain (for the tests and the support check)."""
        return any(c.window_ is window and c.covers() for c in self.curtains if isValid(c))

    def _unlocked(self, officer: Officer, switched: bool) -> None:
        screen, self.screen = self.screen, None
        self.unlocked.emit(officer, switched)
        for curtain in self.curtains:
            curtain.lift()
        self.curtains = []
        if screen is not None:
            screen.deleteLater()
        self.locked_changed.emit(False)
