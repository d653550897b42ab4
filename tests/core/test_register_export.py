"""Mẫu 06, the register, exported by a desk as .xlsx and .pdf and read back."""

from __future__ import annotations

import datetime as dt
import re
import subprocess

import openpyxl
import pytest
from pypdf import PdfReader
from test_forms_pdf import raw_text
from test_receipt_slip_pdf import flat, pdftotext

from counter_app.printing import register_pdf, register_xlsx
from counter_app.store import register_rows

T = dt.datetime
START, END = dt.date(2026, 12, 28), dt.date(2027, 1, 5)
POLICE, JUSTICE = "Công an xã Quảng Phú", "Công chức Tư pháp - Hộ tịch"


def person(name: str, id_number: str, phone: str) -> dict:
    return {"full_name": name, "id_number": id_number, "phone": phone,
            "address": f"Thôn {phone[-1]}, xã Quảng Phú"}


@pytest.fixture(autouse=True)
def old_numbering(desk):
    """The 2018 register (Mẫu 06, 14 columns); test_forms_2025.py reads the 2025 one."""
    desk.set_up(form_family="tt01-2018")


@pytest.fixture
def book(desk, make_request, clock):
    """Five dossiers; four received from 28/12/2026 to 05/01/2027, over two books."""
    def receive(at, procedure, **applicant):
        clock.now = at
        return desk.receive(make_request(procedure, applicant=applicant)).code

    receive(T(2026, 11, 27, 9, 0), "1.003677", full_name="Ngoài Khoảng Thời Gian")
    duc = receive(T(2026, 12, 28, 8, 30), "1.003677",
                  **person("Trần Văn Đức", "001203001001", "0912345601"))
    clock.now = T(2026, 12, 28, 10, 0)
    desk.step(duc, "handover", {"to_unit": POLICE, "to_person": "Hoàng Văn Nam"})
    clock.now = T(2026, 12, 29, 9, 0)
    desk.step(duc, "finish", {"result": "Đã khai báo"})
    clock.now = T(2026, 12, 29, 14, 0)
    desk.step(duc, "return", {})
    clock.now = T(2026, 12, 30, 9, 0)  # refused at the reception check: in the book all the same
    coop = desk.refuse_at_reception(make_request("1.001612", applicant={
        "kind": "organisation", "full_name": "Hợp tác xã Phú Lộc", "id_number": "3301234567",
        "phone": "0233 3812 999", "address": ""}), "Không thuộc thẩm quyền").code
    nhung = receive(T(2027, 1, 4, 8, 0), "1.004873",
                    **person("Phạm Thị Hồng Nhung", "001303001002", "0912345602"))
    clock.now = T(2027, 1, 4, 9, 0)
    desk.step(nhung, "handover", {"to_unit": JUSTICE, "to_person": "Trần Văn Bình"})
    clock.now = T(2027, 1, 5, 8, 0)
    desk.step(nhung, "handover", {"to_unit": POLICE, "to_person": "Hoàng Văn Nam"})
    tam = receive(T(2027, 1, 5, 10, 0), "1.003677",
                  **person("Lê Văn Tám", "001203001003", "0912345603"))
    return {"duc": duc, "coop": coop, "nhung": nhung, "tam": tam}


def sheet_rows(ws) -> list[tuple]:
    return list(ws.iter_rows(min_row=register_xlsx.FIRST_DATA, values_only=True))


