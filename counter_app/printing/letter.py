"""The body of a letter-like form (Mẫu 04 apology, Mẫu 05 stop notice): the header with its
number line, the title, "Kính gửi", the applicant's contacts, the indented paragraphs and
the signer beside "Nơi nhận"."""

from __future__ import annotations

import datetime as dt

from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, Paragraph, Spacer

from counter_app.domain.agency import AgencySettings
from counter_app.domain.legal_forms import FormKind
from counter_app.printing.form_parts import (
    applicant,
    contact_lines,
    form_top,
    sentence,
    signature_right,
    styles,
    text,
)
from counter_app.store.dossier_store import DossierRow


def letter(dossier: DossierRow, agency: AgencySettings, width: float, kind: FormKind,
           on: dt.date, body: list[str], signer_name: str = "") -> list:
    """The story of form ``kind`` of ``dossier`` dated ``on`` with paragraphs ``body``."""
    s = styles()
    words = dossier.words
    story = [*form_top(agency, on, width, words.title(kind),
                       number="" if words.number_line else "Số: ……/……", words=words),
             Spacer(1, 2 * mm),
             Paragraph(sentence(words, kind, "to", applicant=applicant(dossier)), s["center"]),
             Spacer(1, 2 * mm)]
    story += [Paragraph(line, s["base"]) for line in contact_lines(dossier)]
    indented = s["base"].clone("indented", firstLineIndent=10 * mm, spaceBefore=3)
    story += [Spacer(1, 2 * mm), *[Paragraph(line, indented) for line in body]]
    left = [Paragraph("<b><i>Nơi nhận:</i></b>", s["small"]),
            *[Paragraph(f"- {text(r)}", s["small"]) for r in words.text(kind, "recipients")]]
    story += [Spacer(1, 5 * mm), KeepTogether(signature_right(
        width, words.text(kind, "signer"), signer_name,
        hint=words.text(kind, "signer_hint"), left=left))]
    return story
