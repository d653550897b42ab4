"""Mẫu 03: PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ, in the dossier's form family
(docs/law.md §1.3, §21).

Made from the dossier's ``refuse`` event: the reason. The 2018 form is signed by the
receiving officer only (it has no box for the applicant, docs/law.md §1.3); the 2025 one
by both (as the nearest verbatim set has it, docs/law.md §21).
"""

from __future__ import annotations

import functools
from pathlib import Path

from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, Paragraph, Spacer

from counter_app.domain.agency import AgencySettings
from counter_app.domain.legal_forms import FormKind
from counter_app.printing.form_parts import (
    applicant,
    contact_lines,
    dossier_pdf,
    form_top,
    is_organisation,
    issuer,
    moment,
    sentence,
    signature_block,
    signature_right,
    styles,
    text,
    you,
)
from counter_app.store.dossier_store import DossierRow
from counter_app.store.event_log import Event

KIND = FormKind.REFUSAL


def _story(dossier: DossierRow, event: Event, agency: AgencySettings, width: float) -> list:
    s = styles()
    words = dossier.words
    say = functools.partial(sentence, words, KIND)
    office = text(issuer(agency, words)[1])
    story = form_top(agency, moment(event.payload["at"]).date(), width, words.title(KIND),
                     dossier.code, words=words)
    lines = [say("counter_line", agency=office, centre=office),
             say("from", applicant=applicant(dossier)),
             *contact_lines(dossier),
             say("request", procedure=text(dossier["procedure_name"])),
             say("decision", agency=office, centre=office,
                 reason=text(event.payload.get("reason"))),
             say("closing", you=you(dossier))]
    story += [Paragraph(line, s["base"]) for line in lines]
    signers = words.text(KIND, "signers")
    names = {"NGƯỜI NỘP HỒ SƠ": "" if is_organisation(dossier) else dossier["applicant_name"],
             "NGƯỜI TIẾP NHẬN HỒ SƠ": event.officer}
    if len(signers) == 1:
        signature = signature_right(width, signers[0], names.get(signers[0], ""))
    else:
        signature = signature_block(width, [(title, names.get(title, "")) for title in signers])
    story += [Spacer(1, 4 * mm), KeepTogether(signature)]
    return story


def render(dossier: DossierRow, event: Event, agency: AgencySettings,
           out: str | Path | None = None) -> bytes:
    """Mẫu 03 from a ``refuse`` event, as PDF bytes (also written to ``out``)."""
    return dossier_pdf(dossier.words.title(KIND), dossier, agency,
                       lambda width: _story(dossier, event, agency, width), out)
