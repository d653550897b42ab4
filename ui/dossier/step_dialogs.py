"""One small keyboard-first form per step of the status machine (field names as in
``counter_app.domain.step_requests``). ``step_dialog(step, ...)`` makes the right one."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QDate, QStringListModel, QTime
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QCompleter,
    QDateEdit,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QRadioButton,
    QTimeEdit,
    QWidget,
)

from counter_app.domain.legal_forms import FormKind
from counter_app.domain.lifecycle import Step
from counter_app.domain.step_requests import METHOD_LABELS, RECIPIENT_LABELS, Rating
from counter_app.domain.text import fold, matches
from ui.common.tasks import DbWorker
from ui.dossier.paper_dialogs import ReceivePaperDialog, SendPaperDialog
from ui.dossier.step_fields import (
    FormContext,
    StepDialog,
    UnitCombo,
    datetime_edit,
    edit_value,
    lines_edit,
)
from ui.dossier.texts import moment, working_time

BIG_RADIOS = ("QRadioButton[big='true'] { font-size: 15px; padding: 4px 12px; }"
              "QRadioButton[big='true']::indicator { width: 18px; height: 18px; }")
NO_RATING = ""


def _line(placeholder: str = "", text: str = "") -> QLineEdit:
    edit = QLineEdit(text, placeholderText=placeholder)
    edit.setMinimumWidth(360)
    return edit


def _info(dialog: StepDialog, text: str) -> QLabel:
    label = QLabel(text, wordWrap=True)
    label.setStyleSheet("color: #0d47a1;")
    dialog.fields.addRow(label)
    return label


def _radios(options: dict[str, str], checked: str) -> tuple[QFrame, QButtonGroup,
                                                          dict[str, QRadioButton]]:
    frame = QFrame()
    row = QHBoxLayout(frame)
    row.setContentsMargins(0, 0, 0, 0)
    group = QButtonGroup(frame)
    buttons = {}
    for value, text in options.items():
        button = QRadioButton(text)
        button.setProperty("big", True)
        button.setChecked(value == checked)
        group.addButton(button)
        row.addWidget(button)
        buttons[value] = button
    row.addStretch(1)
    return frame, group, buttons


def _offer_people(edit: QLineEdit, people: list[str]) -> None:
    """The processing officers with an account, found by any words of their name with or
    without diacritics; any other name can still be typed."""
    model = QStringListModel(edit)  # parented: a parentless one is garbage collected
    completer = QCompleter(model, edit)
    completer.setCompletionMode(QCompleter.CompletionMode.UnfilteredPopupCompletion)
    edit.setCompleter(completer)
    edit.setPlaceholderText("Gõ vài chữ để chọn cán bộ xử lý, hoặc gõ họ tên người nhận")
    folded = [(name, fold(name)) for name in people]

    def refilter(text: str) -> None:
        shown = [name for name, f in folded
                 if text.strip() and matches(text, f) and name != text]
        model.setStringList(shown)
        if shown:
            completer.complete()
        else:
            completer.popup().hide()

    edit.textEdited.connect(refilter)
    # (QLineEdit connects this itself only once it has had the focus)
    completer.activated[str].connect(edit.setText)


def _checked(buttons: dict[str, QRadioButton]) -> str:
    return next((value for value, b in buttons.items() if b.isChecked()), "")


class HandoverDialog(StepDialog):
    step = Step.HANDOVER

    def build(self) -> None:
        now, cal = self.ctx.now(), self.ctx.calendar
        due = self.dossier.due_at
        if due <= now:  # an overdue dossier: the next closing time, not a moment past
            due = cal.closing(cal.next_working_day(now.date()))
        _info(self, f"Hồ sơ đang ở: {self.dossier['holder']}")
        self.to_unit = self.add("to_unit", "&Nơi nhận:", UnitCombo(self.ctx.units))
        self.to_person = self.add("to_person", "Người nhận (&tên):",
                                  _line("Họ tên công chức nhận (không bắt buộc)"))
        if self.ctx.people:
            _offer_people(self.to_person, self.ctx.people)
        self.step_due_at = self.add("step_due_at", "&Hạn xử lý:", datetime_edit(due),
                                    hint="Mặc định là ngày hẹn trả kết quả của hồ sơ.")
        self.note = self.add("note", "&Ghi chú:", _line("(không bắt buộc)"))

    def values(self) -> dict:
        return {"to_unit": self.to_unit.currentText(), "to_person": self.to_person.text(),
                "step_due_at": edit_value(self.step_due_at), "note": self.note.text()}


class RequestSupplementDialog(StepDialog):
    step = Step.REQUEST_SUPPLEMENT
    form = FormKind.SUPPLEMENT

    def build(self) -> None:
        self.items = self.add("items", "&Cần bổ sung:",
                              lines_edit("Mỗi giấy tờ, nội dung cần bổ sung một dòng"),
                              hint="Enter: xuống dòng; Tab: sang ô tiếp theo.")
        self.reason = self.add("reason", "&Lý do:", _line("Vì sao hồ sơ chưa đủ"))
        self.contact = self.add("contact", "Người liên &hệ:", _line(text=self.ctx.officer))
        self.contact_phone = self.add("contact_phone", "Điện &thoại liên hệ:",
                                      _line(text=self.ctx.hotline))

    def values(self) -> dict:
        return {"items": self.items.toPlainText(), "reason": self.reason.text(),
                "contact": self.contact.text(), "contact_phone": self.contact_phone.text()}


class ResumeDialog(StepDialog):
    step = Step.RESUME

    def build(self) -> None:
        paused = self.dossier["paused_at"]
        _info(self, f"Chờ bổ sung từ {moment(paused)}; hạn trả hiện tại "
                    f"{moment(self.dossier.due_at)}. Khi lưu, hạn trả được lùi thêm đúng số "
                    "giờ làm việc hồ sơ đã chờ.")
        self.note = self.add("note", "&Ghi chú:", _line("vd: đã nhận đủ giấy tờ bổ sung"))

    def values(self) -> dict:
        return {"note": self.note.text()}

    def after_saved(self, row) -> None:
        """Stay open to show the new appointment; Enter closes."""
        waited = row["waited_minutes"] - self.dossier["waited_minutes"]
        self.result_label.setText(
            f"Đã nhận bổ sung. Thời gian chờ: {working_time(waited)} làm việc.\n"
            f"Hẹn trả mới: {moment(row.due_at)} (trước: {moment(self.dossier.due_at)}).")
        self.result_label.show()
        self.note.setEnabled(False)
        self.cancel_button.hide()
        self.save_button.setText("Đóng (Enter)")
        self.save_button.setFocus()


class RequestPaymentDialog(StepDialog):
    step = Step.REQUEST_PAYMENT

    def build(self) -> None:
        self.amount = self.add("amount_vnd", "&Số tiền (đồng):", _line("vd: 50000"))
        self.note = self.add("note", "&Nội dung:", _line("Phí, lệ phí, thuế phải nộp"))

    def values(self) -> dict:
        return {"amount_vnd": self.amount.text(), "note": self.note.text()}


class PaymentReceivedDialog(StepDialog):
    step = Step.PAYMENT_RECEIVED

    def build(self) -> None:
        self.receipt = self.add("receipt_no", "Số &biên lai:", _line())

    def values(self) -> dict:
        return {"receipt_no": self.receipt.text()}


class ReasonDialog(StepDialog):
    """Withdraw, stop: one reason (required except for a withdrawal)."""
    caption = "&Lý do:"
    default = ""

    def build(self) -> None:
        self.reason = self.add("reason", self.caption, lines_edit("Ghi rõ lý do", 70))
        self.reason.setPlainText(self.default)

    def values(self) -> dict:
        return {"reason": self.reason.toPlainText()}


class RefuseOnMeritsDialog(StepDialog):
    """The competent body's written refusal: its number, date, signer and reason. It is the
    dossier's result (status 9), returned to the citizen like any other."""
    step = Step.REFUSE_ON_MERITS

    def build(self) -> None:
        _info(self, "Ghi văn bản trả lời, quyết định không giải quyết của cơ quan có thẩm quyền. "
                    "Văn bản này là kết quả của hồ sơ, được trả cho người dân như các kết quả "
                    "khác; hồ sơ được tính trước, đúng hay quá hạn theo ngày hẹn trên phiếu.")
        self.decision_no = self.add("decision_no", "&Số văn bản:", _line("vd: 15/TB-UBND"))
        today = self.ctx.now().date()
        self.decided_at = QDateEdit(QDate(today.year, today.month, today.day),
                                    displayFormat="dd/MM/yyyy", calendarPopup=True)
        self.add("decided_at", "&Ngày ban hành:", self.decided_at)
        self.decided_by = self.add("decided_by", "&Cơ quan, người ký:",
                                   _line("vd: Chủ tịch UBND xã"))
        self.reason = self.add("reason", "&Lý do không giải quyết:",
                               lines_edit("Ghi rõ lý do như trong văn bản", 70))

    def values(self) -> dict:
        d = self.decided_at.date()
        return {"decision_no": self.decision_no.text(),
                "decided_at": dt.date(d.year(), d.month(), d.day()),
                "decided_by": self.decided_by.text(), "reason": self.reason.toPlainText()}


