"""Enter moves to the next field, as officers expect from paper-form software.

Not when a completer popup is open (Enter then picks the item), and not in buttons.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QAbstractButton, QComboBox, QLineEdit, QWidget


class EnterMovesFocus(QObject):
    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt override)
        if event.type() != QEvent.Type.KeyPress:
            return False
        if event.key() not in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            return False
        if event.modifiers() & (Qt.KeyboardModifier.ControlModifier
                                | Qt.KeyboardModifier.AltModifier):
            return False
        if isinstance(obj, QAbstractButton):
            return False
        if isinstance(obj, QLineEdit) and obj.completer() and obj.completer().popup().isVisible():
            return False
        if isinstance(obj, QComboBox) and obj.view().isVisible():
            return False
        if isinstance(obj, QWidget):
            obj.focusNextChild()
            return True
        return False
