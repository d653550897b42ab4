"""The TT 03/2025 family, read back from the PDFs (pdftotext, zbarimg): the seven forms of a
dossier received after 15/09/2025, their numbering, titles, fields and signers; and the
wording kept in one resource per family."""

from __future__ import annotations

import datetime as dt
import json

import openpyxl
import pytest
from test_forms_pdf import raw_text
from test_receipt_slip_pdf import barcodes, flat, pdftotext

from counter_app.domain import legal_forms
from counter_app.domain.legal_forms import FormFamily, FormKind, wording
from counter_app.errors import FormUnavailable, ValidationError
from counter_app.resources import resource

T = dt.datetime
CENTRE = "Trung tâm Phục vụ hành chính công xã Quảng Phú"


def text_of(desk, code: str, form: str, tmp_path) -> str:
    out = tmp_path / f"{form}.pdf"
    desk.form_pdf(code, form, out)
    return flat(pdftotext(out, layout=False))


@pytest.fixture
def late(desk, make_request, clock):
    """Received Mon 09/11/2026 (3 working days: due Thu 12/11), a supplement asked and
    given, an apology made the day before the deadline."""
    clock.now = T(2026, 11, 9, 9, 0)
    code = desk.receive(make_request("1.004873")).code
    clock.now = T(2026, 11, 9, 14, 0)
    desk.step(code, "request_supplement", {"items": ["Tờ khai có xác nhận"], "reason": "Thiếu"})
    clock.now = T(2026, 11, 10, 8, 0)
    desk.step(code, "resume", {})
    clock.now = T(2026, 11, 11, 10, 0)
    desk.step(code, "apologize", {"reason": "Chờ kết quả xác minh",
                                  "new_due_at": "2026-11-18"})
    return code


def test_the_family_lists_seven_forms_and_a_dossier_prints_six():
    words = wording(FormFamily.TT03_2025)
    assert [(n, words.kind(n).value) for n in words.numbers()] == [
        ("01", "receipt"), ("02", "supplement"), ("03", "refusal"), ("04", "apology"),
        ("05", "stop"), ("06", "control"), ("07", "register")]
    assert words.per_dossier() == ["01", "02", "03", "04", "05", "06"]
    old = wording(FormFamily.TT01_2018)
    assert old.numbers() == ["01", "02", "03", "04", "05", "06"]
    assert old.kind("05") is FormKind.CONTROL and not old.has(FormKind.STOP)


def test_the_wording_lives_in_one_resource_per_family():
    """A corrected sentence is one line of the family's resource; the layout code has none."""
    for family in FormFamily:
        data = json.loads(resource("forms", f"{family.value}.json").read_text("utf-8"))
        assert data["family"] == family.value
        assert wording(family).title(FormKind.RECEIPT) == data["forms"]["receipt"]["title"]
    printing = resource("..", "counter_app", "printing")
    for path in printing.glob("*.py"):
        for value in _code_strings(path):
            for words in ("PHIẾU YÊU CẦU BỔ SUNG", "XIN LỖI", "THÔNG BÁO DỪNG", "PHIẾU TỪ CHỐI",
                          "PHIẾU KIỂM SOÁT", "Thời gian hẹn trả", "Kính gửi", "NGƯỜI HƯỚNG DẪN",
                          "THỦ TRƯỞNG", "Liên 1", "Qua xem xét", "Lý do:"):
                assert words not in value, (path.name, value)


def _code_strings(path) -> list[str]:
    """The string literals of a module's code (its docstrings left out)."""
    import ast

    tree = ast.parse(path.read_text("utf-8"))
    docs = {id(node.body[0].value) for node in ast.walk(tree)
            if isinstance(node, (ast.Module, ast.FunctionDef, ast.ClassDef)) and node.body
            and isinstance(node.body[0], ast.Expr)
            and isinstance(node.body[0].value, ast.Constant)}
    return [n.value for n in ast.walk(tree) if isinstance(n, ast.Constant)
            and isinstance(n.value, str) and id(n) not in docs]


def test_mau_01_slip_2025(desk, make_request, clock, tmp_path):
    clock.now = T(2026, 11, 25, 9, 15)
    dossier = desk.receive(make_request("1.003677"))
    text = text_of(desk, dossier.code, "01", tmp_path)
    for line in ("UBND XÃ QUẢNG PHÚ", "TRUNG TÂM PHỤC VỤ HÀNH CHÍNH CÔNG XÃ QUẢNG PHÚ",
                 "Số: ……/TTPVHCC", "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ",
                 f"{CENTRE} tiếp nhận hồ sơ",
                 "Số định danh cá nhân/tổ chức: 001303012345",
                 f"6. Đăng ký nhận kết quả tại: {CENTRE}",
                 "NGƯỜI NỘP HỒ SƠ", "NGƯỜI TIẾP NHẬN HỒ SƠ", "Liên 1: Lưu tại Trung tâm"):
        assert line in text, line
    assert barcodes(tmp_path / "01.pdf", 2, tmp_path) == [dossier.code]


