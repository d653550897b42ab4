"""Hệ thống › Cảnh báo trước hạn: how many working days ahead a dossier is flagged."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QSpinBox,
    QVBoxLayout,
)


class WarningDaysDialog(QDialog):
    def __init__(self, days: int, parent=None):
        super().__init__(parent)
        self.setWindowTitle("Cảnh báo trước hạn")
        self.days = QSpinBox(minimum=0, maximum=30, value=days, suffix=" ngày làm việc")
        explanation = QLabel(
            "Hồ sơ có hạn trả kết quả trong số ngày làm việc này được tô màu cam và đưa vào "
            "danh sách “Sắp đến hạn”. 0: chỉ cảnh báo hồ sơ đến hạn trong hôm nay.")
        explanation.setWordWrap(True)
        buttons = QDialogButtonBox()
        self.save_button = buttons.addButton("Lưu", QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton("Hủy", QDialogButtonBox.ButtonRole.RejectRole)
        self.save_button.setDefault(True)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form = QFormLayout()
        label = QLabel("Cảnh báo &trước:")
        label.setBuddy(self.days)
        form.addRow(label, self.days)
        layout = QVBoxLayout(self)
        layout.addWidget(explanation)
        layout.addLayout(form)
        layout.addWidget(buttons)
        self.resize(420, 0)
        self.days.setFocus()
        self.days.selectAll()

    def value(self) -> int:
        return self.days.value()
