"""30 desks starting a sync round at the same moment against one server, against the same 30
desks syncing one after another, measured in the same run.

    .venv/bin/python tests/bench/bench_sync_desks.py [--desks 30] [--per-commune 3]
        [--dossiers 300] [--queue 300] [--transfers 20] [--repeats 3]
        [--server postgres|sqlite] [--postgres postgresql://user@host:port/postgres]

The desks: ``--desks`` desk files, ``--per-commune`` desks to a commune (desk numbers 1..k),
each made by ``counter-cli generate --dossiers N --years 1 --desks 1 --seed S`` after the
commune's first-run setup (cached under /tmp/bench-work/cache).

Prepared state (not timed, once): each desk is cut to all but its last ``--queue`` events,
enrolled, and synced twice (history pushed, every desk has pulled its commune), then its
last ``--queue`` events are put back: a desk that has worked a few days offline. Then each
desk receives ``--transfers`` dossiers for the next commune of the layout (a chứng thực
received regardless of boundary, through Counter.receive), queued after them: the round
pushes them and the other commune's desks pull them. After the timed round every desk
syncs once more (not timed) and each transfer must be on every desk of both communes. The server
database is then the template of every repeat (PostgreSQL: CREATE DATABASE ... TEMPLATE;
SQLite: a file copy), and the desk files are copied per repeat, so every run starts alike.

Each repeat runs both (order alternating): SEQUENTIAL, one process syncing the desks one
after another, and CONCURRENT, one process per desk (fork), all released by one barrier.
Timed: ``counter_app.sync.sync_round.sync_once`` (reference data, push of the queue, pull of
the commune's new changes), each desk with its own httpx client whose event hooks time every
request (sent to body read). Reported: wall time, events pushed per second across all desks
(and pushed + pulled), request latency p50/p95, each desk's round p50/max, and errors
(exceptions or non-2xx replies, retried ones included): must be 0.
"""

from __future__ import annotations

import argparse
import multiprocessing
import shutil
import sqlite3
import sys
import time
from pathlib import Path

from sync_bench_setup import (
    WORK,
    RequestLog,
    Server,
    add_communes,
    append_events_from,
    backend,
    copy_db,
    copy_desk,
    enrol,
    enrol_codes,
    events_of,
    generated_desk,
    keep_first_events,
    median,
    percentile,
    scalar,
    summary_line,
    sync_file,
    table,
    timed_client,
)

#: Chứng thực hợp đồng, giao dịch: on the bundled boundary-free list, decided by a commune.
TRANSFER_PROCEDURE = "2.001035"


def layout(desks: int, per_commune: int) -> list[tuple[str, int]]:
    """(commune code, desk number) of each desk."""
    return [(f"000.17.22.H{i // per_commune + 1:02d}", i % per_commune + 1)
            for i in range(desks)]


def sync_desks(paths: list[str], server_url: str, barrier, out) -> None:
    """Sync each desk in turn (one path: one desk of the concurrent run)."""
    logs = [RequestLog() for _ in paths]
    clients = [timed_client(server_url, log) for log in logs]
    barrier.wait()
    results = []
    for path, client, log in zip(paths, clients, logs, strict=True):
        started = time.monotonic()
        error, report = "", None
        try:
            report = sync_file(path, http=client).to_dict()
        except Exception as exc:  # noqa: BLE001 - counted as an error
            error = f"{type(exc).__name__}: {exc}"
        results.append({"path": path, "start": started, "end": time.monotonic(),
                        "error": error, "report": report, "requests": log.rows})
        client.close()
    out.put(results)


def run(mode: str, paths: list[str], server_url: str) -> list[dict]:
    ctx = multiprocessing.get_context("fork")
    groups = [paths] if mode == "sequential" else [[p] for p in paths]
    barrier, out = ctx.Barrier(len(groups)), ctx.Queue()
    procs = [ctx.Process(target=sync_desks, args=(g, server_url, barrier, out))
             for g in groups]
    results: list[dict] = []
    try:
        for p in procs:
            p.start()
        for _ in groups:
            results.extend(out.get(timeout=1200))
    finally:
        for p in procs:
            p.join(30)
            if p.is_alive():
                p.kill()
                p.join()
    return results


def measure(results: list[dict]) -> dict:
    wall = max(r["end"] for r in results) - min(r["start"] for r in results)
    requests = [row for r in results for row in r["requests"]]
    ok = [r["report"] for r in results if r["report"]]
    pushed = sum(r["pushed"]["sent"] for r in ok)
    pulled = sum(r["pulled"]["events"] for r in ok)
    errors = (sum(1 for r in results if r["error"])
              + sum(1 for row in requests if not 200 <= row[2] < 300))
    seconds = [row[3] for row in requests]
    rounds = [r["end"] - r["start"] for r in results]
    return {"wall_s": wall, "pushed": pushed, "pulled": pulled, "errors": errors,
            "push_rate": pushed / wall, "moved_rate": (pushed + pulled) / wall,
            "requests": len(requests), "p50_ms": percentile(seconds, 50) * 1000,
            "p95_ms": percentile(seconds, 95) * 1000,
            "push_p95_ms": percentile([r[3] for r in requests if r[1] == "/v1/push"], 95) * 1000,
            "pull_p95_ms": percentile([r[3] for r in requests if r[1] == "/v1/pull"], 95) * 1000,
            "round_p50_s": percentile(rounds, 50), "round_max_s": max(rounds),
            "first_error": next((r["error"] for r in results if r["error"]), "")}


