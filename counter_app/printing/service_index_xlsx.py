"""The QĐ 766 service index inputs (reports/evaluation.py ``service_index``) as a sheet of
the II.06a workbook: "Chỉ số phục vụ".

Not a form of any circular [not law]: the program's own table of the inputs it counts for
the "Bộ chỉ số phục vụ người dân, doanh nghiệp" (docs/law.md §5.3, §5.4), one line per input,
grouped as QĐ 766 groups them, with the group's maximum points shown and **no score**. A
share is written as a number with a percent format (0.875 shows "87,5%" in a Vietnamese
Excel; openpyxl reads back 0.875), its numerator and denominator as integers, and an input
the program does not record as the words "Chưa ghi nhận" with empty parts. Laid out and
printed like the II.06a sheet (header blocks, numbered columns, A4 landscape, Times New
Roman).
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import groupby

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, PatternFill, Side
from openpyxl.worksheet.worksheet import Worksheet

from counter_app.printing.form_parts import DOTS
from counter_app.printing.sheet_layout import CENTER, landscape_a4, put
from counter_app.reports.evaluation import QD766_GROUPS, IndexInput
from counter_app.reports.heading import ReportHeading
from counter_app.reports.periods import Period

SHEET = "Chỉ số phục vụ"
TITLE = ("SỐ LIỆU CHO BỘ CHỈ SỐ PHỤC VỤ NGƯỜI DÂN, DOANH NGHIỆP TRONG THỰC HIỆN THỦ TỤC "
         "HÀNH CHÍNH (QĐ 766/QĐ-TTg)")
HEADINGS = ("STT", "Nhóm chỉ số", "Chỉ tiêu", "Tỷ lệ", "Số hồ sơ đạt", "Trên tổng số",
            "Cách tính, ghi chú")
WIDTHS = (6, 26, 34, 10, 11, 11, 70)
NOT_RECORDED = "Chưa ghi nhận"
NO_DATA = "Chưa có dữ liệu"
HEAD, NUMBERS = 5, 6
PERCENT = "0.0%"
NUMBER_FORMAT = "#,##0"
NOTE = ("Ghi chú: chương trình chỉ đưa ra các số liệu nó ghi nhận được để đối chiếu, không "
        "tính điểm Bộ chỉ số; cách tính điểm từng chỉ tiêu chưa được đối chiếu văn bản. Bộ chỉ "
        "số chính thức được tính trên Cổng Dịch vụ công quốc gia.")
NOTE_CHARS = 150  # about how many characters of a note fit on one line of column G
THIN = Side(style="thin", color="000000")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)   # as the II.06a sheet
GREY = PatternFill("solid", fgColor="EEEEEE")
LEFT = Alignment(horizontal="left", vertical="center", wrap_text=True)
TOP_LEFT = Alignment(horizontal="left", vertical="top", wrap_text=True)


def add_sheet(wb: Workbook, index: Sequence[IndexInput], period: Period,
              heading: ReportHeading) -> Worksheet:
    """The sheet, added after the others (the II.06a sheet stays the first and active)."""
    ws = wb.create_sheet(SHEET)
    last = len(HEADINGS)
    put(ws, 1, 1, TITLE, to_col=last, bold=True, size=13)
    put(ws, 2, 1, f"Đơn vị: {heading.reporting_unit or DOTS}", to_col=last, bold=True)
    put(ws, 3, 1, f"Kỳ báo cáo: {period.label} ({period.range_text}); số liệu tính đến "
        f"ngày {heading.made_on:%d/%m/%Y}", to_col=last, italic=True)
    ws.row_dimensions[1].height = 36
    for col, text in enumerate(HEADINGS, 1):
        put(ws, HEAD, col, text, bold=True)
        put(ws, NUMBERS, col, f"({col})", italic=True, size=10)
        for row in (HEAD, NUMBERS):
            ws.cell(row, col).border = BOX
            ws.cell(row, col).fill = GREY
    ws.row_dimensions[HEAD].height = 32
    points = dict(QD766_GROUPS)
    row = NUMBERS + 1
    for group, run in groupby(index, key=lambda i: i.group):
        lines = list(run)
        label = f"{group} (tối đa {points[group]} điểm)" if group in points else group
        put(ws, row, 2, label, to_row=row + len(lines) - 1, bold=True, align=TOP_LEFT)
        for line in lines:
            _line(ws, row, row - NUMBERS, line)
            for col in range(1, last + 1):
                ws.cell(row, col).border = BOX
            row += 1
    put(ws, row + 1, 1, NOTE, to_col=last, italic=True, size=10, align=LEFT)
    ws.row_dimensions[row + 1].height = 30
    landscape_a4(ws, freeze=f"A{NUMBERS + 1}", title_rows=f"{HEAD}:{NUMBERS}", widths=WIDTHS)
    return ws


def _line(ws: Worksheet, row: int, stt: int, line: IndexInput) -> None:
    put(ws, row, 1, stt)
    put(ws, row, 3, line.name, bold=True, align=LEFT)
    if line.numerator is None:
        put(ws, row, 4, NOT_RECORDED, italic=True, size=10)
    elif line.value is None:
        put(ws, row, 4, NO_DATA, italic=True, size=10)
    else:
        put(ws, row, 4, float(line.value)).number_format = PERCENT
    for col, value in ((5, line.numerator), (6, line.denominator)):
        if value is not None:
            put(ws, row, col, int(value)).number_format = NUMBER_FORMAT
    put(ws, row, 7, line.note, size=10, align=TOP_LEFT)
    lines = -(-len(line.note) // NOTE_CHARS)
    ws.row_dimensions[row].height = max(30, 14 * lines)
    ws.cell(row, 4).alignment = CENTER
