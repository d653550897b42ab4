"""The print job: bytes per page and time to make it, for the slip and the other forms.

Each form of a real dossier goes to a QPrinter writing a PDF file (what a driver would be
handed, as near as this machine gets), two ways in the same run:

- the baseline: each page rendered by QtPdf at 300 dpi and painted as one picture (what the
  program did before it printed vectors);
- now: ``ui.common.vector_printing.paint_to_printer``, text and vectors.

    QT_QPA_PLATFORM=offscreen .venv/bin/python tests/bench/bench_print_job.py [--runs 5]

Target (issue "the counter at speed"): at most 200 KB a page, never a page-sized picture.
Medians of ``--runs`` runs.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QSize  # noqa: E402
from PySide6.QtGui import QPainter  # noqa: E402
from PySide6.QtPdf import QPdfDocument  # noqa: E402
from PySide6.QtPrintSupport import QPrinter  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from counter_app.domain.reception import ReceptionRequest  # noqa: E402
from counter_app.service.counter import Counter  # noqa: E402
from tests.settable_clock import Clock  # noqa: E402
from ui.common.vector_printing import paint_to_printer  # noqa: E402

AGENCY = dict(agency_code="000.17.22.H56", agency_name="UBND xã Quảng Phú",
              parent_body="UBND tỉnh Thanh Hóa", place_name="Quảng Phú")
APPLICANT = {"full_name": "Nguyễn Thị Ngọc Ánh", "id_number": "001303012345",
             "phone": "0912345678", "address": "Thôn Đông, xã Quảng Phú"}


def make_forms(folder: Path) -> dict[str, bytes]:
    clock = Clock(dt.datetime(2026, 11, 9, 9, 0))
    desk = Counter.open(folder / "desk.db", clock=clock)
    desk.add_officer(username="hoa", full_name="Lê Thị Hoa", title="Công chức",
                     roles=["reception", "processing", "leader", "admin"],
                     password="mat-khau-hoa")
    desk.sign_in("hoa", "mat-khau-hoa")
    desk.set_up(**AGENCY, desk_number=1)
    code = desk.receive(ReceptionRequest("1.004873", dict(APPLICANT))).code
    clock.now = dt.datetime(2026, 11, 9, 14, 0)
    desk.step(code, "request_supplement", {"items": ["Tờ khai có xác nhận"], "reason": "Thiếu"})
    forms = {"Mẫu 01 (2 liên)": desk.form_pdf(code, "01"),
             "Mẫu 02": desk.form_pdf(code, "02"), "Mẫu 06": desk.form_pdf(code, "06")}
    desk.register_export(dt.date(2026, 11, 1), dt.date(2026, 11, 30), folder / "so.pdf")
    forms["Mẫu 07 (sổ)"] = (folder / "so.pdf").read_bytes()
    desk.close()
    return forms


def raster_baseline(data: bytes, printer: QPrinter, dpi: int = 300) -> int:
    document = QPdfDocument()
    buffer = QBuffer(document)
    buffer.setData(QByteArray(data))
    buffer.open(QIODevice.OpenModeFlag.ReadOnly)
    document.load(buffer)
    printer.setResolution(dpi)
    printer.setFullPage(True)
    painter = QPainter(printer)
    target = printer.pageRect(QPrinter.Unit.DevicePixel).toRect()
    for page in range(document.pageCount()):
        if page:
            printer.newPage()
        points = document.pagePointSize(page)
        painter.drawImage(target, document.render(page, QSize(int(points.width() * dpi / 72),
                                                             int(points.height() * dpi / 72))))
    painter.end()
    return document.pageCount()


def job(way, data: bytes, out: Path) -> tuple[float, int, int]:
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(out))
    started = time.perf_counter()
    pages = way(data, printer)
    return time.perf_counter() - started, out.stat().st_size, pages


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs
    QApplication([])
    with tempfile.TemporaryDirectory() as folder:
        forms = make_forms(Path(folder))
        print(f"{'form':18} {'way':22} {'KB/page':>8} {'ms (median)':>12}")
        worst = 0.0
        for name, data in forms.items():
            for label, way in (("300-dpi picture (old)", raster_baseline),
                               ("text and vectors", paint_to_printer)):
                results = [job(way, data, Path(folder) / "job.pdf") for _ in range(runs)]
                seconds = statistics.median(r[0] for r in results)
                per_page = results[-1][1] / results[-1][2] / 1000
                if way is paint_to_printer:
                    worst = max(worst, per_page)
                print(f"{name:18} {label:22} {per_page:8.1f} {seconds * 1000:12.0f}")
        print(f"largest vector job: {worst:.1f} KB a page (target: at most 200)")
        if worst > 200:
            sys.exit(1)


if __name__ == "__main__":
    main()
