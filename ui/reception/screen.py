"""The reception screen: receive a citizen's dossier by keyboard alone.

Order of the fields follows the conversation at the counter: ID number first (a returning
citizen's details fill in), then the procedure (its checklist and the appointment appear),
then what was received (Ctrl+G gives the selected document its pages: scans, files, a
camera, or a returning citizen's earlier copy). F9 (or Ctrl+Enter) saves and prints; Ctrl+N
starts a new dossier.
"""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QDate, QDateTime, QTime, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QDateTimeEdit,
    QDialog,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from counter_app.domain import card_qr
from counter_app.domain.procedures import CONFIDENCE_LABELS, Procedure
from counter_app.domain.reception import (
    ApplicantKind,
    Channel,
    ReceptionRequest,
    ReturnMethod,
)
from counter_app.domain.working_calendar import WorkingCalendar
from counter_app.errors import ValidationError
from ui.common.desk_settings import pinned_procedures
from ui.common.enter_navigation import EnterMovesFocus
from ui.common.messages import describe
from ui.common.tasks import DbWorker
from ui.common.vn_format import qt_to_dt
from ui.reception.applicant_filling import ApplicantFilling
from ui.reception.appointment_fields import AppointmentFields
from ui.reception.competent_picker import CompetentPicker
from ui.reception.document_checklist import DocumentChecklist
from ui.reception.document_pages import DocumentPages, store_pages
from ui.reception.field_checks import ERROR_STYLE, FieldChecks
from ui.reception.procedure_picker import FAVOURITES, ProcedurePicker
from ui.reception.proxy_fields import ProxyFields
from ui.reception.refusal_dialog import RefusalDialog


