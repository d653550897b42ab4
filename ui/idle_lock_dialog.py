"""Hệ thống › Tự khóa màn hình: minutes without keyboard or mouse before the screen locks
at this desk (0 = never). Kept in the desk's settings."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QSpinBox,
    QVBoxLayout,
)

from ui.desk_settings import MAX_IDLE_MINUTES


class IdleLockDialog(QDialog):
    def __init__(self, seconds: int, parent=None):
        super().__init__(parent)
        self.setWindowTitle("Tự khóa màn hình")
        minutes = 0 if seconds <= 0 else max(1, round(seconds / 60))
        self.minutes = QSpinBox(minimum=0, maximum=MAX_IDLE_MINUTES, value=minutes,
                                suffix=" phút")
        self.minutes.setSpecialValueText("Không tự khóa")
        explanation = QLabel(
            "Khi không có thao tác bàn phím, chuột trong thời gian này, màn hình tự khóa để "
            "người khác không xem được hồ sơ; công việc đang làm được giữ nguyên. "
            "0: không tự khóa (vẫn khóa được bằng Ctrl+L).")
        explanation.setWordWrap(True)
        buttons = QDialogButtonBox()
        self.save_button = buttons.addButton("Lưu", QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton("Hủy", QDialogButtonBox.ButtonRole.RejectRole)
        self.save_button.setDefault(True)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form = QFormLayout()
        label = QLabel("Tự khóa &sau:")
        label.setBuddy(self.minutes)
        form.addRow(label, self.minutes)
        layout = QVBoxLayout(self)
        layout.addWidget(explanation)
        layout.addLayout(form)
        layout.addWidget(buttons)
        self.resize(440, 0)
        self.minutes.setFocus()
        self.minutes.selectAll()

    def seconds(self) -> int:
        return self.minutes.value() * 60
