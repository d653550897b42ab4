"""Hệ thống → Xung đột đồng bộ… (leader): what two desks did differently to one dossier.

The server decides by the order things reached it (never by a clock): a step the dossier's
state no longer allowed, or a second dossier with a code already used, is kept but not
applied, and becomes a conflict. Here the leader sees each one, both sides side by side
(what this or the other desk did; the dossier as the server kept it, with the steps that
made it so), settles it with the people concerned, and marks it settled with a note. The
note goes to the server at the next sync, so every desk of the commune learns it.
"""

from __future__ import annotations

import html
import json

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDialog,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from counter_app.domain.statuses import Status
from counter_app.errors import ValidationError
from ui.common.messages import describe, show_error
from ui.common.tasks import DbWorker
from ui.dossier.texts import event_label, moment, summary

COLUMNS = ["Mã hồ sơ", "Loại xung đột", "Thời điểm", "Tình trạng"]
KIND_LABELS = {
    "step_not_allowed": "Hai quầy xử lý khác nhau",
    "duplicate_code": "Trùng mã hồ sơ",
}
KIND_HINTS = {
    "step_not_allowed": "Một bước xử lý đến máy chủ sau khi hồ sơ đã đổi trạng thái do quầy "
                        "khác làm trước, nên không được ghi nhận.",
    "duplicate_code": "Hai hồ sơ khác nhau mang cùng một mã; hồ sơ đến sau không được tạo "
                      "trên máy chủ.",
}
NOTE_REQUIRED = "Hãy ghi cách đã xử lý (ví dụ: đã gọi cho công dân, đã thống nhất với quầy 2)."


def kind_label(kind: str) -> str:
    return KIND_LABELS.get(kind, kind)


# -- on the worker -----------------------------------------------------------------------
def load_conflicts(counter, include_resolved: bool) -> dict:
    """The conflicts (newest first), this desk's id and the officers' names."""
    return {"conflicts": [_as_dict(c) for c in counter.conflicts(include_resolved)],
            "desk_id": counter.desk_id, "names": counter.printed_names()}


def resolve_conflict(counter, conflict_id: str, note: str) -> None:
    counter.resolve_conflict(conflict_id, note)


def _as_dict(conflict) -> dict:
    data = conflict if isinstance(conflict, dict) else dict(conflict.__dict__)
    detail = data.get("detail")
    if isinstance(detail, str):
        try:
            detail = json.loads(detail)
        except ValueError:
            detail = {}
    return {**data, "detail": detail if isinstance(detail, dict) else {}}


# -- what the leader reads -------------------------------------------------------------
def _payload(event: dict) -> dict:
    payload = event.get("payload") or {}
    if isinstance(payload, str):
        try:
            payload = json.loads(payload)
        except ValueError:
            payload = {}
    return payload if isinstance(payload, dict) else {}


def _first(detail: dict, *keys: str):
    for key in keys:
        if detail.get(key):
            return detail[key]
    return None


def sides(detail: dict) -> tuple[dict | None, dict | None, list[dict]]:
    """(the event that was not applied, the dossier as the server kept it, the events that
    made it so)."""
    event = _first(detail, "event", "lost_event", "losing_event", "incoming")
    dossier = _first(detail, "dossier", "server_dossier", "kept", "current")
    made_by = _first(detail, "events", "history", "winning_events", "dossier_events") or []
    return event, dossier, [e for e in made_by if isinstance(e, dict)]


def _who(event: dict, desk_id: str, names: dict[str, str]) -> str:
    officer = event.get("officer", "")
    name = names.get(officer, "")
    person = f"{name} ({officer})" if name else officer
    desk = "quầy này" if event.get("desk_id") == desk_id else "quầy khác"
    return f"{person}, {desk}" if person else desk


def event_html(event: dict, desk_id: str, names: dict[str, str]) -> str:
    kind = event.get("kind", "")
    text = summary(kind, _payload(event)) if kind else ""
    return (f"<b>{html.escape(event_label(kind, _payload(event)))}</b><br>"
            f"{html.escape(moment(event.get('at')))} · {html.escape(_who(event, desk_id, names))}"
            + (f"<br><i>{html.escape(text)}</i>" if text else ""))


