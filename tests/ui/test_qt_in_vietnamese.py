"""Qt's own texts, as an officer meets them, are in Vietnamese: the edit context menus, the
buttons of dialogs and message boxes, a spin box's menu, the date picker's months, and the
print and file dialogs Qt draws itself (Windows shows its own, in its own language)."""

from __future__ import annotations

import re

from PySide6.QtCore import QDate
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import (
    QAbstractButton,
    QCalendarWidget,
    QDialogButtonBox,
    QFileDialog,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
)

#: Words of Qt's English texts that would show untranslated.
ENGLISH = re.compile(r"\b(Undo|Redo|Cut|Copy|Paste|Delete|Select All|OK|Cancel|Yes|No|Save|"
                     r"Close|Apply|Discard|Open|Print|Step up|Step down|Look in|File name|"
                     r"January|Monday|Copies|Options)\b")


def _texts(actions) -> list[str]:
    return [a.text().replace("&", "").split("\t")[0] for a in actions if a.text()]


def _english(texts) -> list[str]:
    return [t for t in texts if ENGLISH.search(t)]


def test_context_menus(qtbot):
    for widget in (QLineEdit(), QPlainTextEdit()):
        qtbot.addWidget(widget)
        texts = _texts(widget.createStandardContextMenu().actions())
        assert "Sao chép" in texts and "Dán" in texts, texts
        assert _english(texts) == []


def test_dialog_and_message_box_buttons(qtbot):
    box = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                           | QDialogButtonBox.StandardButton.Cancel
                           | QDialogButtonBox.StandardButton.Yes
                           | QDialogButtonBox.StandardButton.No
                           | QDialogButtonBox.StandardButton.Save
                           | QDialogButtonBox.StandardButton.Close)
    qtbot.addWidget(box)
    texts = [b.text().replace("&", "") for b in box.buttons()]
    assert set(texts) == {"Đồng ý", "Hủy", "Có", "Không", "Lưu", "Đóng"}
    message = QMessageBox(QMessageBox.Icon.Question, "Hồ sơ mới", "Bỏ thông tin?",
                          QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No)
    qtbot.addWidget(message)
    assert _english(b.text().replace("&", "") for b in message.buttons()) == []


def test_the_date_picker(qtbot):
    calendar = QCalendarWidget()
    qtbot.addWidget(calendar)
    calendar.setSelectedDate(QDate(2026, 1, 5))
    assert calendar.locale().monthName(1).lower().startswith("tháng")
    assert calendar.locale().dayName(1).lower().startswith("thứ")


def test_the_print_and_file_dialogs_qt_draws(qtbot):
    printer = QPrinter()
    dialog = QPrintDialog(printer)
    qtbot.addWidget(dialog)
    shown = [w.text() for w in dialog.findChildren(QAbstractButton) + dialog.findChildren(QLabel)
             if w.isVisibleTo(dialog) and w.text()]
    assert dialog.windowTitle() == "In"
    assert _english(t.replace("&", "") for t in shown) == [], shown
    files = QFileDialog(None, "Lưu sổ theo dõi hồ sơ")
    files.setOption(QFileDialog.Option.DontUseNativeDialog)
    qtbot.addWidget(files)
    labels = [w.text().replace("&", "") for w in files.findChildren(QLabel) if w.text()]
    assert "Tìm trong:" in labels and _english(labels) == [], labels
