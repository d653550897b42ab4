"""Mẫu 06: SỔ THEO DÕI HỒ SƠ (the register) for a date range, as an Excel workbook.

The same lines as the PDF (``register_rows``): title rows, a two-row header with "Ngày,
tháng, năm" merged over its five date columns, a row of column numbers, a heading row per
book (Quyển số), dates as real Excel datetimes. Frozen under the header; prints A4
landscape, one page wide, with the header repeated on every page. Written atomically.

Mẫu 06's columns are [Chưa rõ] in REFERENCE §1.3 (reconstructed, not read from the official
form). Nothing in the workbook says so.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from counter_app.domain.agency import AgencySettings
from counter_app.printing.form_parts import never_a_formula, write_atomically
from counter_app.store.dossier_store import DossierRow
from counter_app.store.register_rows import COLUMNS, TITLE, Handover, RegisterLine, lines, period

FONT = "Times New Roman"
WIDTHS = (5, 27, 28, 9, 22, 26, 20, 17, 17, 17, 17, 17, 10, 28)
DATE_FORMAT = "dd/mm/yyyy hh:mm"
HEAD_TOP, HEAD_SUB, NUMBERS = 5, 6, 7
FIRST_DATA = NUMBERS + 1
LAST = len(COLUMNS)
FIRST_DATE = 1 + next(i for i, (_, group) in enumerate(COLUMNS) if group)
LAST_DATE = 1 + max(i for i, (_, group) in enumerate(COLUMNS) if group)
THIN = Side(style="thin", color="000000")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
GREY = PatternFill("solid", fgColor="EEEEEE")
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
TOP_LEFT = Alignment(horizontal="left", vertical="top", wrap_text=True)
TOP_CENTER = Alignment(horizontal="center", vertical="top", wrap_text=True)


def _put(ws: Worksheet, row: int, col: int, value, *, to_col: int | None = None,
         to_row: int | None = None, bold: bool = False, italic: bool = False,
         underline: bool = False, size: float = 11, align: Alignment = CENTER):
    if (to_col and to_col != col) or (to_row and to_row != row):
        ws.merge_cells(start_row=row, start_column=col, end_row=to_row or row,
                       end_column=to_col or col)
    cell = never_a_formula(ws.cell(row, col, value))
    cell.font = Font(name=FONT, size=size, bold=bold, italic=italic,
                     underline="single" if underline else None)
    cell.alignment = align
    return cell


def _title(ws: Worksheet, agency: AgencySettings, start: dt.date, end: dt.date) -> None:
    half = FIRST_DATE - 2
    _put(ws, 1, 1, agency.parent_body.upper(), to_col=half)
    _put(ws, 2, 1, agency.agency_name.upper(), to_col=half, bold=True)
    _put(ws, 1, half + 2, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", to_col=LAST, bold=True)
    _put(ws, 2, half + 2, "Độc lập - Tự do - Hạnh phúc", to_col=LAST, bold=True,
         underline=True)
    _put(ws, 3, 1, TITLE, to_col=LAST, bold=True, size=14)
    _put(ws, 4, 1, period(start, end), to_col=LAST, italic=True)
    ws.row_dimensions[3].height = 24


def _header(ws: Worksheet) -> None:
    for col, (heading, group) in enumerate(COLUMNS, 1):
        if group:
            _put(ws, HEAD_SUB, col, heading, bold=True)
        else:
            _put(ws, HEAD_TOP, col, heading, to_row=HEAD_SUB, bold=True)
        _put(ws, NUMBERS, col, f"({col})", italic=True, size=10)
    _put(ws, HEAD_TOP, FIRST_DATE, COLUMNS[FIRST_DATE - 1][1], to_col=LAST_DATE, bold=True)
    for row in (HEAD_TOP, HEAD_SUB, NUMBERS):
        for col in range(1, LAST + 1):
            ws.cell(row, col).border = BOX
            ws.cell(row, col).fill = GREY
    ws.row_dimensions[HEAD_TOP].height = 30
    ws.row_dimensions[HEAD_SUB].height = 48


def _line(ws: Worksheet, row: int, line: RegisterLine) -> None:
    values = [line.number, line.code, line.procedure, line.sets, line.applicant, line.contact,
              line.lead_unit, *line.dates, None, line.note]
    for col, value in enumerate(values, 1):
        cell = _put(ws, row, col, value, align=TOP_LEFT)
        cell.border = BOX
        if isinstance(value, dt.datetime):
            cell.number_format = DATE_FORMAT
            cell.alignment = TOP_CENTER
        elif col in (1, 4):
            cell.alignment = TOP_CENTER


def _book(ws: Worksheet, row: int, book: str) -> None:
    _put(ws, row, 1, f"Quyển số: {book}", to_col=LAST, bold=True, align=TOP_LEFT).fill = GREY
    for col in range(1, LAST + 1):
        ws.cell(row, col).border = BOX


def _print_setup(ws: Worksheet) -> None:
    ws.freeze_panes = f"C{FIRST_DATA}"
    ws.print_title_rows = f"{HEAD_TOP}:{NUMBERS}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.5
    ws.oddFooter.right.text = "Trang &P/&N"
    for col, width in enumerate(WIDTHS, 1):
        ws.column_dimensions[get_column_letter(col)].width = width


def workbook(rows: Sequence[DossierRow], agency: AgencySettings, start: dt.date, end: dt.date,
             first_handover: Mapping[str, Handover] | None = None) -> Workbook:
    """The register as an openpyxl Workbook (not saved)."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Sổ theo dõi hồ sơ"
    wb.properties.title = f"{TITLE} {period(start, end)}"
    wb.properties.creator = agency.agency_name
    _title(ws, agency, start, end)
    _header(ws)
    row, book = FIRST_DATA, None
    register = lines(rows, first_handover)
    for line in register:
        if line.book != book:
            book = line.book
            _book(ws, row, book)
            row += 1
        _line(ws, row, line)
        row += 1
    if not register:
        _put(ws, row, 1, "Không có hồ sơ nào được tiếp nhận trong thời gian này.", to_col=LAST,
             italic=True)
        row += 1
    _put(ws, row + 1, 1, f"Tổng số: {len(register)} hồ sơ.", to_col=6, align=TOP_LEFT)
    _print_setup(ws)
    return wb


def write(rows: Sequence[DossierRow], agency: AgencySettings, start: dt.date, end: dt.date,
          out: str | Path, first_handover: Mapping[str, Handover] | None = None) -> Path:
    """Save the register to ``out`` (.xlsx) atomically: a failure leaves no half file."""
    wb = workbook(rows, agency, start, end, first_handover)
    write_atomically(out, lambda tmp: wb.save(tmp))
    return Path(out)