def _status_label(value) -> str:
    try:
        return Status(int(value)).label
    except (TypeError, ValueError):
        return str(value or "")


def dossier_html(dossier: dict | None, made_by: list[dict], desk_id: str,
                 names: dict[str, str]) -> str:
    if not dossier and not made_by:
        return "<i>Máy chủ không gửi kèm trạng thái hồ sơ.</i>"
    parts = []
    if dossier:
        parts.append(f"Mã hồ sơ: <b>{html.escape(str(dossier.get('code', '')))}</b>")
        if dossier.get("applicant_name"):
            parts.append(f"Người nộp: {html.escape(str(dossier['applicant_name']))}")
        if dossier.get("status") is not None:
            parts.append(f"Trạng thái: <b>{html.escape(_status_label(dossier['status']))}</b>")
        if dossier.get("due_at"):
            parts.append(f"Hẹn trả: {html.escape(moment(dossier['due_at']))}")
    if made_by:
        parts.append("<br><u>Các bước đã ghi nhận:</u>")
        parts += [event_html(e, desk_id, names) for e in made_by]
    return "<br>".join(parts)


def side_title(event: dict | None, desk_id: str) -> str:
    if event is None:
        return "Việc không được ghi nhận"
    mine = event.get("desk_id") == desk_id
    return ("Quầy này đã làm (không được ghi nhận)" if mine
            else "Quầy khác đã làm (không được ghi nhận)")


