"""The three digitisation inputs of the QĐ 766 service index ("Số hóa hồ sơ", docs/law.md
§5.4): digitised at reception, results digitised, and digitised documents reused.

What a document "digitised" is comes from the dossier's history: an ``attach`` event
(domain/digitised.py) marks one checklist document (``dossiers.digitised``, a JSON list of
indexes) or the result (``result_digitised``); a document linked from the citizen's earlier
dossier carries that dossier's code (``reused_from``). The rules below are **the program's
reading** [not law]: QĐ 766 names the indicators but the formulas were not found (§5.4).

1. **Reception** — the dossiers *received on paper at this unit's counter* in the period:
   ``received_at`` in ``[start, next)``; not status 1 (online, not accepted) nor 3 (refused at
   reception: never received, as in II.06a); channel in person or by post (an online dossier
   is electronic already: TT 03/2025 Đ5 k2 needs no scan of it); received by this unit (the
   receiving counter scans, so a dossier another commune received for this unit counts
   there, not here; at the server: ``commune_id``). Of each, the *documents to digitise* are
   its checklist entries marked received (``received`` true, or absent in older rows) whose
   form is not ``present`` ("xuất trình": shown to the officer and handed back, TT 03 Đ5 k2
   needs no scan). ``to_digitise`` = those with at least one; ``complete`` = those whose every
   document to digitise is digitised. The share is complete / to_digitise; a dossier with
   nothing to digitise (only papers shown) is neither (``received - to_digitise`` of them).
   The documents themselves: ``documents_digitised`` / ``documents``.
2. **Reuse** — of the same dossiers, those with at least one document linked from an
   earlier dossier (an ``attach`` with a non-empty ``reused_from``), over all of them;
   ``reused_documents`` counts the distinct documents (indexes) reused.
3. **Result** — the dossiers with a result (status 9 or 10) whose processing finished in the
   period (``finished_at`` in ``[start, next)``), at the unit deciding them (II.06a's rule 4,
   ``ii06a.DESK_UNIT``; at the server ``coalesce(competent_id, commune_id)``): the share whose
   result is digitised. The same dossiers as the service index's "đúng hạn" line.

Digitised "when" is not asked: a document scanned a day after reception still counts, as
the report reads the dossiers as they are when it is made.

One SQL aggregate for 1 and 2 (the period's receptions through ``dossiers_received_at``;
``json_each`` over each one's short documents list, the events looked at only for a dossier
with something digitised) and one for 3 (``dossiers_report`` over ``received_at``, as
II.06a). The same SQL runs on the server's SQLite over ``row_json``; PostgreSQL has its own
text (``server_sql``).

Measured (tests/bench/bench_report_digitisation.py): at the desk a year of 1,000,000
dossiers (112,000 received in it, half digitised) takes about as long as II.06a (~1 s).
At the server the counts of each dossier are columns the push fills when it writes the row
(``row_counts``, ``schema.DIGITISATION_COLUMNS``, revision 0014), so the server's queries
are plain aggregates like II.06a's. Parsing each dossier's ``row_json`` instead took ~12 s
for ten months of 20,000 dossiers a month on PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, fields

from counter_app.reports import ii06a
from counter_app.reports.periods import Period

#: The fields of one result row of the reception query, in order.
RECEPTION = ("received", "to_digitise", "complete", "documents", "documents_digitised",
             "reused_dossiers", "reused_documents")
RESULT = ("with_result", "results_digitised")


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


@dataclass
class Digitisation:
    """The counts behind the three inputs, for one unit (or several added together)."""
    received: int = 0             # received on paper in the period (rule 1)
    to_digitise: int = 0          # of which with at least one document to digitise
    complete: int = 0             # of which every document to digitise is digitised
    documents: int = 0            # documents to digitise in them
    documents_digitised: int = 0  # of which digitised
    reused_dossiers: int = 0      # received with at least one reused document (rule 2)
    reused_documents: int = 0     # documents reused in them
    with_result: int = 0          # with a result, finished in the period (rule 3)
    results_digitised: int = 0    # of which the result is digitised

    @property
    def reception_share(self) -> float | None:
        return _share(self.complete, self.to_digitise)

    @property
    def documents_share(self) -> float | None:
        return _share(self.documents_digitised, self.documents)

    @property
    def reuse_share(self) -> float | None:
        return _share(self.reused_dossiers, self.received)

    @property
    def result_share(self) -> float | None:
        return _share(self.results_digitised, self.with_result)

    def add(self, other: Digitisation) -> None:
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))

    def to_dict(self) -> dict:
        return {**{f.name: getattr(self, f.name) for f in fields(self)},
                "reception_share": self.reception_share,
                "documents_share": self.documents_share,
                "reuse_share": self.reuse_share, "result_share": self.result_share}


# -- SQLite (the desk, and the server's embedded file) ----------------------------------------
#: A checklist entry (json_each's ``j``) the officer must digitise (rule 1).
_TO_DIGITISE = ("coalesce(json_extract(j.value, '$.received'), 1) "
                "AND coalesce(json_extract(j.value, '$.form'), '') <> 'present'")
# {documents}, {digitised}: the JSON texts of the dossier ``d``; {reused}: the count of its
# distinct reused documents; {keys}: grouping expressions, {where}: the unit. "LIMIT -1"
# keeps SQLite from flattening the inner query into the sums, which would run each
# correlated subquery once for every sum that names its column.
_RECEPTION = """
SELECT {keys}count(*), coalesce(sum(todo > 0), 0), coalesce(sum(todo > 0 AND done = todo), 0),
       coalesce(sum(todo), 0), coalesce(sum(done), 0), coalesce(sum(reused > 0), 0),
       coalesce(sum(reused), 0)
