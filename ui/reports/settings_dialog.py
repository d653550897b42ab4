"""Hệ thống › Cài đặt báo cáo (the administrator): the unit the reports go to, the optional
data cut-off day, and who signs them. Saved by the core (``save_report_settings``), whose
Vietnamese field errors show under the fields.

The cut-off (a period from the 15th of the previous month to the 14th) is what docs/law.md
§5.1 remembers of NĐ 09/2019 [Nhớ], not a confirmed rule: it is off unless the commune turns
it on, and the dialog says it must be checked against the regulations in force.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from counter_app.reports.heading import DEFAULT_HEAD_TITLE, ReportSettings
from counter_app.reports.periods import parse_period
from ui.accounts.officer_form import AccountForm

DEFAULT_CUTOFF = 15
HINT_STYLE = "color: #757575;"


class ReportSettingsDialog(AccountForm):
    def __init__(self, runner, current: ReportSettings, example_month: dt.date,
                 parent: QWidget | None = None):
        super().__init__(runner, "Cài đặt báo cáo",
                         "Các thông tin này được in trên Biểu II.06a khi xuất ra Excel, PDF.",
                         parent)
        self.example_month = example_month
        self.receiving_unit = self.add("receiving_unit", "Đơn vị &nhận báo cáo:", QLineEdit(
            current.receiving_unit, placeholderText="vd: Văn phòng UBND tỉnh"))
        cutoff = QWidget()
        self.cutoff_on = QCheckBox("&Chốt số liệu theo ngày")
        self.cutoff_day = QSpinBox(minimum=2, maximum=28, prefix="ngày ")
        self.cutoff_day.setValue(current.cutoff_day or DEFAULT_CUTOFF)
        self.cutoff_on.setChecked(current.cutoff_day is not None)
        self.cutoff_hint = QLabel(wordWrap=True)
        self.cutoff_hint.setStyleSheet(HINT_STYLE)
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.cutoff_on)
        row.addWidget(self.cutoff_day)
        row.addStretch(1)
        column = QVBoxLayout(cutoff)
        column.setContentsMargins(0, 0, 0, 0)
        column.addLayout(row)
        column.addWidget(self.cutoff_hint)
        self.add("cutoff_day", "Ngày chốt &số liệu:", cutoff)
        self.head_title = self.add("head_title", "Chức danh người &ký:", QLineEdit(
            current.head_title or DEFAULT_HEAD_TITLE, placeholderText=DEFAULT_HEAD_TITLE))
        self.head_name = self.add("head_name", "&Họ tên người ký:", QLineEdit(current.head_name))
        self.cutoff_on.toggled.connect(self._cutoff_changed)
        self.cutoff_day.valueChanged.connect(self._cutoff_changed)
        self._cutoff_changed()
        self.finish_fields()
        self.setMinimumWidth(600)

    def cutoff(self) -> int | None:
        return self.cutoff_day.value() if self.cutoff_on.isChecked() else None

    def _cutoff_changed(self, *_args) -> None:
        day = self.cutoff()
        self.cutoff_day.setEnabled(day is not None)
        month = self.example_month
        name = f"{month.year}-{month.month:02d}"
        if day is None:
            example = parse_period(name)
            text = ("Không chốt: kỳ báo cáo theo tháng dương lịch, vd "
                    f"{example.label.lower()} {example.range_text.lower()}.")
        else:
            example = parse_period(name, day)
            text = (f"Kỳ báo cáo tính từ ngày {day} tháng trước đến ngày {day - 1} tháng cuối "
                    f"kỳ, vd {example.label.lower()} {example.range_text.lower()}.")
        self.cutoff_hint.setText(text + " Theo quy định về chế độ báo cáo (cần đối chiếu văn "
                                        "bản hiện hành).")

    def call(self) -> Callable:
        fields = {"receiving_unit": self.receiving_unit.text(), "cutoff_day": self.cutoff(),
                  "head_title": self.head_title.text(), "head_name": self.head_name.text()}
        return lambda c: c.save_report_settings(**fields)
