"""Form II.06a/VPCP/KSTT (TT 01/2020/TT-VPCP) as an A4 landscape PDF a commune can send.

docs/law.md §5.1 confirms the form's header strings ("Đơn vị báo cáo", "Đơn vị nhận báo
cáo", "Kỳ báo cáo: … (Từ ngày … đến ngày …)", "Đơn vị tính: Số hồ sơ TTHC") and the meaning
of its 13 columns [Xác nhận]. The exact layout — where the blocks sit, the grouping of the
three-level header, the note line and the signature block — is **reconstructed by the
program**, not copied from the official template. The texts are the XLSX export's
(``ii06a_xlsx``), so both say the same.

The page: three header blocks (form number and circular | title and period | units), the
table (three header rows with merged cells and the column numbers, repeated on every page;
"Tổng cộng"; fields in bold; procedures indented), the note on dossiers closed without a
result, the signature block, and "Trang x/y" in the footer.
"""

from __future__ import annotations

import io
from pathlib import Path

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    Flowable,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)
from reportlab.platypus.doctemplate import LayoutError

from counter_app.errors import PrintFailed
from counter_app.printing import fonts
from counter_app.printing.form_parts import (
    cell_text,
    signature_cell,
    styles,
    text,
    write_atomically,
)
from counter_app.printing.ii06a_xlsx import (
    CIRCULAR,
    FORM_NUMBER,
    GROUPS,
    IN_WHICH,
    LABEL,
    LAST,
    LEAVES,
    SUBHEADS,
    UNIT,
    date_line,
    note,
    period_line,
    title,
    units,
)
from counter_app.reports.heading import ReportHeading
from counter_app.reports.ii06a import Report, Row

MARGINS = dict(leftMargin=12 * mm, rightMargin=10 * mm, topMargin=12 * mm,
               bottomMargin=14 * mm)
#: STT, label, then the eleven number columns (scaled to the frame width).
WIDTHS_MM = (11, 76) + (17,) * 11
HEADER_ROWS = 4  # three header rows and the column numbers
GREY = colors.HexColor("#eeeeee")
TAIL_ROWS = 2  # rows kept with the signatures when they would stand alone


def _styles() -> dict:
    s = styles()
    cell = s["cell"].clone("ii06a_cell", fontSize=9.5, leading=11.5)
    return {
        **s,
        "cell": cell,
        "bold": cell.clone("ii06a_bold", fontName=fonts.BOLD),
        "indented": cell.clone("ii06a_indented", leftIndent=8),
        "head": cell.clone("ii06a_head", alignment=TA_CENTER, fontName=fonts.BOLD),
        "number": cell.clone("ii06a_number", alignment=TA_CENTER, fontSize=8.5),
        "block": s["small"].clone("ii06a_block", alignment=TA_LEFT, fontSize=10.5, leading=13),
        "form_title": s["title"].clone("ii06a_title", fontSize=13, leading=16, spaceBefore=0),
        "note": s["small"].clone("ii06a_note", fontName=fonts.ITALIC, fontSize=9.5, leading=12),
    }


def _top(report: Report, heading: ReportHeading, width: float, st: dict) -> Table:
    reporting, receiving = units(heading)
    left = [Paragraph(f"<b>{text(FORM_NUMBER)}</b>", st["block"]),
            Paragraph(f"<i>{text(CIRCULAR)}</i>", st["block"])]
    centre = [Paragraph(text(title(heading)), st["form_title"]),
              Paragraph(f"<i>{text(period_line(report))}</i>", st["small_center"])]
    right = [Paragraph(text(reporting), st["block"]), Paragraph(text(receiving), st["block"]),
             Paragraph(f"<i>{text(UNIT)}</i>", st["block"])]
    table = Table([[left, centre, right]], colWidths=[width * 0.22, width * 0.50, width * 0.28])
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"),
                               ("LEFTPADDING", (0, 0), (0, -1), 0),
                               ("RIGHTPADDING", (-1, 0), (-1, -1), 0)]))
    return table


def _header(st: dict) -> tuple[list[list], list]:
    """The three header rows, the column numbers row, and their SPAN commands."""
    empty = ["" for _ in range(LAST)]
    top, mid, low = list(empty), list(empty), list(empty)
    head = st["head"]
    top[0], top[1] = Paragraph("STT", head), Paragraph(text(LABEL), head)
    spans = [("SPAN", (0, 0), (0, 2)), ("SPAN", (1, 0), (1, 2))]
    for first, last, heading in GROUPS:
        top[first - 1] = Paragraph(text(heading), head)
        spans.append(("SPAN", (first - 1, 0), (last - 1, 0)))
    for col, heading in SUBHEADS.items():
        mid[col - 1] = Paragraph(text(heading), head)
        spans.append(("SPAN", (col - 1, 1), (col - 1, 2)))
    first, last, heading = IN_WHICH
    mid[first - 1] = Paragraph(text(heading), head)
    spans.append(("SPAN", (first - 1, 1), (last - 1, 1)))
    for col, heading in LEAVES.items():
        low[col - 1] = Paragraph(text(heading), head)
    numbers = [Paragraph(f"<i>({col})</i>", st["number"]) for col in range(1, LAST + 1)]
    return [top, mid, low, numbers], spans


def _line(line: Row, style) -> list:
    return [line.stt, Paragraph(cell_text(line.label), style), *map(str, line.columns())]


def _body(report: Report, st: dict) -> list[tuple[list, bool]]:
    """The table's rows under the header: (cells, bold), "Tổng cộng" first."""
    body = [(["", Paragraph(f"<b>{text(report.total.label)}</b>", st["head"]),
              *map(str, report.total.columns())], True)]
    for field_row in report.rows:
        body.append((_line(field_row, st["bold"]), True))
        for proc in field_row.procedures if report.by_procedure else ():
            body.append((_line(proc, st["indented"]), False))
    return body


