"""A new desk's first sync of a commune holding 100,000 events, against reading the same
rows from the server database with one SELECT and writing them into a fresh SQLite file,
measured in the same run.

    .venv/bin/python tests/bench/bench_sync_pull.py [--events 100000] [--repeats 3]
        [--postgres postgresql://user@host:port/postgres] [--server sqlite]

Setup (not timed): ``counter-cli generate --dossiers events/4 --years 1 --desks 1`` (cached
under /tmp/bench-work/cache; the commune's desk 1), enrolled on a fresh server database and
pushed whole with the desk's own push. Then, each repeat, a NEW empty desk file
(``Counter.open``, no setup) is enrolled as desk 2 of the same commune (the previous desk 2
is revoked first) and its first ``sync_once`` is timed in a fresh process (spawned, so its
peak memory is its own): reference data, an empty push, ``GET /v1/snapshot`` (the commune's
dossiers and events, one reply or several pages, whatever the client and server do), then one
``GET /v1/pull`` from the snapshot's cursor.

Baseline: one ``SELECT event_json FROM inbox`` (the commune's events, server_seq order) and
one ``SELECT row_json FROM dossiers`` through psycopg (or sqlite3 for --server sqlite),
each event parsed into the desk's 10 event columns and written with ``executemany`` into
a fresh SQLite file (WAL, synchronous=FULL like the desk; one transaction; events table with
its primary key, dossiers as (id, row_json)).

Target: < 10 s for 100,000 events.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import shutil
import sqlite3
import sys
import time
from pathlib import Path

from sync_bench_setup import (
    AGENCY_CODE,
    WORK,
    RequestLog,
    Server,
    add_communes,
    backend,
    copy_db,
    enrol,
    enrol_codes,
    events_of,
    generated_desk,
    median,
    revoke,
    rss_mb,
    scalar,
    summary_line,
    sync_file,
    table,
    timed_client,
)

from counter_app.store import settings_store
from counter_app.store.database import open_database
from counter_app.sync import token_store
from counter_app.sync.push import EVENT_COLUMNS, push
from counter_app.sync.transport import Channel

TARGET_S = 10.0


def first_sync(path: str, server_url: str, out) -> None:
    """In a spawned process: the desk's first sync round, timed."""

    log = RequestLog()
    client = timed_client(server_url, log)
    started = time.perf_counter()
    try:
        report = sync_file(path, http=client)
        seconds = time.perf_counter() - started
        out.put({"seconds": seconds, "report": report.to_dict(), "requests": log.rows,
                 "rss_mb": rss_mb()})
    except Exception as exc:  # noqa: BLE001 - reported, the bench fails
        out.put({"error": f"{type(exc).__name__}: {exc}", "requests": log.rows})
    finally:
        client.close()


def run_in_process(path: Path, server_url: str) -> dict:
    ctx = multiprocessing.get_context("spawn")
    out = ctx.Queue()
    proc = ctx.Process(target=first_sync, args=(str(path), server_url, out))
    proc.start()
    try:
        result = out.get(timeout=900)
    finally:
        proc.join(30)
        if proc.is_alive():
            proc.kill()
            proc.join()
    if "error" in result:
        raise RuntimeError(f"the new desk's sync failed: {result['error']}")
    return result


def push_all(path: Path, server_url: str) -> dict:
    db = open_database(path)
    try:
        channel = Channel(timed_client(server_url, RequestLog()),
                          str(token_store.load(db)))
        report = push(db, channel, settings_store.desk_id(db))
        channel.close()
        return report.to_dict()
    finally:
        db.conn.close()


def server_rows(store, url: str) -> tuple[list[str], list[str]]:
    """One SELECT of the commune's events (as JSON text) and one of its dossier rows."""
    commune = int(scalar(url, "SELECT id FROM communes"))  # the only one (not timed apart)
    events_sql = (f"SELECT event_json FROM inbox WHERE commune_id = {commune} "
                  "AND event_id IS NOT NULL ORDER BY server_seq")
    dossiers_sql = f"SELECT row_json FROM dossiers WHERE commune_id = {commune}"
    if store.kind == "sqlite":
        conn = sqlite3.connect(url.removeprefix("sqlite:///"))
        try:
            return ([r[0] for r in conn.execute(events_sql)],
                    [r[0] for r in conn.execute(dossiers_sql)])
        finally:
            conn.close()
    import psycopg

    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://", 1)) as conn:
        return ([r[0] for r in conn.execute(events_sql)],
                [r[0] for r in conn.execute(dossiers_sql)])


