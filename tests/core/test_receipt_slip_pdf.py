"""The Mẫu 01 slip, read back from the PDF: text by pdftotext, barcode by zbarimg. Dossiers
received since 15/09/2025 get the TT 03/2025 slip; those before it, the TT 01/2018 one."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
import unicodedata

import pytest
from pypdf import PdfReader

from counter_app.errors import NotFound, NotSetUp

T = dt.datetime


def pdftotext(path, layout: bool = True) -> str:
    args = ["pdftotext", *(["-layout"] if layout else []), "-enc", "UTF-8", str(path), "-"]
    return subprocess.run(args, check=True, capture_output=True).stdout.decode("utf-8")


def flat(text: str) -> str:
    """Whitespace collapsed, so a phrase wrapped at a space still matches."""
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", text))


def barcodes(pdf, page: int, tmp_path) -> list[str]:
    prefix = tmp_path / f"page{page}"
    subprocess.run(["pdftoppm", "-r", "200", "-gray", "-png", "-f", str(page), "-l", str(page),
                    "-singlefile", str(pdf), str(prefix)], check=True, capture_output=True)
    result = subprocess.run(["zbarimg", "-q", "--raw", str(prefix) + ".png"],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr  # 4 = no barcode found
    return result.stdout.split()


@pytest.fixture
def slip(desk, make_request, clock, tmp_path):
    """Wed 25/11/2026 09:15, Khai báo tạm vắng (1 working day): due Thu 26/11/2026 17:00."""
    clock.now = T(2026, 11, 25, 9, 15)
    dossier = desk.receive(make_request("1.003677", sets=2))
    out = tmp_path / "slip.pdf"
    data = desk.slip_pdf(dossier.code, out)
    return dossier, out, data


def test_slip_is_a_two_page_pdf(slip):
    dossier, out, data = slip
    assert out.read_bytes() == data
    assert data.startswith(b"%PDF-")
    reader = PdfReader(out)
    assert len(reader.pages) == 2
    info = subprocess.run(["pdfinfo", str(out)], check=True, capture_output=True,
                          text=True).stdout
    assert re.search(r"^Pages:\s+2$", info, re.M)
    assert re.search(r"^Page size:\s+595\.\d+ x 841\.\d+ pts \(A4\)", info, re.M)
    assert dossier.code in reader.metadata.subject


def test_slip_text(slip):
    dossier, out, _ = slip
    raw = pdftotext(out)
    text = flat(raw)
    assert "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ" in text
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text
    assert "Độc lập - Tự do - Hạnh phúc" in text
    # the commune's centre under its UBND, with the TT 03/2025 number line
    assert "UBND XÃ QUẢNG PHÚ" in text and "UBND TỈNH QUẢNG TRỊ" not in text
    assert "TRUNG TÂM PHỤC VỤ HÀNH CHÍNH CÔNG XÃ QUẢNG PHÚ" in flat(pdftotext(out, False))
    assert "Số: ……/TTPVHCC" in text
    assert "Trung tâm Phục vụ hành chính công xã Quảng Phú tiếp nhận hồ sơ" in text
    assert "Bộ phận tiếp nhận và trả kết quả" not in text
    assert "Quảng Phú, ngày 25 tháng 11 năm 2026" in text
    # the applicant's name with its diacritics, straight out of the PDF (already NFC)
    assert "Tiếp nhận hồ sơ của Ông/Bà: Nguyễn Thị Ngọc Ánh" in raw
    assert "Số định danh cá nhân/tổ chức: 001303012345" in text
    assert "người được ủy quyền" not in text.lower()  # nobody submitted for her
    assert "Số điện thoại: 0912345678" in text
    assert "Nội dung yêu cầu giải quyết: Khai báo tạm vắng" in text
    assert f"Mã hồ sơ: {dossier.code}" in text
    assert "2. Số lượng hồ sơ: 02 (bộ)" in text
    assert "3. Thời gian giải quyết hồ sơ theo quy định là: 01 ngày làm việc" in text
    assert "4. Thời gian nhận hồ sơ: 09 giờ 15 phút, ngày 25 tháng 11 năm 2026" in text
    assert ("5. Thời gian trả kết quả giải quyết hồ sơ: 17 giờ 00 phút, ngày 26 tháng 11 năm 2026"
            in text)
    assert "Quyển số: 01/2026, Số thứ tự: 1" in text
    assert "NGƯỜI NỘP HỒ SƠ" in text and "NGƯỜI TIẾP NHẬN HỒ SƠ" in text
    assert "Lê Thị Hương" in text
    assert "0233 3812 345" in text
    # the documents table, read without -layout so the cells are not interleaved
    plain = flat(pdftotext(out, layout=False))
    for document in dossier.documents:
        assert flat(document["name"]) in plain


def test_each_page_is_one_copy(slip):
    dossier, out, _ = slip
    pages = [flat(p) for p in pdftotext(out).split("\f") if p.strip()]
    assert len(pages) == 2
    assert "Liên 1: Lưu tại Trung tâm" in pages[0]
    assert "Liên 2: Giao người nộp hồ sơ" in pages[1]
    assert "Liên 2" not in pages[0] and "Liên 1" not in pages[1]
    for page in pages:
        assert "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ" in page
        assert "Nguyễn Thị Ngọc Ánh" in page
        assert dossier.code in page


def test_barcode_on_each_page_decodes_to_the_dossier_code(slip, tmp_path):
    dossier, out, _ = slip
    assert barcodes(out, 1, tmp_path) == [dossier.code]
    assert barcodes(out, 2, tmp_path) == [dossier.code]


def test_barcode_is_vector_not_an_image(slip):
    _, out, _ = slip
    for page in PdfReader(out).pages:
        xobjects = page["/Resources"].get_object().get("/XObject")
        subtypes = ([x.get_object().get("/Subtype") for x in xobjects.get_object().values()]
                    if xobjects is not None else [])
        assert "/Image" not in subtypes


def test_slip_for_an_organisation_returned_by_post(desk, make_request, clock, tmp_path):
    clock.now = T(2026, 3, 9, 9, 0)
    dossier = desk.receive(make_request(
        "1.001612", applicant={"kind": "organisation", "full_name": "Hợp tác xã Phú Lộc",
                               "id_number": "3301234567"},
        return_method="post", return_address="Số 12 đường Lê Lợi, phường Đông Hà"))
    out = tmp_path / "org.pdf"
    desk.slip_pdf(dossier.code, out)
    text = flat(pdftotext(out))
    assert "Tiếp nhận hồ sơ của Tổ chức: Hợp tác xã Phú Lộc" in text
    assert "Số định danh cá nhân/tổ chức (mã số thuế): 3301234567" in text
    assert "6. Đăng ký nhận kết quả tại: Qua dịch vụ bưu chính" in text
    assert "Qua dịch vụ bưu chính, gửi đến địa chỉ: Số 12 đường Lê Lợi, phường Đông Hà" in text
    # Mon 9/3/2026 + 3 working days = Thu 12/3/2026
    assert "17 giờ 00 phút, ngày 12 tháng 03 năm 2026" in text
    assert barcodes(out, 1, tmp_path) == [dossier.code]


def test_slip_of_an_unknown_code_or_without_setup(desk, open_desk, tmp_path):
    with pytest.raises(NotFound):
        desk.slip_pdf("000.17.22.H56-260309-1999", tmp_path / "x.pdf")
    assert not (tmp_path / "x.pdf").exists()
    bare = open_desk("bare.db", setup=False)
    with pytest.raises(NotFound):
        bare.slip_pdf("000.17.22.H56-260309-1001")
    with pytest.raises(NotSetUp):
        bare.require_agency()


def test_a_proxy_is_on_the_2025_slip_and_signs_it(desk, make_request, clock, tmp_path):
    clock.now = T(2026, 11, 25, 9, 15)
    dossier = desk.receive(make_request("1.003677", proxy={
        "name": "trần văn bình", "id_number": "001203012344", "phone": "0987 654 321",
        "authorisation": "Giấy ủy quyền ngày 20/11/2026"}))
    assert dossier.proxy == {"name": "Trần Văn Bình", "id_number": "001203012344",
                             "phone": "0987654321",
                             "authorisation": "Giấy ủy quyền ngày 20/11/2026"}
    out = tmp_path / "proxy.pdf"
    desk.slip_pdf(dossier.code, out)
    text = flat(pdftotext(out, layout=False))
    assert ("Người được ủy quyền nộp hồ sơ: Trần Văn Bình; số định danh cá nhân: "
            "001203012344; số điện thoại: 0987654321; giấy ủy quyền: Giấy ủy quyền ngày "
            "20/11/2026") in text
    signatures = text.split("NGƯỜI TIẾP NHẬN HỒ SƠ")[1]
    assert "Trần Văn Bình" in signatures  # the one who submitted signs as NGƯỜI NỘP


@pytest.mark.parametrize(("received", "family", "lines"), [
    (T(2025, 9, 12, 9, 0), "tt01-2018", ["Bộ phận tiếp nhận và trả kết quả: UBND xã Quảng Phú",
                                         "Tiếp nhận hồ sơ của: Ông/Bà Nguyễn Thị Ngọc Ánh",
                                         "Liên 1: Lưu tại Bộ phận Một cửa"]),
    (T(2025, 9, 15, 9, 0), "tt03-2025", ["Số: ……/TTPVHCC",
                                         "Tiếp nhận hồ sơ của Ông/Bà: Nguyễn Thị Ngọc Ánh"]),
])
def test_the_family_is_the_one_in_force_on_the_day_of_reception(
        desk, make_request, clock, tmp_path, received, family, lines):
    """Received before 15/09/2025: the 2018 slip; from that day: the 2025 slip. A reprint
    later prints the same family, so it matches what the citizen holds."""
    clock.now = received
    dossier = desk.receive(make_request("1.003677", received_at=received))
    assert dossier.family.value == family
    clock.now = T(2026, 11, 25, 9, 0)  # reprinted long after
    out = tmp_path / "again.pdf"
    desk.slip_pdf(dossier.code, out)
    text = flat(pdftotext(out))
    for line in lines:
        assert line in text
    if family == "tt01-2018":
        assert "TTPVHCC" not in text and "UBND TỈNH QUẢNG TRỊ" in text


def test_a_bad_proxy_is_refused_field_by_field(desk, make_request):
    from counter_app.errors import ValidationError

    with pytest.raises(ValidationError) as caught:
        desk.receive(make_request("1.003677", proxy={"name": "B", "id_number": "123",
                                                     "phone": "12"}))
    assert set(caught.value.errors) == {"proxy_name", "proxy_id_number", "proxy_phone"}
    with pytest.raises(ValidationError) as caught:
        desk.receive(make_request("1.003677", proxy={"name": "Nguyễn Thị Ngọc Ánh",
                                                     "id_number": "001303012345"}))
    assert "trùng với người nộp" in caught.value.errors["proxy_id_number"]
    assert desk.db.execute("SELECT count(*) FROM dossiers").fetchone()[0] == 0
