"""What the program's Excel forms share: a styled (and optionally merged) cell that never
turns text into a formula, and the A4 landscape print set-up (one page wide, the header
repeated on every page, frozen under it, "Trang x/y" in the footer)."""

from __future__ import annotations

from collections.abc import Sequence

from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

FONT = "Times New Roman"
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)


def never_a_formula(cell):
    """An openpyxl cell whose text begins with "=" is written as a formula; names and fields
    typed that way (or sent by another desk) must stay text, as typed."""
    if isinstance(cell.value, str) and cell.data_type == "f":
        cell.data_type = "s"
    return cell


def put(ws: Worksheet, row: int, col: int, value, *, to_col: int | None = None,
        to_row: int | None = None, bold: bool = False, italic: bool = False,
        underline: bool = False, size: float = 11, align: Alignment = CENTER):
    """Write ``value`` at (row, col), merged to (to_row, to_col) when given; the cell."""
    if (to_col and to_col != col) or (to_row and to_row != row):
        ws.merge_cells(start_row=row, start_column=col, end_row=to_row or row,
                       end_column=to_col or col)
    cell = never_a_formula(ws.cell(row, col, value))
    cell.font = Font(name=FONT, size=size, bold=bold, italic=italic,
                     underline="single" if underline else None)
    cell.alignment = align
    return cell


def landscape_a4(ws: Worksheet, *, freeze: str, title_rows: str,
                 widths: Sequence[float]) -> None:
    ws.freeze_panes = freeze
    ws.print_title_rows = title_rows
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.5
    ws.oddFooter.right.text = "Trang &P/&N"
    for col, width in enumerate(widths, 1):
        ws.column_dimensions[get_column_letter(col)].width = width
