"""Digitising at reception: each checklist document can get its pages before the dossier is
saved (Ctrl+G on the document: the scan folder's new files, picked files, a camera, or a
returning citizen's earlier copy). Pages are made into the document's PDF at once, so a
refused file is said while the citizen is still at the counter; they are stored and
recorded with the dossier when it is saved. A part of ``ReceptionScreen``, kept apart
because it is one job."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from counter_app.attachments.pages import Document
from counter_app.domain.citizen_id import normalise_id
from counter_app.errors import PermissionDenied
from counter_app.service.digitising import Reusable
from ui.common.messages import describe
from ui.digitising.pages_dialog import PagesChoice, PagesDialog
from ui.digitising.scan_folder import ScanFolder

#: The returning label's sentence about earlier copies starts so (replaced, never repeated).
REUSE_NOTE = "Có bản số hóa:"


@dataclass(frozen=True)
class Pending:
    """One document's pages, waiting for the dossier to be saved."""
    document: Document | None = None   # pages made into its PDF
    scan_files: tuple[Path, ...] = ()  # the scan folder's files among them
    reuse: Reusable | None = None      # or: the citizen's earlier copy, linked


@dataclass
class Stored:
    """What saving the pages did (on the worker thread): the scan files now in the dossier,
    and the documents that could not be stored, with why."""
    scan_files: list[Path] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def store_pages(counter, code: str, pending: list[tuple[int, str, Pending]]) -> Stored:
    """Runs on the worker thread after the dossier is received: each document's pages (or
    its reused copy) into the dossier. One that fails does not undo the reception: it is
    said, and can be digitised again from the dossier's window."""
    stored = Stored()
    for index, name, pages in pending:
        try:
            if pages.reuse is not None:
                counter.reuse(code, index, pages.reuse.dossier_code, pages.reuse.attachment_id)
            else:
                counter.attach(code, pages.document, document=index)
                stored.scan_files.extend(pages.scan_files)
        except Exception as exc:  # noqa: BLE001 (any failure is told, none is lost)
            stored.problems.append(f"{name}: {describe(exc)}")
    return stored


