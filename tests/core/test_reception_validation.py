"""Reception: every field is checked at once, with a Vietnamese message under its key."""

from __future__ import annotations

import datetime as dt
import unicodedata

import pytest

from counter_app.domain.reception import validate_reception
from counter_app.domain.working_calendar import WorkingCalendar
from counter_app.errors import NotSetUp, ValidationError

T = dt.datetime


def errors_of(desk, request) -> dict[str, str]:
    with pytest.raises(ValidationError) as info:
        desk.receive(request)
    return info.value.errors


@pytest.mark.parametrize(("applicant", "key", "fragment"), [
    ({"full_name": ""}, "full_name", "Chưa nhập họ và tên"),
    ({"full_name": "A"}, "full_name", "Chưa nhập họ và tên"),
    ({"full_name": "Nguyễn Văn 3"}, "full_name", "không được chứa chữ số"),
    ({"full_name": "x" * 151}, "full_name", "quá dài"),
    ({"id_number": ""}, "id_number", "Chưa nhập số định danh"),
    ({"id_number": "0013030123"}, "id_number", "đúng 12 chữ số (đang có 10)"),
    ({"id_number": "0013030123456"}, "id_number", "đúng 12 chữ số (đang có 13)"),
    ({"id_number": "000303012345"}, "id_number", "Mã tỉnh nơi đăng ký khai sinh '000'"),
    ({"id_number": "003303012345"}, "id_number", "'003'"),   # 003 is not a province code
    ({"id_number": "00130301234A"}, "id_number", "chỉ gồm chữ số"),
    ({"id_number": "001-303-012345"}, "id_number", "chỉ gồm chữ số"),
    ({"id_number": "001703012345"}, "id_number", "Chữ số thứ 4"),
    ({"id_number": "001399012345"}, "id_number", "Năm sinh 2099"),
    ({"phone": "12345"}, "phone", "Số điện thoại phải bắt đầu bằng 0"),
    ({"phone": "09123456"}, "phone", "10 chữ số"),
    ({"email": "anh@"}, "email", "Địa chỉ email không hợp lệ"),
    ({"email": "anh at example.vn"}, "email", "email không hợp lệ"),
    ({"kind": "robot"}, "kind", "công dân hoặc tổ chức"),
    ({"kind": "organisation", "full_name": "Công ty TNHH Phú Lộc", "id_number": "123"},
     "id_number", "Mã số thuế phải có 10 chữ số"),
])
def test_bad_applicant_fields(desk, make_request, applicant, key, fragment):
    errors = errors_of(desk, make_request(applicant=applicant))
    assert list(errors) == [key]
    assert fragment in errors[key]


@pytest.mark.parametrize(("fields", "key", "fragment"), [
    ({"sets": 0}, "sets", "Số lượng hồ sơ phải từ 1 đến 50 bộ"),
    ({"sets": 51}, "sets", "từ 1 đến 50"),
    ({"sets": "hai"}, "sets", "từ 1 đến 50"),
    ({"return_method": "post", "return_address": ""}, "return_address",
     "Nhận kết quả qua bưu chính thì phải ghi địa chỉ nhận"),
    ({"return_method": "drone"}, "return_method", "tại quầy hoặc qua bưu chính"),
    ({"channel": 2}, "channel", "trực tiếp hoặc qua bưu chính"),
    ({"procedure_code": ""}, "procedure", "Chưa chọn thủ tục hành chính"),
    ({"procedure_code": "9.999999"}, "procedure", "Không tìm thấy thủ tục '9.999999'"),
    ({"received_at": T(2026, 3, 9, 10, 0)}, "received_at", "không được ở tương lai"),
    ({"due_at": T(2026, 3, 9, 8, 0)}, "due_at", "không được trước thời điểm tiếp nhận"),
    ({"documents": [{"name": "Tờ khai", "count": 0}]}, "documents", "số lượng không hợp lệ"),
    ({"documents": [{"name": "Tờ khai"}, {"name": "", "count": 1}]}, "documents",
     "Giấy tờ thứ 2: thiếu tên"),
    ({"documents": [{"name": "Tờ khai", "form": "photo"}]}, "documents",
     "hình thức hoặc số lượng không hợp lệ"),
    ({"documents": [{"name": "Tờ khai", "received": False}]}, "documents",
     "Chưa đánh dấu giấy tờ nào đã nhận"),
])
def test_bad_reception_fields(desk, make_request, fields, key, fragment):
    # the desk's clock is Monday 9/3/2026 09:00
    fields = dict(fields)
    code = fields.pop("procedure_code", "1.001193")
    errors = errors_of(desk, make_request(code, **fields))
    assert list(errors) == [key]
    assert fragment in errors[key]


def test_every_problem_is_reported_at_once(desk, make_request):
    errors = errors_of(desk, make_request(
        "", applicant={"full_name": "", "id_number": "12", "phone": "1", "email": "x"},
        sets=0, return_method="post"))
    assert set(errors) == {"full_name", "id_number", "phone", "email", "procedure", "sets",
                           "return_address"}


def test_appointment_on_a_holiday_is_refused(desk, make_request, clock):
    # received Fri 24/1/2025 10:00 for a 3-working-day procedure: due Wed 5/2/2025 17:00
    clock.now = T(2025, 1, 24, 10, 0)
    errors = errors_of(desk, make_request("1.004873", due_at=T(2025, 1, 29, 17, 0),
                                          due_change_reason="Chờ xác minh"))
    assert list(errors) == ["due_at"]
    assert "29/01/2025 là ngày nghỉ" in errors["due_at"]
    assert "Tết" in errors["due_at"]


