"""The TT 01/2018 family: Mẫu 02-05 of real dossiers taken through their steps by a desk,
read back from the PDF: text by pdftotext, the barcode by zbarimg. The desk keeps the 2018
numbering by its setting (as a province may choose); test_forms_2025.py reads the TT 03/2025
family."""

from __future__ import annotations

import datetime as dt
import re
import subprocess

import pytest
from pypdf import PdfReader
from test_receipt_slip_pdf import barcodes, flat, pdftotext

from counter_app.domain import legal_forms
from counter_app.errors import FormUnavailable, ValidationError
from tests.core.conftest import OFFICER, sign_in_as

T = dt.datetime
UNIT = "Công chức Tư pháp - Hộ tịch"
CLERK = "Trần Văn Bình"
ITEMS = ["Bản sao Giấy khai sinh có chứng thực", "Xác nhận nơi cư trú của Công an xã"]


def raw_text(path) -> str:
    """The text in drawing order (a table row by row, cell by cell), whitespace collapsed."""
    args = ["pdftotext", "-raw", "-enc", "UTF-8", str(path), "-"]
    return flat(subprocess.run(args, check=True, capture_output=True).stdout.decode("utf-8"))


def control_rows(path) -> list[str]:
    """The rows of the Mẫu 05 table: each starts with "1. Giao:"."""
    text = raw_text(path).split("Ghi chú: Trường hợp")[0]
    return [chunk for chunk in re.split(r"(?=1\. Giao:)", text)[1:]]


@pytest.fixture(autouse=True)
def old_numbering(desk):
    """The province keeps the 2018 numbering (setting ``form_family``)."""
    desk.set_up(form_family="tt01-2018")


@pytest.fixture
def journey(desk, make_request, clock):
    """Cấp Giấy xác nhận tình trạng hôn nhân (3 working days), received Mon 09/03/2026 09:00
    (due Thu 12/03 17:00), handed over, sent back for a supplement, resumed, apologised for
    (new date Fri 20/03), finished Wed 18/03 and returned Thu 19/03."""
    clock.now = T(2026, 3, 9, 9, 0)
    dossier = desk.receive(make_request("1.004873"))
    clock.now = T(2026, 3, 9, 10, 30)
    desk.step(dossier.code, "handover", {"to_unit": UNIT, "to_person": CLERK})
    clock.now = T(2026, 3, 10, 14, 0)
    sign_in_as(desk, CLERK)  # the processing officer it was handed to
    desk.step(dossier.code, "request_supplement",
              {"items": ITEMS, "reason": "Thiếu giấy tờ chứng minh nơi cư trú",
               "contact": CLERK, "contact_phone": "0912 000 111"})
    sign_in_as(desk, OFFICER["full_name"])
    clock.now = T(2026, 3, 11, 8, 0)
    desk.step(dossier.code, "resume", {})
    clock.now = T(2026, 3, 12, 9, 0)
    desk.step(dossier.code, "apologize", {"reason": "Cần xác minh tình trạng hôn nhân tại nơi "
                                                    "cư trú trước đây", "new_due_at": "2026-03-20"})
    clock.now = T(2026, 3, 18, 10, 0)
    desk.step(dossier.code, "finish", {"result": "Giấy xác nhận tình trạng hôn nhân"})
    clock.now = T(2026, 3, 19, 15, 0)
    desk.step(dossier.code, "return", {})
    return desk.dossier(dossier.code)


def test_supplement_request_mau_02(desk, journey, tmp_path):
    out = tmp_path / "m02.pdf"
    data = desk.form_pdf(journey.code, "02", out)
    assert out.read_bytes() == data and data.startswith(b"%PDF-")
    assert len(PdfReader(out).pages) == 1
    raw = pdftotext(out)
    text = flat(raw)
    assert "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ" in text
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text and "UBND XÃ QUẢNG PHÚ" in text
    assert "Quảng Phú, ngày 10 tháng 03 năm 2026" in text  # the day of the request
    assert f"Mã hồ sơ: {journey.code}" in text
    assert "Hồ sơ của: Ông/Bà Nguyễn Thị Ngọc Ánh" in raw
    assert "Nội dung yêu cầu giải quyết: Cấp Giấy xác nhận tình trạng hôn nhân" in text
    assert "Địa chỉ: Thôn Phú Lộc, xã Quảng Phú" in text
    assert "Yêu cầu hoàn thiện hồ sơ gồm những nội dung sau:" in text
    cells = raw_text(out)
    assert f"1 {ITEMS[0]} 2 {ITEMS[1]}" in cells  # numbered rows, in order
    assert "Lý do: Thiếu giấy tờ chứng minh nơi cư trú" in text
    assert ("Trong quá trình hoàn thiện hồ sơ nếu có vướng mắc, Ông/Bà liên hệ Trần Văn Bình "
            "số điện thoại 0912 000 111 để được hướng dẫn./.") in cells
    assert "NGƯỜI HƯỚNG DẪN" in text and CLERK in text
    assert barcodes(out, 1, tmp_path) == [journey.code]


