"""The commune's setup: who receives dossiers at this desk, printed on every slip."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import asdict, dataclass

from counter_app.domain.legal_forms import FAMILY_CHOICES, TT03_IN_FORCE, FormFamily, family_for
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
CENTRE = "Trung tâm Phục vụ hành chính công"
DEFAULT_SUFFIX = "TTPVHCC"


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
    #: The commune's Trung tâm Phục vụ hành chính công (NĐ 118/2025): the office that
    #: receives, named on the TT 03/2025 forms; "" = made from ``agency_name``.
    centre_name: str = ""
    #: The tail of the "Số: …/TTPVHCC" line of the TT 03/2025 forms.
    number_suffix: str = DEFAULT_SUFFIX
    #: "auto" (the family in force on the day of reception) or "tt01-2018" (keep the
    #: 2018 numbering, as some provinces did), docs/law.md §21.
    form_family: str = "auto"
    #: The day the TT 03/2025 forms apply from (ISO date).
    forms_2025_from: str = TT03_IN_FORCE.isoformat()

    def to_dict(self) -> dict:
        return asdict(self)

    @property
    def centre(self) -> str:
        return self.centre_name or centre_name_for(self.agency_name)

    @property
    def forms_2025_start(self) -> dt.date:
        return dt.date.fromisoformat(self.forms_2025_from)

    def family_for(self, received_on: dt.date) -> FormFamily:
        """The form family of a dossier received on ``received_on`` at this desk."""
        return family_for(received_on, self.form_family, self.forms_2025_start)


def centre_name_for(agency_name: str) -> str:
    """"UBND xã Quảng Phú" -> "Trung tâm Phục vụ hành chính công xã Quảng Phú"."""
    name = clean(agency_name)
    for prefix in ("ủy ban nhân dân ", "uỷ ban nhân dân ", "ubnd "):
        if name.lower().startswith(prefix):
            return f"{CENTRE} {name[len(prefix):]}"
    return CENTRE


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
    suffix = clean(data.get("number_suffix")) or DEFAULT_SUFFIX
    if not re.fullmatch(r"[A-ZĐ0-9][A-ZĐ0-9.()\- ]{0,39}", suffix.upper()):
        errors["number_suffix"] = ("Ký hiệu số văn bản chỉ gồm chữ cái (được viết in hoa), "
                                   "chữ số, dấu chấm, gạch ngang, ngoặc và dấu cách, tối đa "
                                   "40 ký tự (ví dụ: TTPVHCC).")
    family = clean(data.get("form_family")) or "auto"
    if family not in FAMILY_CHOICES:
        errors["form_family"] = ("Bộ biểu mẫu phải là “auto” (theo ngày tiếp nhận) hoặc "
                                 "“tt01-2018” (giữ cách đánh số cũ).")
    start = clean(data.get("forms_2025_from")) or TT03_IN_FORCE.isoformat()
    try:
        if not dt.date(2025, 1, 1) <= dt.date.fromisoformat(start) <= dt.date(2030, 12, 31):
            raise ValueError
    except ValueError:
        errors["forms_2025_from"] = ("Ngày áp dụng bộ mẫu mới phải là một ngày từ 01/01/2025 "
                                     "đến 31/12/2030 (mặc định 15/09/2025).")
    if errors:
        raise ValidationError(errors)
    return AgencySettings(
        agency_code=code, agency_name=name, parent_body=clean(data.get("parent_body")),
        desk_number=desk, address=clean(data.get("address")), hotline=hotline,
        place_name=clean(data.get("place_name")), officer_name=clean(data.get("officer_name")),
        centre_name=clean(data.get("centre_name")), number_suffix=suffix.upper(),
        form_family=family, forms_2025_from=dt.date.fromisoformat(start).isoformat(),
    )
