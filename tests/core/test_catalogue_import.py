"""The bundled catalogue, and a province's catalogue imported from CSV or XLSX."""

from __future__ import annotations

import csv
import re

import pytest
from openpyxl import Workbook

from counter_app.domain.procedures import DocForm
from counter_app.domain.working_calendar import DurationUnit
from counter_app.errors import ImportRejected
from counter_app.store import catalogue_files

HEADER_VI = ["Mã thủ tục", "Lĩnh vực", "Tên thủ tục", "Đơn vị", "Thời hạn", "Lệ phí",
             "Giấy tờ", "Căn cứ"]
GOOD_ROWS = [
    ["1.999001", "Văn hóa", "Cấp phép tổ chức lễ hội cấp xã", "ngày làm việc", "5", "Không",
     "Đơn đề nghị|bản chính|1; Kế hoạch tổ chức lễ hội|bản sao|2", "QĐ 123/QĐ-UBND"],
    ["1.999002", "Văn hóa", "Xác nhận thôn văn hóa tiêu biểu", "ngày", "10", "", "", ""],
    ["2.999003", "Tư pháp", "Cấp bản sao trích lục từ sổ gốc", "trong ngày", "0",
     "8.000 đồng/bản", "Tờ khai|bản chính|1; CCCD|xuất trình|1", ""],
]


def table(desk) -> list[tuple]:
    return desk.db.execute("SELECT * FROM procedures ORDER BY code").fetchall()


def write_csv(path, rows, delimiter=",", lineterminator="\r\n"):
    with path.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f, delimiter=delimiter, lineterminator=lineterminator).writerows(rows)
    return path


def write_xlsx(path, rows):
    wb = Workbook()
    sheet = wb.active
    sheet.title = "Danh mục"
    for row in rows:
        sheet.append(row)
    wb.save(path)
    return path


# -- bundled ------------------------------------------------------------------------------
def test_bundled_catalogue():
    procedures = catalogue_files.bundled()
    assert len(procedures) >= 30
    assert len({p.code for p in procedures}) == len(procedures)
    for p in procedures:
        assert re.fullmatch(r"[12]\.\d{6}", p.code), p.code
        assert p.field and len(p.name) >= 5, p.code
        assert isinstance(p.unit, DurationUnit), p.code
        assert (p.value == 0) == (p.unit is DurationUnit.SAME_DAY), p.code
        assert p.documents, p.code
        assert all(d.name and 1 <= d.count <= 99 for d in p.documents), p.code
    by_code = {p.code: p for p in procedures}
    assert by_code["1.001193"].name == "Đăng ký khai sinh"
    assert by_code["1.000894"].unit is DurationUnit.SAME_DAY


def test_a_new_database_is_loaded_with_the_bundled_catalogue(desk):
    assert len(desk.procedures()) == len(catalogue_files.bundled())
    assert desk.procedure("1.000894").name == "Đăng ký kết hôn"
    assert desk.procedure(" 1.000894 ") == desk.procedure("1.000894")


# -- CSV and XLSX -------------------------------------------------------------------------
@pytest.mark.parametrize(("delimiter", "lineterminator"), [
    (",", "\r\n"), (";", "\r\n"), (",", "\n"), (";", "\n"), ("\t", "\r\n")])
def test_import_csv(desk, tmp_path, delimiter, lineterminator):
    path = write_csv(tmp_path / "danh_muc.csv", [HEADER_VI, *GOOD_ROWS], delimiter,
                     lineterminator)
    before = len(desk.procedures())
    assert desk.import_procedures(path) == 3
    assert len(desk.procedures()) == before + 3
    p = desk.procedure("1.999001")
    assert p.field == "Văn hóa"
    assert p.name == "Cấp phép tổ chức lễ hội cấp xã"
    assert (p.unit, p.value) == (DurationUnit.WORKING_DAYS, 5)
    assert [(d.name, d.form, d.count) for d in p.documents] == [
        ("Đơn đề nghị", DocForm.ORIGINAL, 1), ("Kế hoạch tổ chức lễ hội", DocForm.COPY, 2)]
    assert p.legal_basis == "QĐ 123/QĐ-UBND"
    assert (desk.procedure("1.999002").unit, desk.procedure("1.999002").value) == (
        DurationUnit.CALENDAR_DAYS, 10)
    same_day = desk.procedure("2.999003")
    assert same_day.unit is DurationUnit.SAME_DAY
    assert same_day.documents[1].form is DocForm.PRESENT
    assert [x.code for x in desk.procedures("le hoi")] == ["1.999001"]


