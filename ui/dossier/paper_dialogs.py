"""The two step forms of the paper dossier of a dossier received for another body
(docs/law.md §14): the receiving counter sends it (how, and a note: the postal reference or
who carried it), the competent body records that it arrived."""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QLabel, QLineEdit

from counter_app.domain.forwarding import PAPER_MEANS_LABELS, PaperMeans
from counter_app.domain.lifecycle import Step
from ui.dossier.step_fields import StepDialog
from ui.dossier.texts import moment


def _note(placeholder: str) -> QLineEdit:
    edit = QLineEdit(placeholderText=placeholder)
    edit.setMinimumWidth(360)
    return edit


def _info(dialog: StepDialog, text: str) -> None:
    label = QLabel(text, wordWrap=True)
    label.setStyleSheet("color: #0d47a1;")
    dialog.fields.addRow(label)


class SendPaperDialog(StepDialog):
    step = Step.SEND_PAPER

    def build(self) -> None:
        d = self.dossier
        body = d.data.get("competent_name") or d.competent_agency
        due = d.data.get("paper_due_at")
        _info(self, f"Gửi hồ sơ giấy đến {body}" + (f"; hạn gửi {moment(due)}." if due else "."))
        self.by = QComboBox()
        for value, label in PAPER_MEANS_LABELS.items():
            self.by.addItem(label, value.value)
        self.by.setCurrentIndex(self.by.findData(PaperMeans.POST.value))
        self.add("by", "&Cách gửi:", self.by)
        self.note = self.add("note", "&Ghi chú:",
                             _note("Số vận đơn, người mang hồ sơ (không bắt buộc)"))

    def values(self) -> dict:
        return {"by": self.by.currentData(), "note": self.note.text()}


class ReceivePaperDialog(StepDialog):
    step = Step.RECEIVE_PAPER

    def build(self) -> None:
        d = self.dossier
        _info(self, f"Hồ sơ giấy do {d.receiving_agency} tiếp nhận lúc "
                    f"{moment(d.received_at)} đã đến nơi.")
        self.note = self.add("note", "&Ghi chú:", _note("vd: Bưu điện giao (không bắt buộc)"))

    def values(self) -> dict:
        return {"note": self.note.text()}
