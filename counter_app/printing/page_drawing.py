"""A printed form as drawing operations: the glyphs and paths of each PDF page, for a printer.

The forms are laid out once, by reportlab, into a PDF: that PDF is what the officer sees in
the preview and what is saved. A printer driver cannot take a PDF, and sending it a picture
of each page makes a job of a megabyte a page that a cheap printer takes long to print. So
the PDF's pages are read back (pdfminer.six) into what they draw:

- ``Glyphs``: a run of characters of one font, size and colour on one baseline, each with
  its own origin, so the printer puts every letter exactly where the PDF has it;
- ``Path``: lines, rectangles (the barcode's bars, table rules) and curves, filled and/or
  stroked.

The window paints these with QPainter (``ui/common/slip_printing.py``): text and vectors,
a few kilobytes a page. Coordinates here are in points (1/72 inch) from the page's top-left
corner, as a printer draws. Only what the program's own forms contain is understood; a PDF
with anything else (an image, a font not shipped in resources/fonts, rotated text) is
refused with ``UnsupportedDrawing`` rather than printed wrongly.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

from pdfminer.converter import PDFPageAggregator
from pdfminer.layout import LTChar, LTCurve, LTPage
from pdfminer.pdfinterp import PDFPageInterpreter, PDFResourceManager
from pdfminer.pdfpage import PDFPage
from pdfminer.pdfparser import PDFSyntaxError

from counter_app.printing import fonts

Colour = tuple[float, float, float]  # RGB, 0..1
BLACK: Colour = (0.0, 0.0, 0.0)


class UnsupportedDrawing(ValueError):
    """The PDF draws something a printer replay would get wrong."""


@dataclass(frozen=True)
class Glyphs:
    font_file: Path                          # a TTF in resources/fonts
    size: float                              # points
    colour: Colour
    chars: tuple[str, ...]                   # one character per glyph
    origins: tuple[tuple[float, float], ...]  # each glyph's baseline origin


@dataclass(frozen=True)
class Shape:
    """Segments as in PDF: ("m", x, y), ("l", x, y), ("c", x1, y1, x2, y2, x3, y3), ("h",)."""

    segments: tuple[tuple, ...]
    fill: Colour | None
    stroke: Colour | None
    line_width: float
    even_odd: bool = False


@dataclass(frozen=True)
class PageDrawing:
    width: float   # points
    height: float
    items: tuple[Glyphs | Shape, ...]


def read_pages(pdf: bytes) -> list[PageDrawing]:
    """Every page of ``pdf`` as drawing operations, in the order the PDF paints them."""
    manager = PDFResourceManager()
    device = PDFPageAggregator(manager, laparams=None)
    interpreter = PDFPageInterpreter(manager, device)
    pages = []
    try:
        for page in PDFPage.get_pages(io.BytesIO(pdf)):
            interpreter.process_page(page)
            pages.append(_drawing_of(device.get_result()))
    except (PDFSyntaxError, TypeError, KeyError) as error:
        raise UnsupportedDrawing(f"not a readable PDF: {error}") from error
    if not pages:
        raise UnsupportedDrawing("the PDF has no page")
    return pages


def _drawing_of(page: LTPage) -> PageDrawing:
    top = page.y1
    items: list[Glyphs | Shape] = []
    run: list[LTChar] = []

    def flush() -> None:
        if run:
            items.append(_glyphs(run, top))
            run.clear()

    for item in page:
        if isinstance(item, LTChar):
            if run and not _same_run(run[-1], item):
                flush()
            run.append(item)
        elif isinstance(item, LTCurve):  # LTLine and LTRect are curves too
            flush()
            items.append(_path(item, top))
        else:
            raise UnsupportedDrawing(f"a {type(item).__name__} cannot be printed as vectors")
    flush()
    return PageDrawing(page.width, page.height, tuple(items))


def _same_run(a: LTChar, b: LTChar) -> bool:
    return (a.fontname, a.size, a.matrix[5], _colour(a.graphicstate.ncolor)) == \
        (b.fontname, b.size, b.matrix[5], _colour(b.graphicstate.ncolor))


def _glyphs(run: list[LTChar], top: float) -> Glyphs:
    first = run[0]
    for char in run:
        a, b, c, d, _, _ = char.matrix
        if b or c or a <= 0 or abs(a - d) > 1e-6:
            raise UnsupportedDrawing(f"text not upright on the page ({char.matrix})")
        if len(char.get_text()) != 1:
            raise UnsupportedDrawing(f"a glyph without one character: {char.get_text()!r}")
    return Glyphs(font_file=_font_file(first.fontname), size=first.size,
                  colour=_colour(first.graphicstate.ncolor),
                  chars=tuple(char.get_text() for char in run),
                  origins=tuple((char.matrix[4], top - char.matrix[5]) for char in run))


def _font_file(pdf_name: str) -> Path:
    """'AAAAAA+LiberationSerif-Bold' (a subset reportlab embedded) -> the shipped TTF."""
    base = pdf_name.split("+", 1)[-1]
    found = fonts.file_of(base)
    if found is None:
        raise UnsupportedDrawing(f"font {base!r} is not one of the program's fonts")
    return found


def _path(curve: LTCurve, top: float) -> Shape:
    segments = []
    for segment in curve.original_path or ():
        op, *points = segment
        flat: list[float] = []
        for x, y in points:
            flat += [x, top - y]
        segments.append((op, *flat))
    return Shape(segments=tuple(segments),
                 fill=_colour(curve.non_stroking_color) if curve.fill else None,
                 stroke=_colour(curve.stroking_color) if curve.stroke else None,
                 line_width=float(curve.linewidth or 0), even_odd=bool(curve.evenodd))


def _colour(value) -> Colour:
    """A PDF colour (gray, RGB or CMYK numbers) as RGB; a pattern or nothing is black."""
    if isinstance(value, (int, float)):
        return (float(value),) * 3
    if isinstance(value, (tuple, list)) and all(isinstance(v, (int, float)) for v in value):
        if len(value) == 1:
            return (float(value[0]),) * 3
        if len(value) == 3:
            return tuple(float(v) for v in value)  # type: ignore[return-value]
        if len(value) == 4:
            c, m, y, k = (float(v) for v in value)
            return ((1 - c) * (1 - k), (1 - m) * (1 - k), (1 - y) * (1 - k))
    return BLACK
