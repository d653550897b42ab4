"""One dossier: its details, its documents and its event history; reprint the slip."""

from __future__ import annotations

import datetime as dt
from html import escape

from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

from counter_app.domain.procedures import DocForm
from counter_app.domain.reception import Channel, ReturnMethod
from counter_app.store.dossier_store import DossierRow
from counter_app.store.event_log import Event

EVENT_LABELS = {"received": "Tiếp nhận hồ sơ"}


class DossierDialog(QDialog):
    def __init__(self, dossier: DossierRow, events: list[Event], parent=None):
        super().__init__(parent)
        self.dossier = dossier
        self.setWindowTitle(f"Hồ sơ {dossier.code}")
        self.resize(760, 620)
        d = dossier
        rows = [
            ("Mã hồ sơ", d.code), ("Trạng thái", d.status.label),
            ("Thủ tục", f"{d['procedure_code']} – {d['procedure_name']}"),
            ("Người nộp", d["applicant_name"]), ("Số định danh / MST", d["applicant_id_number"]),
            ("Điện thoại", d["applicant_phone"]), ("Địa chỉ", d["applicant_address"]),
            ("Tiếp nhận", f"{d.received_at:%H:%M %d/%m/%Y}"),
            ("Hẹn trả", f"{d.due_at:%H:%M %d/%m/%Y}" + (
                f" (thay cho {dt.datetime.fromisoformat(d['computed_due_at']):%H:%M %d/%m/%Y}:"
                f" {d['due_change_reason']})" if d["due_change_reason"] else "")),
            ("Số lượng", f"{d['sets']} bộ"), ("Hình thức nộp", Channel(d["channel"]).label),
            ("Nhận kết quả", ReturnMethod(d["return_method"]).label
             + (f": {d['return_address']}" if d["return_address"] else "")),
            ("Sổ theo dõi", f"Quyển {d['register_book']}, số {d['register_no']}"),
            ("Cán bộ tiếp nhận", d["officer"]),
        ]
        html = "<table cellspacing=4>" + "".join(
            f"<tr><td><b>{escape(k)}:</b></td><td>{escape(str(v))}</td></tr>" for k, v in rows
        ) + "</table>"
        details = QLabel(html)
        details.setWordWrap(True)
        docs = [f"{'☑' if x.get('received', True) else '☐'} {x['name']} "
                f"({DocForm(x['form']).label}, {x['count']})" for x in d.documents]
        documents = QLabel("<b>Thành phần hồ sơ:</b><br>" + "<br>".join(escape(s) for s in docs))
        documents.setWordWrap(True)

        self.history = QTableWidget(len(events), 4)
        self.history.setHorizontalHeaderLabels(["#", "Thời điểm", "Việc", "Cán bộ"])
        self.history.verticalHeader().setVisible(False)
        self.history.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        for i, e in enumerate(events):
            at = dt.datetime.fromisoformat(e.at)
            for col, value in enumerate((str(e.desk_seq), f"{at:%H:%M:%S %d/%m/%Y}",
                                         EVENT_LABELS.get(e.kind, e.kind), e.officer)):
                self.history.setItem(i, col, QTableWidgetItem(value))

        self.preview_button = QPushButton("&Xem trước giấy hẹn")
        self.print_button = QPushButton("&In lại giấy hẹn")
        close = QPushButton("Đóng")
        close.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addWidget(self.preview_button)
        buttons.addWidget(self.print_button)
        buttons.addStretch(1)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(details)
        layout.addWidget(documents)
        layout.addWidget(QLabel("<b>Lịch sử xử lý:</b>"))
        layout.addWidget(self.history, 1)
        layout.addLayout(buttons)
