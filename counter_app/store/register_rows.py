"""The lines of the register, SỔ THEO DÕI HỒ SƠ (Mẫu 06 of 2018, 07 of 2025): one per dossier, in book and entry
order, shared by the PDF and the XLSX export.

The 2018 register's columns are [Chưa rõ] in docs/law.md §1.3: reconstructed from memory, not read from
the official form; check them against TT 01/2018/TT-VPCP (or TT 03/2025) before relying on
the layout. Nothing on the printed register says so: this note is for developers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import sqlite_utils

from counter_app.domain import legal_forms
from counter_app.domain.lifecycle import REFUSED_OUTCOME, Verdict
from counter_app.domain.reception import ReturnMethod
from counter_app.domain.statuses import Status
from counter_app.store.dossier_store import DossierRow

DATE_GROUP = "Ngày, tháng, năm"
#: (heading, group heading or None): the 14 columns, in order.
COLUMNS: tuple[tuple[str, str | None], ...] = (
    ("TT", None), ("Mã hồ sơ", None), ("Tên TTHC", None), ("Số lượng hồ sơ (bộ)", None),
    ("Tên cá nhân, tổ chức", None), ("Địa chỉ, số điện thoại", None),
    ("Cơ quan chủ trì giải quyết", None),
    ("Nhận hồ sơ", DATE_GROUP), ("Hẹn trả kết quả", DATE_GROUP),
    ("Chuyển hồ sơ đến cơ quan giải quyết", DATE_GROUP),
    ("Nhận kết quả từ cơ quan giải quyết", DATE_GROUP),
    ("Trả kết quả cho cá nhân, tổ chức", DATE_GROUP),
    ("Ký nhận", None), ("Ghi chú", None),
)
TITLE = "SỔ THEO DÕI HỒ SƠ"
#: The 2025 register (TT 03/2025 Mẫu 07) adds this column before "Ký nhận" [secondary:
#: the nearest verbatim set, docs/law.md §21].
RETURN_METHOD = ("Phương thức nhận kết quả", None)
SIGN_COLUMN = 12


def columns(words: legal_forms.Wording) -> tuple[tuple[str, str | None], ...]:
    """The register's columns in ``words``' family."""
    if words.text(legal_forms.FormKind.REGISTER, "return_method_column"):
        return COLUMNS[:SIGN_COLUMN] + (RETURN_METHOD,) + COLUMNS[SIGN_COLUMN:]
    return COLUMNS


def family_of_register(rows, agency, end: dt.date) -> legal_forms.FormFamily:
    """The register's family: the 2025 one as soon as a dossier in it was received under
    it, else the 2018 one (a reprint of an old period matches the book it printed); with
    no dossier, the family in force on the period's last day."""
    families = {row.family for row in rows}
    if not families:
        return agency.family_for(end)
    return (legal_forms.FormFamily.TT03_2025 if legal_forms.FormFamily.TT03_2025 in families
            else legal_forms.FormFamily.TT01_2018)


def title(words: legal_forms.Wording) -> str:
    return words.title(legal_forms.FormKind.REGISTER)


@dataclass(frozen=True)
class Handover:
    """The first hand-over of a dossier to the unit that solves it."""
    at: dt.datetime
    to_unit: str


@dataclass(frozen=True)
class RegisterLine:
    book: str
    number: int
    code: str
    procedure: str
    sets: int
    applicant: str
    contact: str          # address and phone, one per line
    lead_unit: str
    received_at: dt.datetime
    due_at: dt.datetime
    handed_over_at: dt.datetime | None
    result_at: dt.datetime | None
    returned_at: dt.datetime | None
    note: str
    return_method: str = ""

    @property
    def dates(self) -> tuple[dt.datetime | None, ...]:
        """The five "Ngày, tháng, năm" columns, in order."""
        return (self.received_at, self.due_at, self.handed_over_at, self.result_at,
                self.returned_at)


def period(start: dt.date, end: dt.date) -> str:
    return f"Từ ngày {start:%d/%m/%Y} đến ngày {end:%d/%m/%Y}"


def _moment(value: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(value).replace(tzinfo=None) if value else None


def first_handovers(db: sqlite_utils.Database, start: dt.date,
                    end: dt.date) -> dict[str, Handover]:
    """Dossier id -> its first hand-over, for dossiers received from ``start`` to ``end``
    inclusive (one query over the events of those dossiers)."""
    sql = ("SELECT e.dossier_id, json_extract(e.payload, '$.at') AS at, "
           "json_extract(e.payload, '$.to_unit') AS to_unit FROM dossiers d "
           "JOIN events e ON e.dossier_id = d.id "
           "WHERE d.received_at >= ? AND d.received_at < ? AND e.kind = 'handover' "
           "ORDER BY e.dossier_id, at")
    found: dict[str, Handover] = {}
    for dossier_id, at, to_unit in db.execute(
            sql, [start.isoformat(), (end + dt.timedelta(days=1)).isoformat()]).fetchall():
        if dossier_id not in found and at:
            found[dossier_id] = Handover(_moment(at), to_unit or "")
    return found


def _note(row: DossierRow) -> str:
    data = row.data
    note = row.status.label
    if data.get("verdict"):
        note += f" ({Verdict(data['verdict']).label.lower()})"
    parts = [note]
    if data.get("outcome") == REFUSED_OUTCOME:
        parts.append(f"Kết quả: văn bản không giải quyết; lý do: {data.get('closed_reason')}")
    if data.get("closed_reason") and row.status in (Status.REFUSED, Status.WITHDRAWN,
                                                   Status.STOPPED):
        parts.append(f"Lý do: {data['closed_reason']}")
    if data.get("apologized"):
        parts.append("Đã xin lỗi, hẹn lại ngày trả")
    if data.get("note"):
        parts.append(data["note"])
    return "; ".join(parts)


def _return_method(row: DossierRow) -> str:
    if row["return_method"] == ReturnMethod.POST.value:
        return f"{ReturnMethod.POST.label}: {row['return_address']}".rstrip(": ")
    return ReturnMethod.COUNTER.label


def lines(rows: Iterable[DossierRow],
          first_handover: Mapping[str, Handover] | None = None) -> list[RegisterLine]:
    """One line per dossier, in book and entry order. Without ``first_handover`` (see
    ``first_handovers``) the hand-over date and the lead unit are left blank."""
    first_handover = first_handover or {}
    out = []
    for row in sorted(rows, key=lambda r: (r["register_book"], r["register_no"])):
        handover = first_handover.get(row.data.get("id", ""))
        contact = "\n".join(v for v in (row["applicant_address"], row["applicant_phone"]) if v)
        out.append(RegisterLine(
            book=row["register_book"], number=row["register_no"], code=row.code,
            procedure=row["procedure_name"], sets=row["sets"], applicant=row["applicant_name"],
            contact=contact, lead_unit=handover.to_unit if handover else "",
            received_at=row.received_at, due_at=row.due_at,
            handed_over_at=handover.at if handover else None,
            result_at=_moment(row.data.get("finished_at")),
            returned_at=_moment(row.data.get("returned_at")), note=_note(row),
            return_method=_return_method(row)))
    return out
