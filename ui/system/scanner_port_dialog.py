"""Hệ thống › Máy quét: which serial (virtual COM) port the 2D scanner is on, or none (the
scanner types as a keyboard). Kept on this computer (desk_settings)."""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QDialog, QDialogButtonBox, QLabel, QVBoxLayout

from ui.common.serial_scanner import available_ports

KEYBOARD = ""


class ScannerPortDialog(QDialog):
    def __init__(self, current: str, parent=None):
        super().__init__(parent)
        self.setWindowTitle("Máy quét mã vạch, mã QR")
        intro = QLabel(
            "Máy quét 2D có hai chế độ. Ở chế độ bàn phím, máy quét gõ mã vào ô đang chọn; "
            "chữ tiếng Việt trên mã QR của thẻ căn cước có thể bị sai. Ở chế độ cổng COM ảo "
            "(USB CDC), chương trình đọc trực tiếp từ cổng và giữ đúng chữ tiếng Việt: chuyển "
            "máy quét sang chế độ này theo hướng dẫn của máy, rồi chọn cổng dưới đây.",
            wordWrap=True)
        self.ports = QComboBox()
        self.ports.addItem("Không dùng cổng COM (máy quét ở chế độ bàn phím)", KEYBOARD)
        for name, description in available_ports():
            self.ports.addItem(f"{name} – {description}" if description else name, name)
        if current and self.ports.findData(current) < 0:
            self.ports.addItem(f"{current} (không thấy cổng này)", current)
        self.ports.setCurrentIndex(max(0, self.ports.findData(current)))
        buttons = QDialogButtonBox()
        buttons.addButton("Lưu", QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton("Hủy", QDialogButtonBox.ButtonRole.RejectRole)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(QLabel("&Cổng của máy quét:", buddy=self.ports))
        layout.addWidget(self.ports)
        layout.addWidget(buttons)
        self.resize(520, 0)

    def port(self) -> str:
        return str(self.ports.currentData() or "")