class ReceptionScreen(ApplicantFilling, DocumentPages, AppointmentFields, QWidget):
    saved = Signal(object, bytes, bool)  # dossier, slip PDF, print requested

    def __init__(self, worker: DbWorker, calendar: WorkingCalendar, clock, parent=None):
        super().__init__(parent)
        self.worker = worker
        self.calendar = calendar
        self.clock = clock
        self.procedure: Procedure | None = None
        self._ticks: dict[str, list[bool]] = {}  # per procedure code, for this form
        self._computed_due: dt.datetime | None = None
        self._due_touched = False
        self._saving = False
        self._card: card_qr.CardData | None = None  # the ID card read for this citizen
        self._forget_pages()
        self._build()
        self._enter = EnterMovesFocus(self)
        for w in (self.id_number, self.full_name, self.phone, self.address, self.email,
                  self.kind, self.proxy_name, self.proxy_id, self.proxy_phone,
                  self.proxy_authorisation, self.picker, self.competent.choice, self.sets,
                  self.channel, self.return_method,
                  self.return_address, self.due_edit, self.due_reason):
            w.installEventFilter(self._enter)
        self._tick = QTimer(self, interval=30_000, timeout=self._refresh_due)
        self._tick.start()
        self.reset()

    # -- layout --------------------------------------------------------------------------
    def _build(self) -> None:
        self.errors_label = QLabel(objectName="errors")
        self.errors_label.setStyleSheet("color: #b71c1c; font-weight: bold;")
        self.errors_label.setWordWrap(True)
        self.errors_label.hide()

        self.kind = QComboBox()
        self.kind.addItem("Công dân", ApplicantKind.CITIZEN.value)
        self.kind.addItem("Tổ chức", ApplicantKind.ORGANISATION.value)
        self.id_number = QLineEdit(placeholderText="12 chữ số trên thẻ CCCD")
        self.id_number.setMaxLength(16)
        self.full_name = QLineEdit(placeholderText="Họ và tên đầy đủ, có dấu")
        self.phone = QLineEdit(placeholderText="vd: 0912 345 678")
        self.address = QLineEdit()
        self.email = QLineEdit(placeholderText="(không bắt buộc)")
        self.returning_label = QLabel()
        self.returning_label.setStyleSheet("color: #1b5e20;")
        self.id_number.editingFinished.connect(self._lookup_returning)
        self.kind.currentIndexChanged.connect(self._kind_changed)

        applicant = QGroupBox("Người nộp hồ sơ")
        form = QFormLayout(applicant)
        self.id_label = QLabel("Số định danh (&CCCD):")
        self.id_label.setBuddy(self.id_number)
        form.addRow(self.id_label, self.id_number)
        form.addRow("", self.returning_label)
        form.addRow(self._label("&Họ và tên:", self.full_name), self.full_name)
        form.addRow(self._label("Điện thoạ&i:", self.phone), self.phone)
        form.addRow(self._label("Đị&a chỉ:", self.address), self.address)
        form.addRow(self._label("&Email:", self.email), self.email)
        form.addRow(self._label("&Loại người nộp:", self.kind), self.kind)
        self.proxy = ProxyFields()
        (self.proxy_check, self.proxy_box, self.proxy_name, self.proxy_id, self.proxy_phone,
         self.proxy_authorisation) = (self.proxy.check, self.proxy.box, *self.proxy.fields)
        form.addRow("", self.proxy_check)
        form.addRow("", self.proxy_box)

        self.picker = ProcedurePicker()
        self.picker.chosen.connect(self._procedure_chosen)
        self.picker.set_pinned(pinned_procedures())  # the officer's own Alt+1…9 come first
        self.procedure_info = QLabel()
        self.procedure_info.setWordWrap(True)
        self.competent = CompetentPicker()  # only for a procedure received regardless of
        #                                     boundary: another body may decide it
        self.checklist = DocumentChecklist()
        self.check_all_button = QPushButton("Đã nhận đủ (Ctrl+&D)")
        self.check_all_button.clicked.connect(self.checklist.check_all)
        QShortcut(QKeySequence("Ctrl+D"), self, self.checklist.check_all)
        self.digitise_button = QPushButton("Số hóa giấy tờ… (Ctrl+&G)")
        self.digitise_button.setToolTip("Gắn các trang quét (thư mục quét, tệp, camera) hoặc "
                                        "bản số hóa đã có vào giấy tờ đang chọn.")
        self.digitise_button.clicked.connect(self.digitise_current)
        QShortcut(QKeySequence("Ctrl+G"), self, self.digitise_current)
        self.scan_hint = QLabel(objectName="scan_hint", wordWrap=True)
        self.scan_hint.setStyleSheet("color: #1b5e20; font-weight: bold;")
        self.scan_hint.hide()

        procedure = QGroupBox("Thủ tục và thành phần hồ sơ")
        box = QVBoxLayout(procedure)
        row = QHBoxLayout()
        row.addWidget(self._label("&Thủ tục:", self.picker))
        row.addWidget(self.picker, 1)
        box.addLayout(row)
        self.favourites_label = self.picker.favourites_label
        box.addWidget(self.favourites_label)
        box.addWidget(self.competent)
        box.addWidget(self.procedure_info)
        box.addWidget(self.checklist, 1)
        under = QHBoxLayout()
        under.addWidget(self.check_all_button)
        under.addWidget(self.digitise_button)
        under.addStretch(1)
        box.addLayout(under)
        box.addWidget(self.scan_hint)

        self.sets = QSpinBox(minimum=1, maximum=50, value=1, suffix=" bộ")
        self.channel = QComboBox()
        self.channel.addItem("Trực tiếp", int(Channel.IN_PERSON))
        self.channel.addItem("Qua dịch vụ bưu chính", int(Channel.POST))
        self.return_method = QComboBox()
        self.return_method.addItem("Tại Bộ phận Một cửa", ReturnMethod.COUNTER.value)
        self.return_method.addItem("Qua bưu chính đến địa chỉ", ReturnMethod.POST.value)
        self.return_address = QLineEdit(placeholderText="Địa chỉ nhận kết quả qua bưu chính")
        self.return_method.currentIndexChanged.connect(self._return_changed)

        self.due_label = QLabel(objectName="due", wordWrap=True)
        self.due_label.setStyleSheet("font-size: 15px; font-weight: bold; color: #0d47a1;")
        self.due_edit = QDateTimeEdit(displayFormat="HH:mm dd/MM/yyyy", calendarPopup=True)
        # Empty until a procedure gives the appointment (never "00:00 01/01/2000").
        self.due_edit.setMinimumDateTime(QDateTime(QDate(2000, 1, 1), QTime(0, 0)))
        self.due_edit.setSpecialValueText(" ")
        self.due_edit.dateTimeChanged.connect(self._due_edited)
        self.due_reason = QLineEdit(placeholderText="Bắt buộc khi hẹn muộn hơn quy định")
        self.due_reason.setEnabled(False)

        details = QGroupBox("Tiếp nhận và hẹn trả")
        grid = QGridLayout(details)
        grid.addWidget(self._label("&Số lượng:", self.sets), 0, 0)
        grid.addWidget(self.sets, 0, 1)
        grid.addWidget(self._label("&Nộp:", self.channel), 0, 2)
        grid.addWidget(self.channel, 0, 3)
        grid.addWidget(self._label("Nhận &kết quả:", self.return_method), 1, 0)
        grid.addWidget(self.return_method, 1, 1)
        grid.addWidget(self.return_address, 1, 2, 1, 2)
        grid.addWidget(self.due_label, 2, 0, 1, 4)
        grid.addWidget(self._label("Hẹn t&rả:", self.due_edit), 3, 0)
        grid.addWidget(self.due_edit, 3, 1)
        grid.addWidget(self._label("Lý d&o hẹn muộn:", self.due_reason), 3, 2)
        grid.addWidget(self.due_reason, 3, 3)

        self.save_button = QPushButton("Lưu và in giấy hẹn (F9)")
        self.save_button.setStyleSheet("font-weight: bold; padding: 6px 18px;")
        self.save_button.clicked.connect(lambda: self.save(print_slip=True))
        self.new_button = QPushButton("Hồ sơ mới (Ctrl+N)")
        self.new_button.clicked.connect(self.new_form)
        self.refuse_button = QPushButton("Từ chối tiếp nhận…")
        self.refuse_button.setToolTip("Hồ sơ không đủ điều kiện tiếp nhận: ghi lý do, in "
                                      "Phiếu từ chối tiếp nhận; hồ sơ không được tiếp nhận.")
        self.refuse_button.clicked.connect(self.refuse)
        for key in ("F9", "Ctrl+Return", "Ctrl+Enter"):
            QShortcut(QKeySequence(key), self, lambda: self.save(print_slip=True))
        QShortcut(QKeySequence("Ctrl+N"), self, self.new_form)
        for n in range(1, FAVOURITES + 1):  # pinned, then most used procedures
            QShortcut(QKeySequence(f"Alt+{n}"), self, lambda n=n: self.picker.pick_favourite(n))
        buttons = QHBoxLayout()
        buttons.addWidget(self.refuse_button)
        self.unprinted_label = QLabel(objectName="unprinted", wordWrap=True)
        self.unprinted_label.setStyleSheet("color: #b71c1c; font-weight: bold;")
        self.unprinted_label.hide()
        buttons.addWidget(self.unprinted_label, 1)
        buttons.addStretch(1)
        buttons.addWidget(self.new_button)
        buttons.addWidget(self.save_button)

        columns = QHBoxLayout()
        left = QVBoxLayout()
        left.addWidget(applicant)
        left.addWidget(details)
        left.addStretch(1)
        columns.addLayout(left, 1)
        columns.addWidget(procedure, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.errors_label)
        layout.addLayout(columns, 1)
        layout.addLayout(buttons)

        self.field_widgets = {
            "full_name": self.full_name, "id_number": self.id_number, "phone": self.phone,
            "email": self.email, "address": self.address, "procedure": self.picker,
            "documents": self.checklist, "competent_agency": self.competent.choice,
            "sets": self.sets, "channel": self.channel,
            "return_method": self.return_method, "return_address": self.return_address,
            "due_at": self.due_edit, "due_change_reason": self.due_reason,
            "received_at": self.due_edit, "kind": self.kind,
            "proxy_name": self.proxy_name, "proxy_id_number": self.proxy_id,
            "proxy_phone": self.proxy_phone, "proxy_authorisation": self.proxy_authorisation,
        }
        self.field_checks = FieldChecks(self, {
            "id_number": self.id_number, "full_name": self.full_name, "phone": self.phone,
            "email": self.email, "address": self.address, "proxy_name": self.proxy_name,
            "proxy_id_number": self.proxy_id, "proxy_phone": self.proxy_phone})
        self.setTabOrder(self.id_number, self.full_name)
        for a, b in ((self.full_name, self.phone), (self.phone, self.address),
                     (self.address, self.email), (self.email, self.kind),
                     (self.kind, self.proxy_check), (self.proxy_check, self.proxy_name),
                     (self.proxy_name, self.proxy_id), (self.proxy_id, self.proxy_phone),
                     (self.proxy_phone, self.proxy_authorisation),
                     (self.proxy_authorisation, self.picker), (self.picker, self.competent.choice),
                     (self.competent.choice, self.checklist),
                     (self.checklist, self.check_all_button),
                     (self.check_all_button, self.digitise_button),
                     (self.digitise_button, self.sets),
                     (self.sets, self.channel), (self.channel, self.return_method),
                     (self.return_method, self.return_address),
                     (self.return_address, self.due_edit), (self.due_edit, self.due_reason),
                     (self.due_reason, self.save_button)):
            self.setTabOrder(a, b)

    @staticmethod
    def _label(text: str, buddy: QWidget) -> QLabel:
        label = QLabel(text)
        label.setBuddy(buddy)
        return label

    # -- behaviour -----------------------------------------------------------------------
    def set_procedures(self, procedures: list[Procedure]) -> None:
        self.picker.set_procedures(procedures)

    def set_usage(self, usage: dict[str, int]) -> None:
        """This desk's recent use of each procedure: ranks the picker, makes Alt+1…9."""
        self.picker.set_usage(usage)

    def refresh_usage(self) -> None:
        self.worker.run(lambda c: c.procedure_usage(), self.set_usage)

    def show_unprinted(self, code: str) -> None:
        """Mark the last slip as not printed ("" clears the mark)."""
        self.unprinted_label.setText(f"Giấy hẹn {code} chưa in – Ctrl+P để in lại" if code
                                     else "")
        self.unprinted_label.setVisible(bool(code))

    def has_input(self) -> bool:
        """Has the officer typed or chosen anything for this citizen yet?"""
        return any(w.text().strip() for w in (
            self.id_number, self.full_name, self.phone, self.address, self.email,
            self.proxy_name, self.proxy_id)) or self.procedure is not None

    def new_form(self) -> None:
        """Ctrl+N / Hồ sơ mới: a clean form, after asking when something would be lost."""
        if self.has_input():
            answer = QMessageBox.question(
                self, "Hồ sơ mới", "Bỏ các thông tin đang nhập để tiếp nhận hồ sơ mới?",
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                QMessageBox.StandardButton.No)
            if answer != QMessageBox.StandardButton.Yes:
                return
        self.reset()

    def reset(self) -> None:
        for w in (self.id_number, self.full_name, self.phone, self.address, self.email,
                  self.return_address, self.due_reason):
            w.clear()
        self.proxy.clear()
        self._card = None
        self.kind.setCurrentIndex(0)
        self.channel.setCurrentIndex(0)
        self.return_method.setCurrentIndex(0)
        self.sets.setValue(1)
        self.picker.select(None)
        self.competent.forget()
        self._ticks.clear()
        self._forget_pages()
        self.returning_label.clear()
        self._clear_errors()
        self._return_changed()
        self.id_number.setFocus()

    def _kind_changed(self) -> None:
        org = self.kind.currentData() == ApplicantKind.ORGANISATION.value
        self.id_label.setText("Mã số thuế (&CCCD):" if org else "Số định danh (&CCCD):")
        self.id_number.setPlaceholderText("10 chữ số (chi nhánh: 10-3)" if org
                                          else "12 chữ số trên thẻ CCCD")

    def _return_changed(self) -> None:
        self.return_address.setEnabled(self.return_method.currentData() == ReturnMethod.POST)

    def _procedure_chosen(self, procedure: Procedure | None) -> None:
        # Keep what was ticked, so choosing the same procedure again (a scan typed into the
        # picker and taken out, or a slip of the keyboard) does not lose the checklist.
        if self.procedure is not None:
            self._ticks[self.procedure.code] = self.checklist.ticks()
        self.procedure = procedure
        self.competent.show_for(procedure, self.worker)
        if procedure is not None and self.picker.hasFocus():
            self.checklist.setFocus()  # Space ticks the documents, never types into the picker
        if procedure is None:
            self.procedure_info.clear()
            self.checklist.set_documents(())
        else:
            fee = procedure.fee_text or "không"
            self.procedure_info.setText(
                f"<b>{procedure.name}</b><br>Lĩnh vực: {procedure.field} · Thời hạn: "
                f"{procedure.duration_text} · Lệ phí: {fee}<br>"
                f"<span style='color:#6d4c41'>Độ tin cậy dữ liệu: "
                f"{CONFIDENCE_LABELS[procedure.confidence]}</span>")
            self.checklist.set_documents(procedure.documents)
            self.checklist.set_ticks(self._ticks.get(procedure.code, []))
            self._show_pages()
        self._due_touched = False
        self._refresh_due()

    def request(self) -> ReceptionRequest:
        chosen_due = qt_to_dt(self.due_edit.dateTime()) if self._due_touched else None
        return ReceptionRequest(
            procedure_code=self.procedure.code if self.procedure else "",
            applicant={"kind": self.kind.currentData(), "full_name": self.full_name.text(),
                       "id_number": self.id_number.text(), "phone": self.phone.text(),
                       "address": self.address.text(), "email": self.email.text(),
                       **self._card_fields()},
            documents=self.checklist.documents() if self.procedure else None,
            sets=self.sets.value(), channel=self.channel.currentData(),
            return_method=self.return_method.currentData(),
            return_address=self.return_address.text(),
            due_at=chosen_due, due_change_reason=self.due_reason.text(),
            proxy=self.proxy.values(), competent_agency=self.competent.value())

    def save(self, print_slip: bool = True) -> None:
        if self._saving:
            return
        self._saving = True
        self.save_button.setEnabled(False)
        request, pages = self.request(), self.pending_pages()

        def work(counter):
            dossier = counter.receive(request)
            stored = store_pages(counter, dossier.code, pages)
            return dossier, counter.slip_pdf(dossier.code), stored

        self.worker.run(work, lambda result: self._saved(result, print_slip), self._failed)

    def refuse(self) -> None:
        """Refuse at the reception check: asks the reason, records the refusal (never a
        received dossier) and hands the Mẫu 03 to the window to print."""
        if self._saving:
            return
        dialog = RefusalDialog(self.full_name.text().strip(),
                               self.procedure.name if self.procedure else "", self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        self._saving = True
        self.save_button.setEnabled(False)
        request, reason = self.request(), dialog.text()

        def work(counter):
            dossier = counter.refuse_at_reception(request, reason)
            return dossier, counter.form_pdf(dossier.code, "03")

        self.worker.run(work, lambda result: self._saved(result, True), self._failed)

    def _saved(self, result, print_slip: bool) -> None:
        self._saving = False
        self.save_button.setEnabled(True)
        dossier, pdf, *stored = result
        self.reset()
        self.refresh_usage()
        self.saved.emit(dossier, pdf, print_slip)
        if stored:
            self.pages_stored(stored[0])

    def _failed(self, error: BaseException) -> None:
        self._saving = False
        self.save_button.setEnabled(True)
        self._clear_errors()
        if isinstance(error, ValidationError):
            first = None
            for key in error.errors:
                widget = self.field_widgets.get(key)
                if widget is not None:
                    widget.setStyleSheet(ERROR_STYLE)
                    widget.setToolTip(error.errors[key])
                    first = first or widget
            if first is not None:
                first.setFocus()
        self.errors_label.setText("Chưa lưu được:\n" + describe(error))
        self.errors_label.show()

    def _clear_errors(self) -> None:
        self.field_checks.forget()
        self.errors_label.hide()
        self.errors_label.clear()
        for widget in set(self.field_widgets.values()):
            widget.setStyleSheet("")
            widget.setToolTip("")