def prepare(args, store, layout_: list[tuple[str, int]]) -> tuple[str, list[Path], int]:
    """The prepared server database (name), the prepared desk files, and how many events
    the server holds in it."""
    sources = [generated_desk(args.dossiers, seed=1000 + i, agency_code=c, desk_number=n)
               for i, (c, n) in enumerate(layout_)]
    folder = WORK / "desks" / "prepared"
    shutil.rmtree(folder, ignore_errors=True)
    prepared, cut = [], []
    for i, source in enumerate(sources):
        total = events_of(source)
        if total <= args.queue:
            raise SystemExit(f"{source.name} has only {total} events: raise --dossiers")
        path = copy_db(source, folder / f"desk-{i:02d}.db")
        cut.append(keep_first_events(path, total - args.queue))
        prepared.append(path)
    name = store.fresh()
    url = store.url(name)
    add_communes(url, sorted({c for c, _ in layout_}))
    codes = enrol_codes(url, layout_)
    with Server(url) as server:
        for path, code in zip(prepared, codes, strict=True):
            enrol(path, server.url, code)
        for _ in range(2):  # history up, then every desk pulls its commune's history
            for path in prepared:
                sync_file(path)
    held = scalar(url, "SELECT count(*) FROM inbox")
    if held != sum(cut):
        raise RuntimeError(f"the prepared server holds {held} events, not {sum(cut)}")
    communes = sorted({c for c, _ in layout_})
    for path, source, kept, (commune, _) in zip(prepared, sources, cut, layout_, strict=True):
        if append_events_from(path, source, kept) != args.queue:
            raise RuntimeError(f"{path}: the queue was not put back")
        other = communes[(communes.index(commune) + 1) % len(communes)]
        if args.transfers and other != commune:
            receive_for(path, other, args.transfers)
    return name, prepared, held


def receive_for(path: Path, competent: str, count: int) -> list[str]:
    """``count`` dossiers received at this desk for the commune ``competent``."""
    from counter_app.domain.reception import ReceptionRequest
    from counter_app.service.counter import Counter
    from counter_app.store import officer_store
    from counter_app.synthetic.officers import DEMO_PASSWORD

    counter = Counter.open(path)
    try:
        officer = next(o for o in officer_store.all_officers(counter.db)
                       if o.active and "reception" in o.roles)
        counter.sign_in(officer.username, DEMO_PASSWORD)
        return [counter.receive(ReceptionRequest(TRANSFER_PROCEDURE, {
            "full_name": "Nguyễn Văn Chuyển", "id_number": f"0012030{i:05d}"},
            competent_agency=competent)).code for i in range(count)]
    finally:
        counter.close()


