"""What a report prints around its numbers: who reports to whom, and who signs.

``ReportSettings`` is the commune's choice, kept in the desk's settings (``reports``):
the unit the report goes to (after 1 July 2025 a commune reports to the province, docs/law.md
§0, so there is no safe default), the optional 15th-to-14th cut-off (docs/law.md §5.1 marks
that rule [Nhớ], so it is off unless the commune turns it on), and the head of the unit who
signs. ``ReportHeading`` is one printed report's header and signature block, made from those
settings, the agency setup and the officer who made the report.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass

from counter_app.domain.agency import AgencySettings
from counter_app.domain.text import clean
from counter_app.errors import ValidationError

DEFAULT_HEAD_TITLE = "CHỦ TỊCH"
_MAX_TEXT = 200


@dataclass(frozen=True)
class ReportSettings:
    receiving_unit: str = ""          # "Đơn vị nhận báo cáo", e.g. "Văn phòng UBND tỉnh …"
    cutoff_day: int | None = None     # 15 for the 15th-to-14th convention; None = calendar
    head_title: str = DEFAULT_HEAD_TITLE  # who signs for the unit ("CHỦ TỊCH", "KT. CHỦ TỊCH…")
    head_name: str = ""

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict | None) -> ReportSettings:
        data = data or {}
        return cls(**{k: data[k] for k in cls.__dataclass_fields__ if k in data})


def validate_settings(data: dict) -> ReportSettings:
    """Check and normalise the fields; ValidationError with Vietnamese messages."""
    errors: dict[str, str] = {}
    out: dict[str, object] = {}
    for name, what in (("receiving_unit", "Đơn vị nhận báo cáo"),
                       ("head_title", "Chức danh người ký"), ("head_name", "Họ tên người ký")):
        value = clean(data.get(name))
        if len(value) > _MAX_TEXT:
            errors[name] = f"{what} dài quá {_MAX_TEXT} ký tự."
        out[name] = value
    out["head_title"] = out["head_title"] or DEFAULT_HEAD_TITLE
    cutoff = data.get("cutoff_day")
    if cutoff in (None, "", 0, "0"):
        out["cutoff_day"] = None
    else:
        try:
            day = int(str(cutoff).strip())
        except ValueError:
            day = -1
        if not 2 <= day <= 28:
            errors["cutoff_day"] = "Ngày chốt số liệu phải là số từ 2 đến 28 (để trống nếu " \
                                   "tính theo tháng dương lịch)."
        out["cutoff_day"] = day
    if errors:
        raise ValidationError(errors)
    return ReportSettings(**out)


@dataclass(frozen=True)
class ReportHeading:
    """The texts printed around a report (XLSX and PDF)."""
    reporting_unit: str               # "Đơn vị báo cáo": the commune (agency_name)
    receiving_unit: str               # "Đơn vị nhận báo cáo" ("" prints a dotted line)
    place_name: str                   # "…, ngày … tháng … năm …"
    made_on: dt.date
    maker_name: str = ""              # "Người lập biểu"
    head_title: str = DEFAULT_HEAD_TITLE
    head_name: str = ""

    @classmethod
    def make(cls, agency: AgencySettings, settings: ReportSettings, made_on: dt.date,
             maker_name: str = "") -> ReportHeading:
        return cls(reporting_unit=agency.agency_name, receiving_unit=settings.receiving_unit,
                   place_name=agency.place_name, made_on=made_on, maker_name=maker_name,
                   head_title=settings.head_title or DEFAULT_HEAD_TITLE,
                   head_name=settings.head_name)
