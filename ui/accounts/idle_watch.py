"""Watches the officer's keyboard and mouse across the whole program (every window and
dialog): ``idle`` after the configured time without input, and the lock keys, which must
work even over a modal dialog (a window shortcut would not reach there).

Ctrl+L: lock the screen (``lock_pressed``). Ctrl+Shift+L: switch officer
(``switch_pressed``).
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QApplication

INPUT = frozenset({QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress,
                   QEvent.Type.MouseButtonDblClick, QEvent.Type.MouseMove, QEvent.Type.Wheel,
                   QEvent.Type.TouchBegin, QEvent.Type.InputMethod})
MODIFIERS = (Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
             | Qt.KeyboardModifier.AltModifier | Qt.KeyboardModifier.MetaModifier)
CTRL = Qt.KeyboardModifier.ControlModifier
CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
LOCK_KEY_TEXT = "Ctrl+L"
SWITCH_KEY_TEXT = "Ctrl+Shift+L"


class IdleWatch(QObject):
    idle = Signal()
    lock_pressed = Signal()
    switch_pressed = Signal()

    def __init__(self, seconds: int, parent: QObject | None = None):
        super().__init__(parent)
        self.seconds = 0
        self.paused = False
        self.timer = QTimer(self, singleShot=True)
        self.timer.timeout.connect(self.idle)
        self.set_seconds(seconds)

    def install(self) -> None:
        QApplication.instance().installEventFilter(self)

    def uninstall(self) -> None:
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)
        self.timer.stop()

    def set_seconds(self, seconds: float) -> None:
        """0: never lock by itself."""
        self.seconds = max(0.0, float(seconds))
        self.restart()

    def pause(self) -> None:
        """While the screen is locked: no second lock."""
        self.paused = True
        self.timer.stop()

    def resume(self) -> None:
        self.paused = False
        self.restart()

    def restart(self) -> None:
        if self.seconds > 0 and not self.paused:
            self.timer.start(int(self.seconds * 1000))
        else:
            self.timer.stop()

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt override)
        kind = event.type()
        if kind not in INPUT:
            return False
        self.restart()
        if kind == QEvent.Type.KeyPress and event.key() == Qt.Key.Key_L:
            mods = event.modifiers() & MODIFIERS
            if mods == CTRL:
                self.lock_pressed.emit()
                return True
            if mods == CTRL_SHIFT:
                self.switch_pressed.emit()
                return True
        return False