def test_import_csv_with_english_headers_and_a_bom(desk, tmp_path):
    path = tmp_path / "catalogue.csv"
    rows = [["code", "field", "name", "unit", "value"],
            ["1.999010", "Nông nghiệp", "Xác nhận nguồn gốc cây giống", "working_days", "3"]]
    write_csv(path, rows)
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert desk.import_procedures(path) == 1
    assert desk.procedure("1.999010").value == 3


def test_import_csv_keeps_line_breaks_inside_quoted_cells(desk, tmp_path):
    """Excel writes a cell with Alt+Enter as a quoted field spanning two lines."""
    rows = [HEADER_VI,
            ["1.999020", "Văn hóa", "Cấp phép tổ chức\nlễ hội truyền thống", "ngày làm việc",
             "5", "", "Đơn đề nghị|bản chính|1;\nKế hoạch|bản chính|1", ""],
            GOOD_ROWS[1]]
    path = write_csv(tmp_path / "multiline.csv", rows)
    assert desk.import_procedures(path) == 2
    p = desk.procedure("1.999020")
    assert p.name == "Cấp phép tổ chức lễ hội truyền thống"
    assert [d.name for d in p.documents] == ["Đơn đề nghị", "Kế hoạch"]


def test_import_xlsx(desk, tmp_path):
    rows = [HEADER_VI, *GOOD_ROWS]
    rows[2] = rows[2][:4] + [10] + rows[2][5:]  # a number typed as a number in Excel
    path = write_xlsx(tmp_path / "danh_muc.xlsx", rows)
    assert desk.import_procedures(path) == 3
    assert desk.procedure("1.999002").value == 10
    assert desk.procedure("1.999001").documents[1].count == 2
    assert desk.procedure("2.999003").fee_text == "8.000 đồng/bản"


def test_import_replaces_an_existing_procedure(desk, tmp_path):
    assert desk.procedure("1.004873").value == 3
    rows = [HEADER_VI, ["1.004873", "Hộ tịch", "Cấp Giấy xác nhận tình trạng hôn nhân",
                        "ngày làm việc", "2", "", "Tờ khai|bản chính|1", ""]]
    desk.import_procedures(write_csv(tmp_path / "update.csv", rows))
    assert desk.procedure("1.004873").value == 2
    assert len(desk.procedures()) == len(catalogue_files.bundled())


# -- bad files ----------------------------------------------------------------------------
BAD_ROWS = [
    HEADER_VI,
    GOOD_ROWS[0],                                                                 # row 2 ok
    ["1.99", "Văn hóa", "Thủ tục có mã sai dạng", "ngày làm việc", "3", "", "", ""],  # row 3
    ["1.999004", "Văn hóa", "Thủ tục có đơn vị sai", "tuần", "3", "", "", ""],          # row 4
    ["1.999005", "Văn hóa", "Thủ tục có thời hạn chữ", "ngày làm việc", "ba", "", "", ""],  # 5
    GOOD_ROWS[1],                                                                 # row 6 ok
    ["1.999001", "Văn hóa", "Thủ tục trùng mã với dòng 2", "ngày", "7", "", "", ""],   # row 7
]
EXPECTED_REASONS = {3: "mã thủ tục '1.99'", 4: "đơn vị thời hạn 'tuần'",
                    5: "thời hạn 'ba'", 7: "trùng với dòng 2"}


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_a_file_with_bad_rows_is_rejected_whole(desk, tmp_path, kind):
    path = (write_csv(tmp_path / "bad.csv", BAD_ROWS) if kind == "csv"
            else write_xlsx(tmp_path / "bad.xlsx", BAD_ROWS))
    before = table(desk)
    with pytest.raises(ImportRejected) as info:
        desk.import_procedures(path)
    rows = dict(info.value.rows)
    assert sorted(rows) == [3, 4, 5, 7]
    for number, fragment in EXPECTED_REASONS.items():
        assert fragment in rows[number], (number, rows[number])
    message = str(info.value)
    assert "không có dòng nào được nhập" in message
    assert all(f"dòng {n}:" in message for n in (3, 4, 5, 7))
    # nothing of the file was imported, not even its good rows
    assert table(desk) == before
    assert desk.procedures("le hoi") == []


@pytest.mark.parametrize(("content", "fragment"), [
    ("ma_thu_tuc,ten_thu_tuc\r\n1.999001,Thủ tục\r\n", "thiếu cột: field, unit, value"),
    ("", "tệp trống"),
    ("ma_thu_tuc,linh_vuc,ten_thu_tuc,don_vi,thoi_han\r\n", "không có dòng thủ tục nào"),
    ("hello\nworld\n", "thiếu cột"),
])
def test_malformed_csv_is_rejected(desk, tmp_path, content, fragment):
    path = tmp_path / "odd.csv"
    path.write_text(content, encoding="utf-8", newline="")
    before = table(desk)
    with pytest.raises(ImportRejected, match=fragment):
        desk.import_procedures(path)
    assert table(desk) == before


