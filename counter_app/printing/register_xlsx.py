"""SỔ THEO DÕI HỒ SƠ (the register, in the family of its dossiers) for a date range, as an
Excel workbook.

The same lines as the PDF (``register_rows``): title rows, a two-row header with "Ngày,
tháng, năm" merged over its five date columns, a row of column numbers, a heading row per
book (Quyển số), dates as real Excel datetimes. Frozen under the header; prints A4
landscape, one page wide, with the header repeated on every page. Written atomically.

The 2018 register's columns are [Chưa rõ] in docs/law.md §1.3 (reconstructed, not read from the official
form). Nothing in the workbook says so.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, PatternFill, Side
from openpyxl.worksheet.worksheet import Worksheet

from counter_app.domain.agency import AgencySettings
from counter_app.domain.legal_forms import Wording, wording
from counter_app.printing.form_parts import issuer, write_atomically
from counter_app.printing.sheet_layout import landscape_a4, put
from counter_app.store.dossier_store import DossierRow
from counter_app.store.register_rows import (
    COLUMNS,
    Handover,
    RegisterLine,
    columns,
    lines,
    period,
    title,
)

WIDTHS = (5, 27, 28, 9, 22, 26, 20, 17, 17, 17, 17, 17, 10, 28)
WIDTHS_2025 = (5, 27, 28, 9, 22, 26, 20, 17, 17, 17, 17, 17, 20, 10, 28)
DATE_FORMAT = "dd/mm/yyyy hh:mm"
HEAD_TOP, HEAD_SUB, NUMBERS = 5, 6, 7
FIRST_DATA = NUMBERS + 1
FIRST_DATE = 1 + next(i for i, (_, group) in enumerate(COLUMNS) if group)
LAST_DATE = 1 + max(i for i, (_, group) in enumerate(COLUMNS) if group)
THIN = Side(style="thin", color="000000")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
GREY = PatternFill("solid", fgColor="EEEEEE")
TOP_LEFT = Alignment(horizontal="left", vertical="top", wrap_text=True)
TOP_CENTER = Alignment(horizontal="center", vertical="top", wrap_text=True)


def _title(ws: Worksheet, agency: AgencySettings, start: dt.date, end: dt.date,
           words: Wording, last: int) -> None:
    half = FIRST_DATE - 2
    above, office = issuer(agency, words)
    put(ws, 1, 1, above.upper(), to_col=half)
    put(ws, 2, 1, office.upper(), to_col=half, bold=True)
    put(ws, 1, half + 2, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", to_col=last, bold=True)
    put(ws, 2, half + 2, "Độc lập - Tự do - Hạnh phúc", to_col=last, bold=True,
         underline=True)
    put(ws, 3, 1, title(words), to_col=last, bold=True, size=14)
    put(ws, 4, 1, period(start, end), to_col=last, italic=True)
    ws.row_dimensions[3].height = 24


def _header(ws: Worksheet, cols) -> None:
    last = len(cols)
    for col, (heading, group) in enumerate(cols, 1):
        if group:
            put(ws, HEAD_SUB, col, heading, bold=True)
        else:
            put(ws, HEAD_TOP, col, heading, to_row=HEAD_SUB, bold=True)
        put(ws, NUMBERS, col, f"({col})", italic=True, size=10)
    put(ws, HEAD_TOP, FIRST_DATE, cols[FIRST_DATE - 1][1], to_col=LAST_DATE, bold=True)
    for row in (HEAD_TOP, HEAD_SUB, NUMBERS):
        for col in range(1, last + 1):
            ws.cell(row, col).border = BOX
            ws.cell(row, col).fill = GREY
    ws.row_dimensions[HEAD_TOP].height = 30
    ws.row_dimensions[HEAD_SUB].height = 48


def _line(ws: Worksheet, row: int, line: RegisterLine, with_method: bool) -> None:
    method = [line.return_method] if with_method else []
    values = [line.number, line.code, line.procedure, line.sets, line.applicant, line.contact,
              line.lead_unit, *line.dates, *method, None, line.note]
    for col, value in enumerate(values, 1):
        cell = put(ws, row, col, value, align=TOP_LEFT)
        cell.border = BOX
        if isinstance(value, dt.datetime):
            cell.number_format = DATE_FORMAT
            cell.alignment = TOP_CENTER
        elif col in (1, 4):
            cell.alignment = TOP_CENTER


def _book(ws: Worksheet, row: int, book: str, last: int) -> None:
    put(ws, row, 1, f"Quyển số: {book}", to_col=last, bold=True, align=TOP_LEFT).fill = GREY
    for col in range(1, last + 1):
        ws.cell(row, col).border = BOX


def workbook(rows: Sequence[DossierRow], agency: AgencySettings, start: dt.date, end: dt.date,
             first_handover: Mapping[str, Handover] | None = None,
             family: str | None = None) -> Workbook:
    """The register as an openpyxl Workbook (not saved)."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Sổ theo dõi hồ sơ"
    words = wording(family or agency.family_for(end))
    cols = columns(words)
    last, with_method = len(cols), len(cols) > len(COLUMNS)
    wb.properties.title = f"{title(words)} {period(start, end)}"
    wb.properties.creator = agency.agency_name
    _title(ws, agency, start, end, words, last)
    _header(ws, cols)
    row, book = FIRST_DATA, None
    register = lines(rows, first_handover)
    for line in register:
        if line.book != book:
            book = line.book
            _book(ws, row, book, last)
            row += 1
        _line(ws, row, line, with_method)
        row += 1
    if not register:
        put(ws, row, 1, "Không có hồ sơ nào được tiếp nhận trong thời gian này.", to_col=last,
             italic=True)
        row += 1
    put(ws, row + 1, 1, f"Tổng số: {len(register)} hồ sơ.", to_col=6, align=TOP_LEFT)
    landscape_a4(ws, freeze=f"C{FIRST_DATA}", title_rows=f"{HEAD_TOP}:{NUMBERS}",
                 widths=WIDTHS_2025 if with_method else WIDTHS)
    return wb


def write(rows: Sequence[DossierRow], agency: AgencySettings, start: dt.date, end: dt.date,
          out: str | Path, first_handover: Mapping[str, Handover] | None = None,
          family: str | None = None) -> Path:
    """Save the register to ``out`` (.xlsx) atomically: a failure leaves no half file."""
    wb = workbook(rows, agency, start, end, first_handover, family)
    write_atomically(out, lambda tmp: wb.save(tmp))
    return Path(out)
