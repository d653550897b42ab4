"""Form II.06a at scale: the desk's yearly report over 1,000,000 dossiers, and the district's
month over 30 communes on PostgreSQL, each against a plain SQL aggregate over the same rows
measured in the same run.

    .venv/bin/python tests/bench/bench_reports.py [--db PATH] [--year 2025] [--month 2026-10]
                                                  [--communes 30] [--runs 7] [--postgres URL]
                                                  [--only desk|district]

Desk: the database of tests/bench/bench_lifecycle.py (default /tmp/counter-bench-1m.db,
1,000,000 dossiers over ten years, generated on first use), opened like the program opens
it (schema brought up to date). The report is ``ii06a.compute`` for the year, by field and
by procedure; the baselines are ``SELECT procedure_code, status, count(*)`` grouped over the
same range through the same index, and ``count(*)`` of exactly the rows the form counts.
Target: < 2 s.

District: every dossier of that file copied (COPY) into the server's ``dossiers`` table on a
throwaway PostgreSQL (tests/server/postgres.py) or ``--postgres``, spread over ``--communes``
communes; the report is ``server.reports.district`` for the month (one form per commune and
the district total, what the dashboard shows); the baselines are ``SELECT commune_id,
procedure_code, status, count(*)`` grouped over the same range, and ``count(*)`` of exactly
the rows the form counts. Target: < 2 s.

Prints medians (and min–max) of ``--runs`` warm runs after one first run, which is shown on
its own.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from counter_app.backups import open_desk_database  # noqa: E402
from counter_app.reports import ii06a, parse_period  # noqa: E402

TARGET = 2.0
#: The rows the form counts (ii06a's WHERE), for the second baseline: counting them alone.
COUNTED = ("received_at < :next AND status <> 1 AND NOT (status >= 9 AND finished_at < :start) "
           "AND NOT (status IN (3, 7, 8) AND status_at < :start)")
DEFAULT_DB = Path("/tmp/counter-bench-1m.db")
_COLUMNS = ("id", "commune_id", "code", "status", "received_at", "due_at", "finished_at",
            "returned_at", "verdict", "search", "row_json", "updated_seq", "procedure_code",
            "channel", "status_at", "paused_at", "rating")


def timed(fn, runs: int) -> dict:
    start = time.perf_counter()
    result = fn()
    first = time.perf_counter() - start
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return {"first": first, "median": statistics.median(times), "min": min(times),
            "max": max(times), "result": result}


def line(name: str, t: dict, baseline: dict | None = None) -> str:
    ratio = f"  ratio {t['median'] / baseline['median']:.2f}x" if baseline else ""
    return (f"{name:<46} median {t['median']:.3f} s (min {t['min']:.3f}, max {t['max']:.3f};"
            f" first run {t['first']:.3f} s){ratio}")


def ensure_database(path: Path) -> None:
    if path.exists():
        return
    from counter_app.synthetic.generator import generate

    print(f"generating {path} (1,000,000 dossiers; several minutes)…", flush=True)
    generate(path, 1_000_000, years=10)


def bench_desk(path: Path, year: str, runs: int) -> None:
    db = open_desk_database(path)  # migrates, as the program does
    period = parse_period(year)
    bounds = ii06a.bounds(period)
    count = db.execute("SELECT count(*) FROM dossiers").fetchone()[0]
    baseline = timed(lambda: db.execute(
        "SELECT procedure_code, status, count(*) FROM dossiers INDEXED BY dossiers_report "
        "WHERE received_at < :next GROUP BY procedure_code, status", bounds).fetchall(), runs)
    floor = timed(lambda: db.execute(
        f"SELECT count(*) FROM dossiers INDEXED BY dossiers_report WHERE {COUNTED}",
        bounds).fetchall(), runs)
    by_field = timed(lambda: ii06a.compute(db, period), runs)
    by_proc = timed(lambda: ii06a.compute(db, period, by_procedure=True), runs)
    total = by_field["result"].total
    print(f"\nDesk: II.06a for {period.label} over {count:,} dossiers in {path}")
    print(f"  counted {total.received_total:,} (carried over {total.carried_over:,}), "
          f"resolved {total.resolved_total:,}, open {total.open_total:,}; "
          f"{len(by_proc['result'].rows)} fields")
    print("  " + line("plain aggregate (same rows, same index)", baseline))
    print("  " + line("count(*) of exactly the counted rows", floor))
    print("  " + line("II.06a by field", by_field, baseline))
    print("  " + line("  (against the count of counted rows)", by_field, floor))
    print("  " + line("II.06a by field and procedure", by_proc, baseline))
    verdict = "met" if max(by_field["median"], by_proc["median"]) < TARGET else "MISSED"
    print(f"  target < {TARGET:.0f} s: {verdict}")
    db.conn.close()


def _server_rows(path: Path, communes: int):
    import sqlite3

    src = sqlite3.connect(path)
    query = ("SELECT id, code, status, received_at, due_at, finished_at, returned_at, verdict, "
             "procedure_code, channel, status_at, paused_at, rating FROM dossiers")
    for i, r in enumerate(src.execute(query)):
        (dossier_id, code, status, received, due, finished, returned, verdict, proc, channel,
         status_at, paused, rating) = r
        yield (dossier_id, 1 + i % communes, code, status, received, due, finished, returned,
               verdict, "", "{}", i + 1, proc, channel, status_at, paused, rating)
    src.close()


def fill_server(url: str, path: Path, communes: int) -> int:
    import sqlite3

    import psycopg

    plain = url.replace("postgresql+psycopg://", "postgresql://", 1)
    catalogue = sqlite3.connect(path).execute("SELECT code, name, field FROM procedures")
    with psycopg.connect(plain) as conn, conn.cursor() as cur:
        cur.executemany("INSERT INTO communes (code, name) VALUES (%s, %s)",
                        [(f"000.00.{n:02d}.H56", f"UBND xã Thử {n:02d}")
                         for n in range(1, communes + 1)])
        cur.executemany("INSERT INTO procedures (code, record_json, updated_seq) "
                        "VALUES (%s, %s, 1)",
                        [(c, json.dumps({"code": c, "name": n, "field": f}, ensure_ascii=False))
                         for c, n, f in catalogue])
        n = 0
        with cur.copy(f"COPY dossiers ({', '.join(_COLUMNS)}) FROM STDIN") as copy:
            for row in _server_rows(path, communes):
                copy.write_row(row)
                n += 1
        conn.commit()
        conn.execute("ANALYZE dossiers")
    return n


def bench_district(path: Path, month: str, communes: int, runs: int,
                   postgres: str | None) -> None:
    from sqlalchemy import text

    from counter_app.server import database, reports
    from tests.bench.sync_bench_setup import PostgresBackend

    backend = PostgresBackend(postgres)
    name = backend.fresh()
    try:
        url = backend.url(name)
        start = time.perf_counter()
        count = fill_server(url, path, communes)
        print(f"\nDistrict: {count:,} dossiers of {communes} communes copied into PostgreSQL "
              f"in {time.perf_counter() - start:.1f} s")
        engine = database.make_engine(url)
        period = parse_period(month)
        bounds = ii06a.bounds(period)
        with engine.connect() as conn:
            baseline = timed(lambda: conn.execute(text(
                "SELECT commune_id, procedure_code, status, count(*) FROM dossiers "
                "WHERE received_at < :next GROUP BY 1, 2, 3"), bounds).all(), runs)
            floor = timed(lambda: conn.execute(text(
                f"SELECT count(*) FROM dossiers WHERE {COUNTED}"), bounds).all(), runs)
            district = timed(lambda: reports.district(conn, period), runs)
            by_proc = timed(lambda: reports.district(conn, period, by_procedure=True), runs)
            pages = _dashboard_pages(engine, month, runs)
        engine.dispose()
        per_commune, total = district["result"]
        print(f"  {period.label}: {len(per_commune)} communes, counted "
              f"{total.total.received_total:,}, resolved {total.total.resolved_total:,}, "
              f"open {total.total.open_total:,}")
        print("  " + line("plain aggregate (same rows)", baseline))
        print("  " + line("count(*) of exactly the counted rows", floor))
        print("  " + line("II.06a per commune + district total", district, baseline))
        print("  " + line("  (against the count of counted rows)", district, floor))
        print("  " + line("the same, by procedure", by_proc, baseline))
        verdict = "met" if max(district["median"], by_proc["median"]) < TARGET else "MISSED"
        print(f"  target < {TARGET:.0f} s: {verdict}")
        print("  The dashboard's pages, signed in, through the whole app in-process "
              "(HTML size, gzipped as sent):")
        for path, (t, size, sent) in pages.items():
            print("    " + line(path, t) + f"  {size / 1024:.1f} KB, {sent / 1024:.1f} KB sent")
    finally:
        backend.drop(name)
        backend.close()


def _dashboard_pages(engine, month: str, runs: int) -> dict:
    """GET each dashboard page as a signed-in leader: time, HTML size, bytes sent."""
    import gzip
    import re

    from starlette.testclient import TestClient

    from counter_app.server import database, leaders
    from counter_app.server.app import create_app

    with database.writing(engine) as conn:
        leaders.add_leader(conn, "bench", "Lãnh đạo thử", "mat-khau-thu-1")
    out = {}
    with TestClient(create_app(engine)) as client:
        form = client.get("/dashboard/sign-in").text
        csrf = re.search(r'name="csrf" value="([^"]+)"', form)[1]
        client.post("/dashboard/sign-in", data={"username": "bench", "csrf": csrf, "next": "",
                                                "password": "mat-khau-thu-1"})
        for path in (f"/dashboard?period={month}", "/dashboard/overdue", "/dashboard/desks",
                     f"/dashboard/report?period={month}&by=procedure"):
            def get(path=path):
                reply = client.get(path, headers={"Accept-Encoding": "gzip"})
                assert reply.status_code == 200, (path, reply.status_code)
                return reply
            t = timed(get, runs)
            html = t["result"].content
            out[path] = (t, len(html), len(gzip.compress(html, 6)))
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--db", type=Path, default=DEFAULT_DB)
    p.add_argument("--year", default="2025")
    p.add_argument("--month", default="2026-10")
    p.add_argument("--communes", type=int, default=30)
    p.add_argument("--runs", type=int, default=7)
    p.add_argument("--postgres", help="an admin URL of an existing PostgreSQL")
    p.add_argument("--only", choices=["desk", "district"])
    args = p.parse_args()
    ensure_database(args.db)
    if args.only != "district":
        bench_desk(args.db, args.year, args.runs)
    if args.only != "desk":
        bench_district(args.db, args.month, args.communes, args.runs, args.postgres)


if __name__ == "__main__":
    main()