def test_non_utf8_csv_and_wrong_extension_and_missing_file(desk, tmp_path):
    latin = tmp_path / "latin.csv"
    latin.write_bytes("ma_thu_tuc,linh_vuc\n1.999001,Văn hóa\n".encode("cp1258"))
    with pytest.raises(ImportRejected, match="UTF-8"):
        desk.import_procedures(latin)
    with pytest.raises(ImportRejected, match=r"\.csv hoặc \.xlsx"):
        desk.import_procedures(write_csv(tmp_path / "list.txt", [HEADER_VI, GOOD_ROWS[0]]))
    with pytest.raises(ImportRejected, match="không tìm thấy tệp"):
        desk.import_procedures(tmp_path / "missing.csv")
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"PK\x03\x04 this is not really a workbook")
    with pytest.raises(ImportRejected, match="không đọc được tệp Excel"):
        desk.import_procedures(broken)


def test_import_semicolon_csv_as_saved_by_excel(desk, tmp_path):
    """Excel with Vietnamese regional settings saves 'CSV' with ';' and CRLF line ends."""
    rows = [["ma_thu_tuc", "linh_vuc", "ten_thu_tuc", "don_vi", "thoi_han", "le_phi", "giay_to"],
            ["1.999001", "Văn hóa", "Cấp phép tổ chức lễ hội cấp xã", "ngày làm việc", "5",
             "Không", "Đơn đề nghị|bản chính|1; Kế hoạch tổ chức|bản chính|2"],
            ["1.999002", "Văn hóa", "Xác nhận thôn văn hóa tiêu biểu", "ngày", "10", "", ""],
            ["2.999003", "Tư pháp", "Cấp bản sao từ sổ gốc tại xã", "trong ngày", "0",
             "3.000 đồng/bản", "Tờ khai|bản chính|1"]]
    path = write_csv(tmp_path / "excel.csv", rows, delimiter=";", lineterminator="\r\n")
    assert desk.import_procedures(path) == 3
    assert [d.count for d in desk.procedure("1.999001").documents] == [1, 2]
    assert desk.procedure("2.999003").fee_text == "3.000 đồng/bản"


def test_the_columns_of_a_provinces_published_list(desk, tmp_path):
    """The lists provinces publish (e.g. QĐ 2806/QĐ-UBND Đồng Nai) carry "Mức độ" or
    "Trực tuyến toàn trình/Một phần" and a "Phi địa giới" mark: both are read; a value that
    means neither is a row error, and nothing is imported."""
    header = ["STT", "Mã TTHC", "Lĩnh vực", "Tên thủ tục", "Đơn vị", "Thời hạn",
              "Trực tuyến toàn trình/Một phần", "Phi địa giới"]
    header[1] = "Mã thủ tục"
    rows = [header,
            ["1", "1.999001", "Văn hóa", "Xác nhận thôn văn hóa", "ngày", "10", "Toàn trình",
             "x"],
            ["2", "1.999002", "Văn hóa", "Công nhận gia đình văn hóa", "ngày", "5",
             "Một phần", ""],
            ["3", "1.999003", "Văn hóa", "Đăng ký câu lạc bộ", "ngày", "5", "", "Không"]]
    desk.import_procedures(write_csv(tmp_path / "dong_nai.csv", rows))
    got = {p.code: (p.online, p.boundary_free) for p in desk.procedures("1.99900")}
    assert got == {"1.999001": ("toan_trinh", True), "1.999002": ("mot_phan", None),
                   "1.999003": ("", False)}
    levels = [["Mã thủ tục", "Lĩnh vực", "Tên thủ tục", "Đơn vị", "Thời hạn", "Mức độ"],
              ["1.999004", "Văn hóa", "Thủ tục thứ tư", "ngày", "3", "Mức độ 4"],
              ["1.999005", "Văn hóa", "Thủ tục thứ năm", "ngày", "3", "rất cao"]]
    with pytest.raises(ImportRejected) as caught:
        desk.import_procedures(write_csv(tmp_path / "bad.csv", levels))
    assert [n for n, _ in caught.value.rows] == [3]
    assert "mức độ trực tuyến 'rất cao' không rõ" in caught.value.rows[0][1]
    assert desk.procedures("1.999004") == []