def baseline(store, url: str, target: Path) -> tuple[float, int]:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    started = time.perf_counter()
    events, dossiers = server_rows(store, url)
    conn = sqlite3.connect(target, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute("CREATE TABLE events (id TEXT PRIMARY KEY, dossier_id TEXT, desk_id TEXT, "
                 "desk_seq INTEGER, at TEXT, officer TEXT, kind TEXT, payload TEXT, "
                 "prev_hash TEXT, hash TEXT)")
    conn.execute("CREATE TABLE dossiers (id TEXT PRIMARY KEY, row_json TEXT)")
    conn.execute("BEGIN IMMEDIATE")
    rows = []
    for text in events:
        e = json.loads(text)
        e["payload"] = json.dumps(e["payload"], ensure_ascii=False, sort_keys=True)
        rows.append([e[c] for c in EVENT_COLUMNS])
    conn.executemany("INSERT INTO events VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    conn.executemany("INSERT INTO dossiers VALUES (?, ?)",
                     [(json.loads(t)["id"], t) for t in dossiers])
    conn.execute("COMMIT")
    conn.close()
    return time.perf_counter() - started, len(rows)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=100_000,
                        help="about this many events in the commune (dossiers = events/4)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--postgres", help="an admin URL (default: a throwaway cluster)")
    parser.add_argument("--server", choices=["postgres", "sqlite"], default="postgres")
    args = parser.parse_args()

    began = time.perf_counter()
    # A desk's token file stays beside its database: an earlier run's would make the copy
    # look enrolled already.
    shutil.rmtree(WORK / "pull", ignore_errors=True)
    source = generated_desk(max(10, args.events // 4))
    total = events_of(source)
    store = backend(args.server, args.postgres)
    runs, baselines, snapshot_s, snapshot_mb, desk_rss, server_rss = [], [], [], [], [], []
    reports, pages = [], []
    try:
        name = store.fresh()
        url = store.url(name)
        add_communes(url, [AGENCY_CODE])
        [code] = enrol_codes(url, [(AGENCY_CODE, 1)])
        desk1 = copy_db(source, WORK / "pull" / "desk1.db")
        with Server(url) as server:
            enrol(desk1, server.url, code)
            pushed_at = time.perf_counter()
            pushed = push_all(desk1, server.url)
            push_s = time.perf_counter() - pushed_at
            stored = scalar(url, "SELECT count(*) FROM inbox WHERE event_id IS NOT NULL")
            if stored != total:
                raise RuntimeError(f"the server holds {stored} events, the desk {total}")
            setup_s = time.perf_counter() - began
            print(f"setup: {total:,} events pushed in {push_s:.1f} s "
                  f"({pushed['requests']} requests); setup total {setup_s:.1f} s", flush=True)
            previous = None
            for repeat in range(args.repeats):
                if previous:
                    revoke(url, previous)
                [code2] = enrol_codes(url, [(AGENCY_CODE, 2)])
                desk2 = WORK / "pull" / f"desk2-{repeat}.db"
                for suffix in ("", "-wal", "-shm"):
                    Path(f"{desk2}{suffix}").unlink(missing_ok=True)
                from counter_app.service.counter import Counter

                Counter.open(desk2).close()
                enrol(desk2, server.url, code2)
                db = open_database(desk2)
                previous = settings_store.desk_id(db)
                db.conn.close()
                result = run_in_process(desk2, server.url)
                got = events_of(desk2)
                if got != total:
                    raise RuntimeError(f"the new desk has {got} events, wanted {total}")
                snap = [r for r in result["requests"] if r[1] == "/v1/snapshot"]
                runs.append(result["seconds"])
                snapshot_s.append(sum(r[3] for r in snap))
                snapshot_mb.append(sum(r[4] for r in snap) / 1e6)
                pages.append(len(snap))
                desk_rss.append(result["rss_mb"])
                server_rss.append(server.peak_rss_mb())
                reports.append(result["report"]["pulled"])
                b, rows = baseline(store, url, WORK / "pull" / "baseline.db")
                baselines.append(b)
                print(f"repeat {repeat + 1}: first sync {result['seconds']:.2f} s ({len(snap)} "
                      f"snapshot requests, {snapshot_s[-1]:.2f} s summed, "
                      f"{snapshot_mb[-1]:.0f} MB JSON); desk peak "
                      f"RSS {result['rss_mb']:.0f} MB, server {server_rss[-1]:.0f} MB; "
                      f"baseline {b:.2f} s ({rows:,} events)", flush=True)
        store.drop(name)
    finally:
        store.close()

    m, b = median(runs), median(baselines)
    s = median(snapshot_s)
    print()
    print(f"first sync of a new desk: {total:,} events, {reports[-1]['dossiers']:,} dossiers; "
          f"{args.server} server over loopback (uvicorn, 1 process); medians of {args.repeats}")
    print(table(["measure", "median s", "min s", "max s", "events/s", "ratio"], [
        ["new desk's first sync_once", f"{m:.2f}", f"{min(runs):.2f}", f"{max(runs):.2f}",
         f"{total / m:,.0f}", f"{m / b:.1f}x"],
        [f"  GET /v1/snapshot x{median(pages):.0f}, request times summed", f"{s:.2f}",
         f"{min(snapshot_s):.2f}", f"{max(snapshot_s):.2f}", "", ""],
        ["baseline: SELECT + executemany into SQLite", f"{b:.2f}", f"{min(baselines):.2f}",
         f"{max(baselines):.2f}", f"{total / b:,.0f}", "1.0x"],
    ]))
    print("(snapshot requests may overlap the desk's writing: the client may fetch a page ahead)")
    print(f"snapshot replies {median(snapshot_mb):.0f} MB of JSON (decoded); desk process peak "
          f"RSS {median(desk_rss):.0f} MB; server process peak RSS {max(server_rss):.0f} MB")
    met = m < TARGET_S * args.events / 100_000
    print(f"target < {TARGET_S * args.events / 100_000:g} s: {'met' if met else 'MISSED'}")
    print(summary_line("sync_pull", {
        "server": args.server, "events": total, "repeats": args.repeats,
        "first_sync_s": [round(x, 2) for x in runs], "median_s": round(m, 2),
        "events_per_s": round(total / m), "snapshot_request_s": [round(x, 2) for x in snapshot_s],
        "snapshot_mb": round(median(snapshot_mb)), "snapshot_requests": pages, "desk_peak_rss_mb": round(median(desk_rss)),
        "server_peak_rss_mb": round(max(server_rss)),
        "baseline_s": [round(x, 2) for x in baselines], "baseline_median_s": round(b, 2),
        "ratio": round(m / b, 1), "target_met": met, "pulled": reports[-1]}))
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
