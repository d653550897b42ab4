"""PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ: Mẫu 05 of TT 01/2018, Mẫu 06 of TT 03/2025
(docs/law.md §1.3, §21), in the dossier's form family.

Printed at reception, it travels with the paper dossier: one table row per hand-over
(``handover_log.transfers``) with the time, who gave and who received it (space to sign by
hand) and whether the giver kept to its step deadline (Trước hạn / Đúng hạn / Quá hạn).
Blank rows follow for the hand-overs still to come, unless the dossier is closed.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from pathlib import Path

from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, Spacer, Table, TableStyle

from counter_app.domain.agency import AgencySettings
from counter_app.domain.handover_log import CITIZEN, Transfer, transfers
from counter_app.domain.legal_forms import FormKind
from counter_app.domain.lifecycle import COUNTER_UNIT, FINAL
from counter_app.printing.form_parts import (
    BLANK_MOMENT,
    DOTS,
    applicant,
    cell_text,
    dossier_pdf,
    form_top,
    grid_style,
    sentence,
    styles,
    text,
    vn_datetime_phrase,
)
from counter_app.store.dossier_store import DossierRow

KIND = FormKind.CONTROL
COLUMNS = (0.26, 0.38, 0.20, 0.16)
MIN_ROWS, MIN_BLANK = 4, 2
SHORT_DOTS = "……………"


def _people(giver: str, receiver: str, width: float) -> Table:
    """Người giao | Người nhận, each with space to sign and the name printed under it."""
    s = styles()
    cell = s["cell_center"]
    rows = [[Paragraph("<i>Người giao</i>", cell), Paragraph("<i>Người nhận</i>", cell)],
            ["", ""],
            [Paragraph(cell_text(giver, 80) or "&nbsp;", cell),
             Paragraph(cell_text(receiver, 80) or "&nbsp;", cell)]]
    table = Table(rows, colWidths=[width / 2] * 2, rowHeights=[None, 9 * mm, None])
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"),
                               ("LEFTPADDING", (0, 0), (-1, -1), 1),
                               ("RIGHTPADDING", (0, 0), (-1, -1), 1)]))
    return table


def _row(t: Transfer | None, width: float, from_unit: str = "",
         counter: str = COUNTER_UNIT) -> list:
    s = styles()
    inner = width * COLUMNS[1] - 12
    if t is None:
        shown = counter if from_unit == COUNTER_UNIT else from_unit
        units = [f"1. Giao: {cell_text(shown) or SHORT_DOTS}", f"2. Nhận: {SHORT_DOTS}"]
        when = BLANK_MOMENT.replace(", ", ",<br/>", 1)
        giver = receiver = verdict = note = ""
    else:
        giver, taker = (counter if u == COUNTER_UNIT else u for u in (t.from_unit, t.to_unit))
        units = [f"1. Giao: <b>{cell_text(giver)}</b>", f"2. Nhận: <b>{cell_text(taker)}</b>"]
        when = vn_datetime_phrase(t.at).replace(", ", ",<br/>", 1)
        giver, receiver = t.giver, t.receiver
        verdict = t.verdict.label if t.verdict else ""
        note = t.note
    return [[Paragraph(u, s["cell"]) for u in units],
            [Paragraph(when, s["cell_center"]), _people(giver, receiver, inner)],
            Paragraph(text(verdict), s["cell_center"]),
            Paragraph(cell_text(note), s["cell"])]


def _table(dossier: DossierRow, rows: Sequence[Transfer], width: float) -> Table:
    s = styles()
    data = [[Paragraph(h, s["small_center"]) for h in dossier.words.text(KIND, "headings")]]
    counter = dossier.words.counter  # the receiving office, as the family names it
    data += [_row(t, width, counter=counter) for t in rows]
    if dossier.status not in FINAL:
        blank = max(MIN_BLANK, MIN_ROWS - len(rows))
        holder = dossier["holder"] or COUNTER_UNIT
        data += [_row(None, width, holder if i == 0 else "", counter)
                 for i in range(blank)]
    table = Table(data, colWidths=[width * c for c in COLUMNS], repeatRows=1)
    table.setStyle(grid_style())
    table.setStyle(TableStyle([("VALIGN", (0, 1), (-1, -1), "TOP")]))
    return table


def _units(rows: Sequence[Transfer]) -> tuple[str, str]:
    """The unit that solves the dossier (first one it was handed to) and the others."""
    units = [u for t in rows for u in (t.from_unit, t.to_unit)
             if u not in (COUNTER_UNIT, CITIZEN)]
    units = list(dict.fromkeys(units))
    return (units[0] if units else ""), ", ".join(units[1:])


def _story(dossier: DossierRow, events: Sequence, agency: AgencySettings, width: float) -> list:
    s = styles()
    rows = transfers(events)
    lead, others = _units(rows)
    words = dossier.words
    story = form_top(agency, dossier.received_at.date(), width, words.title(KIND),
                     dossier.code, words=words)
    say = functools.partial(sentence, words, KIND)
    extended = dossier.progress.extended_due_at
    lines = [say("for", applicant=applicant(dossier)),
             say("request", procedure=text(dossier["procedure_name"])),
             say("received", received=vn_datetime_phrase(dossier.received_at)),
             say("due", due=vn_datetime_phrase(dossier.due_at)),
             *([say("extended", apology=words.number(FormKind.APOLOGY),
                    extended=vn_datetime_phrase(extended))] if extended else []),
             say("lead_unit", unit=text(lead) or DOTS),
             say("other_units", units=text(others) or DOTS)]
    story += [Paragraph(line, s["base"]) for line in lines]
    story += [Spacer(1, 3 * mm), _table(dossier, rows, width), Spacer(1, 2 * mm),
              Paragraph(f"<i>{text(words.text(KIND, 'postal_note'))}</i>", s["small"])]
    return story


def render(dossier: DossierRow, events: Sequence, agency: AgencySettings,
           out: str | Path | None = None) -> bytes:
    """The control slip of a dossier from its events, as PDF bytes (also written to ``out``)."""
    return dossier_pdf(dossier.words.title(KIND), dossier, agency,
                       lambda width: _story(dossier, events, agency, width), out)
