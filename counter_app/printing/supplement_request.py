"""Mẫu 02: PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ in the dossier's form family
(docs/law.md §1.3, §21).

Made from the dossier's latest ``request_supplement`` event: what to add (one numbered row
per item), the reason, and whom to call; signed by the officer who gave the guidance.
"""

from __future__ import annotations

import functools
from pathlib import Path

from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, Paragraph, Spacer

from counter_app.domain.agency import AgencySettings
from counter_app.domain.legal_forms import FormKind
from counter_app.printing.form_parts import (
    DOTS,
    applicant,
    contact_lines,
    dossier_pdf,
    form_top,
    moment,
    numbered_table,
    sentence,
    signature_right,
    styles,
    text,
    you,
)
from counter_app.store.dossier_store import DossierRow
from counter_app.store.event_log import Event

KIND = FormKind.SUPPLEMENT


def _story(dossier: DossierRow, event: Event, agency: AgencySettings, width: float) -> list:
    s = styles()
    p = event.payload
    words = dossier.words
    say = functools.partial(sentence, words, KIND)
    story = form_top(agency, moment(p["at"]).date(), width, words.title(KIND), dossier.code,
                     words=words)
    lines = [say("for", applicant=applicant(dossier)),
             say("request", procedure=text(dossier["procedure_name"])),
             *contact_lines(dossier), say("lead")]
    story += [Paragraph(line, s["base"]) for line in lines]
    story += [numbered_table(say("items"), p.get("items") or [], width),
              Spacer(1, 2 * mm),
              Paragraph(say("reason", reason=text(p.get("reason"))), s["base"])]
    story.append(Paragraph(say(
        "contact", you=you(dossier), contact=text(p.get("contact") or DOTS),
        phone=text(p.get("contact_phone") or agency.hotline or DOTS)), s["base"]))
    story += [Spacer(1, 4 * mm),
              KeepTogether(signature_right(width, say("signer"), event.officer))]
    return story


def render(dossier: DossierRow, event: Event, agency: AgencySettings,
           out: str | Path | None = None) -> bytes:
    """Mẫu 02 from a ``request_supplement`` event, as PDF bytes (also written to ``out``)."""
    return dossier_pdf(dossier.words.title(KIND), dossier, agency,
                       lambda width: _story(dossier, event, agency, width), out)
