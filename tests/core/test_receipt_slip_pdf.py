"""The Mẫu 01 slip, read back from the PDF: text by pdftotext, barcode by zbarimg."""

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
    assert "UBND XÃ QUẢNG PHÚ" in text and "UBND TỈNH QUẢNG TRỊ" in text
    assert "Bộ phận tiếp nhận và trả kết quả: UBND xã Quảng Phú" in text
    assert "Quảng Phú, ngày 25 tháng 11 năm 2026" in text
    # the applicant's name with its diacritics, straight out of the PDF (already NFC)
    assert "Tiếp nhận hồ sơ của: Ông/Bà Nguyễn Thị Ngọc Ánh" in raw
    assert "Số định danh cá nhân: 001303012345" in text
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
    assert "Liên 1: Lưu tại Bộ phận Một cửa" in pages[0]
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
    assert "Tiếp nhận hồ sơ của tổ chức: Hợp tác xã Phú Lộc" in text
    assert "Mã số thuế: 3301234567" in text
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