def transfers_everywhere(paths: list[str], layout_: list[tuple[str, int]],
                         server_url: str) -> str:
    """After one more (untimed) round on every desk: "" when every dossier received for
    another commune is on every desk of both communes; else what is missing."""
    for path in paths:
        client = timed_client(server_url, RequestLog())
        try:
            sync_file(path, http=client)
        finally:
            client.close()
    held: dict[str, set[str]] = {}
    wanted: dict[str, set[str]] = {}
    for path, (commune, _) in zip(paths, layout_, strict=True):
        with sqlite3.connect(path) as conn:
            held[path] = {r[0] for r in conn.execute("SELECT code FROM dossiers WHERE "
                                                     "competent_agency <> receiving_agency")}
            for code, competent in conn.execute(
                    "SELECT code, competent_agency FROM dossiers WHERE receiving_agency = ? "
                    "AND competent_agency <> receiving_agency", [commune]):
                wanted.setdefault(commune, set()).add(code)
                wanted.setdefault(competent, set()).add(code)
    for path, (commune, _) in zip(paths, layout_, strict=True):
        missing = wanted.get(commune, set()) - held[path]
        if missing:
            return f"{path} lacks {len(missing)} transferred dossiers, e.g. {min(missing)}"
    return ""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--desks", type=int, default=30)
    parser.add_argument("--per-commune", type=int, default=3)
    parser.add_argument("--dossiers", type=int, default=300,
                        help="dossiers generated per desk (about 4 events each)")
    parser.add_argument("--queue", "--events", dest="queue", type=int, default=300,
                        help="events waiting on each desk when the round starts")
    parser.add_argument("--transfers", type=int, default=20,
                        help="dossiers each desk receives for the next commune, queued "
                             "after the others (0: none)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--server", choices=["postgres", "sqlite"], default="postgres")
    parser.add_argument("--postgres", help="an admin URL (default: a throwaway cluster)")
    args = parser.parse_args()
    if not 1 <= args.per_commune <= 9:
        parser.error("--per-commune is 1..9")

    began = time.perf_counter()
    layout_ = layout(args.desks, args.per_commune)
    store = backend(args.server, args.postgres)
    results: dict[str, list[dict]] = {"sequential": [], "concurrent": []}
    server_rss = []
    try:
        prepared_db, prepared, held = prepare(args, store, layout_)
        setup_s = time.perf_counter() - began
        print(f"prepared: {args.desks} desks in {len({c for c, _ in layout_})} communes, "
              f"server holds {held:,} events, {args.queue} waiting on each desk "
              f"(setup {setup_s:.0f} s)", flush=True)
        for repeat in range(args.repeats):
            order = ["sequential", "concurrent"]
            if repeat % 2:
                order.reverse()
            for mode in order:
                name = store.fresh(template=prepared_db)
                url = store.url(name)
                folder = WORK / "desks" / mode
                shutil.rmtree(folder, ignore_errors=True)
                paths = [str(copy_desk(p, folder / p.name)) for p in prepared]
                with Server(url) as server:
                    outcome = measure(run(mode, paths, server.url))
                    server_rss.append(server.peak_rss_mb())
                    stored = scalar(url, "SELECT count(*) FROM inbox")
                    missing = (transfers_everywhere(paths, layout_, server.url)
                               if args.transfers else "")
                store.drop(name)
                wanted = held + args.desks * (args.queue + args.transfers)
                if outcome["errors"] == 0 and stored != wanted:
                    outcome["errors"] += 1
                    outcome["first_error"] = f"server holds {stored} events, wanted {wanted}"
                if outcome["errors"] == 0 and missing:
                    outcome["errors"] += 1
                    outcome["first_error"] = missing
                results[mode].append(outcome)
                print(f"repeat {repeat + 1} {mode:<10}: wall {outcome['wall_s']:.2f} s, "
                      f"{outcome['push_rate']:,.0f} pushed events/s, p95 "
                      f"{outcome['p95_ms']:.0f} ms, errors {outcome['errors']}"
                      + (f" ({outcome['first_error']})" if outcome["errors"] else ""),
                      flush=True)
        store.drop(prepared_db)
    finally:
        store.close()

    def med(mode: str, key: str) -> float:
        return median([r[key] for r in results[mode]])

    rows = []
    for mode in ("sequential", "concurrent"):
        rows.append([mode, f"{med(mode, 'wall_s'):.2f}", f"{med(mode, 'push_rate'):,.0f}",
                     f"{med(mode, 'moved_rate'):,.0f}", f"{med(mode, 'p50_ms'):.0f}",
                     f"{med(mode, 'p95_ms'):.0f}", f"{med(mode, 'push_p95_ms'):.0f}",
                     f"{med(mode, 'pull_p95_ms'):.0f}", f"{med(mode, 'round_p50_s'):.2f}",
                     f"{med(mode, 'round_max_s'):.2f}",
                     str(sum(r["errors"] for r in results[mode]))])
    speedup = med("sequential", "wall_s") / med("concurrent", "wall_s")
    errors = sum(r["errors"] for mode in results for r in results[mode])
    print()
    print(f"{args.desks} desks ({args.per_commune} a commune), {args.queue} events and "
          f"{args.transfers} receptions for another commune waiting on each; {args.server} "
          f"server over loopback (uvicorn, 1 process); medians of {args.repeats}")
    print(table(["mode", "wall s", "pushed ev/s", "push+pull ev/s", "req p50 ms",
                 "req p95 ms", "push p95", "pull p95", "round p50 s", "round max s",
                 "errors"], rows))
    print(f"speed-up of concurrent over sequential (wall): {speedup:.2f}x; "
          f"requests per run {results['concurrent'][-1]['requests']}; pushed per run "
          f"{results['concurrent'][-1]['pushed']:,}, pulled "
          f"{results['concurrent'][-1]['pulled']:,}; server peak RSS {max(server_rss):.0f} MB")
    print(summary_line("sync_desks", {
        "server": args.server, "desks": args.desks, "per_commune": args.per_commune,
        "queue": args.queue, "transfers": args.transfers, "repeats": args.repeats,
        "errors": errors,
        "speedup": round(speedup, 2),
        **{mode: {k: round(med(mode, k), 3) for k in ("wall_s", "push_rate", "moved_rate",
                                                      "p50_ms", "p95_ms", "push_p95_ms",
                                                      "pull_p95_ms", "round_p50_s",
                                                      "round_max_s")}
           for mode in results}}))
    return 0 if errors == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
