"""Form II.06a/VPCP/KSTT (TT 01/2020/TT-VPCP) as an Excel workbook a commune can send.

docs/law.md §5.1 confirms the form's header strings ("Đơn vị báo cáo", "Đơn vị nhận báo
cáo", "Kỳ báo cáo: … (Từ ngày … đến ngày …)", "Đơn vị tính: Số hồ sơ TTHC") and the meaning
of its 13 columns [Xác nhận]. The exact layout — where the blocks sit, the grouping of the
three-level header, the note line and the signature block — is **reconstructed by the
program**, not copied from the official template.

Sheet layout: rows 1–3 the three header blocks (left: form number and circular; centre:
title and period; right: units), rows 5–7 the header with merged cells, row 8 the column
numbers (1)…(13), row 9 "Tổng cộng", then one row per field (bold) and, in a report by
procedure, its procedures (indented, STT "1.1"). Numbers are written as integer values, not
formulas, so what a reader (or openpyxl) reads back is what the report says. A4 landscape,
one page wide, header rows repeated on every printed page, frozen under the header, Times New
Roman. Written atomically.

With the QĐ 766 service index inputs (``index``, reports/evaluation.py), the workbook has a
second sheet, "Chỉ số phục vụ" (printing/service_index_xlsx.py); the form stays the first,
active sheet.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, PatternFill, Side
from openpyxl.worksheet.worksheet import Worksheet

from counter_app.printing import service_index_xlsx
from counter_app.printing.form_parts import DOTS, write_atomically
from counter_app.printing.sheet_layout import CENTER, landscape_a4, put
from counter_app.reports.evaluation import IndexInput
from counter_app.reports.heading import ReportHeading
from counter_app.reports.ii06a import Report, Row

FORM_NUMBER = "Biểu số II.06a/VPCP/KSTT"
CIRCULAR = "Ban hành theo Thông tư số 01/2020/TT-VPCP ngày 21/10/2020"
TITLE = "TÌNH HÌNH, KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH TẠI"
UNIT = "Đơn vị tính: Số hồ sơ TTHC"
LABEL = "Lĩnh vực, công việc giải quyết theo cấp"
#: (first column, last column, heading) of the three groups of the first header row.
GROUPS = ((3, 6, "Số hồ sơ nhận giải quyết"), (7, 10, "Số hồ sơ đã giải quyết"),
          (11, 13, "Số hồ sơ đang giải quyết"))
#: Column -> heading of the second header row (spanning rows 2–3 unless under "Trong đó").
SUBHEADS = {3: "Tổng số", 7: "Tổng số", 8: "Trước hạn", 9: "Đúng hạn", 10: "Quá hạn",
            11: "Tổng số", 12: "Trong hạn", 13: "Quá hạn"}
IN_WHICH = (4, 6, "Trong đó")
#: Column -> heading of the third header row (under "Trong đó").
LEAVES = {4: "Trực tuyến", 5: "Trực tiếp, dịch vụ bưu chính", 6: "Từ kỳ trước"}
LAST = 13
WIDTHS = (6, 42, 10, 10, 12, 10, 10, 10, 10, 10, 10, 10, 10)
HEAD_TOP, HEAD_MID, HEAD_LOW, NUMBERS = 5, 6, 7, 8
TOTAL_ROW = NUMBERS + 1
NUMBER_FORMAT = "#,##0"
LABEL_CHARS = 48  # about how many characters of the label fit on one line of column B
THIN = Side(style="thin", color="000000")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
GREY = PatternFill("solid", fgColor="EEEEEE")
LEFT = Alignment(horizontal="left", vertical="center", wrap_text=True)
TOP_LEFT = Alignment(horizontal="left", vertical="top", wrap_text=True)
INDENTED = Alignment(horizontal="left", vertical="center", wrap_text=True, indent=2)


def title(heading: ReportHeading) -> str:
    """The centre title: "… TẠI {REPORTING UNIT}" (dotted when the unit is not set up)."""
    return f"{TITLE} {(heading.reporting_unit or DOTS).upper()}"


def period_line(report: Report) -> str:
    return f"Kỳ báo cáo: {report.period.label} ({report.period.range_text})"


def units(heading: ReportHeading) -> tuple[str, str]:
    return (f"Đơn vị báo cáo: {heading.reporting_unit or DOTS}",
            f"Đơn vị nhận báo cáo: {heading.receiving_unit or DOTS}")


def date_line(heading: ReportHeading) -> str:
    day = heading.made_on
    return (f"{heading.place_name or DOTS}, ngày {day.day:02d} tháng {day.month:02d} "
            f"năm {day.year}")


def note(report: Report) -> str | None:
    """The line under the table: how many of col (9) closed without a result, and how many
    dossiers were refused at reception (not counted in the form)."""
    parts = []
    if report.total.closed_without_result > 0:
        parts.append(f"cột (9) gồm {report.total.closed_without_result} hồ sơ rút hoặc dừng "
                     "giải quyết theo đề nghị của người nộp")
    if report.total.refused_at_reception > 0:
        parts.append(f"{report.total.refused_at_reception} hồ sơ bị từ chối tiếp nhận (Mẫu 03) "
                     "trong kỳ không được tính là hồ sơ tiếp nhận")
    return f"Ghi chú: {'; '.join(parts)}." if parts else None


def _top(ws: Worksheet, report: Report, heading: ReportHeading) -> None:
    put(ws, 1, 1, FORM_NUMBER, to_col=2, bold=True, align=LEFT)
    put(ws, 2, 1, CIRCULAR, to_col=2, to_row=3, italic=True, size=10, align=TOP_LEFT)
    put(ws, 1, 3, title(heading), to_col=9, to_row=2, bold=True, size=13)
    put(ws, 3, 3, period_line(report), to_col=9, italic=True)
    reporting, receiving = units(heading)
    put(ws, 1, 10, reporting, to_col=LAST, align=LEFT)
    put(ws, 2, 10, receiving, to_col=LAST, align=LEFT)
    put(ws, 3, 10, UNIT, to_col=LAST, italic=True, align=LEFT)
    for row, height in ((1, 22), (2, 36), (3, 22)):
        ws.row_dimensions[row].height = height


def _header(ws: Worksheet) -> None:
    put(ws, HEAD_TOP, 1, "STT", to_row=HEAD_LOW, bold=True)
    put(ws, HEAD_TOP, 2, LABEL, to_row=HEAD_LOW, bold=True)
    for first, last, heading in GROUPS:
        put(ws, HEAD_TOP, first, heading, to_col=last, bold=True)
    for col, heading in SUBHEADS.items():
        put(ws, HEAD_MID, col, heading, to_row=HEAD_LOW, bold=True)
    first, last, heading = IN_WHICH
    put(ws, HEAD_MID, first, heading, to_col=last, bold=True)
    for col, heading in LEAVES.items():
        put(ws, HEAD_LOW, col, heading, bold=True)
    for col in range(1, LAST + 1):
        put(ws, NUMBERS, col, f"({col})", italic=True, size=10)
        for row in (HEAD_TOP, HEAD_MID, HEAD_LOW, NUMBERS):
            ws.cell(row, col).border = BOX
            ws.cell(row, col).fill = GREY
    ws.row_dimensions[HEAD_TOP].height = 22
    ws.row_dimensions[HEAD_MID].height = 20
    ws.row_dimensions[HEAD_LOW].height = 48


def _line(ws: Worksheet, row: int, line: Row, *, bold: bool, align: Alignment) -> None:
    put(ws, row, 1, line.stt or None, bold=bold)
    put(ws, row, 2, line.label, bold=bold, align=align)
    for col, value in enumerate(line.columns(), 3):
        put(ws, row, col, int(value), bold=bold).number_format = NUMBER_FORMAT
    for col in range(1, LAST + 1):
        ws.cell(row, col).border = BOX
    lines = -(-len(line.label) // LABEL_CHARS)  # a long name wraps: make room for its lines
    if lines > 1:
        ws.row_dimensions[row].height = 15 * lines


def _signatures(ws: Worksheet, row: int, heading: ReportHeading) -> None:
    put(ws, row, 9, date_line(heading), to_col=LAST, italic=True)
    put(ws, row + 1, 1, "NGƯỜI LẬP BIỂU", to_col=4, bold=True)
    put(ws, row + 1, 9, heading.head_title, to_col=LAST, bold=True)
    put(ws, row + 2, 1, "(Ký, ghi rõ họ tên)", to_col=4, italic=True, size=10)
    put(ws, row + 2, 9, "(Ký, đóng dấu, ghi rõ họ tên)", to_col=LAST, italic=True, size=10)
    ws.row_dimensions[row + 3].height = 60  # room to sign (and stamp)
    put(ws, row + 4, 1, heading.maker_name or None, to_col=4, bold=True)
    put(ws, row + 4, 9, heading.head_name or None, to_col=LAST, bold=True)


def workbook(report: Report, heading: ReportHeading,
             index: Sequence[IndexInput] | None = None) -> Workbook:
    """The form as an openpyxl Workbook (not saved); with ``index``, the service index
    inputs of the same period on a second sheet."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Biểu II.06a"
    wb.properties.title = f"{FORM_NUMBER} – {report.period.label}"
    wb.properties.creator = heading.reporting_unit or "Biểu số II.06a"
    _top(ws, report, heading)
    _header(ws)
    _line(ws, TOTAL_ROW, report.total, bold=True, align=CENTER)
    row = TOTAL_ROW + 1
    for field_row in report.rows:
        _line(ws, row, field_row, bold=True, align=LEFT)
        row += 1
        for proc in field_row.procedures if report.by_procedure else ():
            _line(ws, row, proc, bold=False, align=INDENTED)
            row += 1
    row += 1
    if text := note(report):
        put(ws, row, 1, text, to_col=LAST, italic=True, size=10, align=LEFT)
        row += 2
    _signatures(ws, row, heading)
    landscape_a4(ws, freeze=f"C{TOTAL_ROW}", title_rows=f"{HEAD_TOP}:{NUMBERS}", widths=WIDTHS)
    if index is not None:
        service_index_xlsx.add_sheet(wb, index, report.period, heading)
    return wb


