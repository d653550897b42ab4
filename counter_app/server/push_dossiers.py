"""The dossier rows a push writes (server/push.py): the merged dossier as JSON, with the
columns the reports and the dashboard read (status, dates, report and digitisation
counts) beside it."""

from __future__ import annotations

import json

from sqlalchemy import Connection, bindparam, func, select, text, update

from counter_app.reports import digitisation
from counter_app.server import database
from counter_app.server.merge import Known
from counter_app.server.schema import REPORT_COLUMNS, dossiers, inbox


def _dumps(value) -> str:
    return json.dumps(value, ensure_ascii=False)


def _columns(row: dict) -> dict:
    return {"status": row["status"], "received_at": row["received_at"],
            "due_at": row.get("due_at"), "finished_at": row.get("finished_at"),
            "returned_at": row.get("returned_at"), "verdict": row.get("verdict"),
            "search": row.get("search", ""), "row_json": _dumps(row),
            **{name: row.get(name) for name in REPORT_COLUMNS},
            **digitisation.row_counts(row)}


def reused_counts(conn: Connection, attached: list[dict]) -> dict[str, int]:
    """How many documents of each dossier are linked from an earlier dossier, for the
    dossiers this push links one in (the others keep their count): its applied ``attach``
    events with a ``reused_from``, stored and new."""
    linked = [e for e in attached if (e["payload"] or {}).get("reused_from")]
    if not linked:
        return {}
    found: dict[str, set] = {e["dossier_id"]: set() for e in linked}
    stored = conn.execute(select(inbox.c.dossier_id, inbox.c.event_json).where(
        database.in_(conn, inbox.c.dossier_id, sorted(found)), inbox.c.result == "applied",
        inbox.c.event_json.like('%"attach"%')))
    events = [json.loads(text_) for _, text_ in stored] + linked
    for e in events:
        p = e.get("payload") or {}
        if (e.get("kind") == "attach" and p.get("reused_from") and e["dossier_id"] in found
                and isinstance(p.get("document"), int)):
            found[e["dossier_id"]].add(p["document"])
    return {dossier_id: len(documents) for dossier_id, documents in found.items()}


def write(conn: Connection, known: dict[str, Known], touched: dict[str, int],
          commune_id: int, reused: dict[str, int]) -> None:
    """The dossier rows of the dossiers a push applied events to: new ones inserted, the
    others updated (one statement for the batch), each with the server_seq of its last
    change, its report columns and its digitisation counts."""
    fresh, changed = [], []
    for dossier_id, seq in touched.items():
        d = known[dossier_id]
        if d.new:
            fresh.append({"id": dossier_id, "commune_id": commune_id, "code": d.row["code"],
                          "updated_seq": seq, "competent_id": d.competent_id,
                          **_columns(d.row), "docs_reused": reused.get(dossier_id, 0)})
        else:  # None: the count it has stays
            changed.append({"b_id": dossier_id, "updated_seq": seq, **_columns(d.row),
                            "docs_reused": reused.get(dossier_id)})
    database.bulk_insert(conn, dossiers, fresh)
    if changed and conn.dialect.name == "postgresql":
        _update_dossiers_pg(conn, changed)
    elif changed:
        values = {k: bindparam(k) for k in changed[0] if k not in ("b_id", "docs_reused")}
        values["docs_reused"] = func.coalesce(bindparam("docs_reused"), dossiers.c.docs_reused)
        conn.execute(update(dossiers).where(dossiers.c.id == bindparam("b_id"))
                     .values(values), changed)


_PG_UPDATE = text(
    "UPDATE dossiers AS d SET status = v.status, due_at = v.due_at, "
    "finished_at = v.finished_at, returned_at = v.returned_at, verdict = v.verdict, "
    "search = v.search, row_json = v.row_json, updated_seq = v.updated_seq, "
    "procedure_code = v.procedure_code, channel = v.channel, status_at = v.status_at, "
    "paused_at = v.paused_at, rating = v.rating, docs_to_digitise = v.docs_to_digitise, "
    "docs_digitised = v.docs_digitised, result_digitised = v.result_digitised, "
    "docs_reused = coalesce(v.docs_reused, d.docs_reused) "
    "FROM json_to_recordset(CAST(:rows AS json)) AS v(b_id text, status int, due_at text, "
    "finished_at text, returned_at text, verdict text, search text, row_json text, "
    "updated_seq bigint, procedure_code text, channel int, status_at text, paused_at text, "
    "rating text, docs_to_digitise int, docs_digitised int, result_digitised int, "
    "docs_reused int) WHERE d.id = v.b_id")


def _update_dossiers_pg(conn, changed: list[dict]) -> None:
    """One statement for the whole batch, its rows as one JSON parameter (serialised in C;
    text arrays would be quoted element by element in Python)."""
    conn.execute(_PG_UPDATE, {"rows": json.dumps(changed, ensure_ascii=False)})
