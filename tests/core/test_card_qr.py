"""The chip ID card's QR: parsed, repaired when a scanner mangled its encoding, refused with
a reason when it is not one or its letters are lost; and it fills a reception."""

from __future__ import annotations

import datetime as dt

import pytest

from counter_app.domain import card_qr
from counter_app.errors import ValidationError

TODAY = dt.date(2026, 12, 6)
ADDRESS = "Thôn Phú Lộc, Xã Quảng Phú, Huyện Quảng Xương, Thanh Hóa"
QR = f"038190012345|123456789|NGUYỄN THỊ NGỌC ÁNH|15031990|Nữ|{ADDRESS}|20042021"


def test_the_seven_fields():
    card = card_qr.parse(QR, TODAY)
    assert card == card_qr.CardData("038190012345", "123456789", "Nguyễn Thị Ngọc Ánh",
                                    dt.date(1990, 3, 15), "Nữ", ADDRESS, dt.date(2021, 4, 20))
    assert card.applicant_fields() == {
        "kind": "citizen", "id_number": "038190012345", "full_name": "Nguyễn Thị Ngọc Ánh",
        "address": ADDRESS, "birth_date": "1990-03-15", "sex": "Nữ"}


@pytest.mark.parametrize("text", [
    QR.replace("|123456789|", "||"),                     # no old CMND number
    QR + "|Nguyễn Văn Cha|Trần Thị Mẹ",                  # a newer card's extra fields
    QR + "\r\n",                                         # the scanner's line end
    QR.encode("utf-8").decode("latin-1"),                # UTF-8 read as Latin-1
])
def test_variants_that_are_read(text):
    card = card_qr.parse(text, TODAY)
    assert card.id_number == "038190012345" and card.full_name == "Nguyễn Thị Ngọc Ánh"
    assert card.address == ADDRESS


def test_decomposed_text_is_normalised():
    import unicodedata

    card = card_qr.parse(unicodedata.normalize("NFD", QR), TODAY)
    assert card.full_name == unicodedata.normalize("NFC", "Nguyễn Thị Ngọc Ánh")


@pytest.mark.parametrize(("text", "words"), [
    ("", "Chưa có nội dung"),
    ("H56.245-261120-1001", "không phải mã QR của thẻ"),
    ("038190012345|NGUYEN", "không phải mã QR của thẻ"),
    (QR.replace("038190012345", "999190012345"), "Mã tỉnh"),
    (QR.replace("15031990", "31021990"), "Ngày sinh trên thẻ không đọc được"),
    (QR.replace("20042021", "20042099"), "Ngày cấp 20/04/2099"),
    (QR.replace("|Nữ|", "|N7919|"), "chế độ cổng COM ảo"),            # wedge garbling
    (QR.replace("NGUYỄN THỊ NGỌC ÁNH", "NGUY?N TH? NG?C ?NH"), "chế độ cổng COM ảo"),
    (QR.replace("|123456789|", "|12345|"), "9 chữ số"),
    ("x" * 2000, "quá dài"),
])
def test_what_is_refused_says_why(text, words):
    with pytest.raises(ValidationError) as caught:
        card_qr.parse(text, TODAY)
    assert words in caught.value.errors["card_qr"]


def test_a_card_fills_a_reception_and_updates_the_returning_citizen(desk, make_request, clock):
    card = card_qr.parse(QR, clock.now.date())
    first = desk.receive(make_request(applicant={**card.applicant_fields(),
                                                 "phone": "0912345678"}))
    stored = desk.db.execute("SELECT full_name, birth_date, sex, address FROM applicants "
                             "WHERE id_number = ?", ["038190012345"]).fetchone()
    assert stored == ("Nguyễn Thị Ngọc Ánh", "1990-03-15", "Nữ", ADDRESS)
    assert first["applicant_name"] == "Nguyễn Thị Ngọc Ánh"
    # back without the card: her birth date and sex stay; a new address replaces the old
    desk.receive(make_request(applicant={"full_name": "Nguyễn Thị Ngọc Ánh",
                                         "id_number": "038190012345", "address": "Xã Mới"}))
    assert desk.db.execute("SELECT birth_date, sex, address FROM applicants WHERE "
                           "id_number = ?", ["038190012345"]).fetchone() == (
        "1990-03-15", "Nữ", "Xã Mới")
    assert desk.returning_applicant("038190012345")["birth_date"] == "1990-03-15"
    with pytest.raises(ValidationError) as caught:
        desk.receive(make_request(applicant={"birth_date": "31/02/1990", "sex": "X"}))
    assert set(caught.value.errors) == {"birth_date", "sex"}