class WithdrawDialog(ReasonDialog):
    step, default = Step.WITHDRAW, "Theo đề nghị của người nộp hồ sơ"


class StopDialog(ReasonDialog):
    """At the citizen's request, before a decision (NĐ 118/2025 Đ21); the 2025 family
    prints the Mẫu 05 notice."""
    step, form = Step.STOP, FormKind.STOP
    caption = "&Lý do người nộp đề nghị dừng:"

    def build(self) -> None:
        _info(self, "Chỉ dừng giải quyết khi người nộp hồ sơ đề nghị và hồ sơ chưa có quyết "
                    "định giải quyết.")
        super().build()
        self.requested_by = self.add("requested_by", "&Người đề nghị:",
                                     _line(text=self.dossier["applicant_name"]))

    def values(self) -> dict:
        return {**super().values(), "requested_by": self.requested_by.text()}


class ApologizeDialog(StepDialog):
    step = Step.APOLOGIZE
    form = FormKind.APOLOGY

    def build(self) -> None:
        due, cal = self.dossier.due_at, self.ctx.calendar
        _info(self, f"Hạn trả hiện tại: {moment(due)}. Mỗi hồ sơ chỉ được xin lỗi và hẹn lại "
                    "một lần.")
        self.reason = self.add("reason", "&Lý do chậm trả:", lines_edit("Ghi rõ lý do", 70))
        proposed = cal.next_working_day(max(due.date(), self.ctx.now().date()))
        self.new_date = QDateEdit(QDate(proposed.year, proposed.month, proposed.day),
                                  displayFormat="dd/MM/yyyy", calendarPopup=True)
        self.new_time = QTimeEdit(QTime(due.hour, due.minute), displayFormat="HH:mm")
        box = QWidget()
        row = QHBoxLayout(box)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.new_date)
        row.addWidget(QLabel("lúc"))
        row.addWidget(self.new_time)
        row.addStretch(1)
        self.add("new_due_at", "&Hẹn trả mới:", box, self.new_date, self.new_time,
                 hint="Mặc định: ngày làm việc tiếp theo.")

    def values(self) -> dict:
        d, t = self.new_date.date(), self.new_time.time()
        return {"reason": self.reason.toPlainText(),
                "new_due_at": dt.datetime(d.year(), d.month(), d.day(), t.hour(), t.minute())}


