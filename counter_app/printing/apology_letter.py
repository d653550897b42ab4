"""Mẫu 04: PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ (TT 01/2018/TT-VPCP, docs/law.md §1.3).

Made from the dossier's ``apologize`` event (at most one: the appointment may be moved only
once): when the dossier was received, the date first promised, why it is late, the apology
and the new appointment; signed and stamped by the head of the agency.

The body follows the field list in docs/law.md §1.3 ([Nhớ]); the exact sentences of the
official form are reconstructed and must be checked against the official PDF.
"""

from __future__ import annotations

from pathlib import Path

from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, Paragraph, Spacer

from counter_app.domain.agency import AgencySettings
from counter_app.domain.reception import ReturnMethod
from counter_app.printing.form_parts import (
    applicant,
    contact_lines,
    dossier_pdf,
    form_top,
    moment,
    signature_right,
    styles,
    text,
    vn_date_phrase,
    vn_datetime_phrase,
    you,
)
from counter_app.store.dossier_store import DossierRow
from counter_app.store.event_log import Event

TITLE = "PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ"
RECIPIENTS = ("Như trên;", "Bộ phận tiếp nhận và trả kết quả;", "Lưu: VT.")


def _where(dossier: DossierRow, agency: AgencySettings) -> str:
    if dossier["return_method"] == ReturnMethod.POST.value:
        return ("qua dịch vụ bưu chính đến địa chỉ: "
                + text(dossier["return_address"] or dossier["applicant_address"]))
    return f"tại Bộ phận tiếp nhận và trả kết quả – {text(agency.agency_name)}"


def _story(dossier: DossierRow, event: Event, agency: AgencySettings, width: float) -> list:
    s = styles()
    p = event.payload
    who, name = you(dossier), text(agency.agency_name)
    story = [*form_top(agency, moment(p["at"]).date(), width, TITLE, number="Số: ……/……"),
             Spacer(1, 2 * mm),
             Paragraph(f"Kính gửi: {applicant(dossier)}", s["center"]), Spacer(1, 2 * mm)]
    story += [Paragraph(line, s["base"]) for line in contact_lines(dossier)]
    body = [
        f"{vn_date_phrase(dossier.received_at.date()).capitalize()}, {name} tiếp nhận hồ sơ "
        f"đề nghị giải quyết thủ tục <b>{text(dossier['procedure_name'])}</b> của "
        f"{applicant(dossier)}. Mã hồ sơ: <b>{text(dossier.code)}</b>.",
        "Thời gian hẹn trả kết quả giải quyết hồ sơ: "
        f"{vn_datetime_phrase(moment(p['old_due_at']))}.",
        f"Tuy nhiên đến nay, {name} chưa trả kết quả giải quyết hồ sơ cho {who}. "
        f"Lý do: {text(p.get('reason'))}.",
        f"Sự chậm trễ này đã gây phiền hà cho {who}. {name} xin lỗi {who} và hẹn trả kết quả "
        f"giải quyết hồ sơ vào <b>{vn_datetime_phrase(moment(p['new_due_at']))}</b>, "
        f"{_where(dossier, agency)}.",
        f"Mong nhận được sự thông cảm của {who}. Trân trọng./.",
    ]
    indented = s["base"].clone("indented", firstLineIndent=10 * mm, spaceBefore=3)
    story += [Spacer(1, 2 * mm), *[Paragraph(line, indented) for line in body]]
    left = [Paragraph("<b><i>Nơi nhận:</i></b>", s["small"]),
            *[Paragraph(f"- {text(r)}", s["small"]) for r in RECIPIENTS]]
    story += [Spacer(1, 5 * mm), KeepTogether(signature_right(
        width, "THỦ TRƯỞNG CƠ QUAN", hint="(Ký, ghi rõ họ tên và đóng dấu)", left=left))]
    return story


def render(dossier: DossierRow, event: Event, agency: AgencySettings,
           out: str | Path | None = None) -> bytes:
    """Mẫu 04 from an ``apologize`` event, as PDF bytes (also written to ``out``)."""
    return dossier_pdf(TITLE, dossier, agency, lambda width: _story(dossier, event, agency, width), out)
