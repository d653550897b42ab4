"""Digitising at the counter (counter_app.attachments): scans, photos and PDF files made into
one compact PDF per document, read back by poppler (pdfinfo, pdftoppm) and pikepdf.

The pages are synthetic but scan-like (tests/sample_pages.py, shared with the benchmark).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import pikepdf
import pytest
from PIL import Image, ImageChops, ImageDraw

from counter_app.attachments import AttachmentRejected, Document, normalise
from counter_app.attachments import pages as attachment_pages
from counter_app.errors import CounterError
from tests.sample_pages import (
    A4_300,
    A4_POINTS,
    LINES,
    font,
    form_page,
    gray_photo_page,
    id_card_photo,
    jpeg,
    photo,
    png,
    reportlab_pdf,
    scanned,
    sideways_phone_jpeg,
    stamped_page,
    text_page,
)


def pdfinfo(path: Path, *extra: str) -> str:
    return subprocess.run(["pdfinfo", *extra, str(path)], check=True, capture_output=True,
                          text=True).stdout


def page_sizes(doc: Document, tmp_path: Path) -> list[tuple[float, float]]:
    path = tmp_path / "doc.pdf"
    path.write_bytes(doc.pdf)
    info = pdfinfo(path, "-f", "1", "-l", str(doc.pages))
    return [(float(w), float(h)) for w, h in
            re.findall(r"^Page\s+\d+ size:\s+([\d.]+) x ([\d.]+) pts", info, re.M)]


def render(doc: Document, tmp_path: Path, page: int = 1, dpi: int = 40) -> Image.Image:
    path = tmp_path / "render.pdf"
    path.write_bytes(doc.pdf)
    subprocess.run(["pdftoppm", "-r", str(dpi), "-gray", "-png", "-f", str(page), "-l",
                    str(page), "-singlefile", str(path), str(tmp_path / "render")],
                   check=True, capture_output=True)
    with Image.open(tmp_path / "render.png") as image:
        return image.convert("L")


def pictures(doc: Document) -> list[pikepdf.Dictionary]:
    """The image XObject of each page, in order."""
    with pikepdf.open(io.BytesIO(doc.pdf)) as pdf:
        found = []
        for page in pdf.pages:
            (image,) = page.get_images().values()
            found.append({key: image.stream_dict.get(key) for key in
                          ("/Width", "/Height", "/ColorSpace", "/Filter", "/BitsPerComponent")})
        return found


def darkness(image: Image.Image) -> float:
    """0 for a white area, 255 for a black one."""
    histogram = image.histogram()
    return 255 - sum(i * n for i, n in enumerate(histogram)) / sum(histogram)


# -- pictures -------------------------------------------------------------------------------
def test_a_300_dpi_text_scan_becomes_a_200_dpi_black_and_white_a4_page(tmp_path):
    source = tmp_path / "to_khai.png"
    source.write_bytes(png(scanned(text_page())))
    doc = normalise([source])
    assert doc.pages == 1 and doc.page_modes == ("bilevel",)
    assert doc.media_type == "application/pdf" and doc.bytes == len(doc.pdf)
    assert doc.sha256 == hashlib.sha256(doc.pdf).hexdigest()
    (picture,) = pictures(doc)
    assert picture["/Filter"] in ("/CCITTFaxDecode", pikepdf.Array([pikepdf.Name.CCITTFaxDecode]))
    assert picture["/BitsPerComponent"] == 1
    assert max(picture["/Width"], picture["/Height"]) <= 2339
    assert (picture["/Width"], picture["/Height"]) == (1653, 2339)
    ((w, h),) = page_sizes(doc, tmp_path)
    assert w == pytest.approx(A4_POINTS[0], abs=2) and h == pytest.approx(A4_POINTS[1], abs=2)
    assert doc.bytes < 150_000
    # Legible: the text lines are there at 100 dpi (ink under the title, white margins).
    shown = render(doc, tmp_path, dpi=100)
    assert shown.width == 827 and abs(shown.height - 1169) <= 1
    assert darkness(shown.crop((100, 250, 700, 600))) > 10
    assert darkness(shown.crop((0, 0, 60, 1169))) < 1


def test_gray_photo_is_a_gray_jpeg_and_a_stamp_keeps_its_colour(tmp_path):
    doc = normalise([jpeg(gray_photo_page()), jpeg(stamped_page())])
    assert doc.page_modes == ("gray", "colour")
    gray, colour = pictures(doc)
    assert gray["/ColorSpace"] == "/DeviceGray" and colour["/ColorSpace"] == "/DeviceRGB"
    # Both mostly picture or coloured: 150 dpi, still on A4 paper.
    assert (gray["/Width"], colour["/Width"]) == (1240, 1240)
    for size in page_sizes(doc, tmp_path):
        assert size == pytest.approx(A4_POINTS, abs=2)
    assert doc.bytes < 2 * 150_000
    for picture in (gray, colour):
        assert picture["/Filter"] in ("/DCTDecode", pikepdf.Array([pikepdf.Name.DCTDecode]))
    # The stamp is still red when the page is rendered in colour.
    path = tmp_path / "doc.pdf"
    path.write_bytes(doc.pdf)
    subprocess.run(["pdftoppm", "-r", "50", "-png", "-f", "2", "-l", "2", "-singlefile",
                    str(path), str(tmp_path / "colour")], check=True)
    with Image.open(tmp_path / "colour.png") as shown:
        star = shown.convert("RGB").crop((267, 460, 283, 476))  # the stamp's star, at 50 dpi
        r, g, b = star.resize((1, 1), Image.Resampling.BOX).getpixel((0, 0))
    assert r > g + 15 and r > b + 15


def fringed(page: Image.Image, shift: int = 2) -> Image.Image:
    """Red and blue planes off by ``shift`` pixels each way (a phone lens, a cheap scanner):
    every black letter gets a red rim on one side and a blue one on the other."""
    r, g, b = page.convert("RGB").split()
    return Image.merge("RGB", [ImageChops.offset(r, shift, 0), g, ImageChops.offset(b, -shift, 0)])


def small_print_page() -> Image.Image:
    """Dense 7-point text: its letters are mostly anti-aliased rim, hardly any solid ink."""
    page = Image.new("L", A4_300, 255)
    draw = ImageDraw.Draw(page)
    for y in range(200, 3300, 40):
        draw.text((150, y), f"{LINES[y % 9]} {LINES[(y + 1) % 9]}", font=font(28), fill=0)
    return page


def text_with_photo_page() -> Image.Image:
    page = text_page()
    page.paste(photo((700, 500)), (1500, 2700))
    return page


@pytest.mark.parametrize(("make", "mode"), [
    (lambda: scanned(form_page()), "bilevel"),  # scanned in colour, nothing coloured
    (lambda: fringed(scanned(text_page())), "bilevel"),
    (lambda: fringed(scanned(form_page())), "bilevel"),
    (lambda: scanned(small_print_page()), "bilevel"),
    (lambda: scanned(text_with_photo_page()), "gray"),  # a photo on 4 % of the page
    (lambda: fringed(stamped_page()), "colour"),
], ids=["colour-scan-of-a-form", "fringed-text", "fringed-form", "small-print",
        "text-with-a-photo", "fringed-stamp"])
def test_the_mode_fits_the_page(make, mode):
    assert normalise([jpeg(make())]).page_modes == (mode,)


def test_a_sideways_phone_picture_comes_out_upright(tmp_path):
    doc = normalise([sideways_phone_jpeg()])
    ((w, h),) = page_sizes(doc, tmp_path)
    assert w < h  # portrait, as the page was held
    assert h == pytest.approx(11.69 * 72, abs=2)  # no resolution given: an A4 page
    shown = render(doc, tmp_path)
    w, h = shown.width // 6, shown.height // 12
    corners = {"top left": (0, 0), "top right": (shown.width - w, 0),
               "bottom left": (0, shown.height - h),
               "bottom right": (shown.width - w, shown.height - h)}
    ink = {name: darkness(shown.crop((x, y, x + w, y + h))) for name, (x, y) in corners.items()}
    assert ink["top left"] > 200, ink  # the marker block, where it was drawn
    assert max(ink["top right"], ink["bottom left"], ink["bottom right"]) < 60, ink


def test_pictures_are_never_enlarged_and_an_id_card_keeps_its_size(tmp_path):
    small = Image.new("L", (640, 480), 255)
    ImageDraw.Draw(small).text((20, 200), LINES[0], font=font(20), fill=0)
    card = id_card_photo(300)
    doc = normalise([png(small, dpi=None), jpeg(card, dpi=300)])
    first, second = pictures(doc)
    assert (first["/Width"], first["/Height"]) == (640, 480)
    assert second["/Width"] == round(card.width * 150 / 300)  # a photograph: 150 dpi
    card_points = (card.width / 300 * 72, card.height / 300 * 72)
    assert page_sizes(doc, tmp_path)[1] == pytest.approx(card_points, abs=1)
    assert doc.page_modes[1] == "gray"


def test_a_multi_page_tiff_a_bmp_and_a_webp_are_all_pages(tmp_path):
    frames = [text_page((1240, 1754), title=f"TRANG {n}").convert("1") for n in (1, 2, 3)]
    tiff = io.BytesIO()
    frames[0].save(tiff, "TIFF", save_all=True, append_images=frames[1:], dpi=(150, 150),
                   compression="group4")
    bmp, webp = io.BytesIO(), io.BytesIO()
    scanned(form_page((1240, 1754))).save(bmp, "BMP")
    stamped_page().resize((1240, 1754)).save(webp, "WEBP", quality=80)
    doc = normalise([tiff.getvalue(), bmp.getvalue(), webp.getvalue()])
    assert doc.pages == 5
    assert doc.page_modes == ("bilevel",) * 4 + ("colour",)
    assert page_sizes(doc, tmp_path)[0] == pytest.approx(A4_POINTS, abs=2)
    for page in range(1, 6):
        assert darkness(render(doc, tmp_path, page)) > 1


def test_transparent_and_16_bit_pictures_are_flattened():
    rgba = Image.new("RGBA", (800, 1100), (0, 0, 0, 0))
    ImageDraw.Draw(rgba).text((40, 100), LINES[1], font=font(24), fill=(0, 0, 0, 255))
    deep = Image.linear_gradient("L").resize((600, 800)).convert("I;16")
    deep = deep.point(lambda v: v * 256)
    out = io.BytesIO()
    deep.save(out, "PNG")
    doc = normalise([png(rgba, dpi=None), out.getvalue()])
    assert doc.page_modes == ("bilevel", "gray")


# -- PDF files and mixing -------------------------------------------------------------------
def test_pictures_and_pdf_files_make_one_document_in_order(tmp_path):
    made = tmp_path / "giay_uy_quyen.pdf"
    made.write_bytes(reportlab_pdf(2))
    doc = normalise([jpeg(id_card_photo()), made, png(scanned(text_page()))],
                    created=dt.datetime(2026, 3, 9, 9, 30), title="Hồ sơ 000.17.22.H56")
    assert doc.pages == 4 and doc.page_modes == ("gray", "pdf", "pdf", "bilevel")
    path = tmp_path / "doc.pdf"
    path.write_bytes(doc.pdf)
    info = pdfinfo(path)
    assert re.search(r"^Pages:\s+4$", info, re.M)
    assert re.search(r"^Producer:\s+counter-app$", info, re.M)
    assert re.search(r"^Encrypted:\s+no$", info, re.M)
    assert re.search(r"^CreationDate:.*2026", info, re.M)
    text = subprocess.run(["pdftotext", "-f", "2", "-l", "3", str(path), "-"], check=True,
                          capture_output=True).stdout.decode("utf-8")
    assert "1. Họ, chữ đệm, tên người yêu cầu" in text and "2. Nơi cư trú" in text
    with pikepdf.open(path) as pdf:
        assert not pdf.is_encrypted
        assert pdf.open_metadata()["pdf:Producer"] == "counter-app"


def test_javascript_is_taken_off_a_pdf_file():
    with pikepdf.open(io.BytesIO(reportlab_pdf(1))) as pdf:
        script = pdf.make_indirect(pikepdf.Dictionary(S=pikepdf.Name.JavaScript,
                                                      JS=pikepdf.String("app.alert(1)")))
        pdf.Root.OpenAction = script
        page = pdf.pages[0].obj
        page.AA = pikepdf.Dictionary(O=script)
        page.Annots = pdf.make_indirect(pikepdf.Array([pdf.make_indirect(pikepdf.Dictionary(
            Type=pikepdf.Name.Annot, Subtype=pikepdf.Name.Link,
            Rect=pikepdf.Array([72, 72, 200, 100]), A=script))]))
        armed = io.BytesIO()
        pdf.save(armed)
    doc = normalise([armed.getvalue()])
    with pikepdf.open(io.BytesIO(doc.pdf)) as pdf:
        assert "/OpenAction" not in pdf.Root and "/Names" not in pdf.Root
        for obj in pdf.objects:
            if isinstance(obj, pikepdf.Dictionary):
                assert obj.get("/S") != "/JavaScript" and "/JS" not in obj
        assert len(pdf.pages[0].Annots) == 1  # the link stays, without its action


# -- determinism ----------------------------------------------------------------------------
def test_the_same_sources_give_the_same_bytes_in_another_process(tmp_path):
    sources = [tmp_path / "a.jpg", tmp_path / "b.pdf", tmp_path / "c.png"]
    sources[0].write_bytes(jpeg(stamped_page()))
    sources[1].write_bytes(reportlab_pdf(1))
    sources[2].write_bytes(png(scanned(text_page())))
    created = dt.datetime(2026, 3, 9, 9, 30, tzinfo=dt.timezone(dt.timedelta(hours=7)))
    first = normalise(sources, created=created)
    assert normalise(sources, created=created).sha256 == first.sha256
    script = ("import sys, datetime as dt; from pathlib import Path;"
              "from counter_app.attachments import normalise;"
              "tz = dt.timezone(dt.timedelta(hours=7));"
              "print(normalise([Path(p) for p in sys.argv[1:]],"
              " created=dt.datetime(2026, 3, 9, 9, 30, tzinfo=tz)).sha256)")
    other = subprocess.run([sys.executable, "-c", script, *map(str, sources)], check=True,
                           capture_output=True, text=True, cwd=Path(__file__).parents[2],
                           env={"PYTHONHASHSEED": "12345", "PATH": "/usr/bin:/bin"})
    assert other.stdout.strip() == first.sha256
    undated = normalise(sources)
    assert undated.sha256 != first.sha256 and normalise(sources).sha256 == undated.sha256
    with pikepdf.open(io.BytesIO(undated.pdf)) as pdf:
        assert "/CreationDate" not in pdf.docinfo


# -- what is refused ------------------------------------------------------------------------
def rejected(sources, **options) -> AttachmentRejected:
    with pytest.raises(AttachmentRejected) as caught:
        normalise(sources, **options)
    assert isinstance(caught.value, CounterError)
    return caught.value


def test_empty_text_and_missing_files_are_refused_by_name(tmp_path):
    empty = tmp_path / "trang_trang.jpg"
    empty.write_bytes(b"")
    error = rejected([empty])
    assert (error.reason, error.file) == ("empty", "trang_trang.jpg")
    assert "trang_trang.jpg" in str(error) and "trống" in str(error)
    note = tmp_path / "ghi_chu.txt"
    note.write_text("Hồ sơ thiếu tờ khai\n", encoding="utf-8")
    error = rejected([note])
    assert error.reason == "not_a_document" and "ghi_chu.txt" in str(error)
    assert "không phải ảnh" in str(error)
    assert rejected([tmp_path / "khong_co.png"]).reason == "unreadable"
    assert rejected([]).reason == "no_sources"
    assert rejected([png(text_page((200, 300))), b""]).file == "tệp thứ 2"


def test_a_truncated_jpeg_is_refused(tmp_path):
    whole = jpeg(scanned(text_page((1240, 1754))))
    cut = tmp_path / "bi_cat.jpg"
    cut.write_bytes(whole[: len(whole) // 2])
    error = rejected([cut])
    assert error.reason == "damaged_image" and "bi_cat.jpg" in str(error)


def test_encrypted_damaged_and_empty_pdfs_are_refused(tmp_path):
    for user in ("mat-khau", ""):  # a password to open it, or only an owner's password
        with pikepdf.open(io.BytesIO(reportlab_pdf(1))) as pdf:
            locked = io.BytesIO()
            pdf.save(locked, encryption=pikepdf.Encryption(owner="chu", user=user))
        error = rejected([locked.getvalue()])
        assert error.reason == "encrypted" and "mật khẩu" in str(error)
    assert rejected([b"%PDF-1.7\nnot really a pdf\n"]).reason == "damaged_pdf"
    blank = io.BytesIO()
    pikepdf.new().save(blank)
    assert rejected([blank.getvalue()]).reason == "no_pages"


def test_size_and_page_limits(tmp_path):
    huge = tmp_path / "quet_600dpi.tif"
    with huge.open("wb") as out:  # sparse: 51 MB on paper, never read
        out.truncate(51 * 1024 * 1024)
    error = rejected([huge])
    assert error.reason == "too_large" and "50 MB" in str(error)
    assert rejected([png(text_page((400, 560)))], max_source_bytes=1000).reason == "too_large"
    frames = [Image.new("1", (300, 400), 1) for _ in range(3)]
    tiff = io.BytesIO()
    frames[0].save(tiff, "TIFF", save_all=True, append_images=frames[1:])
    error = rejected([tiff.getvalue()], max_pages=2)
    assert error.reason == "too_many_pages" and "2 trang" in str(error)
    assert rejected([png(frames[0]), reportlab_pdf(2)], max_pages=2).reason == "too_many_pages"
    assert normalise([tiff.getvalue()], max_pages=3).pages == 3


def png_header(width: int, height: int) -> bytes:
    """A PNG that only claims its size (Pillow reads the header before any pixel)."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return (struct.pack(">I", len(body)) + kind + body
                + struct.pack(">I", zlib.crc32(kind + body)))
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(b"\0" * 16)) + chunk(b"IEND", b""))


def test_decompression_bombs_are_refused(monkeypatch):
    error = rejected([png_header(40_000, 40_000)])
    assert error.reason == "too_many_pixels" and "triệu điểm ảnh" in str(error)
    # Between Pillow's warning and its error: the warning is refused too.
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1_000_000)
    monkeypatch.setattr(attachment_pages, "MAX_PIXELS", 1_000_000)
    assert rejected([png(Image.new("L", (1500, 1000), 255))]).reason == "too_many_pixels"


def test_the_core_does_not_import_qt():
    script = ("import sys; import counter_app.attachments;"
              "print(sorted(m for m in sys.modules if m.split('.')[0] in"
              " ('PySide6', 'shiboken6', 'ui')))")
    shown = subprocess.run([sys.executable, "-c", script], check=True, capture_output=True,
                           text=True, cwd=Path(__file__).parents[2])
    assert shown.stdout.strip() == "[]"
