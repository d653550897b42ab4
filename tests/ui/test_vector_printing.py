"""What reaches the printer: every form as text and vectors, small, and the same page.

Each form of a real dossier is printed through ``paint_to_printer`` into a QPrinter that
writes a PDF file (the nearest thing to a printer here), and that file is read back with
poppler: no picture in it, at most 200 KB a page, the same words as the form, the same
page when both are rendered side by side, and a barcode zbarimg reads at 200 dpi.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import subprocess

import pytest
from PIL import Image, ImageChops, ImageFilter, ImageStat
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen.canvas import Canvas

from counter_app.domain.reception import ReceptionRequest
from counter_app.printing.page_drawing import Glyphs, Shape, UnsupportedDrawing, read_pages
from counter_app.service.counter import Counter
from tests.settable_clock import Clock
from tests.ui.conftest import AGENCY, signed_in
from tests.ui.driving import finished, start
from ui.common.slip_printing import SlipPrinter
from ui.common.vector_printing import paint_to_printer

T = dt.datetime
MAX_BYTES_PER_PAGE = 200_000
APPLICANT = {"full_name": "Nguyễn Thị Ngọc Ánh", "id_number": "001303012345",
             "phone": "0912345678", "address": "Thôn Đông, xã Quảng Phú"}


def _request(code: str = "1.004873") -> ReceptionRequest:
    return ReceptionRequest(code, dict(APPLICANT))


@pytest.fixture(scope="module")
def forms(tmp_path_factory) -> dict[str, bytes]:
    """Every form the program prints, each of a real dossier on a real desk."""
    folder = tmp_path_factory.mktemp("forms")
    clock = Clock(T(2026, 11, 9, 9, 0))
    desk = signed_in(Counter.open(folder / "desk.db", clock=clock))
    desk.set_up(**AGENCY)
    late = desk.receive(_request()).code
    clock.now = T(2026, 11, 9, 14, 0)
    desk.step(late, "request_supplement", {"items": ["Tờ khai có xác nhận"], "reason": "Thiếu"})
    clock.now = T(2026, 11, 10, 8, 0)
    desk.step(late, "resume", {})
    clock.now = T(2026, 11, 11, 10, 0)
    desk.step(late, "apologize", {"reason": "Chờ kết quả xác minh",
                                  "new_due_at": "2026-11-18"})
    refused = desk.refuse_at_reception(_request(), "Thiếu Tờ khai theo mẫu").code
    stopped = desk.receive(_request()).code
    clock.now = T(2026, 11, 12, 9, 0)
    desk.step(stopped, "stop", {"reason": "Người nộp xin rút hồ sơ",
                                "requested_at": "12/11/2026 08:30"})
    made = {f"mau-{form}": desk.form_pdf(late, form) for form in ("01", "02", "04", "06")}
    made["mau-03"] = desk.form_pdf(refused, "03")
    made["mau-05"] = desk.form_pdf(stopped, "05")
    desk.register_export(dt.date(2026, 11, 1), dt.date(2026, 11, 30), folder / "so.pdf")
    made["mau-07-register"] = (folder / "so.pdf").read_bytes()
    period = desk.report_range(dt.date(2026, 11, 1), dt.date(2026, 11, 30))
    desk.report_export(desk.report_ii06a(period), folder / "ii06a.pdf")
    made["ii06a"] = (folder / "ii06a.pdf").read_bytes()
    desk.set_up(form_family="tt01-2018")
    made["tt01-slip"] = desk.form_pdf(desk.receive(_request()).code, "01")
    made["late-code"] = late.encode()
    desk.close()
    return made


FORMS = ["mau-01", "mau-02", "mau-03", "mau-04", "mau-05", "mau-06", "mau-07-register",
         "ii06a", "tt01-slip"]


def printed(qapp, data: bytes, out) -> int:
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(out))
    return paint_to_printer(data, printer)


def poppler(*args: str) -> str:
    return subprocess.run(list(args), check=True, capture_output=True).stdout.decode("utf-8")


def words(path) -> list[str]:
    return poppler("pdftotext", "-raw", "-enc", "UTF-8", str(path), "-").split()


def page_image(path, page: int, tmp_path, dpi: int = 100) -> Image.Image:
    prefix = tmp_path / f"{path.stem}-{page}-{dpi}"
    subprocess.run(["pdftoppm", "-r", str(dpi), "-gray", "-png", "-f", str(page), "-l",
                    str(page), "-singlefile", str(path), str(prefix)], check=True)
    return Image.open(f"{prefix}.png").convert("L")


def difference(a: Image.Image, b: Image.Image) -> float:
    """Mean grey difference (0–255) of two renderings, softened so that anti-aliasing at
    the edge of a letter or a barcode bar counts for little and a letter out of place
    counts."""
    soft = ImageFilter.GaussianBlur(2)
    return ImageStat.Stat(ImageChops.difference(a.filter(soft), b.filter(soft))).mean[0]


@pytest.mark.parametrize("name", FORMS)
def test_each_form_reaches_the_printer_as_text_and_vectors(qapp, forms, name, tmp_path):
    original = tmp_path / f"{name}.pdf"
    original.write_bytes(forms[name])
    out = tmp_path / f"{name}-printed.pdf"
    pages = printed(qapp, forms[name], out)

    info = poppler("pdfinfo", str(original))
    assert re.search(rf"^Pages:\s+{pages}$", poppler("pdfinfo", str(out)), re.M)
    assert re.search(rf"^Pages:\s+{pages}$", info, re.M)
    # no picture of the page: no image at all, the form's own fonts embedded with their text
    image_rows = poppler("pdfimages", "-list", str(out)).splitlines()[2:]
    assert image_rows == []
    fonts = poppler("pdffonts", str(out))
    assert "LiberationSerif" in fonts and "Type 3" not in fonts
    assert out.stat().st_size <= MAX_BYTES_PER_PAGE * pages, out.stat().st_size
    # the same words, in the same order
    assert words(out) == words(original)
    # the same page: both rendered at 100 dpi differ by less than a third of what moving the
    # form by one pixel (a quarter of a millimetre) would make
    for page in range(1, pages + 1):
        a, b = page_image(original, page, tmp_path), page_image(out, page, tmp_path)
        assert a.size == b.size
        moved = difference(a, ImageChops.offset(a, 1, 0))
        assert difference(a, b) < min(0.3, moved / 3), f"page {page} differs from the form"


def test_the_printed_slip_carries_a_barcode_read_at_200_dpi(qapp, forms, tmp_path):
    out = tmp_path / "slip-printed.pdf"
    printed(qapp, forms["mau-01"], out)
    code = forms["late-code"].decode()
    for page in (1, 2):  # both copies
        picture = tmp_path / f"p{page}"
        subprocess.run(["pdftoppm", "-r", "200", "-gray", "-png", "-f", str(page), "-l",
                        str(page), "-singlefile", str(out), str(picture)], check=True)
        result = subprocess.run(["zbarimg", "-q", "--raw", f"{picture}.png"],
                                capture_output=True, text=True)
        assert result.returncode == 0, result.stderr
        assert result.stdout.split() == [code]


def test_the_register_prints_on_its_side(qapp, forms, tmp_path):
    out = tmp_path / "so.pdf"
    printed(qapp, forms["mau-07-register"], out)
    size = re.search(r"^Page size:\s+([\d.]+) x ([\d.]+) pts", poppler("pdfinfo", str(out)),
                     re.M)
    assert float(size[1]) > float(size[2])  # landscape A4


def test_the_slip_is_read_into_glyphs_and_bars(forms):
    pages = read_pages(forms["mau-01"])
    assert len(pages) == 2
    first = pages[0]
    assert (round(first.width), round(first.height)) == (595, 842)
    text = "".join("".join(g.chars) for g in first.items if isinstance(g, Glyphs))
    assert "NguyễnThịNgọcÁnh" in text.replace(" ", "")
    bold = {g.font_file.name for g in first.items if isinstance(g, Glyphs)}
    assert {"LiberationSerif-Regular.ttf", "LiberationSerif-Bold.ttf"} <= bold
    # the barcode's bars: filled black rectangles, all the same height, inside the page
    bars = [s for s in first.items if isinstance(s, Shape) and s.fill == (0, 0, 0)
            and s.stroke is None and len(s.segments) >= 4]
    assert len(bars) > 30
    for bar in bars:
        ys = [v for seg in bar.segments for v in seg[2::2]]
        assert 0 < min(ys) < max(ys) < first.height


def _pdf_with_a_picture() -> bytes:
    buffer = io.BytesIO()
    canvas = Canvas(buffer)
    picture = io.BytesIO()
    Image.new("RGB", (40, 40), "red").save(picture, "PNG")
    canvas.drawImage(ImageReader(io.BytesIO(picture.getvalue())), 100, 100)
    canvas.save()
    return buffer.getvalue()


def _pdf_in_another_font() -> bytes:
    buffer = io.BytesIO()
    canvas = Canvas(buffer)
    canvas.setFont("Helvetica", 12)
    canvas.drawString(100, 700, "Helvetica is not shipped")
    canvas.save()
    return buffer.getvalue()


@pytest.mark.parametrize("data", [b"", b"not a pdf at all", b"%PDF-1.4\n%%EOF",
                                  _pdf_with_a_picture(), _pdf_in_another_font()],
                         ids=["empty", "garbage", "no-page", "picture", "other-font"])
def test_what_cannot_print_as_vectors_is_refused_not_printed_wrong(data):
    with pytest.raises(UnsupportedDrawing):
        read_pages(data)


def test_a_print_that_fails_says_so_in_vietnamese_and_reports_not_printed(qtbot, tmp_path):
    """The officer chose a printer, but the job could not be drawn: a message in Vietnamese,
    False to the caller (the slip stays "chưa in"), no traceback."""
    printer = SlipPrinter()
    printer.printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.printer.setOutputFileName(str(tmp_path / "x.pdf"))
    desk_window = QWidget()
    qtbot.addWidget(desk_window)
    seen = []

    def answer():
        box = QApplication.activeModalWidget()
        seen.append((box.windowTitle(), box.text(), [b.text() for b in box.buttons()]))
        box.buttons()[0].click()

    script = start([("the message",
                     lambda: isinstance(QApplication.activeModalWidget(), QMessageBox), answer)])
    assert printer.send(b"not a pdf", desk_window) is False
    qtbot.waitUntil(lambda: script.done)
    finished(script)
    assert printer.pages_printed == 0
    title, text, buttons = seen[0]
    assert title == "Chưa in được" and text.startswith("Không in được") and buttons == ["Đóng"]
