"""Administrative procedures (thủ tục hành chính): what a dossier is received for."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from enum import StrEnum

from counter_app.domain.text import clean, fold
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

    @property
    def duration_text(self) -> str:
        return describe_duration(self.unit, self.value)

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
    )
