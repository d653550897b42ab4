"""Painting a printed form onto a printer as text and vectors, never as a picture.

The PDF's pages are read back into glyphs and paths (``counter_app.printing.page_drawing``)
and painted with QPainter: each letter with the form's own font at the origin the PDF gives
it, each rule and barcode bar as an exact rectangle. A slip is then some twenty kilobytes a
page, where a 300-dpi picture of it was over half a megabyte, and the printer's driver gets
text it can render at its own resolution.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QPointF, QSizeF, Qt
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QFontDatabase,
    QGlyphRun,
    QPageLayout,
    QPageSize,
    QPainter,
    QPainterPath,
    QPen,
    QRawFont,
)
from PySide6.QtPrintSupport import QPrinter

from counter_app.printing.page_drawing import Glyphs, PageDrawing, Shape, read_pages


class _Fonts:
    """A QRawFont per (file, size) for one print job.

    The file is registered with Qt's font database and taken through a QFont, not loaded
    as a bare QRawFont: only then do print engines (Qt's PDF writer included) embed it as
    a font with its text, instead of turning every letter into a drawn outline.
    """

    _families: dict[Path, str] = {}  # registered once per program: file -> family name

    def __init__(self):
        self._loaded: dict[tuple, QRawFont] = {}

    @classmethod
    def _font_of(cls, file: Path) -> QFont:
        if file not in cls._families:
            found = QFontDatabase.applicationFontFamilies(
                QFontDatabase.addApplicationFont(str(file)))
            if not found:
                raise OSError(f"Không đọc được phông chữ {file.name}.")
            cls._families[file] = found[0]
        font = QFont(cls._families[file])
        style = file.stem.rsplit("-", 1)[-1]
        font.setBold("Bold" in style)
        font.setItalic("Italic" in style)
        font.setHintingPreference(QFont.HintingPreference.PreferNoHinting)
        font.setPixelSize(100)
        return font

    def get(self, glyphs: Glyphs) -> QRawFont:
        key = (glyphs.font_file, glyphs.size)
        if key not in self._loaded:
            font = QRawFont.fromFont(self._font_of(glyphs.font_file))
            if not font.isValid():
                raise OSError(f"Không đọc được phông chữ {glyphs.font_file.name}.")
            font.setPixelSize(glyphs.size)
            self._loaded[key] = font
        return self._loaded[key]


def _colour(rgb) -> QColor:
    return QColor.fromRgbF(*rgb)


def _paint_glyphs(painter: QPainter, glyphs: Glyphs, loaded: _Fonts) -> None:
    font = loaded.get(glyphs)
    indexes = [font.glyphIndexesForString(char)[0] for char in glyphs.chars]
    run = QGlyphRun()
    run.setRawFont(font)
    run.setGlyphIndexes(indexes)
    run.setPositions([QPointF(x, y) for x, y in glyphs.origins])
    painter.setPen(QPen(_colour(glyphs.colour)))
    painter.drawGlyphRun(QPointF(0, 0), run)


def _paint_shape(painter: QPainter, shape: Shape) -> None:
    path = QPainterPath()
    for op, *xy in shape.segments:
        if op == "m":
            path.moveTo(*xy)
        elif op == "l":
            path.lineTo(*xy)
        elif op == "c":
            path.cubicTo(*xy)
        elif op == "v":  # first control point = current point
            path.cubicTo(path.currentPosition(), QPointF(*xy[0:2]), QPointF(*xy[2:4]))
        elif op == "y":  # second control point = end point
            path.cubicTo(QPointF(*xy[0:2]), QPointF(*xy[2:4]), QPointF(*xy[2:4]))
        elif op == "h":
            path.closeSubpath()
    path.setFillRule(Qt.FillRule.OddEvenFill if shape.even_odd else Qt.FillRule.WindingFill)
    if shape.fill is not None:
        painter.fillPath(path, QBrush(_colour(shape.fill)))
    if shape.stroke is not None:
        # PDF's line width 0 is the thinnest line the device can draw: Qt's cosmetic pen.
        pen = QPen(_colour(shape.stroke), shape.line_width)
        pen.setCapStyle(Qt.PenCapStyle.FlatCap)
        painter.strokePath(path, pen)


def paint_page(painter: QPainter, page: PageDrawing, loaded: _Fonts) -> None:
    for item in page.items:
        if isinstance(item, Glyphs):
            _paint_glyphs(painter, item, loaded)
        else:
            _paint_shape(painter, item)


def paint_to_printer(data: bytes, printer: QPrinter) -> int:
    """Paint every page of the PDF ``data`` as text and vectors; returns the pages printed."""
    pages = read_pages(data)
    first = pages[0]
    # The forms are A4 (the register and II.06a lie on their side): the paper follows them.
    printer.setPageSize(QPageSize(QSizeF(min(first.width, first.height),
                                         max(first.width, first.height)),
                                  QPageSize.Unit.Point, "", QPageSize.SizeMatchPolicy.FuzzyMatch))
    printer.setPageOrientation(QPageLayout.Orientation.Landscape if first.width > first.height
                               else QPageLayout.Orientation.Portrait)
    printer.setFullPage(True)
    painter = QPainter()
    if not painter.begin(printer):
        raise OSError("Không mở được máy in.")
    try:
        loaded = _Fonts()
        for number, page in enumerate(pages):
            if number:
                printer.newPage()
            # in the PDF's points, 1:1 on the paper; shrunk only if the paper is smaller by
            # more than a point (Qt's A4 is 595 x 842 pt, reportlab's 595.28 x 841.89)
            paper = printer.pageRect(QPrinter.Unit.Point)
            scale = printer.resolution() / 72
            if paper.width() + 1 < page.width or paper.height() + 1 < page.height:
                scale *= min(paper.width() / page.width, paper.height() / page.height)
            painter.resetTransform()
            painter.scale(scale, scale)
            paint_page(painter, page, loaded)
    finally:
        painter.end()
    return len(pages)
