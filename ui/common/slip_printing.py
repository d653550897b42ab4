"""Preview a PDF (QtPdf) and print it through the system's printer dialog.

The preview shows the PDF itself; the printer gets the same pages as text and vectors
(``ui/common/vector_printing.py``).
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QBuffer, QByteArray, QIODevice
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPdfWidgets import QPdfView
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import QDialog, QHBoxLayout, QPushButton, QVBoxLayout, QWidget

from counter_app.errors import CounterError
from counter_app.printing.page_drawing import UnsupportedDrawing
from ui.common.messages import show_error
from ui.common.screen_fit import fit_to_screen
from ui.common.vector_printing import paint_to_printer

log = logging.getLogger(__name__)


def load_pdf(data: bytes, parent) -> QPdfDocument:
    document = QPdfDocument(parent)
    buffer = QBuffer(document)
    buffer.setData(QByteArray(data))
    buffer.open(QIODevice.OpenModeFlag.ReadOnly)
    document.load(buffer)
    return document


class SlipPrinter:
    """Keeps one QPrinter for the session, so the officer's printer choice is remembered."""

    def __init__(self):
        self.printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        self.printer.setDocName("Giấy tiếp nhận hồ sơ")
        self.pages_printed = 0

    def print_pdf(self, data: bytes, parent: QWidget | None) -> bool:
        """Ask for the printer (the system's dialog), then send; False if not printed."""
        dialog = QPrintDialog(self.printer, parent)
        dialog.setWindowTitle("In giấy tiếp nhận hồ sơ và hẹn trả kết quả")
        chosen = dialog.exec() == QDialog.DialogCode.Accepted
        dialog.deleteLater()
        return chosen and self.send(data, parent)

    def send(self, data: bytes, parent: QWidget | None) -> bool:
        """Paint the PDF ``data`` onto the chosen printer; a failure is told to the officer
        in Vietnamese and returns False (the caller keeps the slip marked "chưa in")."""
        try:
            self.pages_printed += paint_to_printer(data, self.printer)
        except (OSError, UnsupportedDrawing) as error:
            log.warning("printing failed: %s", error)
            show_error(parent, CounterError(
                "Không in được. Kiểm tra máy in (đã bật, còn giấy, đúng máy in đã chọn) rồi "
                "in lại."), "Chưa in được")
            return False
        return True


class SlipPreview(QDialog):
    """The slip as it will print; Enter prints, Esc closes."""

    def __init__(self, data: bytes, title: str, printer: SlipPrinter, parent=None):
        super().__init__(parent)
        self.setWindowTitle(title)
        fit_to_screen(self, 820, 900)
        self._data = data
        self._printer = printer
        self.document = load_pdf(data, self)
        self.view = QPdfView(self)
        self.view.setDocument(self.document)
        self.view.setPageMode(QPdfView.PageMode.MultiPage)
        self.view.setZoomMode(QPdfView.ZoomMode.FitToWidth)
        print_button = QPushButton("In (Enter)")
        print_button.setDefault(True)
        print_button.clicked.connect(self.print_now)
        close_button = QPushButton("Đóng (Esc)")
        close_button.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(print_button)
        buttons.addWidget(close_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.view, 1)
        layout.addLayout(buttons)

    def print_now(self) -> None:
        if self._printer.print_pdf(self._data, self):
            self.accept()
