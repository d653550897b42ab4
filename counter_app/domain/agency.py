"""The commune's setup: who receives dossiers at this desk, printed on every slip."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass

from counter_app.domain.text import clean
from counter_app.errors import ValidationError

# Mã định danh điện tử, either generation (docs/law.md §2.2, §17):
# - read right to left, as issued under QĐ 20/2020/QĐ-TTg before the 2025 mergers:
#   LLL.LL.LL.Xnn, e.g. 000.17.22.H56;
# - read left to right, as the re-issued codes are (level 1 first, "MX1X2"): Xnn.LLL[.LL…],
#   e.g. H55.242 [secondary: one live payload]; the number of levels is not fixed here.
AGENCY_CODE_2020 = r"[0-9]{3}\.[0-9]{2}\.[0-9]{2}\.[GH][0-9]{2}"  # ASCII digits only:
AGENCY_CODE_2025 = r"[GH][0-9]{2}(?:\.[0-9]{2,3}){1,3}"      # the barcode carries ASCII
AGENCY_CODE = re.compile(rf"^(?:{AGENCY_CODE_2020}|{AGENCY_CODE_2025})$")
MAX_DESKS = 9


@dataclass(frozen=True)
class AgencySettings:
    agency_code: str
    agency_name: str
    parent_body: str = ""
    desk_number: int = 1
    address: str = ""
    hotline: str = ""
    place_name: str = ""   # the place in "…, ngày … tháng … năm …"
    officer_name: str = ""  # the receiving officer printed under the signature

    def to_dict(self) -> dict:
        return asdict(self)


def validate_agency(data: dict) -> AgencySettings:
    """Check and normalise setup fields; raises ValidationError with Vietnamese messages."""
    errors: dict[str, str] = {}
    code = clean(data.get("agency_code")).upper()
    if not AGENCY_CODE.match(code):
        errors["agency_code"] = ("Mã định danh cơ quan phải có dạng H56.245 (mã cấp tỉnh rồi "
                                 "các mã cấp dưới, ngăn bởi dấu chấm) hoặc dạng cũ "
                                 "000.17.22.H56.")
    name = clean(data.get("agency_name"))
    if len(name) < 3:
        errors["agency_name"] = "Chưa nhập tên cơ quan tiếp nhận (ví dụ: UBND xã Quảng Phú)."
    try:
        desk = int(str(data.get("desk_number", 1)).strip())
    except ValueError:
        desk = 0
    if not 1 <= desk <= MAX_DESKS:
        errors["desk_number"] = f"Số quầy phải là số từ 1 đến {MAX_DESKS}."
    hotline = clean(data.get("hotline"))
    if hotline and not re.fullmatch(r"[0-9 .+()-]{3,20}", hotline):
        errors["hotline"] = "Đường dây nóng chỉ gồm chữ số (có thể có dấu cách, chấm, gạch)."
    if errors:
        raise ValidationError(errors)
    return AgencySettings(
        agency_code=code, agency_name=name, parent_body=clean(data.get("parent_body")),
        desk_number=desk, address=clean(data.get("address")), hotline=hotline,
        place_name=clean(data.get("place_name")), officer_name=clean(data.get("officer_name")),
    )