class ConflictsDialog(QDialog):
    def __init__(self, worker: DbWorker, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Xung đột đồng bộ")
        self.resize(980, 640)
        self.worker = worker
        self.items: list[dict] = []
        self.desk_id, self.names = "", {}
        self.resolved_count = 0  # resolutions made in this dialog (the window refreshes)
        self.show_resolved = QCheckBox("Hiện cả xung đột đã xử lý")
        self.show_resolved.toggled.connect(self.load)
        self.summary = QLabel(objectName="conflicts_summary")
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().hide()
        self.table.itemSelectionChanged.connect(self._selection_changed)
        self.hint = QLabel(objectName="conflict_hint", wordWrap=True)
        self.hint.setStyleSheet("color: #555555;")
        self.ours_box, self.ours = self._pane("Việc không được ghi nhận", "conflict_ours")
        self.kept_box, self.kept = self._pane("Máy chủ đã giữ", "conflict_kept")
        self.note = QPlainTextEdit(objectName="resolution_note")
        self.note.setPlaceholderText("Ghi chú cách xử lý (bắt buộc)")
        self.note.setFixedHeight(64)
        self.note_error = QLabel(objectName="note_error", wordWrap=True)
        self.note_error.setStyleSheet("color: #b71c1c;")
        self.note_error.hide()
        self.note.textChanged.connect(self.note_error.hide)
        self.resolution = QLabel(objectName="resolution", wordWrap=True)
        self.resolution.setStyleSheet("color: #1b5e20;")
        self.resolve_button = QPushButton("Đánh &dấu đã xử lý")
        self.resolve_button.clicked.connect(self.resolve_selected)
        close = QPushButton("Đóng")
        close.clicked.connect(self.reject)

        top = QHBoxLayout()
        top.addWidget(self.summary, 1)
        top.addWidget(self.show_resolved)
        panes = QHBoxLayout()
        panes.addWidget(self.ours_box, 1)
        panes.addWidget(self.kept_box, 1)
        detail = QWidget()
        detail_layout = QVBoxLayout(detail)
        detail_layout.setContentsMargins(0, 0, 0, 0)
        detail_layout.addWidget(self.hint)
        detail_layout.addLayout(panes, 1)
        detail_layout.addWidget(self.resolution)
        detail_layout.addWidget(self.note)
        detail_layout.addWidget(self.note_error)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.table)
        split.addWidget(detail)
        split.setSizes([220, 380])
        buttons = QHBoxLayout()
        buttons.addWidget(self.resolve_button)
        buttons.addStretch(1)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(split, 1)
        layout.addLayout(buttons)
        self.load()

    @staticmethod
    def _pane(title: str, name: str) -> tuple[QGroupBox, QTextBrowser]:
        """A side of the conflict: read-only, wrapped, scrolled when the history is long."""
        box = QGroupBox(title)
        text = QTextBrowser(objectName=name)
        text.setOpenLinks(False)
        text.setFrameShape(QTextBrowser.Shape.NoFrame)
        QVBoxLayout(box).addWidget(text)
        return box, text

    # -- the list ----------------------------------------------------------------------
    def load(self) -> None:
        include = self.show_resolved.isChecked()
        self.worker.run(lambda c: load_conflicts(c, include), self._show,
                        lambda e: show_error(self, e))

    def _show(self, data: dict) -> None:
        selected = self.selected()
        keep = selected["id"] if selected else None
        self.items, self.desk_id, self.names = data["conflicts"], data["desk_id"], data["names"]
        self.table.setRowCount(len(self.items))
        for row, c in enumerate(self.items):
            settled = bool(c.get("resolved_at"))
            cells = [c.get("code") or "", kind_label(c.get("kind", "")),
                     moment(c.get("created_at")), "Đã xử lý" if settled else "Chưa xử lý"]
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if not settled and col == 3:
                    item.setForeground(Qt.GlobalColor.darkRed)
                self.table.setItem(row, col, item)
        waiting = sum(1 for c in self.items if not c.get("resolved_at"))
        self.summary.setText(f"{waiting} xung đột cần xử lý." if waiting
                             else "Không có xung đột nào cần xử lý.")
        rows = [i for i, c in enumerate(self.items) if c["id"] == keep] or ([0] if self.items
                                                                            else [])
        if rows:
            self.table.selectRow(rows[0])
        self._selection_changed()

    def selected(self) -> dict | None:
        rows = self.table.selectionModel().selectedRows()
        return self.items[rows[0].row()] if rows and rows[0].row() < len(self.items) else None

    def _selection_changed(self) -> None:
        c = self.selected()
        self.note_error.hide()
        if c is None:
            for widget in (self.ours, self.kept):
                widget.clear()
            for label in (self.hint, self.resolution):
                label.setText("")
            self.ours_box.setTitle("Việc không được ghi nhận")
            self.resolve_button.setEnabled(False)
            self.note.setEnabled(False)
            return
        event, dossier, made_by = sides(c["detail"])
        self.hint.setText(KIND_HINTS.get(c.get("kind", ""), ""))
        self.ours_box.setTitle(side_title(event, self.desk_id))
        self.ours.setHtml(event_html(event, self.desk_id, self.names) if event
                          else "<i>Máy chủ không gửi kèm chi tiết.</i>")
        self.kept.setHtml(dossier_html(dossier, made_by, self.desk_id, self.names))
        settled = bool(c.get("resolved_at"))
        if settled:
            who = c.get("resolved_by", "")
            who = f"{self.names.get(who, who)}" if who else ""
            self.resolution.setText(f"Đã xử lý lúc {moment(c.get('resolved_at'))}"
                                    + (f" bởi {who}" if who else "")
                                    + f": {c.get('resolution', '')}")
        else:
            self.resolution.setText("")
        self.resolution.setVisible(settled)
        self.note.setVisible(not settled)
        self.note.setEnabled(not settled)
        self.resolve_button.setEnabled(not settled)

    # -- settling one ----------------------------------------------------------------------
    def resolve_selected(self) -> None:
        c = self.selected()
        if c is None or c.get("resolved_at"):
            return
        note = self.note.toPlainText().strip()
        if not note:
            self.note_error.setText(NOTE_REQUIRED)
            self.note_error.show()
            self.note.setFocus()
            return
        conflict_id = c["id"]
        self.resolve_button.setEnabled(False)
        self.worker.run(lambda w: resolve_conflict(w, conflict_id, note), self._resolved,
                        self._failed)

    def _resolved(self, _=None) -> None:
        self.resolved_count += 1
        self.note.clear()
        self.load()

    def _failed(self, error: BaseException) -> None:
        self.resolve_button.setEnabled(True)
        if isinstance(error, ValidationError):  # an empty or too long note, or settled meanwhile
            self.note_error.setText(describe(error))
            self.note_error.show()
            return
        show_error(self, error, "Chưa đánh dấu được")

