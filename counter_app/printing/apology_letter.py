"""Mẫu 04, in the dossier's form family: the 2018 PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ
or the 2025 VĂN BẢN XIN LỖI VÀ ĐỀ NGHỊ GIA HẠN THỜI GIAN GIẢI QUYẾT (docs/law.md §1.3, §21).

Made from the dossier's ``apologize`` event (at most one: the appointment may be moved only
once): when the dossier was received, the date on the slip, why it is late, the apology
and the new date asked for; signed and stamped by the head of the agency.

The sentences are reconstructed (the families' resources say from what) and must be
checked against the official text.
"""

from __future__ import annotations

import functools
from pathlib import Path

from counter_app.domain.agency import AgencySettings
from counter_app.domain.legal_forms import FormKind
from counter_app.domain.reception import ReturnMethod
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

KIND = FormKind.APOLOGY


def _story(dossier: DossierRow, event: Event, agency: AgencySettings, width: float) -> list:
    p = event.payload
    words = dossier.words
    say = functools.partial(sentence, words, KIND)
    office = text(issuer(agency, words)[1])
    who, name = you(dossier), text(agency.agency_name)
    if dossier["return_method"] == ReturnMethod.POST.value:
        where = say("where_post",
                    address=text(dossier["return_address"] or dossier["applicant_address"]))
    else:
        where = say("where_counter", agency=name, centre=office)
    common = dict(agency=name, centre=office, you=who, applicant=applicant(dossier))
    body = [
        say("received", day=vn_date_phrase(dossier.received_at.date()).capitalize(),
            procedure=text(dossier["procedure_name"]), code=text(dossier.code), **common),
        say("due", due=vn_datetime_phrase(moment(p["old_due_at"]))),
        say("late", reason=text(p.get("reason")), **common),
        say("apology", new_due=vn_datetime_phrase(moment(p["new_due_at"])), where=where,
            **common),
        say("closing", you=who),
    ]
    return letter(dossier, agency, width, KIND, moment(p["at"]).date(), body)


def render(dossier: DossierRow, event: Event, agency: AgencySettings,
           out: str | Path | None = None) -> bytes:
    """Mẫu 04 from an ``apologize`` event, as PDF bytes (also written to ``out``)."""
    return dossier_pdf(dossier.words.title(KIND), dossier, agency,
                       lambda width: _story(dossier, event, agency, width), out)