def test_xlsx_layout_and_rows(desk, book, tmp_path):
    out = tmp_path / "so.xlsx"
    assert desk.register_export(START, END, out) == 4
    wb = openpyxl.load_workbook(out)
    ws = wb.active
    merged = {str(r) for r in ws.merged_cells.ranges}
    assert "H5:L5" in merged  # "Ngày, tháng, năm" over its five dates
    assert {"A5:A6", "B5:B6", "G5:G6", "M5:M6", "N5:N6", "A3:N3", "A4:N4"} <= merged
    assert ws["A3"].value == "SỔ THEO DÕI HỒ SƠ" and ws["A3"].font.b
    assert ws["A4"].value == "Từ ngày 28/12/2026 đến ngày 05/01/2027"
    assert ws["A2"].value == "UBND XÃ QUẢNG PHÚ"
    assert ws["H1"].value == "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
    assert [ws.cell(5, c).value for c in range(1, 8)] == [
        "TT", "Mã hồ sơ", "Tên TTHC", "Số lượng hồ sơ (bộ)", "Tên cá nhân, tổ chức",
        "Địa chỉ, số điện thoại", "Cơ quan chủ trì giải quyết"]
    assert ws["H5"].value == "Ngày, tháng, năm"
    assert [ws.cell(6, c).value for c in range(8, 13)] == [
        "Nhận hồ sơ", "Hẹn trả kết quả", "Chuyển hồ sơ đến cơ quan giải quyết",
        "Nhận kết quả từ cơ quan giải quyết", "Trả kết quả cho cá nhân, tổ chức"]
    assert (ws["M5"].value, ws["N5"].value) == ("Ký nhận", "Ghi chú")
    assert ws["A7"].value == "(1)" and ws["N7"].value == "(14)"
    for cell in (ws["B5"], ws["J6"]):
        assert cell.font.b and cell.alignment.horizontal == "center" and cell.alignment.wrap_text
        assert cell.border.left.style == "thin" and cell.border.bottom.style == "thin"
    assert ws.column_dimensions["B"].width >= 25 and ws.column_dimensions["A"].width < 8

    rows = sheet_rows(ws)
    assert rows[0][0] == "Quyển số: 01/2026" and rows[3][0] == "Quyển số: 01/2027"
    entries = [rows[i] for i in (1, 2, 4, 5)]
    assert [(r[0], r[1]) for r in entries] == [
        (2, book["duc"]), (3, book["coop"]), (1, book["nhung"]), (2, book["tam"])]
    duc, coop = entries[0], entries[1]
    assert duc[2:6] == ("Khai báo tạm vắng", 1, "Trần Văn Đức", "Thôn 1, xã Quảng Phú\n0912345601")
    assert duc[6] == POLICE  # the lead unit: the first hand-over's
    assert duc[7:12] == (T(2026, 12, 28, 8, 30), T(2026, 12, 29, 17, 0),
                         T(2026, 12, 28, 10, 0), T(2026, 12, 29, 9, 0), T(2026, 12, 29, 14, 0))
    assert duc[13] == "Đã trả kết quả (đúng hạn)"  # finished on the due date
    assert coop[4] == "Hợp tác xã Phú Lộc"
    assert coop[13] == "Không được tiếp nhận; Lý do: Không thuộc thẩm quyền"
    received = ws.cell(register_xlsx.FIRST_DATA + 1, 8)
    assert isinstance(received.value, dt.datetime) and received.is_date
    assert received.number_format == "dd/mm/yyyy hh:mm"
    assert "Ngoài Khoảng Thời Gian" not in str(rows)
    assert any(r[0] == "Tổng số: 4 hồ sơ." for r in rows)

    assert ws.freeze_panes == "C8"
    assert ws.print_title_rows == "$5:$7"
    setup = ws.page_setup
    assert (setup.orientation, int(setup.paperSize)) == ("landscape", 9)  # 9: A4
    assert (setup.fitToWidth, setup.fitToHeight) == (1, 0)
    assert ws.sheet_properties.pageSetUpPr.fitToPage


def test_first_handovers_in_one_query(desk, book, tmp_path):
    statements: list[str] = []
    desk.db.conn.set_trace_callback(statements.append)
    first = register_rows.first_handovers(desk.db, START, END)
    desk.db.conn.set_trace_callback(None)
    assert len([s for s in statements if s.lstrip().upper().startswith("SELECT")]) == 1
    rows = desk.register(START, END)
    by_code = {r.code: first.get(r["id"]) for r in rows}
    assert by_code[book["duc"]] == register_rows.Handover(T(2026, 12, 28, 10, 0), POLICE)
    # the first of two hand-overs, not the latest
    assert by_code[book["nhung"]] == register_rows.Handover(T(2027, 1, 4, 9, 0), JUSTICE)
    assert by_code[book["coop"]] is None and by_code[book["tam"]] is None

    out = tmp_path / "so.xlsx"
    register_xlsx.write(rows, desk.agency, START, END, out, first_handover=first)
    entries = {r[1]: r for r in sheet_rows(openpyxl.load_workbook(out).active)}
    assert entries[book["nhung"]][6] == JUSTICE
    assert entries[book["nhung"]][9] == T(2027, 1, 4, 9, 0)
    assert entries[book["duc"]][6] == POLICE and entries[book["duc"]][9] == T(2026, 12, 28, 10, 0)
    assert entries[book["tam"]][9] is None


