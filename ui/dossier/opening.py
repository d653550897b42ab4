"""Opening one dossier from the main window: by its code (a scan, a list, the search),
one dossier dialog at a time however many slips are scanned, a notice when the code is not
found, and the slip previewed or printed. A mixin of ``ui.main_window.MainWindow``, which
has the worker, printer, desk lock, status bar and lists."""

from __future__ import annotations

from PySide6.QtWidgets import QApplication, QDialog, QMessageBox

from counter_app.errors import NotFound, NotSignedIn, PermissionDenied
from ui.common.messages import describe, show_error
from ui.common.slip_printing import SlipPreview
from ui.dossier.dialog import DossierDialog


class DossierOpening:
    def _scanned(self, code: str) -> None:
        if self.desk_lock.locked:
            return
        self.statusBar().showMessage(f"Đã quét mã hồ sơ {code}", 10_000)
        self.open_dossier(code, ready=True)

    def open_dossier(self, code: str, ready: bool = False) -> None:
        """Open the dossier ``code`` (after checking on the worker that it exists).

        ``ready``: opened by the scanner, the dialog offers the next step straight away. If a
        dossier is already open, it is closed first (with anything open on top of it)."""
        code = code.strip().upper()
        self.worker.run(lambda c: c.dossier(code).code,
                        lambda found: self._open_found(found, ready),
                        lambda error: self._not_found(code, error))

    def _not_found(self, code: str, error: BaseException) -> None:
        if isinstance(error, NotSignedIn) and self.desk_lock.locked:
            return
        if isinstance(error, PermissionDenied):
            self._notice("Không có quyền", describe(error))
            return
        if not isinstance(error, NotFound):
            show_error(self, error)
            return
        message = f"Không tìm thấy hồ sơ có mã {code}."
        self.statusBar().showMessage(message, 15_000)
        self._notice("Không tìm thấy hồ sơ", message + "\nHãy kiểm tra lại mã trên giấy tiếp nhận.")

    def _notice(self, title: str, text: str) -> None:
        """A warning that does not block (window-modal, without a nested event loop)."""
        box = QMessageBox(QMessageBox.Icon.Warning, title, text,
                          parent=QApplication.activeModalWidget() or self)
        box.addButton("Đóng", QMessageBox.ButtonRole.AcceptRole)
        if self.notice_box is not None:
            self.notice_box.deleteLater()
        self.notice_box = box
        box.open()

    def _open_found(self, code: str, ready: bool) -> None:
        if self._dialog is not None:
            # Its exec() is still on the stack: close it; that frame then opens this one,
            # so dialogs never nest however many slips are scanned.
            self._pending = (code, ready)
            self._close_dialogs()
            return
        while True:
            dialog = DossierDialog(self.worker, code, self.printer, self, ready=ready,
                                   scan_folder=getattr(self, "scan_folder", None))
            dialog.changed.connect(self._dossier_changed)
            self._dialog = dialog
            try:
                dialog.exec()
            finally:
                self._dialog = None
                dialog.deleteLater()
            if self._pending is None:
                return
            (code, ready), self._pending = self._pending, None

    def _close_dialogs(self) -> None:
        """Close the open dossier dialog and any dialog opened on top of it."""
        for _ in range(10):
            modal = QApplication.activeModalWidget()
            if not isinstance(modal, QDialog) or modal is self._dialog:
                break
            modal.reject()
            if modal.isVisible():
                break  # it refused (e.g. asks to confirm): leave it to the officer
        if self._dialog is not None:
            self._dialog.reject()

    def _dossier_changed(self, code: str) -> None:
        self.statusBar().showMessage(f"Đã cập nhật hồ sơ {code}.", 10_000)
        self.refresh_lists()

    def preview_slip(self, code: str) -> None:
        self.worker.run(lambda c: c.slip_pdf(code), self._unless_locked(lambda pdf: SlipPreview(
            pdf, f"Giấy tiếp nhận hồ sơ {code}", self.printer, self).exec()))

    def print_slip(self, code: str) -> None:
        self.worker.run(lambda c: c.slip_pdf(code),
                        self._unless_locked(lambda pdf: self.printer.print_pdf(pdf, self)))

    def _unless_locked(self, show):
        """A slip made while the screen was being locked is not shown over the lock."""
        return lambda pdf: None if self.counter.locked else show(pdf)
