"""Checks for the 12-digit citizen identity number (số định danh cá nhân / CCCD).

Structure, per Nghị định 137/2015/NĐ-CP Art. 7 and Thông tư 07/2016/TT-BCA [Nhớ: from
memory of the legal text, not re-read]:
  digits 1-3  the province (or city) where the birth was registered: 001 ... 096;
  digit 4     sex and century of birth: 0/1 = 1900s male/female, 2/3 = 2000s, 4/5 = 2100s;
  digits 5-6  the last two digits of the year of birth;
  digits 7-12 a random number.
The province list below is the 63 pre-2025 codes; numbers already issued keep them.
"""

from __future__ import annotations

import datetime as dt
import re

from counter_app.domain.text import clean

PROVINCE_CODES = frozenset(
    "001 002 004 006 008 010 011 012 014 015 017 019 020 022 024 025 026 027 030 031 033 "
    "034 035 036 037 038 040 042 044 045 046 048 049 051 052 054 056 058 060 062 064 066 "
    "067 068 070 072 074 075 077 079 080 082 083 084 086 087 089 091 092 093 094 095 096".split()
)

_TAX_CODE = re.compile(r"^\d{10}(-\d{3})?$")


def citizen_id_problem(value: str, today: dt.date | None = None) -> str | None:
    """Return a Vietnamese explanation of what is wrong with the number, or None if it is valid."""
    number = clean(value).replace(" ", "")
    if not number:
        return "Chưa nhập số định danh cá nhân (CCCD)."
    if not number.isdigit():
        return "Số định danh cá nhân chỉ gồm chữ số."
    if len(number) != 12:
        return f"Số định danh cá nhân phải có đúng 12 chữ số (đang có {len(number)})."
    if number[:3] not in PROVINCE_CODES:
        return f"Mã tỉnh nơi đăng ký khai sinh '{number[:3]}' (3 số đầu) không tồn tại."
    century_digit = int(number[3])
    if century_digit > 5:
        return "Chữ số thứ 4 (giới tính, thế kỷ sinh) không hợp lệ."
    year = 1900 + 100 * (century_digit // 2) + int(number[4:6])
    today = today or dt.date.today()
    if year > today.year:
        return f"Năm sinh {year} suy ra từ số định danh nằm trong tương lai."
    return None


def tax_code_problem(value: str) -> str | None:
    """Organisations give their tax code (mã số thuế): 10 digits, or 10-3 for a branch."""
    number = clean(value).replace(" ", "")
    if not number:
        return "Chưa nhập mã số thuế của tổ chức."
    if not _TAX_CODE.match(number):
        return "Mã số thuế phải có 10 chữ số, hoặc 10 chữ số, dấu '-' và 3 chữ số (chi nhánh)."
    return None


def normalise_id(value: str) -> str:
    return clean(value).replace(" ", "")