def test_pdf_register(desk, book, tmp_path):
    out = tmp_path / "so.pdf"
    assert desk.register_export(START, END, out) == 4
    info = subprocess.run(["pdfinfo", str(out)], check=True, capture_output=True,
                          text=True).stdout
    assert re.search(r"^Page size:\s+841\.\d+ x 595\.\d+ pts", info, re.M)  # A4 landscape
    raw = pdftotext(out)
    text = flat(raw)
    assert "SỔ THEO DÕI HỒ SƠ" in text
    assert "Từ ngày 28/12/2026 đến ngày 05/01/2027" in text
    cells = raw_text(out)  # drawing order: cell by cell
    assert ("TT Mã hồ sơ Tên TTHC Số lượng hồ sơ (bộ) Tên cá nhân, tổ chức Địa chỉ, số điện "
            "thoại Cơ quan chủ trì giải quyết Ngày, tháng, năm Ký nhận Ghi chú Nhận hồ sơ Hẹn "
            "trả kết quả Chuyển hồ sơ đến cơ quan giải quyết Nhận kết quả từ cơ quan giải quyết "
            "Trả kết quả cho cá nhân, tổ chức") in cells
    assert (f"2 {book['duc']} Khai báo tạm vắng 01 Trần Văn Đức Thôn 1, xã Quảng Phú "
            f"0912345601 {POLICE} 28/12/2026 08:30 29/12/2026 17:00 28/12/2026 10:00 "
            "29/12/2026 09:00 29/12/2026 14:00 Đã trả kết quả (đúng hạn)") in cells
    assert "Quyển số: 01/2026" in text and "Quyển số: 01/2027" in text
    assert text.index("Quyển số: 01/2026") < text.index(book["duc"]) < text.index(
        book["coop"]) < text.index("Quyển số: 01/2027") < text.index(book["nhung"])
    assert "Phạm Thị Hồng" in raw and "Hợp tác xã Phú" in raw
    assert "28/12/2026" in text and "29/12/2026" in text and "04/01/2027" in text
    assert "Ngoài Khoảng" not in text
    assert "Tổng số: 4 hồ sơ." in text
    assert "Trang 1" in text


def test_pdf_register_repeats_its_header_on_every_page(desk, make_request, clock, tmp_path):
    day = dt.date(2027, 1, 4)
    names = [f"{family} Văn {given}" for family in ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng")
             for given in ("An", "Bình", "Cường", "Dũng", "Giang", "Hùng")]
    for i, name in enumerate(names):
        clock.now = T(2027, 1, 4, 7, 30) + dt.timedelta(minutes=15 * i)
        desk.receive(make_request("1.003677", applicant={
            "full_name": name, "id_number": f"0012030{i + 10000:05d}"}))
    out = tmp_path / "so.pdf"
    assert desk.register_export(day, day, out) == 30
    raw = subprocess.run(["pdftotext", "-raw", "-enc", "UTF-8", str(out), "-"], check=True,
                         capture_output=True).stdout.decode("utf-8")
    pages = [flat(p) for p in raw.split("\f") if p.strip()]
    assert len(pages) == len(PdfReader(out).pages) >= 2
    for n, page in enumerate(pages, 1):
        assert "Ngày, tháng, năm" in page and "Chuyển hồ sơ đến cơ quan giải quyết" in page
        assert f"Trang {n}" in page
    assert "SỔ THEO DÕI HỒ SƠ" in pages[0]
    assert "Hoàng Văn Hùng" in pages[-1] and "Tổng số: 30 hồ sơ." in pages[-1]
    assert "Nguyễn Văn An" in pages[0]


def test_empty_range(desk, tmp_path):
    pdf, xlsx = tmp_path / "so.pdf", tmp_path / "so.xlsx"
    assert desk.register_export(START, END, pdf) == 0
    assert "Không có hồ sơ nào được tiếp nhận trong thời gian này." in flat(pdftotext(pdf))
    assert desk.register_export(START, END, xlsx) == 0
    values = [r[0] for r in sheet_rows(openpyxl.load_workbook(xlsx).active)]
    assert "Tổng số: 0 hồ sơ." in values


def test_a_failed_xlsx_write_leaves_the_old_file_and_no_debris(desk, book, tmp_path,
                                                             monkeypatch):
    out = tmp_path / "so.xlsx"
    out.write_bytes(b"old register")

    def broken_save(self, filename):
        with open(filename, "wb") as f:
            f.write(b"PK half a zip")
        raise OSError("disk full")

    monkeypatch.setattr(openpyxl.Workbook, "save", broken_save)
    with pytest.raises(OSError, match="disk full"):
        desk.register_export(START, END, out)
    assert out.read_bytes() == b"old register"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["counter.db", "counter.db-shm",
                                                           "counter.db-wal", "so.xlsx"]


def test_pdf_render_returns_bytes_without_writing(desk, book):
    data = register_pdf.render(desk.register(START, END), desk.agency, START, END)
    assert data.startswith(b"%PDF-")


def test_no_form_is_written_over_the_database(desk, make_request, tmp_path):
    """The window's save dialogs can name any file; the desk refuses its own data files."""
    from counter_app.errors import ValidationError

    code = desk.receive(make_request()).code
    database = tmp_path / "counter.db"
    for target in (database, tmp_path / "counter.db-wal"):
        with pytest.raises(ValidationError, match="tệp dữ liệu"):
            desk.form_pdf(code, "01", target)
    assert desk.dossier(code).code == code  # the database is still itself
    desk.form_pdf(code, "01", tmp_path / "giay-hen.pdf")  # an ordinary file is written
    assert (tmp_path / "giay-hen.pdf").read_bytes().startswith(b"%PDF")