def test_mau_02_uses_the_latest_request_and_defaults_the_contact(desk, make_request, clock,
                                                                 tmp_path):
    clock.now = T(2026, 3, 9, 9, 0)
    code = desk.receive(make_request("1.004873")).code
    desk.step(code, "request_supplement", {"items": ["Tờ khai"], "reason": "Lần đầu thiếu"})
    clock.now = T(2026, 3, 9, 14, 0)
    desk.step(code, "resume", {})
    clock.now = T(2026, 3, 10, 9, 0)
    desk.step(code, "request_supplement", {"items": "Ảnh 4x6\nBản sao sổ hộ khẩu",
                                           "reason": "Lần hai còn thiếu ảnh"})
    out = tmp_path / "m02.pdf"
    desk.form_pdf(code, "2", out)
    text = raw_text(out)
    assert "Lý do: Lần hai còn thiếu ảnh" in text and "Lần đầu thiếu" not in text
    assert "1 Ảnh 4x6 2 Bản sao sổ hộ khẩu" in text and "Tờ khai" not in text
    # no contact given: the officer who recorded it and the agency's hotline
    assert "liên hệ Lê Thị Hương số điện thoại 0233 3812 345 để được hướng dẫn./." in text


def test_refusal_notice_mau_03(desk, make_request, clock, tmp_path):
    clock.now = T(2026, 3, 9, 9, 40)
    code = desk.refuse_at_reception(make_request(
        "1.001612", applicant={"kind": "organisation", "full_name": "Hợp tác xã Phú Lộc",
                               "id_number": "3301234567", "email": ""}),
        "Ngành nghề đăng ký thuộc diện kinh doanh có điều kiện, không thuộc thẩm quyền của "
        "UBND xã").code
    out = tmp_path / "m03.pdf"
    desk.form_pdf(code, "03", out)
    text = flat(pdftotext(out))
    assert "PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ" in text
    assert "Quảng Phú, ngày 09 tháng 03 năm 2026" in text
    assert "Bộ phận tiếp nhận và trả kết quả: UBND xã Quảng Phú" in text
    assert "Tiếp nhận hồ sơ của: tổ chức Hợp tác xã Phú Lộc" in text
    assert "Nội dung yêu cầu giải quyết: Đăng ký thành lập hộ kinh doanh" in text
    assert ("Qua xem xét, Bộ phận tiếp nhận và trả kết quả UBND xã Quảng Phú thông báo không "
            "tiếp nhận, giải quyết hồ sơ này với lý do cụ thể như sau: Ngành nghề đăng ký thuộc "
            "diện kinh doanh có điều kiện, không thuộc thẩm quyền của UBND xã") in text
    assert "Xin thông báo cho Tổ chức được biết và thực hiện./." in text
    assert "NGƯỜI TIẾP NHẬN HỒ SƠ" in text and "Lê Thị Hương" in text
    assert "NGƯỜI NỘP HỒ SƠ" not in text  # the official form has the officer's box only
    assert barcodes(out, 1, tmp_path) == [code]


def test_apology_letter_mau_04(desk, journey, tmp_path):
    out = tmp_path / "m04.pdf"
    desk.form_pdf(journey.code, "04", out)
    assert len(PdfReader(out).pages) == 1
    text = flat(pdftotext(out))
    assert "PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ" in text
    assert "Quảng Phú, ngày 12 tháng 03 năm 2026" in text  # the day of the apology
    assert "Kính gửi: Ông/Bà Nguyễn Thị Ngọc Ánh" in text
    body = raw_text(out)
    assert ("Ngày 09 tháng 03 năm 2026, UBND xã Quảng Phú tiếp nhận hồ sơ đề nghị giải quyết "
            "thủ tục Cấp Giấy xác nhận tình trạng hôn nhân của Ông/Bà Nguyễn Thị Ngọc Ánh. "
            f"Mã hồ sơ: {journey.code}.") in body
    # the promised date as it stood when apologising (moved a day by the supplement wait)
    assert ("Thời gian hẹn trả kết quả giải quyết hồ sơ: 17 giờ 00 phút, ngày 13 tháng 03 năm "
            "2026.") in body
    assert ("Lý do: Cần xác minh tình trạng hôn nhân tại nơi cư trú trước đây.") in body
    assert ("UBND xã Quảng Phú xin lỗi Ông/Bà và hẹn trả kết quả giải quyết hồ sơ vào 17 giờ "
            "00 phút, ngày 20 tháng 03 năm 2026, tại Bộ phận tiếp nhận và trả kết quả – UBND xã "
            "Quảng Phú.") in body
    assert "Nơi nhận:" in text and "- Như trên;" in text and "- Lưu: VT." in text
    assert "THỦ TRƯỞNG CƠ QUAN" in text and "(Ký, ghi rõ họ tên và đóng dấu)" in text


