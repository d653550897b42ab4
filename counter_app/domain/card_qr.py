"""The QR code on the chip ID card (CCCD) and the thẻ căn cước, read by the counter's 2D
scanner (docs/law.md §19).

The documented layout [secondary: public code in several repositories, the press, 12/2022]
is seven fields separated by "|":

    số định danh | số CMND cũ (or empty) | họ và tên | ngày sinh ddmmyyyy | giới tính |
    nơi thường trú | ngày cấp ddmmyyyy

Cards issued since 1/7/2024 (TT 16/2024/TT-BCA) may add fields after these; no raw sample
was found, so the first seven are read and any further ones are ignored [not law]. Anything
else is refused with a message the officer can act on. A scanner in keyboard mode may garble
Vietnamese letters: text that was UTF-8 read as a Western code page is repaired; text whose
letters are lost (digits or "?" in the name, "N7919" for "Nữ") is refused with the advice to
switch the scanner to its virtual serial (COM) mode.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from counter_app.domain.citizen_id import citizen_id_problem
from counter_app.domain.text import clean, fold
from counter_app.errors import ValidationError

FIELDS = 7
MAX_LENGTH = 1000
SEXES = {"nam": "Nam", "nu": "Nữ"}
SERIAL_ADVICE = ("Máy quét đang gửi chữ tiếng Việt sai (chế độ bàn phím): hãy chuyển máy "
                 "quét sang chế độ cổng COM ảo (USB CDC) và chọn cổng ở Hệ thống › Máy quét, "
                 "hoặc nhập tay.")
_LOOKS_LIKE_CARD = re.compile(r"\d{12}\|[^|\n]{0,20}\|[^|\n]+\|\d{8}\|")
_NAME = re.compile(r"^[^\d@#$%^*_=+<>{}\[\]|\\/~`?]+$")


@dataclass(frozen=True)
class CardData:
    id_number: str
    old_id: str
    full_name: str
    birth_date: dt.date
    sex: str          # "Nam" / "Nữ"
    address: str      # nơi thường trú, as printed (may name a pre-2025 district)
    issued_on: dt.date

    def applicant_fields(self) -> dict:
        """What the card fills on the reception form."""
        return {"kind": "citizen", "id_number": self.id_number, "full_name": self.full_name,
                "address": self.address, "birth_date": self.birth_date.isoformat(),
                "sex": self.sex}


def looks_like_card(text: str) -> bool:
    """Does ``text`` contain what a card's QR starts with (12 digits, "|", …, a date)?"""
    return bool(_LOOKS_LIKE_CARD.search(text or ""))


def repair(text: str) -> str:
    """UTF-8 bytes shown as Windows-1252 / Latin-1 ("Nguyá»…n") turned back into text."""
    for codec in ("cp1252", "latin-1"):
        try:
            fixed = text.encode(codec).decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            continue
        if fixed != text:
            return fixed
    return text


def _date(value: str, label: str, errors: list[str]) -> dt.date | None:
    try:
        return dt.datetime.strptime(value, "%d%m%Y").date()
    except ValueError:
        errors.append(f"{label} trên thẻ không đọc được ('{value}').")
        return None


def parse(text: object, today: dt.date | None = None) -> CardData:
    """The card's data from the QR text; ValidationError({"card_qr": …}) when it is not one."""
    raw = str(text or "").strip()
    if not raw:
        raise ValidationError({"card_qr": "Chưa có nội dung mã QR trên thẻ."})
    if len(raw) > MAX_LENGTH:
        raise ValidationError({"card_qr": "Nội dung quét quá dài, không phải mã QR của thẻ."})
    value = clean(repair(raw))
    parts = [p.strip() for p in value.split("|")]
    if len(parts) < FIELDS or not looks_like_card(value):
        raise ValidationError({"card_qr": (
            "Đây không phải mã QR của thẻ căn cước (cần 7 mục cách nhau bởi dấu |, bắt đầu "
            "bằng số định danh 12 chữ số).")})
    id_number, old_id, name, born, sex, address, issued = parts[:FIELDS]
    today = today or dt.date.today()
    errors = []
    if problem := citizen_id_problem(id_number, today):
        errors.append(problem)
    if old_id and not re.fullmatch(r"\d{9}", old_id):
        errors.append("Số CMND cũ trên thẻ phải có 9 chữ số.")
    sex_key = fold(sex)
    garbled = (not _NAME.match(name) or sex_key not in SEXES or "\ufffd" in value
               or "?" in name)
    if garbled:
        raise ValidationError({"card_qr": SERIAL_ADVICE})
    birth = _date(born, "Ngày sinh", errors)
    issued_on = _date(issued, "Ngày cấp", errors)
    if birth and not dt.date(1900, 1, 1) <= birth <= today:
        errors.append(f"Ngày sinh {birth:%d/%m/%Y} trên thẻ không hợp lệ.")
    if issued_on and not (birth or dt.date(1900, 1, 1)) <= issued_on <= today:
        errors.append(f"Ngày cấp {issued_on:%d/%m/%Y} trên thẻ không hợp lệ.")
    if not address:
        errors.append("Thẻ không có nơi thường trú.")
    if errors:
        raise ValidationError({"card_qr": " ".join(errors)})
    assert birth is not None and issued_on is not None
    full_name = " ".join(w[:1].upper() + w[1:].lower() for w in name.split(" "))
    return CardData(id_number, old_id, full_name, birth, SEXES[sex_key], address, issued_on)