class FinishDialog(StepDialog):
    step = Step.FINISH

    def build(self) -> None:
        self.result = self.add("result", "&Kết quả giải quyết:",
                               _line("vd: Đã cấp Giấy chứng nhận kết hôn"))
        self._opened_at = self.ctx.now().replace(second=0, microsecond=0)
        self.finished_at = self.add("finished_at", "&Thời điểm xong:",
                                    datetime_edit(self._opened_at),
                                    hint="Để nguyên nếu vừa xử lý xong.")
        _info(self, f"Đang giữ hồ sơ: {self.dossier['holder']}. Hạn trả: "
                    f"{moment(self.dossier.due_at)}.")

    def values(self) -> dict:
        chosen = edit_value(self.finished_at)
        # Untouched: the core takes the moment of saving, not when the form opened.
        return {"result": self.result.text(),
                "finished_at": "" if chosen == self._opened_at else chosen}


class ReturnDialog(StepDialog):
    step = Step.RETURN

    def build(self) -> None:
        self.setStyleSheet(BIG_RADIOS)
        d = self.dossier
        kinds = {"applicant": f"{RECIPIENT_LABELS['applicant']} ({d['applicant_name']})",
                 "authorised": RECIPIENT_LABELS["authorised"]}
        frame, _, self.recipient = _radios(kinds, "applicant")
        self.add("recipient_kind", "Người &nhận:", frame, *self.recipient.values())
        self.recipient_name = self.add("recipient_name", "Họ tên người được ủ&y quyền:",
                                       _line())
        self.recipient_id = self.add("recipient_id_number", "Số &giấy tờ (CCCD):", _line())
        self.authorisation = self.add("authorisation", "Giấy ủy q&uyền:",
                                      _line("Số, ngày của giấy ủy quyền (không bắt buộc)"))
        self.method = QComboBox()
        for value, label in METHOD_LABELS.items():
            self.method.addItem(label, value)
        self.method.setCurrentIndex(max(0, self.method.findData(d["return_method"])))
        self.add("method", "Hình thức t&rả:", self.method)
        self.postal_ref = self.add("postal_ref", "&Mã bưu gửi:", _line())
        self.fee = self.add("fee_vnd", "&Phí, lệ phí đã thu:", _line("Số đồng, vd: 8000"))
        self.fee_receipt = self.add("fee_receipt_no", "Số &biên lai thu phí:",
                                    _line("Bắt buộc khi có thu phí, lệ phí"))
        ratings = {**{r.value: r.label for r in Rating}, NO_RATING: "Không đánh giá"}
        frame, _, self.rating = _radios(ratings, NO_RATING)
        self.add("rating", "Đánh giá của người &dân:", frame, *self.rating.values(),
                 hint="Phím mũi tên để chọn; Alt+1 … Alt+4.")
        for i, button in enumerate(self.rating.values(), start=1):
            QShortcut(QKeySequence(f"Alt+{i}"), self, button.click)
        self.comment = self.add("comment", "Ý &kiến:", _line("(không bắt buộc)"))
        for b in self.recipient.values():
            b.toggled.connect(self._recipient_changed)
        self.method.currentIndexChanged.connect(self._method_changed)
        self._recipient_changed()
        self._method_changed()

    def _recipient_changed(self) -> None:
        authorised = self.recipient["authorised"].isChecked()
        for w in (self.recipient_name, self.recipient_id, self.authorisation):
            w.setEnabled(authorised)

    def _method_changed(self) -> None:
        self.postal_ref.setEnabled(self.method.currentData() == "post")

    def values(self) -> dict:
        kind = _checked(self.recipient) or "applicant"
        out = {"recipient_kind": kind, "method": self.method.currentData(),
               "postal_ref": self.postal_ref.text() if self.postal_ref.isEnabled() else "",
               "fee_vnd": self.fee.text(), "fee_receipt_no": self.fee_receipt.text(),
               "rating": _checked(self.rating), "comment": self.comment.text()}
        if kind == "authorised":
            out.update(recipient_name=self.recipient_name.text(),
                       recipient_id_number=self.recipient_id.text(),
                       authorisation=self.authorisation.text())
        return out


STEP_DIALOGS: dict[Step, type[StepDialog]] = {cls.step: cls for cls in (
    HandoverDialog, RequestSupplementDialog, ResumeDialog, RequestPaymentDialog,
    PaymentReceivedDialog, RefuseOnMeritsDialog, WithdrawDialog, StopDialog, ApologizeDialog,
    FinishDialog, ReturnDialog, SendPaperDialog, ReceivePaperDialog)}


def step_dialog(step: Step, worker: DbWorker, ctx: FormContext,
                parent: QWidget | None = None) -> StepDialog:
    return STEP_DIALOGS[Step(step)](worker, ctx, parent)
