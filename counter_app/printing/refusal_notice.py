"""Mẫu 03: PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ (TT 01/2018/TT-VPCP, docs/law.md §1.3).

Made from the dossier's ``refuse`` event: the reason, signed by the receiving officer only
(the official form has no box for the applicant, docs/law.md §1.3).
"""

from __future__ import annotations

from pathlib import Path

from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, Paragraph, Spacer

from counter_app.domain.agency import AgencySettings
from counter_app.printing.form_parts import (
    applicant,
    contact_lines,
    dossier_pdf,
    form_top,
    moment,
    signature_right,
    styles,
    text,
    you,
)
from counter_app.store.dossier_store import DossierRow
from counter_app.store.event_log import Event

TITLE = "PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ"


def _story(dossier: DossierRow, event: Event, agency: AgencySettings, width: float) -> list:
    s = styles()
    agency_name = text(agency.agency_name)
    story = form_top(agency, moment(event.payload["at"]).date(), width, TITLE, dossier.code)
    lines = [f"Bộ phận tiếp nhận và trả kết quả: <b>{agency_name}</b>",
             f"Tiếp nhận hồ sơ của: {applicant(dossier)}",
             *contact_lines(dossier),
             f"Nội dung yêu cầu giải quyết: <b>{text(dossier['procedure_name'])}</b>",
             f"Qua xem xét, Bộ phận tiếp nhận và trả kết quả {agency_name} thông báo không "
             f"tiếp nhận, giải quyết hồ sơ này với lý do cụ thể như sau: "
             f"<b>{text(event.payload.get('reason'))}</b>",
             f"Xin thông báo cho {you(dossier)} được biết và thực hiện./."]
    story += [Paragraph(line, s["base"]) for line in lines]
    story += [Spacer(1, 4 * mm),
              KeepTogether(signature_right(width, "NGƯỜI TIẾP NHẬN HỒ SƠ", event.officer))]
    return story


def render(dossier: DossierRow, event: Event, agency: AgencySettings,
           out: str | Path | None = None) -> bytes:
    """Mẫu 03 from a ``refuse`` event, as PDF bytes (also written to ``out``)."""
    return dossier_pdf(TITLE, dossier, agency, lambda width: _story(dossier, event, agency, width), out)