def _table(body: list[tuple[list, bool]], width: float, st: dict) -> Table:
    """The header (repeated on every page) and ``body``."""
    data, commands = _header(st)
    data += [cells for cells, _ in body]
    scale = width / (sum(WIDTHS_MM) * mm)
    table = Table(data, colWidths=[w * mm * scale for w in WIDTHS_MM], repeatRows=HEADER_ROWS)
    commands += [
        ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("BACKGROUND", (0, 0), (-1, HEADER_ROWS - 1), GREY),
        ("FONTNAME", (0, HEADER_ROWS), (-1, -1), fonts.REGULAR),
        ("FONTSIZE", (0, HEADER_ROWS), (-1, -1), 9.5),
        ("ALIGN", (0, HEADER_ROWS), (0, -1), "CENTER"),
        ("ALIGN", (2, HEADER_ROWS), (-1, -1), "CENTER"),
        ("LEFTPADDING", (0, 0), (-1, -1), 3), ("RIGHTPADDING", (0, 0), (-1, -1), 3),
        ("TOPPADDING", (0, 0), (-1, -1), 2), ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]
    commands += [("FONTNAME", (0, row), (-1, row), fonts.BOLD)
                 for row, (_, bold) in enumerate(body, HEADER_ROWS) if bold]
    table.setStyle(TableStyle(commands))
    return table


class _PageMark(Flowable):
    """Takes no room; notes the page it lands on (to see whether the signature is alone)."""

    def __init__(self, pages: list[int]):
        super().__init__()
        self.pages = pages

    def wrap(self, avail_width, avail_height):
        return 0, 0

    def draw(self):
        self.pages.append(self.canv.getPageNumber())


def _signatures(heading: ReportHeading, width: float, st: dict) -> Table:
    left = [Paragraph("&nbsp;", st["center"]),
            *signature_cell("NGƯỜI LẬP BIỂU", heading.maker_name, "(Ký, ghi rõ họ tên)")]
    right = [Paragraph(f"<i>{text(date_line(heading))}</i>", st["center"]),
             *signature_cell(heading.head_title, heading.head_name,
                             "(Ký, đóng dấu, ghi rõ họ tên)")]
    table = Table([[left, "", right]], colWidths=[width * 0.35, width * 0.25, width * 0.40])
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"),
                               ("TOPPADDING", (0, 0), (-1, -1), 0),
                               ("BOTTOMPADDING", (0, 0), (-1, -1), 0)]))
    return table


def _story(report: Report, heading: ReportHeading, width: float, pages: list[int],
           tail: int = 0) -> list:
    """The page's flowables; with ``tail``, the table's last ``tail`` rows go (under the
    header) with the note and the signatures, so the signatures never stand alone on a page.
    ``pages`` gets the page numbers of the table's end and of the signatures."""
    st = _styles()
    body = _body(report, st)
    tail = min(tail, len(body))
    story: list = [_top(report, heading, width, st), Spacer(1, 3 * mm)]
    if len(body) > tail:
        story.append(_table(body[:len(body) - tail], width, st))
    ending: list = [_table(body[len(body) - tail:], width, st)] if tail else []
    story.append(_PageMark(pages))
    ending += [_PageMark(pages), Spacer(1, 1 * mm)]
    if line := note(report):
        ending.append(Paragraph(text(line), st["note"]))
    ending += [Spacer(1, 1.5 * mm), _signatures(heading, width, st)]
    return story + [KeepTogether(ending)]


def _canvas_with_footer(footer: str) -> type[Canvas]:
    """A canvas that remembers its pages, to print "Trang x/y" once the count is known."""

    class FooterCanvas(Canvas):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._pages: list[dict] = []

        def showPage(self):  # reportlab calls it at each page end
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self):
            count = len(self._pages)
            for state in self._pages:
                self.__dict__.update(state)
                self.setFont(fonts.ITALIC, 8)
                self.drawString(MARGINS["leftMargin"], 7 * mm, footer)
                self.drawRightString(self._pagesize[0] - MARGINS["rightMargin"], 7 * mm,
                                     f"Trang {self._pageNumber}/{count}")
                super().showPage()
            super().save()

    return FooterCanvas


def _build(report: Report, heading: ReportHeading, name: str, footer: str,
           pages: list[int], tail: int = 0) -> bytes:
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=landscape(A4), title=name,
                            author=heading.reporting_unit, subject=period_line(report),
                            **MARGINS)
    doc.build(_story(report, heading, doc.width, pages, tail),
              canvasmaker=_canvas_with_footer(footer))
    return buffer.getvalue()


def render(report: Report, heading: ReportHeading, out: str | Path | None = None) -> bytes:
    """The form as PDF bytes (also written, atomically, to ``out``)."""
    fonts.register()
    name = f"{FORM_NUMBER} – {report.period.label}"
    footer = f"{name} – {heading.reporting_unit}" if heading.reporting_unit else name
    try:
        pages: list[int] = []
        data = _build(report, heading, name, footer, pages)
        if pages[-1] > pages[0]:  # the signatures went alone to a page: take rows with them
            data = _build(report, heading, name, footer, [], tail=TAIL_ROWS)
    except LayoutError as exc:  # a cell taller than a page: say so, never a traceback
        raise PrintFailed(f"Không dàn trang được “{name}”: có nội dung quá dài ({exc}).") \
            from None
    if out is not None:
        write_atomically(out, lambda tmp: tmp.write_bytes(data))
    return data
