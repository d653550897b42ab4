"""The digitisation inputs of the QĐ 766 service index (reports/digitisation.py) at scale,
each against form II.06a over the same rows in the same run.

    .venv/bin/python tests/bench/bench_report_digitisation.py [--db PATH] [--year 2025]
        [--month 2026-10] [--communes 30] [--per-month 20000] [--months 12] [--runs 5]
        [--postgres URL] [--only desk|server]

Desk: the database of tests/bench/bench_lifecycle.py (default /tmp/counter-bench-1m.db,
1,000,000 dossiers over ten years; tests/bench/bench_reports.py generates it). The synthetic
data digitises nothing, so every second dossier of the year is marked digitised (its first
two documents, and its result when it has one) inside a transaction that is rolled back:
the file is left as it was. Timed: ``digitisation.compute`` for the year, beside
``ii06a.compute`` and the whole evaluation (``evaluation.summarise``).

Server: ``--months`` months of ``--per-month`` dossiers over ``--communes`` communes, each
row_json a real dossier's (the desk's row with its procedure's body, about 3 KB) and the
digitisation counts the push keeps beside it, half of
the month's dossiers with two documents and the result digitised and their ``attach``
events in the inbox (one in ten reused); on a throwaway PostgreSQL (tests/server/postgres.py)
or ``--postgres``, and on an SQLite file. Timed: ``server.reports.digitisation`` for the
month beside ``server.reports.district`` (II.06a per commune and the district).

Prints medians (and min–max) of ``--runs`` warm runs after one first run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sqlite3
import sys
import tempfile
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from counter_app.reports import digitisation, evaluation, ii06a, parse_period  # noqa: E402
from tests.bench.bench_reports import DEFAULT_DB, ensure_database, line, timed  # noqa: E402

_MARK = """UPDATE dossiers SET digitised = '[0, 1]',
    result_digitised = CASE WHEN status IN (9, 10) THEN 1 END
    WHERE received_at >= :start AND received_at < :next AND rowid % 2 = 0"""


def bench_desk(path: Path, year: str, runs: int) -> None:
    from counter_app.backups import open_desk_database

    db = open_desk_database(path)
    period = parse_period(year)
    bounds = digitisation.bounds(period)
    conn = db.conn
    conn.execute("BEGIN")
    try:
        conn.execute(_MARK, bounds)
        form = timed(lambda: ii06a.compute(db, period), runs)
        found = timed(lambda: digitisation.compute(db, period), runs)
        whole = timed(lambda: evaluation.summarise(db, period), runs)
    finally:
        conn.execute("ROLLBACK")
    d = found["result"]
    print(f"\nDesk: {period.label} over {path}: received on paper {d.received:,}, complete "
          f"{d.complete:,}/{d.to_digitise:,}, documents {d.documents_digitised:,}/"
          f"{d.documents:,}, results {d.results_digitised:,}/{d.with_result:,}")
    print("  " + line("II.06a (the reference)", form))
    print("  " + line("digitisation inputs", found, form))
    print("  " + line("whole evaluation (with II.06a and the inputs)", whole, form))
    db.conn.close()


def _templates(path: Path, n: int = 300) -> list[dict]:
    """Real dossier rows of the desk's file, shaped as the server's row_json holds them."""
    src = sqlite3.connect(path)
    src.row_factory = sqlite3.Row
    rows = src.execute("SELECT d.*, v.body AS procedure_snapshot FROM dossiers d "
                       "LEFT JOIN procedure_versions v ON v.id = d.procedure_version "
                       "ORDER BY d.rowid DESC LIMIT ?", [n]).fetchall()
    src.close()
    out = []
    for r in rows:
        row = dict(r)
        row.pop("applicant_id", None)
        out.append(row)
    return out


def _rows(templates: list[dict], month: str, months: int, per_month: int, communes: int):
    """(dossier rows, inbox rows) for ``months`` months ending with ``month``."""
    last = parse_period(month)
    dossiers, inbox = [], []
    seq = 0
    first = last.start
    for _ in range(months - 1):
        first = (first - dt.timedelta(days=1)).replace(day=1)
    day = first
    while day <= last.end:
        month_end = (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
        days = (month_end - day).days
        in_month = day >= last.start
        for i in range(per_month):
            t = templates[(seq + i) % len(templates)]
            received = dt.datetime.combine(day + dt.timedelta(days=i % days),
                                           dt.time(8 + i % 9, i % 60))
            dossier_id, seq = str(uuid.uuid4()), seq + 1
            finished = (received + dt.timedelta(days=3)) if i % 3 else None
            status = 10 if finished else 4
            row = {**t, "id": dossier_id, "code": f"B-{seq}", "status": status,
                   "received_at": received.isoformat(timespec="minutes"),
                   "finished_at": finished.isoformat(timespec="minutes") if finished else None,
                   "channel": 1}
            digitised = in_month and i % 2 == 0
            if digitised:
                row["digitised"] = "[0, 1]"
                if finished:
                    row["result_digitised"] = 1
            dossiers.append({
                "id": dossier_id, "commune_id": 1 + i % communes, "code": row["code"],
                "status": status, "received_at": row["received_at"], "due_at": t["due_at"],
                "finished_at": row["finished_at"], "returned_at": row["finished_at"],
                "verdict": "on_time" if finished else None, "search": t.get("search") or "",
                "row_json": json.dumps(row, ensure_ascii=False), "updated_seq": seq,
                "procedure_code": t["procedure_code"], "channel": 1, "status_at": None,
                "paused_at": None, "rating": "", "competent_id": None,
                # the counts the push keeps (server/push.py, revision 0014)
                **digitisation.row_counts(row),
                "docs_reused": 1 if digitised and i % 20 == 0 else 0})
            if in_month:
                for k, kind in enumerate(("received", "handover", "attach", "attach")):
                    if kind == "attach" and not digitised:
                        continue
                    payload = ({"sha256": uuid.uuid4().hex * 2, "bytes": 40000, "pages": 2,
                                "document": k - 2, "result": False, "name": "Giấy tờ",
                                "reused_from": "B-1" if (k == 2 and i % 20 == 0) else "",
                                "at": row["received_at"]} if kind == "attach"
                               else {"note": "x" * 400})
                    event = {"id": str(uuid.uuid4()), "dossier_id": dossier_id,
                             "desk_id": "bench", "desk_seq": seq * 4 + k,
                             "at": row["received_at"], "officer": "bench", "kind": kind,
                             "payload": payload}
                    inbox.append({
                        "desk_id": "bench", "desk_seq": seq * 4 + k, "event_id": event["id"],
                        "commune_id": 1 + i % communes, "dossier_id": dossier_id,
                        "hash": "0" * 64, "event_json": json.dumps(event, ensure_ascii=False),
                        "result": "applied", "server_seq": seq * 4 + k,
                        "received_at": row["received_at"]})
        day = month_end
    return dossiers, inbox


def _fill(engine, communes: int, dossiers: list[dict], inbox: list[dict]) -> None:
    from sqlalchemy import insert

    from counter_app.server import database
    from counter_app.server.schema import communes as communes_table
    from counter_app.server.schema import dossiers as dossiers_table
    from counter_app.server.schema import inbox as inbox_table
    from counter_app.server.schema import procedures as procedures_table

    with database.writing(engine) as conn:
        conn.execute(insert(communes_table), [
            {"code": f"000.00.{n:02d}.H56", "name": f"UBND xã Thử {n:02d}"}
            for n in range(1, communes + 1)])
        conn.execute(insert(procedures_table), [  # II.06a names fields from the catalogue
            {"code": c, "record_json": json.dumps({"code": c, "name": c, "field": "Lĩnh vực"}),
             "updated_seq": 1} for c in sorted({d["procedure_code"] for d in dossiers})])
        for table, rows in ((dossiers_table, dossiers), (inbox_table, inbox)):
            for i in range(0, len(rows), 5000):
                database.bulk_insert(conn, table, rows[i:i + 5000])
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            conn.exec_driver_sql("COMMIT")
            conn.exec_driver_sql("ANALYZE")


def _server_times(engine, month: str, runs: int, label: str) -> None:
    from counter_app.server import reports

    for period in (parse_period(month), parse_period(month[:4])):
        with engine.connect() as conn:
            form = timed(lambda p=period: reports.district(conn, p), runs)
            found = timed(lambda p=period: reports.digitisation(conn, p), runs)
        total = digitisation.Digitisation()
        for d in found["result"].values():
            total.add(d)
        print(f"  {label}, {period.label}: received {total.received:,}, complete "
              f"{total.complete:,}/{total.to_digitise:,}, reused {total.reused_dossiers:,} "
              f"({total.reused_documents:,} documents), results {total.results_digitised:,}/"
              f"{total.with_result:,}")
        print("    " + line("II.06a per commune + district", form))
        print("    " + line("digitisation per unit", found, form))


def bench_server(path: Path, month: str, communes: int, per_month: int, months: int,
                 runs: int, postgres: str | None) -> None:
    from counter_app.server import database
    from tests.bench.sync_bench_setup import PostgresBackend

    templates = _templates(path)
    dossiers, inbox = _rows(templates, month, months, per_month, communes)
    size = sum(len(d["row_json"]) for d in dossiers) // len(dossiers)
    print(f"\nServer: {len(dossiers):,} dossiers ({months} months of {per_month:,}, row_json "
          f"~{size:,} bytes) over {communes} communes, {len(inbox):,} inbox events")
    with tempfile.TemporaryDirectory() as folder:
        engine = database.make_engine(str(Path(folder) / "server.db"))
        database.migrate(engine)
        _fill(engine, communes, dossiers, inbox)
        _server_times(engine, month, runs, "SQLite")
        engine.dispose()
    backend = PostgresBackend(postgres)
    name = backend.fresh()
    try:
        engine = database.make_engine(backend.url(name))
        _fill(engine, communes, dossiers, inbox)
        _server_times(engine, month, runs, "PostgreSQL")
        engine.dispose()
    finally:
        backend.drop(name)
        backend.close()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--db", type=Path, default=DEFAULT_DB)
    p.add_argument("--year", default="2025")
    p.add_argument("--month", default="2026-10")
    p.add_argument("--communes", type=int, default=30)
    p.add_argument("--per-month", type=int, default=20_000)
    p.add_argument("--months", type=int, default=12)
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--postgres", help="an admin URL of an existing PostgreSQL")
    p.add_argument("--only", choices=["desk", "server"])
    args = p.parse_args()
    ensure_database(args.db)
    if args.only != "server":
        bench_desk(args.db, args.year, args.runs)
    if args.only != "desk":
        bench_server(args.db, args.month, args.communes, args.per_month, args.months,
                     args.runs, args.postgres)


if __name__ == "__main__":
    main()
