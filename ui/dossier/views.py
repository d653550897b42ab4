"""The read-only parts of the dossier window: the details panel and the two tables."""

from __future__ import annotations

import datetime as dt
from html import escape

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

from counter_app.domain.handover_log import Transfer
from counter_app.domain.lifecycle import ACTIVE, REFUSED_OUTCOME, Progress
from counter_app.domain.procedures import DocForm
from counter_app.domain.reception import ReturnMethod
from counter_app.domain.statuses import Status
from counter_app.store.dossier_store import DossierRow
from counter_app.store.event_log import Event
from ui.dossier.texts import (
    DEADLINE_LABELS,
    event_label,
    moment,
    rating_label,
    summary,
    working_time,
)
from ui.dossier.transfer_texts import agency, forward_line, paper_line

FLAG_COLOURS = {"overdue": "#c62828", "warning": "#e65100"}
LEFT = (("code", "Mã hồ sơ"), ("procedure", "Thủ tục"), ("receiving", "Nơi tiếp nhận"),
        ("competent", "Cơ quan giải quyết"), ("applicant", "Người nộp"),
        ("id_number", "Số định danh"), ("phone", "Điện thoại"), ("address", "Địa chỉ"),
        ("return_method", "Nhận kết quả"), ("register", "Sổ theo dõi"),
        ("officer", "Cán bộ tiếp nhận"))
RIGHT = (("status", "Trạng thái"), ("received", "Tiếp nhận"), ("due", "Hẹn trả"),
         ("forward", "Chuyển điện tử"), ("paper", "Hồ sơ giấy"),
         ("holder", "Đang giữ hồ sơ"), ("supplement", "Bổ sung hồ sơ"),
         ("apology", "Xin lỗi, hẹn lại"), ("verdict", "Kết quả xử lý"),
         ("returned", "Trả kết quả"), ("rating", "Đánh giá"), ("closed", "Lý do kết thúc"))


