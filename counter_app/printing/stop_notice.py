"""Mẫu 05 of TT 03/2025: THÔNG BÁO DỪNG GIẢI QUYẾT HỒ SƠ (docs/law.md §21, §22).

Made from the dossier's ``stop`` event: the citizen asked for the dossier to be stopped
before a decision existed (NĐ 118/2025 Đ21 k1; TT 03/2025 Đ7). The notice says when the
dossier was received, when and why the stop was asked for, and from when it is stopped.
The 2018 family has no such form. The official wording was not found; the sentences are
the program's, in the family's resource.
"""

from __future__ import annotations

import functools
from pathlib import Path

from counter_app.domain.agency import AgencySettings
from counter_app.domain.legal_forms import FormKind
from counter_app.printing.form_parts import (
    applicant,
    dossier_pdf,
    issuer,
    moment,
    sentence,
    text,
    vn_date_phrase,
    vn_datetime_phrase,
    you,
)
from counter_app.printing.letter import letter
from counter_app.store.dossier_store import DossierRow
from counter_app.store.event_log import Event

KIND = FormKind.STOP


def _story(dossier: DossierRow, event: Event, agency: AgencySettings, width: float) -> list:
    p = event.payload
    words = dossier.words
    say = functools.partial(sentence, words, KIND)
    office = text(issuer(agency, words)[1])
    who = you(dossier)
    at = moment(p["at"])
    asked = moment(p.get("requested_at")) or at
    body = [
        say("received", day=vn_date_phrase(dossier.received_at.date()).capitalize(),
            centre=office, procedure=text(dossier["procedure_name"]),
            applicant=applicant(dossier), code=text(dossier.code)),
        say("request", when=vn_date_phrase(asked.date()).capitalize(), you=who,
            reason=text(p.get("reason"))),
        say("decision", you=who, centre=office, at=vn_datetime_phrase(at)),
        say("closing", you=who),
    ]
    return letter(dossier, agency, width, KIND, at.date(), body, event.officer)


def render(dossier: DossierRow, event: Event, agency: AgencySettings,
           out: str | Path | None = None) -> bytes:
    """Mẫu 05 (2025) from a ``stop`` event, as PDF bytes (also written to ``out``)."""
    return dossier_pdf(dossier.words.title(KIND), dossier, agency,
                       lambda width: _story(dossier, event, agency, width), out)