def test_control_slip_mau_05_rows(desk, journey, tmp_path):
    out = tmp_path / "m05.pdf"
    desk.form_pdf(journey.code, "05", out)
    text = flat(pdftotext(out))
    assert "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ" in text
    assert "(Kèm theo hồ sơ của: Ông/Bà Nguyễn Thị Ngọc Ánh)" in text
    assert "Thời gian nhận hồ sơ: 09 giờ 00 phút, ngày 09 tháng 03 năm 2026" in text
    # The slip's deadline (moved by the supplement pause), then the apology's new date.
    assert ("Thời gian hẹn trả kết quả: 17 giờ 00 phút, ngày 13 tháng 03 năm 2026 "
            "Hẹn lại theo văn bản xin lỗi (Mẫu 04): 17 giờ 00 phút, ngày 20 tháng 03 năm "
            "2026") in text
    assert f"Cơ quan (bộ phận) giải quyết hồ sơ: {UNIT}" in text
    for heading in ("TÊN CƠ QUAN", "THỜI GIAN GIAO, NHẬN HỒ SƠ", "KẾT QUẢ GIẢI QUYẾT HỒ SƠ",
                    "GHI CHÚ"):
        assert heading in raw_text(out)
    rows = control_rows(out)
    counter, citizen = "Bộ phận tiếp nhận và trả kết quả", "Tổ chức, cá nhân"
    expected = [  # (giao, nhận, time, names, verdict, note)
        (counter, UNIT, "10 giờ 30 phút, ngày 09 tháng 03 năm 2026",
         "Lê Thị Hương Trần Văn Bình", "Đúng hạn", ""),
        (UNIT, citizen, "14 giờ 00 phút, ngày 10 tháng 03 năm 2026", CLERK, "",
         "Yêu cầu bổ sung: Thiếu giấy tờ chứng minh nơi cư trú"),
        (citizen, UNIT, "08 giờ 00 phút, ngày 11 tháng 03 năm 2026", CLERK, "",
         "Nhận hồ sơ bổ sung"),
        (UNIT, counter, "10 giờ 00 phút, ngày 18 tháng 03 năm 2026",
         "Trần Văn Bình Lê Thị Hương", "Quá hạn", "Giấy xác nhận tình trạng hôn nhân"),
        (counter, citizen, "15 giờ 00 phút, ngày 19 tháng 03 năm 2026",
         "Lê Thị Hương Nguyễn Thị Ngọc Ánh", "Quá hạn", "Đã trả kết quả"),  # after 13/03
    ]
    assert len(rows) == len(expected)  # returned: no blank rows are left to fill in
    for row, (giver, receiver, when, names, verdict, note) in zip(rows, expected, strict=True):
        assert f"1. Giao: {giver} 2. Nhận: {receiver} {when} Người giao Người nhận {names}" in row
        assert verdict in row and note in row
    assert "Trước hạn" not in rows[0] and "Quá hạn" not in rows[0]
    assert not any(v in rows[1] for v in ("Trước hạn", "Đúng hạn", "Quá hạn"))
    assert "bưu chính" in text
    assert barcodes(out, 1, tmp_path) == [journey.code]


