"""A small dialog for one whole-number setting: an explanation, a spin box, Lưu / Hủy."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QSpinBox,
    QVBoxLayout,
)


class NumberSettingDialog(QDialog):
    def __init__(self, title: str, label: str, explanation: str, spin: QSpinBox, parent=None):
        super().__init__(parent)
        self.setWindowTitle(title)
        self.spin = spin
        text = QLabel(explanation)
        text.setWordWrap(True)
        buttons = QDialogButtonBox()
        self.save_button = buttons.addButton("Lưu", QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton("Hủy", QDialogButtonBox.ButtonRole.RejectRole)
        self.save_button.setDefault(True)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form = QFormLayout()
        caption = QLabel(label)
        caption.setBuddy(spin)
        form.addRow(caption, spin)
        layout = QVBoxLayout(self)
        layout.addWidget(text)
        layout.addLayout(form)
        layout.addWidget(buttons)
        self.resize(440, 0)
        spin.setFocus()
        spin.selectAll()
