"""A USB barcode scanner is a keyboard: it types the dossier code, then Enter, into whatever
has focus. This application-wide filter notices it and emits ``code_scanned(code)``; the ID
card's QR typed the same way emits ``card_scanned(text)``.

It watches the printable keystrokes since the last Enter, focus change or pause. When Enter
comes and they end with a dossier code, the Enter is consumed, the field the keystrokes went
into is put back as it was before the code (a half-filled form stays intact) and the code is
emitted. A code typed by hand works the same way: no timing is needed to recognise one, the
pause only starts a fresh buffer. Ordinary typing and Enter pass through untouched.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QTextCursor
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QDateTimeEdit,
    QDoubleSpinBox,
    QLineEdit,
    QPlainTextEdit,
    QSpinBox,
    QTextEdit,
    QWidget,
)

from counter_app.domain import card_qr
from counter_app.domain.dossier_code import looks_like_code

#: Dossier codes differ in length: "H55.242-261120-1001" (an agency code re-issued after the
#: 2025 mergers) up to longer agency codes and sequences (docs/law.md §17).
MIN_CODE_LENGTH = len("H55.24-261120-1001")
MAX_CODE_LENGTH = 40
PAUSE_SECONDS = 1.5
#: What is kept of the keystrokes: enough for an ID card's QR (about 150-250 characters).
BUFFER = card_qr.MAX_LENGTH
_CARD_START = re.compile(r"\d{12}\|[^|]{0,20}\|[^|]+\|\d{8}\|")
#: A widget with this property set keeps the scanned code as text (e.g. the search box).
KEEP_TEXT_PROPERTY = "scannerKeepsText"
_MODIFIER_KEYS = {Qt.Key.Key_Shift, Qt.Key.Key_Control, Qt.Key.Key_Alt, Qt.Key.Key_Meta,
                  Qt.Key.Key_AltGr, Qt.Key.Key_CapsLock, Qt.Key.Key_NumLock}
_ENTER_KEYS = {Qt.Key.Key_Return, Qt.Key.Key_Enter}

Restore = Callable[[], None]


def _text_edit_restorer(edit: QPlainTextEdit | QTextEdit) -> Restore:
    before = edit.toPlainText()
    position = edit.textCursor().position()

    def restore() -> None:
        after = edit.toPlainText()
        if after == before:
            return
        # Replace only the changed middle part: formatting and undo history survive.
        start = 0
        while start < min(len(before), len(after)) and before[start] == after[start]:
            start += 1
        end_b, end_a = len(before), len(after)
        while end_b > start and end_a > start and before[end_b - 1] == after[end_a - 1]:
            end_b, end_a = end_b - 1, end_a - 1
        cursor = QTextCursor(edit.document())
        cursor.setPosition(start)
        cursor.setPosition(end_a, QTextCursor.MoveMode.KeepAnchor)
        cursor.insertText(before[start:end_b])
        cursor.setPosition(min(position, len(before)))
        edit.setTextCursor(cursor)

    return restore


def restorer(widget: QWidget | None) -> Restore | None:
    """A function that puts ``widget`` back as it is now (None: nothing to put back)."""
    if widget is None or widget.property(KEEP_TEXT_PROPERTY):
        return None
    if isinstance(widget, QComboBox) and widget.isEditable():
        widget = widget.lineEdit()
    if isinstance(widget, QLineEdit):
        text, position = widget.text(), widget.cursorPosition()

        def restore_line() -> None:
            if widget.text() != text:
                widget.setText(text)
            widget.setCursorPosition(position)
        return restore_line
    if isinstance(widget, QPlainTextEdit | QTextEdit):
        return _text_edit_restorer(widget)
    if isinstance(widget, QComboBox):
        index = widget.currentIndex()
        return lambda: widget.setCurrentIndex(index)
    if isinstance(widget, QDateTimeEdit):
        value = widget.dateTime()
        return lambda: widget.setDateTime(value)
    if isinstance(widget, QSpinBox | QDoubleSpinBox):
        number = widget.value()
        return lambda: widget.setValue(number)
    return None


class ScannerFilter(QObject):
    code_scanned = Signal(str)
    #: The ID card's QR typed by a scanner in keyboard mode (docs/law.md §19).
    card_scanned = Signal(str)

    def __init__(self, parent: QObject | None = None, pause: float = PAUSE_SECONDS,
                 clock: Callable[[], float] = time.monotonic):
        super().__init__(parent)
        self.pause = pause
        self.clock = clock
        self._chars: list[str] = []
        self._restores: list[Restore | None] = []  # the field before each character
        self._last = 0.0
        self._installed = False

    # -- life cycle ------------------------------------------------------------------------
    def install(self) -> None:
        app = QApplication.instance()
        if app is not None and not self._installed:
            app.installEventFilter(self)
            app.focusChanged.connect(self.reset)
            self._installed = True

    def uninstall(self) -> None:
        app = QApplication.instance()
        if app is not None and self._installed:
            app.removeEventFilter(self)
            app.focusChanged.disconnect(self.reset)
            self._installed = False

    def reset(self, *_args) -> None:
        self._chars.clear()
        self._restores.clear()

    @property
    def buffer(self) -> str:
        return "".join(self._chars)

    # -- the filter ------------------------------------------------------------------------
    @staticmethod
    def _typed_into(obj: QObject) -> bool:
        """Is ``obj`` where a keystroke is first delivered? The focus widget, or the open
        popup (a completer's list, which hands the keys on to its field), or the window
        when nothing has focus. Not the parents an ignored key travels on to afterwards."""
        focus = QApplication.focusWidget()
        if obj is focus:
            return True
        popup = QApplication.activePopupWidget()
        if popup is not None and obj is (popup.focusWidget() or popup):
            return True
        return focus is None and isinstance(obj, QWidget) and obj.isWindow()

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt override)
        if event.type() != QEvent.Type.KeyPress or not self._typed_into(obj):
            return False
        key = event.key()
        if key in _MODIFIER_KEYS:
            return False
        mods = event.modifiers()
        if mods & (Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier
                   | Qt.KeyboardModifier.MetaModifier):
            self.reset()
            return False
        if key in _ENTER_KEYS:
            return self._enter()
        now = self.clock()
        if self._chars and now - self._last > self.pause:
            self.reset()
        self._last = now
        text = event.text()
        if key == Qt.Key.Key_Backspace and self._chars:
            self._chars.pop()
            self._restores.pop()
            return False
        if len(text) == 1 and text.isprintable():
            self._chars.append(text)
            self._restores.append(restorer(QApplication.focusWidget()))
            if len(self._chars) > BUFFER:
                del self._chars[:MAX_CODE_LENGTH]
                del self._restores[:MAX_CODE_LENGTH]
            return False
        self.reset()  # arrows, Tab, Delete…: whatever follows starts afresh
        return False

    def _scanned_start(self) -> int | None:
        """Where the code at the end of what was typed begins (the longest such ending)."""
        typed = "".join(self._chars)
        first = max(0, len(typed) - MAX_CODE_LENGTH)
        for start in range(first, len(typed) - MIN_CODE_LENGTH + 1):
            if not typed[start].isspace() and looks_like_code(typed[start:]):
                return start
        return None

    def _card_start(self) -> int | None:
        """Where an ID card's QR begins in what was typed (its 12-digit number)."""
        found = _CARD_START.search("".join(self._chars))
        return found.start() if found else None

    def _enter(self) -> bool:
        start = self._scanned_start()
        card = None
        if start is None:
            start = card = self._card_start()
        if start is None:
            self.reset()
            return False  # an ordinary Enter: the field (or the form) handles it
        tail = "".join(self._chars[start:])
        restore = self._restores[start]
        self.reset()
        popup = QApplication.activePopupWidget()
        if popup is not None:
            popup.hide()  # e.g. a completer that the code's characters opened
        if restore is not None:
            restore()
        if card is not None:
            self.card_scanned.emit(tail.strip())
        else:
            self.code_scanned.emit(tail.strip().upper())
        return True
