"""SỔ THEO DÕI HỒ SƠ (the register: Mẫu 06 of TT 01/2018, Mẫu 07 of TT 03/2025, in the
family of its dossiers) for a date range, as an A4 landscape PDF.

One line per dossier in book (Quyển số) and entry-number order, a heading row before each
book, the table header repeated on every page, the total at the end, page numbers in
the footer.

The 2018 register's columns are [Chưa rõ] in docs/law.md §1.3 (reconstructed, not read from the official
form; see ``counter_app.store.register_rows``). Nothing on the printed register says so.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from pathlib import Path

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, Spacer, Table, TableStyle

from counter_app.domain.agency import AgencySettings
from counter_app.domain.legal_forms import FormKind, wording
from counter_app.printing import fonts
from counter_app.printing.form_parts import (
    build_pdf,
    cell_text,
    grid_style,
    header_table,
    styles,
    text,
)
from counter_app.store.dossier_store import DossierRow
from counter_app.store.register_rows import (
    COLUMNS,
    TITLE,
    Handover,
    RegisterLine,
    columns,
    lines,
    period,
    title,
)

WIDTHS_MM = (8, 35, 29, 11, 23, 29, 23, 16, 16, 16, 16, 16, 12, 25)
#: With the 2025 "Phương thức nhận kết quả" column (before "Ký nhận").
WIDTHS_MM_2025 = (8, 32, 27, 10, 21, 26, 21, 15, 15, 15, 15, 15, 19, 11, 22)
MARGINS = dict(leftMargin=12 * mm, rightMargin=10 * mm, topMargin=12 * mm,
               bottomMargin=14 * mm)
HEADER_ROWS = 3
FIRST_DATE = next(i for i, (_, group) in enumerate(COLUMNS) if group)
LAST_DATE = max(i for i, (_, group) in enumerate(COLUMNS) if group)


def _styles() -> dict:
    s = styles()
    cell = s["cell"].clone("reg_cell", fontSize=8, leading=9.5)
    return {"cell": cell, "center": cell.clone("reg_center", alignment=1),
            "head": cell.clone("reg_head", alignment=1, fontName=fonts.BOLD)}


def _when(moment: dt.datetime | None) -> str:
    return f"{moment:%d/%m/%Y}<br/>{moment:%H:%M}" if moment else ""


def _header_rows(st: dict, cols) -> tuple[list, list]:
    top, sub = [], []
    for heading, group in cols:
        if group:
            top.append(Paragraph(group, st["head"]) if heading == cols[FIRST_DATE][0] else "")
            sub.append(Paragraph(heading, st["head"]))
        else:
            top.append(Paragraph(heading, st["head"]))
            sub.append("")
    numbers = [Paragraph(f"<i>({i})</i>", st["center"]) for i in range(1, len(cols) + 1)]
    spans = [("SPAN", (i, 0), (i, 1)) for i, (_, g) in enumerate(cols) if not g]
    spans.append(("SPAN", (FIRST_DATE, 0), (LAST_DATE, 0)))
    return [top, sub, numbers], spans


def _line_row(line: RegisterLine, st: dict, with_method: bool) -> list:
    c, m = st["cell"], st["center"]
    method = [Paragraph(cell_text(line.return_method), c)] if with_method else []
    return [Paragraph(str(line.number), m), Paragraph(text(line.code), c),
            Paragraph(cell_text(line.procedure), c), Paragraph(f"{line.sets:02d}", m),
            Paragraph(cell_text(line.applicant), c),
            Paragraph(cell_text(line.contact).replace("\n", "<br/>"), c),
            Paragraph(cell_text(line.lead_unit), c),
            *[Paragraph(_when(d), m) for d in line.dates], *method, "",
            Paragraph(cell_text(line.note), c)]


def _table(register: Sequence[RegisterLine], width: float, cols) -> Table:
    st = _styles()
    with_method = len(cols) > len(COLUMNS)
    widths = WIDTHS_MM_2025 if with_method else WIDTHS_MM
    data, commands = _header_rows(st, cols)
    commands += [("BACKGROUND", (0, 0), (-1, HEADER_ROWS - 1), colors.HexColor("#eeeeee")),
                 ("VALIGN", (0, HEADER_ROWS), (-1, -1), "TOP"),
                 ("LEFTPADDING", (0, 0), (-1, -1), 3), ("RIGHTPADDING", (0, 0), (-1, -1), 3)]
    book = None
    for line in register:
        if line.book != book:
            book = line.book
            commands += [("SPAN", (0, len(data)), (-1, len(data))),
                         ("BACKGROUND", (0, len(data)), (-1, len(data)),
                          colors.HexColor("#f6f6f6"))]
            data.append([Paragraph(f"<b>Quyển số: {text(book)}</b>", st["cell"])]
                        + [""] * (len(cols) - 1))
        data.append(_line_row(line, st, with_method))
    if not register:
        commands.append(("SPAN", (0, len(data)), (-1, len(data))))
        data.append([Paragraph("<i>Không có hồ sơ nào được tiếp nhận trong thời gian này.</i>",
                               st["center"])] + [""] * (len(cols) - 1))
    scale = width / (sum(widths) * mm)
    table = Table(data, colWidths=[w * mm * scale for w in widths], repeatRows=HEADER_ROWS)
    table.setStyle(grid_style(HEADER_ROWS))
    table.setStyle(TableStyle(commands))
    return table


def _story(register: Sequence[RegisterLine], agency: AgencySettings, start: dt.date,
           end: dt.date, width: float, family: str | None = None) -> list:
    s = styles()
    words = wording(family or agency.family_for(end))
    return [
        header_table(agency, width, None, words=words),
        Paragraph(f"{title(words)}<br/><font size=10>(Mẫu {words.number(FormKind.REGISTER)}, "
                  f"{text(words.label)})</font>", s["title"]),
        Paragraph(f"<i>{period(start, end)}</i>", s["center"]),
        Spacer(1, 3 * mm),
        _table(register, width, columns(words)),
        Spacer(1, 2 * mm),
        Paragraph(f"Tổng số: <b>{len(register)}</b> hồ sơ.", s["base"]),
    ]


def render(rows: Sequence[DossierRow], agency: AgencySettings, start: dt.date, end: dt.date,
           out: str | Path | None = None,
           first_handover: Mapping[str, Handover] | None = None,
           family: str | None = None) -> bytes:
    """The register as PDF bytes (also written, atomically, to ``out``).

    ``first_handover``: dossier id -> first hand-over (``register_rows.first_handovers``),
    for the "Chuyển hồ sơ" date and the lead unit; blank without it.
    """
    register = lines(rows, first_handover)
    footer = f"{TITLE} – {agency.agency_name} – {period(start, end)}"

    def on_page(canvas, doc) -> None:
        canvas.saveState()
        canvas.setFont(fonts.ITALIC, 8)
        canvas.drawString(doc.leftMargin, 7 * mm, footer)
        canvas.drawRightString(doc.pagesize[0] - doc.rightMargin, 7 * mm,
                               f"Trang {doc.page}")
        canvas.restoreState()

    return build_pdf(lambda width: _story(register, agency, start, end, width, family),
                     title=f"{TITLE} {period(start, end)}", agency=agency,
                     subject=period(start, end), out=out, pagesize=landscape(A4),
                     margins=MARGINS, on_page=on_page)
