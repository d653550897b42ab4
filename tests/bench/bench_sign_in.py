"""What signed accounts cost at sign-in (docs/security.md §1), with the real argon2 cost.

A sign-in now checks the password (argon2id) and opens the officer's sealed key (argon2id
again, then ChaCha20-Poly1305); the first sign-in of an account made by an older version
also makes its key pair and seals it. Measured in the same run against the baseline, the
password check alone (what a sign-in cost before):

    .venv/bin/python tests/bench/bench_sign_in.py [--runs 7]

Medians of ``--runs`` runs, each on a fresh desk file.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from counter_app.accounts import passwords  # noqa: E402
from counter_app.service.counter import Counter  # noqa: E402

USER, PASSWORD = "quantri", "mat-khau-quan-tri-1"


def _desk(folder: Path) -> Counter:
    desk = Counter.open(folder / "desk.db")
    desk.add_officer(USER, "Người Quản Trị", "", ["admin"], PASSWORD)
    return desk


def _timed(fn, *args) -> float:
    started = time.perf_counter()
    fn(*args)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    runs = parser.parse_args().runs
    baseline, keyed, first = [], [], []
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as folder:
            desk = _desk(Path(folder))
            stored = passwords.hash_password(PASSWORD)
            baseline.append(_timed(passwords.verify_password, stored, PASSWORD))
            keyed.append(_timed(desk.sign_in, USER, PASSWORD))
            # as an older version left it: no key yet, made at this sign-in
            desk.db.execute("UPDATE officers SET public_key = NULL, sealed_key = NULL")
            first.append(_timed(desk.sign_in, USER, PASSWORD))
            desk.close()
    h = passwords.HASHER
    print(f"argon2id: {h.memory_cost // 1024} MiB, {h.time_cost} passes, "
          f"{h.parallelism} lanes; medians of {runs} runs")
    for name, values in (("password check alone (before)", baseline),
                         ("sign-in, key opened", keyed),
                         ("sign-in, key made (older account)", first)):
        print(f"  {name:36} {statistics.median(values) * 1000:7.0f} ms")


if __name__ == "__main__":
    main()
