"""The commune's setup: asked at first run, editable later (Hệ thống → Thông tin cơ quan).

The receiving officer is no longer typed here: it is the officer signed in."""

from __future__ import annotations

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
)

from counter_app.domain.agency import (
    DEFAULT_SUFFIX,
    MAX_DESKS,
    AgencySettings,
    centre_name_for,
    validate_agency,
)
from counter_app.domain.legal_forms import TT03_IN_FORCE
from counter_app.errors import ValidationError
from ui.common.enter_navigation import EnterMovesFocus

ERROR_STYLE = "border: 2px solid #c62828; background: #fff3f3;"


def _qdate(day) -> QDate:
    return QDate(day.year, day.month, day.day)


class SetupDialog(QDialog):
    def __init__(self, current: AgencySettings | None, parent=None):
        super().__init__(parent)
        self.setWindowTitle("Thông tin cơ quan tiếp nhận")
        self.result_settings: AgencySettings | None = None
        self.fields = {
            "agency_code": QLineEdit(placeholderText="vd: H56.245 (hoặc dạng cũ 000.17.22.H56)"),
            "agency_name": QLineEdit(placeholderText="vd: UBND xã Quảng Phú"),
            "parent_body": QLineEdit(placeholderText="vd: UBND tỉnh Thanh Hóa"),
            "place_name": QLineEdit(placeholderText="Địa danh ghi ở dòng ngày tháng, vd: Quảng Phú"),
            "address": QLineEdit(),
            "hotline": QLineEdit(placeholderText="Số đường dây nóng in trên giấy hẹn"),
            "centre_name": QLineEdit(),
            "number_suffix": QLineEdit(placeholderText=DEFAULT_SUFFIX),
        }
        self.desk = QSpinBox(minimum=1, maximum=MAX_DESKS)
        self.family = QComboBox()
        self.family.addItem("Theo ngày tiếp nhận: mẫu Thông tư 03/2025 từ ngày áp dụng", "auto")
        self.family.addItem("Giữ cách đánh số cũ (mẫu Thông tư 01/2018)", "tt01-2018")
        self.forms_from = QDateEdit(displayFormat="dd/MM/yyyy", calendarPopup=True)
        self.forms_from.setDate(_qdate(TT03_IN_FORCE))
        labels = {
            "agency_code": "&Mã định danh cơ quan:", "agency_name": "&Tên cơ quan (UBND xã):",
            "parent_body": "Cơ quan &cấp trên:", "place_name": "Đị&a danh:",
            "address": "Địa c&hỉ:", "hotline": "Đường dây &nóng:",
            "centre_name": "&Trung tâm PVHCC:", "number_suffix": "&Ký hiệu số phiếu:",
        }
        intro = QLabel("Các thông tin này được in trên Giấy tiếp nhận hồ sơ và hẹn trả kết quả. "
                       "Mỗi quầy trong cùng một xã phải có số quầy khác nhau để mã hồ sơ "
                       "không bị trùng khi làm việc không có mạng. Hồ sơ đã tiếp nhận luôn in "
                       "lại theo bộ mẫu lúc tiếp nhận.")
        intro.setWordWrap(True)
        self.errors = QLabel()
        self.errors.setStyleSheet("color: #b71c1c; font-weight: bold;")
        self.errors.setWordWrap(True)
        self.errors.hide()
        form = QFormLayout()
        enter = EnterMovesFocus(self)
        for key, widget in self.fields.items():
            label = QLabel(labels[key])
            label.setBuddy(widget)
            form.addRow(label, widget)
            widget.installEventFilter(enter)
            if key == "agency_name":
                desk_label = QLabel("&Số quầy:")
                desk_label.setBuddy(self.desk)
                form.addRow(desk_label, self.desk)
        for text, widget in (("&Bộ biểu mẫu:", self.family),
                             ("Áp dụng mẫu mớ&i từ:", self.forms_from)):
            label = QLabel(text)
            label.setBuddy(widget)
            form.addRow(label, widget)
        self.fields["agency_name"].textChanged.connect(self._centre_hint)
        self._centre_hint()
        buttons = QDialogButtonBox()
        self.save_button = buttons.addButton("Lưu", QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton("Hủy", QDialogButtonBox.ButtonRole.RejectRole)
        self.save_button.setDefault(True)
        buttons.accepted.connect(self.try_accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.errors)
        layout.addLayout(form)
        layout.addWidget(buttons)
        if current is not None:
            for key, widget in self.fields.items():
                widget.setText(getattr(current, key))
            self.desk.setValue(current.desk_number)
            self.family.setCurrentIndex(max(0, self.family.findData(current.form_family)))
            self.forms_from.setDate(_qdate(current.forms_2025_start))
        self.resize(600, 0)

    def _centre_hint(self) -> None:
        """Left empty, the centre is named after the commune's UBND."""
        derived = centre_name_for(self.fields["agency_name"].text())
        self.fields["centre_name"].setPlaceholderText(f"Để trống: {derived}")

    def values(self) -> dict:
        d = self.forms_from.date()
        return {**{k: w.text() for k, w in self.fields.items()}, "desk_number": self.desk.value(),
                "form_family": self.family.currentData(),
                "forms_2025_from": f"{d.year():04d}-{d.month():02d}-{d.day():02d}"}

    def try_accept(self) -> None:
        for widget in self.fields.values():
            widget.setStyleSheet("")
        try:
            self.result_settings = validate_agency(self.values())
        except ValidationError as exc:
            for key, message in exc.errors.items():
                widget = self.fields.get(key)
                if widget is not None:
                    widget.setStyleSheet(ERROR_STYLE)
                    widget.setToolTip(message)
            self.errors.setText("\n".join(exc.errors.values()))
            self.errors.show()
            first = next((self.fields[k] for k in exc.errors if k in self.fields), None)
            if first is not None:
                first.setFocus()
            return
        self.accept()