class DetailsPanel(QWidget):
    """Two columns of label: value; ``values[name]`` is the value label of a row."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.values: dict[str, QLabel] = {}
        self._forms: dict[str, QFormLayout] = {}
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        for rows, stretch in ((LEFT, 3), (RIGHT, 2)):
            form = QFormLayout()
            form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
            form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
            for name, caption in rows:
                value = QLabel(wordWrap=True, textInteractionFlags=Qt.TextInteractionFlag
                               .TextSelectableByMouse)
                form.addRow(QLabel(f"<b>{caption}:</b>"), value)
                self.values[name] = value
                self._forms[name] = form
            row.addLayout(form, stretch)

    def _set(self, name: str, text: str, style: str = "") -> None:
        label = self.values[name]
        label.setText(text)
        label.setStyleSheet(style)
        self._forms[name].setRowVisible(label, bool(text))

    def show_dossier(self, d: DossierRow, flag: str = "", names: dict[str, str] | None = None,
                     now: dt.datetime | None = None) -> None:
        """``names``: agency code -> name (for a dossier received for another body);
        ``now``: to mark the forwarding late."""
        p: Progress = d.progress
        self._show_transfer(d, names or {}, now)
        method = ReturnMethod(d["return_method"]).label + (
            f": {d['return_address']}" if d["return_address"] else "")
        for name, text in (
                ("code", d.code), ("procedure", f"{d['procedure_code']} – {d['procedure_name']}"),
                ("applicant", d["applicant_name"]), ("id_number", d["applicant_id_number"]),
                ("phone", d["applicant_phone"]), ("address", d["applicant_address"]),
                ("return_method", method),
                ("register", f"Quyển {d['register_book']}, số {d['register_no']}"),
                ("officer", d["officer"]), ("received", moment(d.received_at))):
            self._set(name, text)
        outcome = " – văn bản không giải quyết" if p.outcome == REFUSED_OUTCOME else ""
        self._set("status", f"{p.status.label} ({int(p.status)}){outcome}",
                  "font-weight: bold; color: #0d47a1;")
        due = moment(p.due_at)
        if d["due_change_reason"]:
            due += f" (hẹn muộn hơn quy định: {d['due_change_reason']})"
        if flag:
            due += f" – {DEADLINE_LABELS[flag]}"
        self._set("due", due, f"font-weight: bold; color: {FLAG_COLOURS[flag]};" if flag else "")
        holder = ""
        if p.status in ACTIVE or p.status is Status.FINISHED:
            holder = p.holder + (f" – {p.holder_person}" if p.holder_person else "")
            if p.step_due_at:
                holder += f" (hạn xử lý {moment(p.step_due_at)})"
        self._set("holder", holder)
        supplement = ""
        if p.supplement_rounds:
            supplement = (f"{p.supplement_rounds} lần; đã chờ {working_time(p.waited_minutes)}"
                          " làm việc")
            if p.status is Status.WAITING_SUPPLEMENT and p.paused_at:
                supplement += f"; đang chờ từ {moment(p.paused_at)}"
        self._set("supplement", supplement)
        apology = ""
        if p.apologized:
            again = f", hẹn lại {moment(p.extended_due_at)}" if p.extended_due_at else ""
            apology = (f"Đã xin lỗi{again} (chỉ được một lần; trả sau hạn trên giấy hẹn vẫn "
                       "tính là trễ hạn)")
        self._set("apology", apology)
        self._set("verdict", f"{p.verdict.label} – xong lúc {moment(p.finished_at)}"
                  if p.verdict else "")
        returned = p.status is Status.RETURNED
        self._set("returned", moment(p.returned_at) if returned else "")
        self._set("rating", rating_label(p.rating) if returned else "")
        self._set("closed", p.closed_reason if p.status in (
            Status.REFUSED, Status.WITHDRAWN, Status.STOPPED) else "")

    def _show_transfer(self, d: DossierRow, names: dict[str, str],
                       now: dt.datetime | None) -> None:
        transfer = d.is_transfer
        self._set("receiving", agency(d.receiving_agency, names) if transfer else "")
        self._set("competent", agency(d.competent_agency, names) if transfer else "",
                  "font-weight: bold;")
        for name, line in (("forward", forward_line), ("paper", paper_line)):
            text, late = line(d, now or d.received_at) if transfer else ("", False)
            self._set(name, text + (" – quá hạn" if late else ""),
                      f"font-weight: bold; color: {FLAG_COLOURS['overdue']};" if late else "")

    @staticmethod
    def documents_html(d: DossierRow) -> str:
        docs = [f"{'☑' if x.get('received', True) else '☐'} {escape(x['name'])} "
                f"({DocForm(x['form']).label}, {x['count']})" for x in d.documents]
        return f"<b>Số lượng: {d['sets']} bộ</b><br>" + "<br>".join(docs)


def table(headers: list[str], widths: list[int]) -> QTableWidget:
    table = QTableWidget(0, len(headers))
    table.setHorizontalHeaderLabels(headers)
    table.verticalHeader().setVisible(False)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setWordWrap(True)
    table.setAlternatingRowColors(True)
    header = table.horizontalHeader()
    for col, width in enumerate(widths):
        if width:
            table.setColumnWidth(col, width)
        else:
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.Stretch)
    return table


def fill_table(table: QTableWidget, rows: list[tuple[str, ...]]) -> None:
    table.setRowCount(len(rows))
    for i, values in enumerate(rows):
        for col, value in enumerate(values):
            item = QTableWidgetItem(value)
            item.setToolTip(value)
            table.setItem(i, col, item)
    table.resizeRowsToContents()


def history_table() -> QTableWidget:
    return table(["Thời điểm", "Cán bộ", "Việc", "Nội dung"], [130, 150, 250, 0])


def set_history(table: QTableWidget, events: list[Event]) -> None:
    fill_table(table, [(moment(e.at), e.officer, event_label(e.kind, e.payload), summary(e.kind, e.payload))
                  for e in events])


def transfers_table() -> QTableWidget:
    return table(["Thời điểm", "Bên giao", "Bên nhận", "Hạn xử lý", "Kết quả", "Ghi chú"],
                  [130, 250, 250, 130, 90, 0])


def _party(unit: str, person: str) -> str:
    return f"{unit}\n{person}" if person else unit


def set_transfers(table: QTableWidget, rows: list[Transfer]) -> None:
    fill_table(table, [(moment(t.at), _party(t.from_unit, t.giver), _party(t.to_unit, t.receiver),
                   moment(t.step_due), t.verdict.label if t.verdict else "", t.note)
                  for t in rows])
