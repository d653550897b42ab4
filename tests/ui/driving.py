"""Driving the program as an officer does: typed characters (Vietnamese too) and scripts of
steps that run from the event loop, so they can work inside modal dialogs (whose exec()
runs its own loop)."""

from __future__ import annotations

import time

from PySide6.QtCore import QEvent, Qt, QTimer
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QDialog

NO = Qt.KeyboardModifier.NoModifier


def type_text(widget, text):
    """Key events carrying each character, as a Vietnamese input method delivers them
    (QTest.keyClicks asserts on non-ASCII characters)."""
    for ch in text:
        for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            QApplication.sendEvent(widget, QKeyEvent(kind, 0, NO, ch))


class Script:
    """Steps (name, condition, action) run one after another from the event loop, each when
    its condition holds."""

    def __init__(self, steps, limit: float = 20):
        self.steps, self.done, self.log = list(steps), False, []
        self.started, self.limit = time.monotonic(), limit
        QTimer.singleShot(0, self._poll)

    def _poll(self):
        if self.done:
            return
        if time.monotonic() - self.started > self.limit:  # never hang the suite in a modal
            self.log.append("timeout waiting for: " + self.steps[0][0])
            for _ in range(10):  # close whatever is still open, innermost first (done():
                modal = QApplication.activeModalWidget()  # even the lock screen closes)
                if isinstance(modal, QDialog):
                    modal.done(0)
                elif modal is not None:
                    modal.close()
            self.done = True
            return
        name, condition, action = self.steps[0]
        if not condition():
            QTimer.singleShot(20, self._poll)
            return
        self.log.append(name)
        self.steps.pop(0)
        if self.steps:  # polled on while an action opens a dialog with exec()
            QTimer.singleShot(20, self._poll)
        action()
        if not self.steps:
            self.done = True


def run(qtbot, steps, limit: float = 20):
    """Run a script to its end (failing on a step whose condition never came true)."""
    script = Script(steps, limit)
    qtbot.waitUntil(lambda: script.done, timeout=int(limit * 1000) + 10_000)
    assert not any(entry.startswith("timeout") for entry in script.log), script.log
    return script


def start(steps, limit: float = 20) -> Script:
    """Start a script that will drive the modal dialogs a call about to block opens."""
    return Script(steps, limit)


def finished(script: Script) -> None:
    assert script.done and not any(e.startswith("timeout") for e in script.log), script.log
