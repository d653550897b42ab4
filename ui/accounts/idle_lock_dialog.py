"""Hệ thống › Tự khóa màn hình: minutes without keyboard or mouse before the screen locks
at this desk (0 = never). Kept in the desk's settings."""

from __future__ import annotations

from PySide6.QtWidgets import QSpinBox

from ui.common.desk_settings import MAX_IDLE_MINUTES
from ui.common.number_setting_dialog import NumberSettingDialog


class IdleLockDialog(NumberSettingDialog):
    def __init__(self, seconds: int, parent=None):
        minutes = 0 if seconds <= 0 else max(1, round(seconds / 60))
        spin = QSpinBox(minimum=0, maximum=MAX_IDLE_MINUTES, value=minutes,
                                suffix=" phút")
        spin.setSpecialValueText("Không tự khóa")
        super().__init__(
            "Tự khóa màn hình", "Tự khóa &sau:",
            "Khi không có thao tác bàn phím, chuột trong thời gian này, màn hình tự khóa để "
            "người khác không xem được hồ sơ; công việc đang làm được giữ nguyên. "
            "0: không tự khóa (vẫn khóa được bằng Ctrl+L).", spin, parent)
        self.minutes = spin

    def seconds(self) -> int:
        return self.minutes.value() * 60