def test_mau_02_supplement_2025(desk, late, tmp_path):
    text = text_of(desk, late, "02", tmp_path)
    assert "Số: ……/TTPVHCC" in text and "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ" in text
    assert "1 Tờ khai có xác nhận" in raw_text(tmp_path / "02.pdf")
    assert "NGƯỜI HƯỚNG DẪN" in text


def test_mau_03_refusal_at_reception_2025(desk, make_request, clock, tmp_path):
    clock.now = T(2026, 11, 25, 10, 0)
    dossier = desk.refuse_at_reception(make_request("1.004873"), "Thiếu Tờ khai theo mẫu")
    assert dossier.status == 3
    text = text_of(desk, dossier.code, "03", tmp_path)
    assert "PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ" in text and "Số: ……/TTPVHCC" in text
    assert (f"Qua xem xét, {CENTRE} thông báo không tiếp nhận, giải quyết hồ sơ này với lý do "
            "cụ thể như sau: Thiếu Tờ khai theo mẫu") in text
    # both sign, as in the nearest verbatim 2025 set: the citizen and the officer
    signatures = text.split("./.")[-1]
    assert "NGƯỜI NỘP HỒ SƠ" in signatures and "NGƯỜI TIẾP NHẬN HỒ SƠ" in signatures
    assert "Nguyễn Thị Ngọc Ánh" in signatures and "Lê Thị Hương" in signatures
    # never received: its only form is the refusal
    for form in ("01", "06"):
        with pytest.raises(FormUnavailable, match="chỉ có phiếu từ chối"):
            desk.form_pdf(dossier.code, form)
    assert desk.forms_of(dossier.code)[1] == ["03"]


def test_mau_04_apology_and_extension_2025(desk, late, tmp_path):
    text = text_of(desk, late, "04", tmp_path)
    assert "VĂN BẢN XIN LỖI VÀ ĐỀ NGHỊ GIA HẠN THỜI GIAN GIẢI QUYẾT" in text
    assert "Số: ……/TTPVHCC" in text
    body = raw_text(tmp_path / "04.pdf")
    # the slip's time, moved only by the supplement pause (18h of working time: a day)
    assert ("Thời gian hẹn trả kết quả ghi trên Giấy tiếp nhận hồ sơ và hẹn trả kết quả: "
            "17 giờ 00 phút, ngày 13 tháng 11 năm 2026.") in body
    assert "đúng thời hạn quy định ghi trên Giấy tiếp nhận hồ sơ" in body
    assert ("xin trân trọng gửi lời xin lỗi đến Ông/Bà và đề nghị gia hạn thời gian giải "
            "quyết; kết quả giải quyết hồ sơ sẽ được trả vào 17 giờ 00 phút, ngày 18 tháng 11 "
            "năm 2026") in body
    assert "THỦ TRƯỞNG CƠ QUAN, ĐƠN VỊ" in text and "(Ký, ghi rõ họ tên và đóng dấu)" in text


def test_mau_05_stop_notice_2025(desk, make_request, clock, tmp_path):
    clock.now = T(2026, 11, 23, 9, 0)
    code = desk.receive(make_request("1.004873")).code
    with pytest.raises(FormUnavailable, match="chưa được dừng"):
        desk.form_pdf(code, "05")
    clock.now = T(2026, 11, 24, 14, 30)
    desk.step(code, "stop", {"reason": "Người nộp cần bổ sung giấy tờ ở nơi cư trú cũ",
                             "requested_at": "24/11/2026 14:00"})
    text = text_of(desk, code, "05", tmp_path)
    assert "THÔNG BÁO DỪNG GIẢI QUYẾT HỒ SƠ" in text and "Số: ……/TTPVHCC" in text
    assert "Kính gửi: Ông/Bà Nguyễn Thị Ngọc Ánh" in text
    assert ("Ngày 24 tháng 11 năm 2026, Ông/Bà đề nghị dừng giải quyết hồ sơ nêu trên. Lý do: "
            "Người nộp cần bổ sung giấy tờ ở nơi cư trú cũ.") in text
    assert (f"Hồ sơ chưa có quyết định giải quyết. Theo đề nghị của Ông/Bà, {CENTRE} thông báo "
            "dừng giải quyết hồ sơ kể từ 14 giờ 30 phút, ngày 24 tháng 11 năm 2026.") in text
    assert "NGƯỜI TIẾP NHẬN HỒ SƠ" in text and "Nơi nhận:" in text


