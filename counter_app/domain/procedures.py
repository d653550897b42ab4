"""Administrative procedures (thủ tục hành chính): what a dossier is received for."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict, dataclass, field
from enum import StrEnum

from counter_app.domain.text import clean, fold
from counter_app.domain.units import competent_kind
from counter_app.domain.working_calendar import DurationUnit, describe_duration


class DocForm(StrEnum):
    ORIGINAL = "original"
    COPY = "copy"
    CERTIFIED_COPY = "certified_copy"
    PRESENT = "present"  # the original is shown to the officer, not kept

    @property
    def label(self) -> str:
        return DOC_FORM_LABELS[self]


DOC_FORM_LABELS = {
    DocForm.ORIGINAL: "Bản chính",
    DocForm.COPY: "Bản sao",
    DocForm.CERTIFIED_COPY: "Bản sao có chứng thực",
    DocForm.PRESENT: "Xuất trình bản chính",
}

CONFIDENCE_LABELS = {
    "xac_nhan": "Xác nhận",
    "nho": "Nhớ (chưa đối chiếu văn bản)",
    "chua_ro": "Chưa rõ (phải kiểm tra quyết định công bố của tỉnh)",
}

_CODE = re.compile(r"^[12]\.\d{6}(\.[0-9]{3}\.[0-9]{2}\.[0-9]{2}\.[A-Z][0-9]{2})?$")


@dataclass(frozen=True)
class RequiredDocument:
    name: str
    form: DocForm = DocForm.ORIGINAL
    count: int = 1
    note: str = ""


@dataclass(frozen=True)
class Procedure:
    code: str
    field: str
    name: str
    unit: DurationUnit
    value: int
    fee_text: str = ""
    fee_vnd: int | None = None
    documents: tuple[RequiredDocument, ...] = ()
    legal_basis: str = ""
    authority: str = "UBND cấp xã"
    confidence: str = "chua_ro"
    note: str = field(default="", compare=False)
    #: "toan_trinh" / "mot_phan" (trực tuyến toàn trình / một phần), "" when not known.
    online: str = ""
    #: On the province's list of procedures received regardless of boundary (phi địa giới).
    boundary_free: bool | None = None
    #: Where the entry was read (a decision, a published list).
    reference: str = field(default="", compare=False)

    @property
    def duration_text(self) -> str:
        return describe_duration(self.unit, self.value)

    @property
    def competent_kind(self) -> str:
        """Which kind of body decides it: units.COMMUNE or units.PROVINCIAL (read from
        ``authority``, the catalogue's "Cơ quan thực hiện")."""
        return competent_kind(self.authority)

    @property
    def search_text(self) -> str:
        return fold(f"{self.code} {self.field} {self.name}")

    def to_dict(self) -> dict:
        data = asdict(self)
        data["unit"] = self.unit.value
        data["documents"] = [{**asdict(d), "form": d.form.value} for d in self.documents]
        return data


_UNIT_WORDS = {
    "same day": DurationUnit.SAME_DAY, "trong ngay": DurationUnit.SAME_DAY,
    "working days": DurationUnit.WORKING_DAYS, "ngay lam viec": DurationUnit.WORKING_DAYS,
    "calendar days": DurationUnit.CALENDAR_DAYS, "ngay": DurationUnit.CALENDAR_DAYS,
}
_FORM_WORDS = {
    "original": DocForm.ORIGINAL, "ban chinh": DocForm.ORIGINAL,
    "copy": DocForm.COPY, "ban sao": DocForm.COPY,
    "certified_copy": DocForm.CERTIFIED_COPY, "ban sao co chung thuc": DocForm.CERTIFIED_COPY,
    "present": DocForm.PRESENT, "xuat trinh": DocForm.PRESENT,
    "xuat trinh ban chinh": DocForm.PRESENT,
}


def parse_unit(value: object) -> DurationUnit:
    unit = _UNIT_WORDS.get(fold(value).replace("_", " "))
    if unit is None:
        raise ValueError(f"đơn vị thời hạn '{clean(value)}' không hợp lệ "
                         "(dùng: trong ngày, ngày làm việc, ngày)")
    return unit


def parse_documents(value: object) -> tuple[RequiredDocument, ...]:
    """Documents from a list of dicts, or the text form 'Tên|bản chính|1; Tên 2|bản sao|2'."""
    if isinstance(value, list):
        items = value
    else:
        items = []
        for chunk in clean(value).split(";"):
            if not chunk.strip():
                continue
            parts = [p.strip() for p in chunk.split("|")]
            items.append({"name": parts[0],
                          "form": parts[1] if len(parts) > 1 else "original",
                          "count": parts[2] if len(parts) > 2 else 1,
                          "note": parts[3] if len(parts) > 3 else ""})
    docs = []
    for i, item in enumerate(items, 1):
        name = clean(item.get("name"))
        if not name:
            raise ValueError(f"giấy tờ thứ {i} không có tên")
        form = _FORM_WORDS.get(fold(item.get("form") or "original"))
        if form is None:
            raise ValueError(f"giấy tờ '{name}': hình thức '{clean(item.get('form'))}' không hợp lệ "
                             "(bản chính, bản sao, bản sao có chứng thực, xuất trình)")
        try:
            count = int(str(item.get("count", 1)).strip() or 1)
        except ValueError:
            raise ValueError(f"giấy tờ '{name}': số lượng phải là số nguyên") from None
        if not 1 <= count <= 99:
            raise ValueError(f"giấy tờ '{name}': số lượng phải từ 1 đến 99")
        docs.append(RequiredDocument(name, form, count, clean(item.get("note"))))
    return tuple(docs)


ONLINE_LABELS = {"toan_trinh": "Trực tuyến toàn trình", "mot_phan": "Trực tuyến một phần"}
_ONLINE_WORDS = {
    "toan trinh": "toan_trinh", "toan_trinh": "toan_trinh",
    "truc tuyen toan trinh": "toan_trinh", "dvc truc tuyen toan trinh": "toan_trinh",
    "muc do 4": "toan_trinh", "4": "toan_trinh",
    "mot phan": "mot_phan", "mot_phan": "mot_phan", "truc tuyen mot phan": "mot_phan",
    "dvc truc tuyen mot phan": "mot_phan", "muc do 3": "mot_phan", "3": "mot_phan",
    "": "", "khong": "", "muc do 2": "", "2": "", "muc do 1": "", "1": "",
}
_YES = {"x", "co", "1", "true", "yes", "phi dia gioi", "khong phu thuoc dia gioi"}
_NO = {"khong", "0", "false", "no", "-"}


def parse_online(value: object) -> str:
    """A province list's "Mức độ" / "Trực tuyến toàn trình/một phần" cell."""
    key = " ".join(fold(value).replace("_", " ").replace(".", " ").split())
    if key in _ONLINE_WORDS:
        return _ONLINE_WORDS[key]
    if "toan trinh" in key:
        return "toan_trinh"
    if "mot phan" in key:
        return "mot_phan"
    raise ValueError(f"mức độ trực tuyến '{clean(value)}' không rõ (dùng: toàn trình, một phần, "
                     "hoặc để trống)")


def parse_yes_no(value: object, label: str) -> bool | None:
    if isinstance(value, bool) or value is None:
        return value
    key = " ".join(fold(value).split())
    if not key:
        return None
    if key in _YES:
        return True
    if key in _NO:
        return False
    raise ValueError(f"{label} '{clean(value)}' phải là có (x) hoặc không")


def procedure_from_row(row: dict) -> Procedure:
    """Build a Procedure from a catalogue row; raises ValueError with a Vietnamese reason."""
    code = clean(row.get("code")).upper()
    if not _CODE.match(code):
        raise ValueError(f"mã thủ tục '{code}' không đúng dạng n.nnnnnn (ví dụ 1.001193)")
    name = clean(row.get("name"))
    if len(name) < 5:
        raise ValueError("thiếu tên thủ tục")
    field_ = clean(row.get("field"))
    if not field_:
        raise ValueError("thiếu lĩnh vực")
    unit = parse_unit(row.get("unit"))
    raw_value = clean(row.get("value")) or "0"
    try:
        value = int(float(raw_value)) if float(raw_value).is_integer() else None
    except ValueError:
        value = None
    if value is None or value < 0 or value > 365:
        raise ValueError(f"thời hạn '{raw_value}' phải là số nguyên từ 0 đến 365")
    if unit is not DurationUnit.SAME_DAY and value == 0:
        raise ValueError("thời hạn bằng 0: hãy dùng đơn vị 'trong ngày'")
    if unit is DurationUnit.SAME_DAY:
        value = 0
    fee_raw = clean(row.get("fee_vnd")).replace(".", "").replace(",", "")
    fee_vnd = None
    if fee_raw:
        if not fee_raw.isdigit():
            raise ValueError(f"lệ phí (đồng) '{clean(row.get('fee_vnd'))}' phải là số")
        fee_vnd = int(fee_raw)
    confidence = clean(row.get("confidence")) or "chua_ro"
    if confidence not in CONFIDENCE_LABELS:
        raise ValueError(f"mức tin cậy '{confidence}' không hợp lệ (xac_nhan, nho, chua_ro)")
    return Procedure(
        code=code, field=field_, name=name, unit=unit, value=value,
        fee_text=clean(row.get("fee_text")), fee_vnd=fee_vnd,
        documents=parse_documents(row.get("documents") or []),
        legal_basis=clean(row.get("legal_basis")),
        authority=clean(row.get("authority")) or "UBND cấp xã",
        confidence=confidence, note=clean(row.get("note")),
        online=parse_online(row.get("online")),
        boundary_free=parse_yes_no(row.get("boundary_free"), "phi địa giới"),
        reference=clean(row.get("reference")),
    )


def canonical_json(body: dict) -> str:
    """The one text of a procedure version: sorted keys, no spaces, UTF-8 as it is."""
    return json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def version_id(body: dict) -> str:
    """A procedure version's id: its code and the first 16 hex digits of the SHA-256 of its
    canonical text. The same content gives the same id on every desk and on the server, so
    a version is stored once wherever it is used, and an id names one content only."""
    digest = hashlib.sha256(canonical_json(body).encode("utf-8")).hexdigest()[:16]
    return f"{body.get('code', '')}@{digest}"
