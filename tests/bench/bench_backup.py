"""How long the officer's safety net takes on a large desk database: the online backup (with
its check) against a plain file copy of the same file, `audit verify` over every event, and
one sign-in with the real argon2id parameters. Medians of a few runs, in the same run.

    .venv/bin/python tests/bench/bench_backup.py [--db /tmp/counter-bench-100k.db] [--runs 3]

The database is generated on first use (100,000 dossiers over ten years, ~40 s, ~0.9 GB).
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from counter_app import backups
from counter_app.accounts.audit_trail import verify
from counter_app.service.counter import Counter
from counter_app.synthetic.officers import DEMO_PASSWORD


def median_time(fn, runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", type=Path, default=Path("/tmp/counter-bench-100k.db"))
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    if not args.db.exists():
        subprocess.run([sys.executable, "-m", "counter_app.cli.main", "--db", str(args.db),
                        "generate", "--dossiers", "100000", "--years", "10"], check=True)
    folder = Path(tempfile.mkdtemp(prefix="bench-backup-"))
    try:
        copy = median_time(lambda: shutil.copyfile(args.db, folder / "plain-copy.db"), args.runs)
        backup = median_time(lambda: backups.make_backup(args.db, "manual", folder=folder),
                             args.runs)
        counter = Counter.open(args.db)
        sign_in = median_time(lambda: counter.sign_in("lanhdao", DEMO_PASSWORD), args.runs)
        report = verify(counter.db)
        check = median_time(lambda: verify(counter.db), args.runs)
        counter.close()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    size = args.db.stat().st_size / 1e6
    print(f"database: {size:.0f} MB, {report.events_checked:,} events")
    print(f"online backup + check: {backup:.2f} s  (plain file copy {copy:.2f} s, "
          f"ratio {backup / copy:.1f}x)")
    print(f"audit verify: {check:.2f} s  ({report.events_checked / check:,.0f} events/s)")
    print(f"sign-in, argon2id 64 MiB x3: {sign_in * 1000:.0f} ms")


if __name__ == "__main__":
    main()
