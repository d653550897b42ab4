"""Mẫu 02: PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ (TT 01/2018/TT-VPCP, docs/law.md §1.3).

Made from the dossier's latest ``request_supplement`` event: what to add (one numbered row
per item), the reason, and whom to call; signed by the officer who gave the guidance.
"""

from __future__ import annotations

from pathlib import Path

from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, Paragraph, Spacer

from counter_app.domain.agency import AgencySettings
from counter_app.printing.form_parts import (
    DOTS,
    applicant,
    contact_lines,
    dossier_pdf,
    form_top,
    moment,
    numbered_table,
    signature_right,
    styles,
    text,
    you,
)
from counter_app.store.dossier_store import DossierRow
from counter_app.store.event_log import Event

TITLE = "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ"


def _story(dossier: DossierRow, event: Event, agency: AgencySettings, width: float) -> list:
    s = styles()
    p = event.payload
    story = form_top(agency, moment(p["at"]).date(), width, TITLE, dossier.code)
    lines = [f"Hồ sơ của: {applicant(dossier)}",
             f"Nội dung yêu cầu giải quyết: <b>{text(dossier['procedure_name'])}</b>",
             *contact_lines(dossier),
             "Yêu cầu hoàn thiện hồ sơ gồm những nội dung sau:"]
    story += [Paragraph(line, s["base"]) for line in lines]
    story += [numbered_table("Nội dung cần bổ sung, hoàn thiện", p.get("items") or [], width),
              Spacer(1, 2 * mm),
              Paragraph(f"Lý do: {text(p.get('reason'))}", s["base"])]
    contact = text(p.get("contact") or DOTS)
    phone = text(p.get("contact_phone") or agency.hotline or DOTS)
    story.append(Paragraph(
        f"Trong quá trình hoàn thiện hồ sơ nếu có vướng mắc, {you(dossier)} liên hệ "
        f"<b>{contact}</b> số điện thoại <b>{phone}</b> để được hướng dẫn./.", s["base"]))
    story += [Spacer(1, 4 * mm),
              KeepTogether(signature_right(width, "NGƯỜI HƯỚNG DẪN", event.officer))]
    return story


def render(dossier: DossierRow, event: Event, agency: AgencySettings,
           out: str | Path | None = None) -> bytes:
    """Mẫu 02 from a ``request_supplement`` event, as PDF bytes (also written to ``out``)."""
    return dossier_pdf(TITLE, dossier, agency, lambda width: _story(dossier, event, agency, width), out)