FROM (SELECT {inner_keys}
             (SELECT count(*) FROM json_each({documents}) j WHERE {needs}) AS todo,
             CASE WHEN {digitised} IS NULL THEN 0 ELSE
                 (SELECT count(*) FROM json_each({documents}) j WHERE {needs}
                  AND j.key IN (SELECT value FROM json_each({digitised}))) END AS done,
             CASE WHEN {digitised} IS NULL THEN 0 ELSE {reused} END AS reused
      FROM dossiers d
      WHERE d.received_at >= :start AND d.received_at < :next AND d.status NOT IN (1, 3)
        AND coalesce(d.channel, 1) <> 2{where}
      LIMIT -1) AS x
{group}"""
#: The desk's events of the dossier from the index (dossier_id, desk_seq) alone; which of
#: them are attachments, from the partial index on kind = 'attach' (its key holds the rowid):
#: only those rows are read. Reading every event row to look at its kind made the query twice
#: as slow (a year of 1,000,000 dossiers, half digitised: tests/bench/
#: bench_report_digitisation.py).
_DESK_REUSED = ("(SELECT count(DISTINCT json_extract(x.payload, '$.document')) FROM events e "
                "JOIN events x INDEXED BY events_attach ON x.kind = 'attach' "
                "AND x.rowid = e.rowid WHERE e.dossier_id = d.id "
                "AND coalesce(json_extract(x.payload, '$.reused_from'), '') <> '')")
#: Received by this counter's unit (rule 1); "" (a row an older desk made, or a desk not
#: set up yet) is the unit's own.
_RECEIVED_HERE = "(:here = '' OR coalesce(d.receiving_agency, '') IN ('', :here))"
#: "+d.status": not the index on (status, due_at), which would fetch every row with a result
#: ever made. The desk names II.06a's ``dossiers_report`` (received_at, status, …,
#: finished_at): the index alone tells which rows finished in the period, and only those are
#: read from the table (the planner, left alone, walks the narrower received_at index and
#: reads every row received before the period's end: 3x slower over ten years).
_RESULT = """
SELECT {keys}count(*), coalesce(sum(CASE WHEN {result_digitised} = 1 THEN 1 ELSE 0 END), 0)
FROM dossiers d{indexed}
WHERE d.received_at < :next AND +d.status IN (9, 10)
  AND d.finished_at >= :start AND d.finished_at < :next{where}
{group}"""

DESK_RECEPTION_SQL = _RECEPTION.format(
    keys="", inner_keys="", documents="d.documents", digitised="d.digitised",
    needs=_TO_DIGITISE, reused=_DESK_REUSED, where=f"\n        AND {_RECEIVED_HERE}",
    group="")
DESK_RESULT_SQL = _RESULT.format(keys="", result_digitised="d.result_digitised",
                                 indexed=" INDEXED BY dossiers_report",
                                 where=f"\n  AND {ii06a.DESK_UNIT}", group="")


def bounds(period: Period) -> dict:
    return {"start": period.start.isoformat(),
            "next": (period.end + dt.timedelta(days=1)).isoformat()}


def from_rows(reception: tuple | None, result: tuple | None) -> Digitisation:
    """A Digitisation from one row of each query (their counts, keys removed)."""
    out = Digitisation()
    for names, row in ((RECEPTION, reception), (RESULT, result)):
        for name, value in zip(names, row or (), strict=False):
            setattr(out, name, int(value or 0))
    return out


def compute(db, period: Period, here: str | None = None) -> Digitisation:
    """The inputs for ``period`` over the desk's ``db`` (a sqlite-utils Database or a
    sqlite3 connection), for the unit ``here`` (an agency code; by default the one this
    desk is set up with)."""
    here = ii06a.desk_agency_code(db) if here is None else here
    params = {**bounds(period), "here": here}
    return from_rows(db.execute(DESK_RECEPTION_SQL, params).fetchone(),
                     db.execute(DESK_RESULT_SQL, params).fetchone())


# -- the server (SQLAlchemy, SQLite or PostgreSQL) --------------------------------------------
def to_digitise(entry: object) -> bool:
    """Is this checklist entry a document the officer must digitise (rule 1)?"""
    return (isinstance(entry, dict) and entry.get("received", True) is not False
            and entry.get("form") != "present")


def _list(value: object) -> list:
    """A list the row holds as JSON text (as the desk's columns do), or as a list."""
    if isinstance(value, str) and value:
        try:
            value = json.loads(value)
        except ValueError:
            return []
    return value if isinstance(value, list) else []


def row_counts(row: dict) -> dict:
    """The server's digitisation columns of one dossier row (rule 1 and 3; the reused
    documents come from its events: server/push.py)."""
    documents = _list(row.get("documents"))
    todo = {i for i, entry in enumerate(documents) if to_digitise(entry)}
    done = {i for i in _list(row.get("digitised")) if isinstance(i, int)}
    return {"docs_to_digitise": len(todo), "docs_digitised": len(todo & done),
            "result_digitised": 1 if row.get("result_digitised") else 0}
#: The unit that received a dossier, and the one deciding it (server/reports.py UNIT_OF).
RECEIVING_UNIT, DECIDING_UNIT = "d.commune_id", "coalesce(d.competent_id, d.commune_id)"

_SERVER_RECEPTION = f"""
SELECT {RECEIVING_UNIT}, count(*),
       coalesce(sum(CASE WHEN d.docs_to_digitise > 0 THEN 1 ELSE 0 END), 0),
       coalesce(sum(CASE WHEN d.docs_to_digitise > 0
                          AND d.docs_digitised = d.docs_to_digitise THEN 1 ELSE 0 END), 0),
       coalesce(sum(d.docs_to_digitise), 0), coalesce(sum(d.docs_digitised), 0),
       coalesce(sum(CASE WHEN d.docs_reused > 0 THEN 1 ELSE 0 END), 0),
       coalesce(sum(d.docs_reused), 0)
FROM dossiers d
WHERE d.received_at >= :start AND d.received_at < :next AND d.status NOT IN (1, 3)
  AND coalesce(d.channel, 1) <> 2
GROUP BY 1"""


def server_sql(dialect: str) -> tuple[str, str]:
    """The reception and result queries over the server's ``dossiers``, grouped by unit id:
    each row is (unit id, *RECEPTION) and (unit id, *RESULT). The same text on SQLite and
    PostgreSQL: the counts are columns (``row_counts``)."""
    result = _RESULT.format(keys=f"{DECIDING_UNIT}, ",
                            result_digitised="coalesce(d.result_digitised, 0)",
                            indexed="", where="", group="GROUP BY 1")
    return _SERVER_RECEPTION, result


def fold_units(reception_rows, result_rows) -> dict[int, Digitisation]:
    """Unit id -> its Digitisation, from the rows of ``server_sql``'s two queries."""
    out: dict[int, Digitisation] = {}
    for unit, *counts in reception_rows:
        found = from_rows(tuple(counts), None)
        out.setdefault(unit, Digitisation()).add(found)
    for unit, *counts in result_rows:
        out.setdefault(unit, Digitisation()).add(from_rows(None, tuple(counts)))
    return out