def test_mau_06_control_slip_2025(desk, late, tmp_path):
    text = text_of(desk, late, "06", tmp_path)
    assert "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ" in text and "Số: ……/TTPVHCC" in text
    assert "Hẹn lại theo văn bản xin lỗi (Mẫu 04): 17 giờ 00 phút, ngày 18 tháng 11" in text
    assert "việc lưu vết được thực hiện tự động" in text
    assert barcodes(tmp_path / "06.pdf", 1, tmp_path) == [late]


def test_mau_07_register_2025_has_the_return_method(desk, make_request, clock, tmp_path):
    clock.now = T(2026, 11, 25, 9, 0)
    desk.receive(make_request("1.003677", return_method="post",
                              return_address="Số 12 đường Lê Lợi, phường Đông Hà"))
    out = tmp_path / "so.pdf"
    assert desk.register_export(dt.date(2026, 11, 1), dt.date(2026, 11, 30), out) == 1
    text = flat(pdftotext(out, layout=False))
    assert "SỔ THEO DÕI HỒ SƠ" in text and "(Mẫu 07, Thông tư 03/2025/TT-VPCP)" in text
    assert "Phương thức nhận kết quả" in text and "(15)" in text
    assert "Qua dịch vụ bưu chính: Số 12 đường Lê Lợi, phường Đông Hà" in text
    sheet = openpyxl.load_workbook(
        _xlsx(desk, tmp_path)).active
    headings = [sheet.cell(5, c).value for c in range(1, 16)]
    assert headings[12] == "Phương thức nhận kết quả" and headings[13] == "Ký nhận"


def _xlsx(desk, tmp_path):
    out = tmp_path / "so.xlsx"
    desk.register_export(dt.date(2026, 11, 1), dt.date(2026, 11, 30), out)
    return out


@pytest.mark.parametrize("form", ["07", "8", "0", "", "abc", None])
def test_forms_outside_the_family_are_a_validation_error(desk, make_request, form, tmp_path):
    code = desk.receive(make_request()).code
    with pytest.raises(ValidationError) as caught:
        desk.form_pdf(code, form, tmp_path / "x.pdf")
    assert "Thông tư 03/2025/TT-VPCP; các mẫu in được: 01, 02, 03, 04, 05, 06." \
        in caught.value.errors["form"]
    assert not (tmp_path / "x.pdf").exists()


def test_the_effective_date_and_the_choice_are_settings(desk, make_request, clock):
    clock.now = T(2026, 11, 25, 9, 0)
    desk.set_up(forms_2025_from="2026-12-01")  # a province that started later
    assert desk.receive(make_request()).family is FormFamily.TT01_2018
    desk.set_up(forms_2025_from="2025-09-15", form_family="tt01-2018")
    assert desk.receive(make_request(applicant={"id_number": "001303012399"})).family \
        is FormFamily.TT01_2018
    desk.set_up(form_family="auto")
    assert desk.receive(make_request(applicant={"id_number": "001303012398"})).family \
        is FormFamily.TT03_2025
    for bad in ({"form_family": "tt02"}, {"forms_2025_from": "15/09/2025x"},
                {"number_suffix": "TT/<b>"}):
        with pytest.raises(ValidationError):
            desk.set_up(**bad)


def test_a_stored_family_of_an_earlier_version_reads_as_2018():
    assert legal_forms.family_of(None) is FormFamily.TT01_2018
    assert legal_forms.family_for(dt.date(2025, 9, 14)) is FormFamily.TT01_2018
    assert legal_forms.family_for(dt.date(2025, 9, 15)) is FormFamily.TT03_2025


def test_the_register_of_an_old_period_keeps_its_family(desk, make_request, clock, tmp_path):
    """Dossiers received under the 2018 forms: their register is the 2018 one (Mẫu 06, 14
    columns) even when it is printed again today; a refusal on the merits says so."""
    desk.set_up(form_family="tt01-2018")
    clock.now = T(2026, 3, 9, 9, 0)
    code = desk.receive(make_request("1.004873")).code
    clock.now = T(2026, 3, 10, 9, 0)
    desk.step(code, "refuse_on_merits", {"decision_no": "3/TB-UBND", "decided_at": "10/03/2026",
                                         "decided_by": "Chủ tịch UBND xã",
                                         "reason": "Không đủ điều kiện"})
    desk.set_up(form_family="auto")
    out = tmp_path / "so.pdf"
    desk.register_export(dt.date(2026, 3, 1), dt.date(2026, 3, 31), out)
    text = flat(pdftotext(out, layout=False))
    assert "(Mẫu 06, Thông tư 01/2018/TT-VPCP)" in text
    assert "Phương thức nhận kết quả" not in text
    assert "văn bản không giải quyết; lý do: Không đủ điều kiện" in text
