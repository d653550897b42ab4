"""Hệ thống › Hạn xin lỗi: how many working days before the slip's deadline an apology
(Mẫu 04) must be made at the latest (docs/law.md §15: at least one)."""

from __future__ import annotations

from PySide6.QtWidgets import QSpinBox

from ui.common.number_setting_dialog import NumberSettingDialog


class ApologyDaysDialog(NumberSettingDialog):
    def __init__(self, days: int, parent=None):
        spin = QSpinBox(minimum=1, maximum=10, value=days, suffix=" ngày làm việc")
        super().__init__(
            "Hạn xin lỗi và đề nghị gia hạn", "Xin lỗi chậm &nhất trước hạn:",
            "Văn bản xin lỗi và đề nghị gia hạn (Mẫu 04) phải làm trước hạn trả trên giấy hẹn "
            "ít nhất số ngày làm việc này (quy định: ít nhất 1 ngày). Sau mốc đó chương trình "
            "không cho xin lỗi nữa; hồ sơ trả sau hạn vẫn tính là trễ hạn.",
            spin, parent)
        self.days = spin

    def value(self) -> int:
        return self.days.value()