class DocumentPages:
    """Mixed into ``ReceptionScreen``: uses its checklist, procedure, worker, errors_label,
    scan_hint, and calls ``_show_pages`` when the checklist is refilled."""

    scan_folder: ScanFolder | None = None

    def _forget_pages(self) -> None:
        self._pages: dict[tuple[str, int], Pending] = {}
        self._reusable: list[Reusable] = []
        if self.scan_folder is not None:
            self._scan_folder_changed()

    def set_scan_folder(self, folder: ScanFolder) -> None:
        self.scan_folder = folder
        folder.changed.connect(self._scan_folder_changed)
        self._scan_folder_changed()

    def _taken_scans(self) -> set[Path]:
        """The scan folder's files already given to a document of this form."""
        return {f for p in self._pages.values() for f in p.scan_files}

    def _scan_folder_changed(self) -> None:
        taken = self._taken_scans()
        ready = [f for f in (self.scan_folder.ready() if self.scan_folder is not None else [])
                 if f.path not in taken]
        self.scan_hint.setText(f"Thư mục quét có {len(ready)} tệp mới: chọn giấy tờ rồi bấm "
                               "Ctrl+G để gắn vào." if ready else "")
        self.scan_hint.setVisible(bool(ready))

    # -- a returning citizen's earlier copies --------------------------------------------
    def look_for_reusable(self, id_number: str) -> None:
        def found(items: list[Reusable]) -> None:
            if not items or normalise_id(self.id_number.text()) != normalise_id(id_number):
                return  # nothing, or the officer has moved on to another citizen
            self._reusable = items
            label = self.returning_label.text().split(REUSE_NOTE)[0].strip()
            self.returning_label.setText(f"{label} {REUSE_NOTE} {len(items)} giấy tờ từ hồ sơ "
                                         "trước (Ctrl+G để dùng lại).".strip())
            self._show_pages()

        self.worker.run(lambda c: c.reusable_documents(id_number), found,
                        lambda e: None if isinstance(e, PermissionDenied) else
                        self._pages_failed("", e))

    def _offer(self, name: str) -> Reusable | None:
        return next((r for r in self._reusable if r.fits(name)), None)

    # -- pages for the current document --------------------------------------------------
    def digitise_current(self) -> PagesDialog | None:
        """Ctrl+G: the pages of the document the checklist has selected."""
        row = self.checklist.currentRow()
        if self.procedure is None or row < 0:
            self._pages_failed("", None, "Chọn thủ tục và giấy tờ cần số hóa trước.")
            return None
        name = self.checklist.name(row)
        offer = self._offer(name)
        dialog = PagesDialog(name, self.scan_folder, [offer] if offer else [], self,
                             taken=self._taken_scans())
        code = self.procedure.code
        dialog.accepted.connect(lambda: self._chosen(code, row, name, dialog.choice))
        dialog.open()
        return dialog

    def _chosen(self, procedure_code: str, row: int, name: str,
                choice: PagesChoice | None) -> None:
        if choice is None:
            return
        key = (procedure_code, row)
        if choice.reuse is not None:
            self._pages[key] = Pending(reuse=choice.reuse)
            self._mark_received(row)
            self._show_pages()
            return
        sources = list(choice.sources)

        def done(document: Document) -> None:
            self._pages[key] = Pending(document, tuple(choice.scan_files))
            self._mark_received(row)
            self._show_pages()
            self._scan_folder_changed()

        self.checklist.set_pages_note(row, "Đang xử lý…")
        self.worker.run(lambda c: c.prepare_pages(sources), done,
                        lambda e: self._pages_failed(name, e, row=row))

    def _mark_received(self, row: int) -> None:
        if self.procedure is not None and row < self.checklist.rowCount():
            ticks = self.checklist.ticks()
            ticks[row] = True  # pages in hand: the document was received
            self.checklist.set_ticks(ticks)

    def _pages_failed(self, name: str, error: BaseException | None, text: str = "",
                      row: int | None = None) -> None:
        if row is not None:
            self._show_pages()
        message = text or (f"Chưa số hóa được “{name}”:\n" if name else "") + describe(error)
        self.errors_label.setText(message)
        self.errors_label.show()

    def _show_pages(self) -> None:
        """The checklist's "Bản số hóa" column for the procedure shown now."""
        if self.procedure is None:
            return
        for row in range(self.checklist.rowCount()):
            pages = self._pages.get((self.procedure.code, row))
            offer = self._offer(self.checklist.name(row))
            if pages is not None and pages.reuse is not None:
                self.checklist.set_pages_note(
                    row, "Dùng lại", f"Dùng lại bản số hóa từ hồ sơ {pages.reuse.dossier_code} "
                                     f"({pages.reuse.pages} trang).")
            elif pages is not None:
                self.checklist.set_pages_note(row, f"{pages.document.pages} trang")
            elif offer is not None:
                self.checklist.set_pages_note(
                    row, "Có bản cũ",
                    f"Đã có bản số hóa từ hồ sơ {offer.dossier_code}: Ctrl+G để dùng lại.",
                    offer=True)
            else:
                self.checklist.set_pages_note(row, "")

    def pending_pages(self) -> list[tuple[int, str, Pending]]:
        """The documents of the chosen procedure that have pages, in the checklist's order."""
        if self.procedure is None:
            return []
        code = self.procedure.code
        return [(row, self.checklist.name(row), p) for (c, row), p in sorted(self._pages.items())
                if c == code and row < self.checklist.rowCount()]

    def pages_stored(self, stored: Stored) -> None:
        """After the save: the used scans leave the scan folder; problems are said."""
        if self.scan_folder is not None and stored.scan_files:
            self.scan_folder.mark_used(stored.scan_files)
        if stored.problems:
            self.errors_label.setText("Hồ sơ đã lưu, nhưng chưa lưu được bản số hóa (số hóa "
                                      "lại trong cửa sổ hồ sơ):\n" + "\n".join(stored.problems))
            self.errors_label.show()

