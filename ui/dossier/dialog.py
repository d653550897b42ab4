"""One dossier: details, history, hand-over log (the control slip), the steps allowed now, the forms.

Everything is read and written through the DbWorker. The status machine decides which step
buttons exist; the usual next step is the default button, so after scanning a slip
(``ready=True``) or opened from a list, Enter starts it, as the window says: a step only opens
its form, and nothing is written before that form is saved. Errors show in a line at the top, never as a blocking box.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
)
from shiboken6 import isValid

from counter_app.domain import handover_log
from counter_app.domain.handover_log import Transfer
from counter_app.domain.legal_forms import FormKind
from counter_app.domain.lifecycle import COUNTER_UNIT, FINAL, Step, suggested_step
from counter_app.domain.roles import Action, Role
from counter_app.errors import PermissionDenied
from counter_app.printing import forms
from counter_app.service.digitising import Attachment, Reusable
from counter_app.store.dossier_store import DossierRow
from counter_app.store.event_log import Event
from ui.common.messages import describe
from ui.common.screen_fit import fit_to_screen
from ui.common.slip_printing import SlipPreview, SlipPrinter
from ui.common.tasks import DbWorker
from ui.digitising.scan_folder import ScanFolder
from ui.dossier.attachments_tab import AttachmentsTab
from ui.dossier.step_dialogs import step_dialog
from ui.dossier.step_fields import FormContext, StepDialog
from ui.dossier.texts import FORM_SHORT, STEP_SHORT
from ui.dossier.transfer_texts import agency_names, side_note
from ui.dossier.views import (
    DetailsPanel,
    history_table,
    set_history,
    set_transfers,
    transfers_table,
)

STEP_COLUMNS = 4
SUGGESTED_STYLE = "font-weight: bold; padding: 6px 14px; border: 2px solid #0d47a1;"


@dataclass(frozen=True)
class Loaded:
    dossier: DossierRow
    events: list[Event]
    transfers: list[Transfer]
    allowed: list[Step]  # what the status machine allows now
    mine: list[Step]     # of those, what the signed-in officer's roles allow
    may_print: bool
    flag: str
    ctx: FormContext
    printable: list[str]  # the form numbers, in the dossier's family, that can print now
    #: For a dossier received for another body: agency code -> name, and what this desk
    #: does with it ("" otherwise).
    names: dict[str, str] = field(default_factory=dict)
    side_note: str = ""
    attachments: list[Attachment] = field(default_factory=list)
    reusable: list[Reusable] = field(default_factory=list)  # the citizen's earlier copies
    may_digitise: bool = False


def load(counter, code: str) -> Loaded:
    """Runs on the worker thread. Officers are shown by full name (events hold usernames)."""
    dossier = counter.dossier(code)
    agency = counter.agency
    names = counter.printed_names()
    people = [o.full_name for o in counter.officer_directory() if Role.PROCESSING in o.roles]
    may_print = counter.may(Action.PRINT)
    ctx = FormContext(dossier, counter.calendar, counter.clock, counter.known_units(),
                      counter.require_officer().full_name, agency.hotline if agency else "",
                      people, may_print)
    events = [replace(e, officer=names.get(e.officer, e.officer))
              for e in counter.events(dossier)]
    shown = DossierRow({**dossier.data,
                        "officer": names.get(dossier["officer"], dossier["officer"])})
    allowed = counter.steps_allowed_now(dossier)
    mine = [s for s in allowed if counter.may_step(dossier, s)]  # never the other side's
    people_names = names
    names, note = {}, ""
    if dossier.is_transfer:
        here = agency.agency_code if agency else ""
        names = agency_names(dossier, here, agency.agency_name if agency else "",
                             {u.code: u.name for u in counter.units()})
        note = side_note(dossier, here, names)
    may_digitise = counter.may(Action.DIGITISE)
    reusable = counter.reusable_documents(dossier["applicant_id_number"],
                                          besides=dossier.code) if may_digitise else []
    return Loaded(shown, events, handover_log.transfers(events), allowed, mine, may_print,
                  counter.deadline_flag(dossier), ctx, forms.printable(dossier, events),
                  names, note, [replace(a, officer=people_names.get(a.officer, a.officer))
                                for a in counter.attachments(dossier.code)],
                  reusable, may_digitise)


class DossierDialog(QDialog):
    changed = Signal(str)  # the dossier's code, after every recorded step

    def __init__(self, worker: DbWorker, code: str, printer: SlipPrinter, parent=None,
                 ready: bool = False, scan_folder: ScanFolder | None = None):
        super().__init__(parent)
        self.worker, self.code, self.printer, self.ready = worker, code.strip(), printer, ready
        self.loaded: Loaded | None = None
        self.step_buttons: dict[Step, QPushButton] = {}
        self.step_form: StepDialog | None = None
        self._just_recorded: tuple[Step, DossierRow] | None = None  # until the next load
        self._focus_step = True  # Enter starts the step the window names ("… (Enter)")
        self._result_pages = False  # a result was just recorded: offer to digitise it
        self.scan_folder = scan_folder
        self.setWindowTitle(f"Hồ sơ {self.code}")
        fit_to_screen(self, 1180, 680)  # 1366×768 and 1024×768, less the taskbar
        self._build()
        self.refresh()

    # -- layout --------------------------------------------------------------------------
    def _build(self) -> None:
        self.message = QLabel(objectName="message", wordWrap=True)
        self.message.hide()
        self.details = DetailsPanel()

        self.forms_box = forms = QGroupBox("In phiếu, biểu mẫu")
        forms.hide()  # until the officer's right to print is known
        grid = QGridLayout(forms)
        # One row per kind of form; the numbers and titles are the dossier's family's,
        # filled in when it is loaded (a kind the family lacks is hidden).
        self.form_buttons: dict[FormKind, tuple[QPushButton, QPushButton]] = {}
        self.form_captions: dict[FormKind, QLabel] = {}
        for row, kind in enumerate(FORM_SHORT):
            caption = QLabel(FORM_SHORT[kind])
            receipt = kind is FormKind.RECEIPT
            preview = QPushButton("&Xem trước" if receipt else "Xem")
            printing = QPushButton("&In lại" if receipt else "In")
            preview.clicked.connect(lambda _=False, k=kind: self.preview_form(k))
            printing.clicked.connect(lambda _=False, k=kind: self.print_form(k))
            for b in (preview, printing):
                b.setAutoDefault(False)
                b.setEnabled(False)
            grid.addWidget(caption, row, 0)
            grid.addWidget(preview, row, 1)
            grid.addWidget(printing, row, 2)
            self.form_buttons[kind] = (preview, printing)
            self.form_captions[kind] = caption
        grid.setColumnStretch(0, 1)
        self.preview_button, self.print_button = self.form_buttons[FormKind.RECEIPT]

        self.steps_box = QGroupBox("Bước tiếp theo")
        self.steps_grid = QGridLayout(self.steps_box)
        self.no_steps = QLabel(wordWrap=True)
        self.steps_grid.addWidget(self.no_steps, 0, 0, 1, STEP_COLUMNS)

        self.history = history_table()
        self.transfers_table = transfers_table()
        self.documents = QLabel(wordWrap=True, alignment=Qt.AlignmentFlag.AlignTop)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.history, "&Lịch sử xử lý")
        self.tabs.addTab(self.transfers_table, "&Phiếu kiểm soát")
        self.tabs.addTab(self.documents, "Thành phần &hồ sơ")
        self.attachments_tab = AttachmentsTab(self.worker, self.code, self.printer,
                                              self.scan_folder, self)
        self.attachments_tab.recorded.connect(self._digitised)
        self.attachments_tab.failed.connect(lambda text: self.say(text, error=True))
        self.tabs.addTab(self.attachments_tab, "&Bản số hóa")
        QShortcut(QKeySequence("Ctrl+G"), self, self.digitise)

        self.close_button = QPushButton("Đóng (Esc)")
        self.close_button.clicked.connect(self.reject)
        right = QVBoxLayout()
        right.addWidget(forms)
        right.addStretch(1)
        top = QHBoxLayout()
        top.addWidget(self.details, 1)
        top.addLayout(right)
        bottom = QHBoxLayout()
        bottom.addStretch(1)
        bottom.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.message)
        layout.addLayout(top)
        layout.addWidget(self.steps_box)
        layout.addWidget(self.tabs, 1)
        layout.addLayout(bottom)

    # -- loading -------------------------------------------------------------------------
    def refresh(self) -> None:
        code = self.code
        self.worker.run(lambda c: load(c, code), self._loaded, self._load_failed)

    def _loaded(self, data: Loaded) -> None:
        if not isValid(self):  # closed and deleted while the worker was reading
            return
        self._just_recorded = None
        self.loaded = data
        d = data.dossier
        self.setWindowTitle(f"Hồ sơ {d.code} – {d.status.label}")
        self.details.show_dossier(d, data.flag, data.names, data.ctx.now())
        set_history(self.history, data.events)
        set_transfers(self.transfers_table, data.transfers)
        self.documents.setText(self.details.documents_html(d))
        self.attachments_tab.show_dossier(d, data.attachments, data.reusable,
                                          data.may_digitise)
        self.tabs.setTabText(self.tabs.indexOf(self.attachments_tab),
                             f"&Bản số hóa ({len(data.attachments)})")
        if self._result_pages and data.may_digitise:
            self._result_pages = False
            self.attachments_tab.choose_result()
            self.tabs.setCurrentWidget(self.attachments_tab)
        words = d.words
        self.forms_box.setTitle(f"In phiếu, biểu mẫu ({words.label})")
        for kind, buttons in self.form_buttons.items():
            number = words.number(kind)
            caption = self.form_captions[kind]
            for widget in (caption, *buttons):
                widget.setVisible(number is not None)
            if number is None:
                continue
            caption.setText(f"Mẫu {number}: {FORM_SHORT[kind]}")
            caption.setToolTip(words.title(kind))
            available = number in data.printable
            for b in buttons:
                b.setEnabled(available)
                b.setToolTip("" if available else "Hồ sơ chưa có bước để lập mẫu này.")
        self.forms_box.setVisible(data.may_print)
        self._show_steps(d, data.mine, others=len(data.allowed) - len(data.mine))

    def _load_failed(self, error: BaseException) -> None:
        if not isValid(self):
            return
        recorded, self._just_recorded = self._just_recorded, None
        if isinstance(error, PermissionDenied) and recorded is not None:
            self._handed_away(*recorded)
            return
        self.say(describe(error), error=True)
        self.close_button.setFocus()

    def _handed_away(self, step: Step, row: DossierRow) -> None:
        """The step just recorded took the dossier out of this officer's hands (e.g. a
        processing officer's result goes back to the counter): say so, as a success."""
        self.setWindowTitle(f"Hồ sơ {row.code} – {row.status.label}")
        self._show_steps(row, [])
        where = row["holder"] or COUNTER_UNIT
        self.no_steps.setText(f"Hồ sơ đã chuyển về {where}; bạn không còn giữ hồ sơ này.")
        self.forms_box.hide()
        self.say(f"Đã ghi: {step.label}. Trạng thái: {row.status.label}. "
                 f"Hồ sơ đã chuyển về {where}.")
        self.close_button.setFocus()

    def _show_steps(self, dossier: DossierRow, allowed: list[Step], others: int = 0) -> None:
        """Buttons for the steps this officer may take now; ``others``: how many more the
        status machine allows that belong to other roles."""
        for button in self.step_buttons.values():
            self.steps_grid.removeWidget(button)
            button.deleteLater()
        self.step_buttons = {}
        suggested = suggested_step(dossier.progress)
        if suggested not in allowed and Step.SEND_PAPER in allowed:
            suggested = Step.SEND_PAPER  # the receiving side's usual step for another body
        ordered = sorted(allowed, key=lambda s: s is not suggested)  # the usual one first
        for i, step in enumerate(ordered):
            button = QPushButton(STEP_SHORT.get(step.value, step.label))
            button.setToolTip(step.label)
            button.clicked.connect(lambda _=False, s=step: self.start_step(s))
            if step is suggested:
                button.setStyleSheet(SUGGESTED_STYLE)
            self.steps_grid.addWidget(button, 1 + i // STEP_COLUMNS, i % STEP_COLUMNS)
            button.show()  # now, not on the next event loop turn: it may take the focus
            self.step_buttons[step] = button
        if dossier.status in FINAL:
            self.no_steps.setText(f"Hồ sơ đã kết thúc ({dossier.status.label}); "
                                  "không còn bước nào để thực hiện.")
        elif suggested in self.step_buttons:
            self.no_steps.setText(f"Thường làm tiếp: “{suggested.label}” (Enter).")
        elif not self.step_buttons and others:
            self.no_steps.setText("Các bước tiếp theo của hồ sơ này thuộc cán bộ khác "
                                  "(vai trò của bạn không thực hiện được).")
        else:
            self.no_steps.setText("Chọn bước cần thực hiện.")
        note = self.loaded.side_note if self.loaded is not None else ""
        if note and dossier.status not in FINAL:
            self.no_steps.setText(f"{note} {self.no_steps.text()}")
        target = self.step_buttons.get(suggested)
        if target is not None:
            self.close_button.setDefault(False)
            target.setDefault(True)
            if self._focus_step:
                target.setFocus()
                return
        else:
            self.close_button.setDefault(True)
        self.close_button.setFocus()

    # -- steps ---------------------------------------------------------------------------
    def start_step(self, step: Step) -> StepDialog | None:
        """Open the form of ``step`` (window-modal, not blocking); returns it."""
        if self.loaded is None or Step(step) not in self.step_buttons:
            return None
        form = step_dialog(Step(step), self.worker, self.loaded.ctx, self)
        form.recorded.connect(lambda row, f=form: self._recorded(f, row))
        form.finished.connect(lambda _r, f=form: self._form_closed(f))
        self.step_form = form
        form.open()
        return form

    def _recorded(self, form: StepDialog, row: DossierRow) -> None:
        self._focus_step = True  # the officer is working on it: next step ready on Enter
        self._just_recorded = (form.step, row)
        self._result_pages = form.step in (Step.FINISH, Step.RETURN) and \
            not row["result_digitised"]
        self.say(f"Đã ghi: {form.step.label}. Trạng thái: {row.status.label}."
                 + (" Số hóa kết quả: Ctrl+G." if self._result_pages else ""))
        self.refresh()
        self.changed.emit(self.code)
        if form.form and form.print_requested and self.loaded and self.loaded.may_print:
            self.print_form(form.form)

    def _form_closed(self, form: StepDialog) -> None:
        if self.step_form is form:
            self.step_form = None
        if form.saved_row is None:
            self.refresh()  # another desk may have moved the dossier meanwhile
        target = next((b for b in self.step_buttons.values() if b.isDefault()), None)
        (target or self.close_button).setFocus()

    # -- digitising -------------------------------------------------------------------------
    def digitise(self):
        """Ctrl+G: the pages of the document (or result) chosen in the "Bản số hóa" tab."""
        self.tabs.setCurrentWidget(self.attachments_tab)
        return self.attachments_tab.digitise()

    def _digitised(self, text: str) -> None:
        self.say(text)
        self.refresh()
        self.changed.emit(self.code)

    # -- forms ---------------------------------------------------------------------------
    def _number(self, kind: FormKind) -> str:
        """The number of form ``kind`` in the loaded dossier's family."""
        words = self.loaded.dossier.words if self.loaded else None
        return (words.number(kind) if words else None) or ""

    def _title(self, kind: FormKind) -> str:
        words = self.loaded.dossier.words if self.loaded else None
        return words.title(kind) if words and words.has(kind) else FORM_SHORT[kind]

    def _form_pdf(self, kind: FormKind, then) -> None:
        code, form = self.code, self._number(kind)
        if not form:
            return

        def render(c) -> bytes:
            return c.form_pdf(code, form)

        def alive(fn):  # the dialog may be closed (a scan), or the screen locked, meanwhile
            return lambda value: fn(value) if isValid(self) and not locked() else None

        def locked() -> bool:  # no citizen's form pops up over the lock screen
            return self.worker.counter.locked

        self.worker.run(render, alive(then), alive(lambda e: self._form_failed(form, e)))

    def preview_form(self, kind: FormKind) -> None:
        title = f"Mẫu {self._number(kind)}: {self._title(kind)} – {self.code}"
        self._form_pdf(kind, lambda pdf: SlipPreview(pdf, title, self.printer, self).exec())

    def print_form(self, kind: FormKind) -> None:
        def done(pdf: bytes) -> None:
            if self.printer.print_pdf(pdf, self):
                self.say(f"Đã in Mẫu {self._number(kind)}: {self._title(kind)}.")
        self._form_pdf(kind, done)

    def _form_failed(self, form: str, error: BaseException) -> None:
        self.say(f"Chưa in được Mẫu {form}: {describe(error)}", error=True)

    # -- messages ------------------------------------------------------------------------
    def say(self, text: str, error: bool = False) -> None:
        colour = "#b71c1c" if error else "#1b5e20"
        self.message.setStyleSheet(f"color: {colour}; font-weight: bold;")
        self.message.setText(text)
        self.message.show()
