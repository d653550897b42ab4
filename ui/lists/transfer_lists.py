"""The two work lists of dossiers received regardless of boundary (docs/law.md §14): those
received here for another body and not yet all sent there ("Chờ chuyển nơi giải quyết"),
and those received elsewhere for this body whose paper has not arrived ("Chờ nhận hồ sơ
giấy"): their columns, and the red mark of a dossier whose forwarding is late."""

from __future__ import annotations

import datetime as dt

from counter_app.domain.forwarding import late_parts
from counter_app.store.dossier_queries import Worklist
from counter_app.store.dossier_store import DossierRow

TRANSFER_LISTS = (Worklist.TO_FORWARD, Worklist.PAPER_INCOMING)
#: The columns of each (the others show ``dossier_table.FULL``), and the column sorted by.
COLUMNS = {
    Worklist.TO_FORWARD: (("code", "applicant", "procedure", "competent", "forward_due",
                           "paper_due", "status"), "paper_due"),
    Worklist.PAPER_INCOMING: (("code", "applicant", "procedure", "receiving", "received",
                               "due", "status"), "received"),
}


def late_to_forward(row: DossierRow, now: dt.datetime) -> bool:
    """Its electronic copy not forwarded, or its paper not sent, past the time for it."""
    return bool(late_parts(row.data, now))


def load_transfer_list(counter, name: Worklist):
    """On the worker: the list's dossiers (with the receiving body's name) and their flags:
    red when the forwarding is late, else the deadline's."""
    rows = counter.worklist(name)
    flags = counter.deadline_flags(rows)
    if name is Worklist.TO_FORWARD:
        now = counter.clock()
        flags.update({r.code: "overdue" for r in rows if late_to_forward(r, now)})
    else:
        names = {u.code: u.name for u in counter.units()}
        rows = [DossierRow({**r.data, "receiving_name": r.data.get("receiving_name")
                                          or names.get(r.receiving_agency, "")})
                for r in rows]
    return rows, flags
