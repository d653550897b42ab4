"""Preview a PDF (QtPdf) and print it through the system's printer dialog.

Printing renders each PDF page at the printer's resolution and paints it (the qpageview
pattern), so it works with any printer driver and the barcode bars stay sharp.
"""

from __future__ import annotations

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QSize
from PySide6.QtGui import QPainter
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPdfWidgets import QPdfView
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import QDialog, QHBoxLayout, QPushButton, QVBoxLayout, QWidget

from ui.common.screen_fit import fit_to_screen

PRINT_DPI = 300


def load_pdf(data: bytes, parent) -> QPdfDocument:
    document = QPdfDocument(parent)
    buffer = QBuffer(document)
    buffer.setData(QByteArray(data))
    buffer.open(QIODevice.OpenModeFlag.ReadOnly)
    document.load(buffer)
    return document


def paint_to_printer(document: QPdfDocument, printer: QPrinter) -> int:
    """Paint every page; returns the number of pages printed."""
    printer.setResolution(PRINT_DPI)
    printer.setFullPage(True)
    painter = QPainter()
    if not painter.begin(printer):
        raise OSError("Không mở được máy in.")
    try:
        target = printer.pageRect(QPrinter.Unit.DevicePixel).toRect()
        for page in range(document.pageCount()):
            if page:
                printer.newPage()
            points = document.pagePointSize(page)
            scale = PRINT_DPI / 72.0
            image = document.render(page, QSize(int(points.width() * scale),
                                                int(points.height() * scale)))
            painter.drawImage(target, image)
    finally:
        painter.end()
    return document.pageCount()


class SlipPrinter:
    """Keeps one QPrinter for the session, so the officer's printer choice is remembered."""

    def __init__(self):
        self.printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        self.printer.setDocName("Giấy tiếp nhận hồ sơ")
        self.pages_printed = 0

    def print_pdf(self, data: bytes, parent: QWidget | None) -> bool:
        dialog = QPrintDialog(self.printer, parent)
        dialog.setWindowTitle("In giấy tiếp nhận hồ sơ và hẹn trả kết quả")
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return False
        document = load_pdf(data, dialog)
        self.pages_printed += paint_to_printer(document, self.printer)
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
