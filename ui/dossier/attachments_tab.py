"""The dossier window's "Bản số hóa" tab: the dossier's digitised documents and result, each
viewable (fetched from the server first when another desk scanned it), and the pages of a
document or of the result added here (Ctrl+G), at finish or return as at any time after."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import isValid

from counter_app.service.digitising import HAS_RESULT, Attachment, Reusable
from counter_app.store.dossier_store import DossierRow
from ui.common.messages import describe
from ui.common.slip_printing import SlipPreview, SlipPrinter
from ui.common.tasks import DbWorker
from ui.digitising.pages_dialog import PagesChoice, PagesDialog
from ui.digitising.scan_folder import ScanFolder
from ui.dossier.texts import moment
from ui.dossier.views import fill_table, table

RESULT = -1  # the choice's value for the result


def _size(n: int) -> str:
    return f"{max(1, round(n / 1024)):,} KB".replace(",", ".")


def _where(a: Attachment) -> str:
    place = "Có trên máy này" if a.here else "Trên máy chủ (tải khi mở)"
    sent = "đã đồng bộ" if a.record_synced else "chưa đồng bộ"
    return f"{place}, {sent}"


class AttachmentsTab(QWidget):
    recorded = Signal(str)   # what was digitised, to say in the window
    failed = Signal(str)

    def __init__(self, worker: DbWorker, code: str, printer: SlipPrinter,
                 scan_folder: ScanFolder | None, parent=None):
        super().__init__(parent)
        self.worker, self.code, self.printer, self.scan_folder = (worker, code, printer,
                                                                  scan_folder)
        self.attachments: list[Attachment] = []
        self.reusable: list[Reusable] = []
        self.table = table(["Giấy tờ", "Số trang", "Dung lượng", "Số hóa lúc", "Cán bộ",
                            "Tình trạng"], [0, 64, 84, 120, 140, 190])
        self.table.itemDoubleClicked.connect(lambda _item: self.view_selected())
        self.empty = QLabel("Hồ sơ chưa có bản số hóa nào.", wordWrap=True)
        self.choice = QComboBox()
        self.choice.setAccessibleName("Giấy tờ cần số hóa")
        self.digitise_button = QPushButton("&Số hóa… (Ctrl+G)")
        self.digitise_button.setAutoDefault(False)
        self.digitise_button.clicked.connect(self.digitise)
        self.view_button = QPushButton("&Xem tệp")
        self.view_button.setAutoDefault(False)
        self.view_button.clicked.connect(self.view_selected)
        row = QHBoxLayout()
        row.addWidget(QLabel("Số hóa:"))
        row.addWidget(self.choice, 1)
        row.addWidget(self.digitise_button)
        row.addStretch(0)
        row.addWidget(self.view_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.empty)
        layout.addLayout(row)

    def show_dossier(self, dossier: DossierRow, attachments: list[Attachment],
                     reusable: list[Reusable], may_digitise: bool) -> None:
        self.attachments, self.reusable = attachments, reusable
        fill_table(self.table, [
            ((a.name if a.document is not None else "Kết quả giải quyết")
             + (f" (dùng lại từ hồ sơ {a.reused_from})" if a.reused_from else ""),
             str(a.pages), _size(a.bytes), moment(a.at), a.officer, _where(a))
            for a in attachments])
        self.empty.setVisible(not attachments)
        self.view_button.setEnabled(bool(attachments))
        if attachments:
            self.table.selectRow(len(attachments) - 1)
        chosen = self.choice.currentData()
        self.choice.clear()
        done = {a.document for a in attachments}
        for i, doc in enumerate(dossier.documents):
            mark = " ✓" if i in done else ""
            self.choice.addItem(f"{i + 1}. {doc['name']}{mark}", i)
        if dossier.status in HAS_RESULT:
            self.choice.addItem("Kết quả giải quyết" + (" ✓" if None in done else ""), RESULT)
        index = self.choice.findData(chosen)
        self.choice.setCurrentIndex(max(0, index))
        for w in (self.choice, self.digitise_button):
            w.setVisible(may_digitise)

    def choose_result(self) -> None:
        index = self.choice.findData(RESULT)
        if index >= 0:
            self.choice.setCurrentIndex(index)

    # -- digitising ------------------------------------------------------------------------
    def digitise(self) -> PagesDialog | None:
        if not self.digitise_button.isVisible() or self.choice.currentIndex() < 0:
            return None
        which = self.choice.currentData()
        name = self.choice.currentText().removesuffix(" ✓")
        offers = [] if which == RESULT else [
            r for r in self.reusable if r.fits(name.split(". ", 1)[-1])][:1]
        dialog = PagesDialog(name, self.scan_folder, offers, self)
        dialog.accepted.connect(lambda: self._chosen(which, name, dialog.choice))
        dialog.open()
        return dialog

    def _chosen(self, which: int, name: str, choice: PagesChoice | None) -> None:
        if choice is None:
            return
        code = self.code
        document, result = (None, True) if which == RESULT else (which, False)

        def work(c):
            if choice.reuse is not None:
                return c.reuse(code, which, choice.reuse.dossier_code,
                               choice.reuse.attachment_id)
            return c.attach(code, choice.sources, document=document, result=result)

        def done(found: Attachment) -> None:
            if self.scan_folder is not None and choice.scan_files:
                self.scan_folder.mark_used(choice.scan_files)
            if isValid(self):
                self.recorded.emit(f"Đã số hóa: {found.name} ({found.pages} trang).")

        self.worker.run(work, done, lambda e: isValid(self) and self.failed.emit(
            f"Chưa số hóa được “{name}”: {describe(e)}"))

    # -- viewing ---------------------------------------------------------------------------
    def view_selected(self) -> None:
        row = self.table.currentRow()
        if not 0 <= row < len(self.attachments):
            return
        chosen, code = self.attachments[row], self.code
        title = f"{chosen.name} – hồ sơ {code}"

        def shown(pdf: bytes) -> None:
            if isValid(self):
                SlipPreview(pdf, title, self.printer, self).exec()

        self.worker.run(lambda c: c.attachment_pdf(code, chosen.id), shown,
                        lambda e: isValid(self) and self.failed.emit(describe(e)))
