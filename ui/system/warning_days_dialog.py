"""Hệ thống › Cảnh báo trước hạn: how many working days ahead a dossier is flagged."""

from __future__ import annotations

from PySide6.QtWidgets import QSpinBox

from ui.common.number_setting_dialog import NumberSettingDialog


class WarningDaysDialog(NumberSettingDialog):
    def __init__(self, days: int, parent=None):
        spin = QSpinBox(minimum=0, maximum=30, value=days, suffix=" ngày làm việc")
        super().__init__(
            "Cảnh báo trước hạn", "Cảnh báo &trước:",
            "Hồ sơ có hạn trả kết quả trong số ngày làm việc này được tô màu cam và đưa vào "
            "danh sách “Sắp đến hạn”. 0: chỉ cảnh báo hồ sơ đến hạn trong hôm nay.",
            spin, parent)
        self.days = spin

    def value(self) -> int:
        return self.days.value()