def write(report: Report, heading: ReportHeading, out: str | Path,
          index: Sequence[IndexInput] | None = None) -> None:
    """Save the form to ``out`` (.xlsx) atomically: a failure leaves no half file."""
    wb = workbook(report, heading, index)
    write_atomically(out, lambda tmp: wb.save(tmp))


# --- The follow-up table of dossiers received for another unit (reports/transfers.py) -----
# Not a form of any circular [not law]: the program's own table, laid out like II.06a's
# sheet (header blocks, numbered columns, "Tổng cộng", signatures) so it prints the same.

def transfers_workbook(report, heading: ReportHeading) -> Workbook:
    """``reports.transfers.TransferReport`` as an openpyxl Workbook (not saved)."""
    from counter_app.reports.transfers import COLUMNS, FLOWS, HEADINGS, SENT

    wb = Workbook()
    ws = wb.active
    ws.title = "Hồ sơ phi địa giới"
    wb.properties.title = f"{report.title.capitalize()} – {report.period.label}"
    wb.properties.creator = heading.reporting_unit or "counter-app"
    units_label = {SENT: "Cơ quan có thẩm quyền giải quyết",
                   FLOWS: "Nơi tiếp nhận → cơ quan giải quyết"}.get(report.direction,
                                                                 "Nơi tiếp nhận hồ sơ")
    last = 2 + len(COLUMNS)
    put(ws, 1, 1, f"{report.title} TẠI {(heading.reporting_unit or DOTS).upper()}",
        to_col=last, bold=True, size=13)
    put(ws, 2, 1, f"Kỳ báo cáo: {report.period.label} ({report.period.range_text})",
        to_col=last, italic=True)
    reporting, receiving = units(heading)
    put(ws, 3, 1, reporting, to_col=6, align=LEFT)
    put(ws, 3, 7, receiving, to_col=last, align=LEFT)
    put(ws, 4, 1, "Đơn vị tính: Số hồ sơ TTHC; tình trạng tính đến ngày lập biểu "
        f"{heading.made_on:%d/%m/%Y}", to_col=last, italic=True, size=10, align=LEFT)
    head, numbers = 6, 7
    put(ws, head, 1, "STT", bold=True)
    put(ws, head, 2, units_label, bold=True)
    for col, name in enumerate(COLUMNS, 3):
        put(ws, head, col, HEADINGS[name], bold=True)
    for col in range(1, last + 1):
        put(ws, numbers, col, f"({col})", italic=True, size=10)
        for row in (head, numbers):
            ws.cell(row, col).border = BOX
            ws.cell(row, col).fill = GREY
    ws.row_dimensions[head].height = 64

    def line(row: int, stt: str, label: str, values, bold: bool) -> None:
        put(ws, row, 1, stt or None, bold=bold)
        put(ws, row, 2, label, bold=bold, align=LEFT if stt else CENTER)
        for col, value in enumerate(values, 3):
            put(ws, row, col, int(value), bold=bold).number_format = NUMBER_FORMAT
        for col in range(1, last + 1):
            ws.cell(row, col).border = BOX

    line(numbers + 1, "", "Tổng cộng", report.total.columns(), True)
    row = numbers + 2
    for flow in report.rows:
        label = (flow.competent_name if report.direction == SENT else
                 f"{flow.receiving_name} → {flow.competent_name}"
                 if report.direction == FLOWS else flow.receiving_name)
        line(row, flow.stt, label, flow.columns(), False)
        row += 1
    _signatures_at(ws, row + 1, heading, last)
    landscape_a4(ws, freeze=f"C{numbers + 1}", title_rows=f"{head}:{numbers}",
                 widths=(6, 40, *([12] * len(COLUMNS))))
    return wb


def _signatures_at(ws: Worksheet, row: int, heading: ReportHeading, last: int) -> None:
    put(ws, row, last - 4, date_line(heading), to_col=last, italic=True)
    put(ws, row + 1, 1, "NGƯỜI LẬP BIỂU", to_col=4, bold=True)
    put(ws, row + 1, last - 4, heading.head_title, to_col=last, bold=True)
    ws.row_dimensions[row + 2].height = 60
    put(ws, row + 3, 1, heading.maker_name or None, to_col=4, bold=True)
    put(ws, row + 3, last - 4, heading.head_name or None, to_col=last, bold=True)


def write_transfers(report, heading: ReportHeading, out: str | Path) -> None:
    """Save the table to ``out`` (.xlsx) atomically."""
    wb = transfers_workbook(report, heading)
    write_atomically(out, lambda tmp: wb.save(tmp))
