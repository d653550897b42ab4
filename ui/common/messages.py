"""Showing errors to the officer, in Vietnamese."""

from __future__ import annotations

import logging

from PySide6.QtWidgets import QMessageBox, QWidget

from counter_app.errors import CounterError, ImportRejected, ValidationError
from counter_app.log_privacy import exception_outline

log = logging.getLogger(__name__)


def describe(error: BaseException) -> str:
    if isinstance(error, ValidationError):
        return "\n".join(error.errors.values())
    if isinstance(error, ImportRejected):
        lines = [f"• Dòng {n}: {reason}" for n, reason in error.rows[:30]]
        more = len(error.rows) - 30
        if more > 0:
            lines.append(f"… và {more} dòng khác.")
        return "Không nhập được danh mục; chưa có thủ tục nào được nhập.\n" + "\n".join(lines)
    if isinstance(error, CounterError):
        return str(error)
    if isinstance(error, OSError):
        return f"Lỗi đọc/ghi tệp: {error.strerror or error}"
    log.error("unexpected error: %s", exception_outline(error))
    return ("Đã xảy ra lỗi không mong muốn. Dữ liệu đã lưu không bị ảnh hưởng.\n"
            f"Chi tiết kỹ thuật: {type(error).__name__}: {error}")


def show_error(parent: QWidget | None, error: BaseException, title: str = "Lỗi") -> None:
    box = QMessageBox(QMessageBox.Icon.Warning, title, describe(error), parent=parent)
    box.addButton("Đóng", QMessageBox.ButtonRole.AcceptRole)
    box.exec()


def ask(parent: QWidget | None, title: str, text: str) -> bool:
    box = QMessageBox(QMessageBox.Icon.Question, title, text, parent=parent)
    yes = box.addButton("Đồng ý", QMessageBox.ButtonRole.YesRole)
    box.addButton("Hủy", QMessageBox.ButtonRole.NoRole)
    box.setDefaultButton(yes)
    box.exec()
    return box.clickedButton() is yes
