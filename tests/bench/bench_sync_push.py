"""Push of 10,000 queued events from one desk to a real server, against a bulk COPY of the
same rows straight into PostgreSQL, measured in the same run.

    .venv/bin/python tests/bench/bench_sync_push.py [--events 10000] [--repeats 3]
        [--postgres postgresql://user@host:port/postgres] [--server sqlite]

What is timed: ``counter_app.sync.push.push`` (the desk's own push path: 2,000-event batches
read from the desk's SQLite log, gzip JSON over httpx to a ``counter-server serve`` uvicorn
process on loopback, each reply stored in one SQLite transaction) of a desk holding exactly
``--events`` events, enrolled (not timed) against a fresh, empty server database each repeat.

The desk: ``counter-cli generate --dossiers N --years 1 --desks 1`` with N = events/4 + 20%
(about 4 events a dossier), cached under /tmp/bench-work/cache, copied per repeat and cut to
its first ``--events`` events (desk_seq order: a prefix of its chain). Its 14 synthetic
officer accounts go up in the first batch too, as they would.

Baseline: the same events as the server stores them (inbox rows, event JSON built in
advance) written with one psycopg ``COPY`` into a table ``LIKE inbox INCLUDING ALL`` (same
indexes) of the same fresh database, one transaction. With --server sqlite the server runs
on an embedded SQLite file; the baseline stays the PostgreSQL COPY.

Target: < 2 s for 10,000 events (the design's prototype took 5.6 s, docs/sync.md §2.13).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sqlite3
import sys
import time
from pathlib import Path

from sync_bench_setup import (
    AGENCY_CODE,
    WORK,
    PostgresBackend,
    RequestLog,
    Server,
    SqliteBackend,
    add_communes,
    copy_db,
    enrol,
    enrol_codes,
    events_of,
    generated_desk,
    keep_first_events,
    median,
    scalar,
    summary_line,
    table,
    timed_client,
)

from counter_app.server import chain
from counter_app.store import settings_store
from counter_app.store.database import open_database
from counter_app.sync import token_store
from counter_app.sync.push import push
from counter_app.sync.transport import Channel

TARGET_S = 2.0


def desk_file(events: int) -> Path:
    """The cached generated desk cut to exactly ``events`` events."""
    dossiers = max(10, int(events / 4 * 1.2))
    source = generated_desk(dossiers)
    while events_of(source) < events:
        dossiers = int(dossiers * 1.3)
        source = generated_desk(dossiers)
    cut = WORK / "cache" / f"push-{events}-from-{source.name}"
    if not cut.exists():
        tmp = copy_db(source, cut.with_suffix(".tmp"))
        if keep_first_events(tmp, events) != events:
            raise RuntimeError("could not cut the desk to the wanted number of events")
        tmp.rename(cut)
    return cut


def timed_push(path: Path, server_url: str, log: RequestLog) -> tuple[float, dict]:
    db = open_database(path)
    try:
        desk_id = settings_store.desk_id(db)
        channel = Channel(timed_client(server_url, log), str(token_store.load(db)))
        started = time.perf_counter()
        report = push(db, channel, desk_id)
        seconds = time.perf_counter() - started
        channel.close()
        return seconds, report.to_dict()
    finally:
        db.conn.close()


def inbox_rows(path: Path, commune_id: int) -> tuple[list[str], list[list]]:
    """The desk's events as the server's inbox stores them (built before the timing)."""
    conn = sqlite3.connect(path)
    conn.row_factory = sqlite3.Row
    now = dt.datetime.now().astimezone().isoformat(timespec="seconds")
    rows = []
    for i, r in enumerate(conn.execute("SELECT * FROM events ORDER BY desk_seq"), start=1):
        e = {k: r[k] for k in chain.EVENT_FIELDS if k != "payload"}
        e["payload"] = json.loads(r["payload"])
        rows.append([r["desk_id"], r["desk_seq"], r["id"], commune_id, r["dossier_id"],
                     r["hash"], chain.event_json(e), "applied", "", i, now])
    conn.close()
    columns = ["desk_id", "desk_seq", "event_id", "commune_id", "dossier_id", "hash",
               "event_json", "result", "reason", "server_seq", "received_at"]
    return columns, rows


def copy_baseline(pg: PostgresBackend, name: str, columns: list[str], rows: list[list]) -> float:
    import psycopg

    url = pg.url(name).replace("postgresql+psycopg://", "postgresql://", 1)
    with psycopg.connect(url) as conn:
        conn.execute("CREATE TABLE bench_inbox (LIKE inbox INCLUDING ALL)")
        conn.commit()
        started = time.perf_counter()
        with conn.cursor() as cur, cur.copy(
                f"COPY bench_inbox ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        conn.commit()
        seconds = time.perf_counter() - started
        count = conn.execute("SELECT count(*) FROM bench_inbox").fetchone()[0]
    if count != len(rows):
        raise RuntimeError(f"baseline COPY wrote {count} rows, not {len(rows)}")
    return seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--postgres", help="an admin URL (default: a throwaway cluster)")
    parser.add_argument("--server", choices=["postgres", "sqlite"], default="postgres")
    args = parser.parse_args()

    began = time.perf_counter()
    source = desk_file(args.events)
    pg = PostgresBackend(args.postgres)
    sq = SqliteBackend() if args.server == "sqlite" else None
    store = sq or pg
    runs, baselines, request_times, details = [], [], [], []
    setup_s = time.perf_counter() - began
    try:
        for repeat in range(args.repeats):
            name = store.fresh()
            url = store.url(name)
            add_communes(url, [AGENCY_CODE])
            [code] = enrol_codes(url, [(AGENCY_CODE, 1)])
            desk = copy_db(source, WORK / "push" / f"desk-{repeat}.db")
            log = RequestLog()
            with Server(url) as server:
                enrol(desk, server.url, code)
                seconds, report = timed_push(desk, server.url, log)
                server_rss = server.peak_rss_mb()
            stored = scalar(url, "SELECT count(*) FROM inbox")
            if stored != args.events or report["sent"] != args.events:
                raise RuntimeError(f"pushed {report['sent']}, server holds {stored}, "
                                   f"wanted {args.events}")
            commune_id = scalar(url, "SELECT id FROM communes")
            columns, rows = inbox_rows(desk, commune_id)
            base_db = pg.fresh() if sq else name
            baselines.append(copy_baseline(pg, base_db, columns, rows))
            if sq:
                pg.drop(base_db)
            store.drop(name)
            runs.append(seconds)
            request_times.extend(log.seconds("/v1/push"))
            details.append({**report, "server_peak_rss_mb": server_rss})
            print(f"repeat {repeat + 1}: push {seconds:.2f} s, {report['requests']} requests, "
                  f"{report['applied']} applied; COPY baseline {baselines[-1]:.3f} s",
                  flush=True)
    finally:
        if sq:
            sq.close()
        pg.close()

    m, b = median(runs), median(baselines)
    rate = args.events / m
    print()
    print(f"push of {args.events:,} events, one desk, {args.server} server over loopback "
          f"(uvicorn, 1 process); medians of {args.repeats}")
    print(table(["measure", "median s", "min s", "max s", "events/s", "ratio"], [
        ["desk push (counter_app.sync.push)", f"{m:.3f}", f"{min(runs):.3f}",
         f"{max(runs):.3f}", f"{rate:,.0f}", f"{m / b:.1f}x"],
        ["baseline: COPY into LIKE inbox", f"{b:.3f}", f"{min(baselines):.3f}",
         f"{max(baselines):.3f}", f"{args.events / b:,.0f}", "1.0x"],
        ["  per push request (2,000 events)", f"{median(request_times):.3f}",
         f"{min(request_times):.3f}", f"{max(request_times):.3f}", "", ""],
    ]))
    met = m < TARGET_S * args.events / 10_000
    print(f"target < {TARGET_S * args.events / 10_000:g} s: {'met' if met else 'MISSED'} "
          f"(setup {setup_s:.1f} s)")
    print(summary_line("sync_push", {
        "server": args.server, "events": args.events, "repeats": args.repeats,
        "push_s": [round(x, 3) for x in runs], "median_s": round(m, 3),
        "events_per_s": round(rate), "baseline_copy_s": [round(x, 4) for x in baselines],
        "baseline_median_s": round(b, 4), "ratio": round(m / b, 1),
        "request_median_s": round(median(request_times), 3), "target_met": met,
        "last_report": details[-1]}))
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