def test_control_slip_at_reception_has_blank_rows_to_fill_by_hand(desk, make_request, clock,
                                                                  tmp_path):
    clock.now = T(2026, 3, 9, 9, 0)
    code = desk.receive(make_request("1.004873")).code
    out = tmp_path / "new.pdf"
    desk.form_pdf(code, "5", out)
    assert len(PdfReader(out).pages) == 1
    rows = control_rows(out)
    assert len(rows) == 4
    assert rows[0].startswith("1. Giao: Bộ phận tiếp nhận và trả kết quả 2. Nhận: ……")
    for row in rows:
        assert "…… giờ …… phút, ngày …… tháng …… năm ……" in row
    assert "Cơ quan (bộ phận) giải quyết hồ sơ: ……" in raw_text(out)
    # after the hand-over: one filled row, then room for the rest of the way
    clock.now = T(2026, 3, 9, 16, 0)
    desk.step(code, "handover", {"to_unit": UNIT, "to_person": CLERK})
    desk.form_pdf(code, "05", out)
    rows = control_rows(out)
    assert len(rows) == 4
    assert "1. Giao: Bộ phận tiếp nhận và trả kết quả 2. Nhận: " + UNIT in rows[0]
    assert "Đúng hạn" in rows[0]
    assert rows[1].startswith(f"1. Giao: {UNIT} 2. Nhận: ……")  # held by the unit now
    assert all("…… giờ …… phút" in row for row in rows[1:])


def test_forms_without_their_step_are_unavailable(desk, make_request, clock, tmp_path):
    clock.now = T(2026, 3, 9, 9, 0)
    code = desk.receive(make_request("1.004873")).code
    out = tmp_path / "none.pdf"
    messages = {}
    for form in ("02", "03", "04"):
        with pytest.raises(FormUnavailable) as caught:
            desk.form_pdf(code, form, out)
        messages[form] = str(caught.value)
    assert not out.exists()
    assert messages["02"] == "Hồ sơ chưa có yêu cầu bổ sung nên chưa có phiếu yêu cầu bổ sung."
    assert "từ chối" in messages["03"] and "xin lỗi" in messages["04"]
    kinds = [e.kind for e in desk.events(desk.dossier(code))]
    assert legal_forms.available("tt01-2018", kinds) == ["01", "05"]
    assert desk.forms_of(code)[1] == ["01", "05"]
    assert "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ" in flat(
        pdftotext(_write(desk.form_pdf(code, "1"), tmp_path / "m01.pdf")))


def _write(data: bytes, path):
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("form", ["06", "6", "0", "", "abc", "Mẫu 07", None])
def test_unknown_form_is_a_validation_error(desk, make_request, form, tmp_path):
    code = desk.receive(make_request()).code
    with pytest.raises(ValidationError) as caught:
        desk.form_pdf(code, form, tmp_path / "x.pdf")
    assert set(caught.value.errors) == {"form"}
    assert "Thông tư 01/2018/TT-VPCP; các mẫu in được: 01, 02, 03, 04, 05." \
        in caught.value.errors["form"]
    assert not (tmp_path / "x.pdf").exists()


@pytest.mark.parametrize("form, expected", [("1", "01"), ("02", "02"), (" 3 ", "03"),
                                            ("Mẫu 04", "04"), (5, "05")])
def test_form_numbers_are_normalised(form, expected):
    assert legal_forms.normalise(form, "tt01-2018") == expected


def test_every_form_prints_with_every_text_at_its_longest(desk, make_request, clock, tmp_path):
    """A table row cannot split across pages: the longest texts the steps accept must still
    lay out (shortened in table cells, in full on their own form)."""
    import datetime as dt

    from counter_app.domain.step_requests import MAX_TEXT

    long = ("Hồ sơ thiếu bản sao có chứng thực giấy khai sinh của người con và giấy tờ "
            "chứng minh nơi cư trú hợp pháp tại địa phương. " * 20)[:MAX_TEXT]
    clock.now = dt.datetime(2026, 3, 9, 9, 0)
    code = desk.receive(make_request("1.004873")).code
    clock.now += dt.timedelta(hours=1)
    desk.step(code, "handover", {"to_unit": long, "to_person": long[:200], "note": long})
    clock.now += dt.timedelta(hours=1)
    desk.step(code, "request_supplement", {"items": [long] * 3, "reason": long})
    clock.now += dt.timedelta(hours=1)
    desk.step(code, "resume", {"note": long})
    desk.step(code, "apologize", {"reason": long, "new_due_at": "2026-03-20"})
    desk.step(code, "finish", {"result": long})
    refused = desk.refuse_at_reception(make_request("1.004873"), long).code
    for form in ("02", "04", "05"):
        assert desk.form_pdf(code, form, tmp_path / f"{form}.pdf").startswith(b"%PDF")
    assert desk.form_pdf(refused, "03").startswith(b"%PDF")
    assert desk.register_export(dt.date(2026, 3, 1), dt.date(2026, 3, 31),
                                tmp_path / "so.pdf") == 2