def test_a_later_appointment_needs_a_reason(desk, make_request, clock):
    clock.now = T(2025, 1, 24, 10, 0)
    errors = errors_of(desk, make_request("1.004873", due_at=T(2025, 2, 6, 17, 0)))
    assert list(errors) == ["due_change_reason"]
    assert "phải ghi rõ lý do" in errors["due_change_reason"]
    assert "17:00 05/02/2025" in errors["due_change_reason"]

    dossier = desk.receive(make_request("1.004873", due_at=T(2025, 2, 6, 17, 0),
                                        due_change_reason="Cần xác minh tại thôn"))
    assert dossier.due_at == T(2025, 2, 6, 17, 0)
    assert dossier["computed_due_at"] == "2025-02-05T17:00"
    assert dossier["due_change_reason"] == "Cần xác minh tại thôn"


def test_an_earlier_appointment_needs_no_reason(desk, make_request, clock):
    clock.now = T(2025, 1, 24, 10, 0)
    dossier = desk.receive(make_request("1.004873", due_at=T(2025, 2, 4, 17, 0)))
    assert dossier.due_at == T(2025, 2, 4, 17, 0)
    assert dossier["computed_due_at"] == "2025-02-05T17:00"


def test_the_computed_appointment_is_used_by_default(desk, make_request, clock):
    clock.now = T(2025, 1, 24, 10, 0)
    dossier = desk.receive(make_request("1.004873"))
    assert dossier.received_at == T(2025, 1, 24, 10, 0)
    assert dossier.due_at == T(2025, 2, 5, 17, 0)
    assert dossier["due_change_reason"] == ""


def test_names_are_stored_nfc_and_capitalised(desk, make_request):
    nfd = unicodedata.normalize("NFD", "  nguyễn   thị  ngọc ánh ")
    assert nfd != unicodedata.normalize("NFC", nfd)
    dossier = desk.receive(make_request(applicant={"full_name": nfd}))
    expected = unicodedata.normalize("NFC", "Nguyễn Thị Ngọc Ánh")
    assert dossier["applicant_name"] == expected
    stored = desk.db.execute("SELECT applicant_name FROM dossiers").fetchone()[0]
    assert stored == expected and unicodedata.is_normalized("NFC", stored)
    assert desk.returning_applicant(dossier["applicant_id_number"])["full_name"] == expected


def test_phone_and_id_number_are_normalised(desk, make_request):
    dossier = desk.receive(make_request(applicant={"phone": "+84 912.345.678",
                                                   "id_number": " 001 303 012 345 ",
                                                   "email": "Anh.NTN@Example.VN"}))
    assert dossier["applicant_phone"] == "0912345678"
    assert dossier["applicant_id_number"] == "001303012345"
    assert dossier["applicant_email"] == "anh.ntn@example.vn"


def test_returning_applicant_gets_the_latest_details(desk, make_request, clock):
    assert desk.returning_applicant("001303012345") is None
    desk.receive(make_request(applicant={"phone": "0912345678", "address": "Thôn Phú Lộc"}))
    clock.now = T(2026, 3, 10, 9, 0)
    desk.receive(make_request(applicant={"phone": "0987654321", "address": "Thôn Tân Mỹ",
                                         "full_name": "Nguyễn Thị Ngọc Ánh"}))
    found = desk.returning_applicant("001303012345")
    assert found["phone"] == "0987654321"
    assert found["address"] == "Thôn Tân Mỹ"
    assert found["full_name"] == "Nguyễn Thị Ngọc Ánh"
    # typed the way it was accepted at reception: with spaces
    assert desk.returning_applicant(" 001 303 012 345 ") == found
    assert desk.db.execute("SELECT count(*) FROM applicants").fetchone()[0] == 1
    assert desk.db.execute("SELECT count(*) FROM dossiers").fetchone()[0] == 2


def test_organisation_with_tax_code_and_post_return(desk, make_request):
    dossier = desk.receive(make_request(
        "1.001612", applicant={"kind": "organisation", "full_name": "Hợp tác xã Phú Lộc",
                               "id_number": "3301234567-001"},
        return_method="post", return_address="Thôn Phú Lộc, xã Quảng Phú", sets=2))
    assert dossier["applicant_kind"] == "organisation"
    assert dossier["return_method"] == "post"
    assert dossier["sets"] == 2


def test_documents_default_to_the_procedure_list(desk, make_request):
    dossier = desk.receive(make_request("1.001193"))
    procedure = desk.procedure("1.001193")
    assert [d["name"] for d in dossier.documents] == [d.name for d in procedure.documents]
    assert all(d["received"] for d in dossier.documents)


def test_receiving_before_setup_is_refused(open_desk, make_request):
    desk = open_desk(setup=False)
    with pytest.raises(NotSetUp, match="Chưa khai báo thông tin cơ quan"):
        desk.receive(make_request())
    assert desk.db.execute("SELECT count(*) FROM dossiers").fetchone()[0] == 0


def test_validate_reception_without_a_database(make_request, desk):
    """The pure validator: computed appointment from the calendar it is given."""
    valid = validate_reception(make_request("1.004873"), desk.procedure("1.004873"),
                               WorkingCalendar(), T(2026, 2, 13, 10, 0))
    assert valid.computed_due_at == valid.due_at == T(2026, 2, 25, 17, 0)
