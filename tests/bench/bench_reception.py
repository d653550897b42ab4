"""Benchmarks for the reception issue, each against a baseline measured in the same run.

    .venv/bin/python tests/bench/bench_reception.py [--runs N]

Prints medians (and the ratio to the baseline) for:
  start-up      program start to a usable reception screen   vs a bare PySide6 window
  save          receive-and-save of one dossier              vs one bare SQLite insert transaction
  slip          Mẫu 01 PDF (2 pages, barcode)                vs a one-line reportlab page
Targets on the 2-core machine: start < 1.5 s, save < 30 ms, slip < 150 ms.
The desk has one account (administrator and receptionist), signed in for save and slip;
start-up ends at the sign-in screen.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from reportlab.pdfgen import canvas

from counter_app.domain.reception import ReceptionRequest
from counter_app.service.counter import Counter

ROOT = Path(__file__).resolve().parents[2]
OFFICER, PASSWORD = "tiepnhan", "mat-khau-thu"
TARGETS = {"start-up": 1.5, "save": 0.030, "slip": 0.150}
BARE_WINDOW = ("import sys; from PySide6.QtCore import QTimer; "
               "from PySide6.QtWidgets import QApplication, QWidget; "
               "app = QApplication(sys.argv); w = QWidget(); w.show(); "
               "QTimer.singleShot(0, app.quit); app.exec()")


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def open_desk(path: Path, clock=None) -> Counter:
    """The desk on ``path``, set up, with its one account signed in."""
    counter = Counter.open(path, clock=clock) if clock else Counter.open(path)
    if not counter.has_officers():
        counter.set_up(agency_code="000.17.22.H56", agency_name="UBND xã Thử")
        counter.add_officer(OFFICER, "Cán bộ Thử", "", ["admin", "reception"], PASSWORD)
    counter.sign_in(OFFICER, PASSWORD)
    return counter


def bench_startup(runs: int, folder: Path) -> tuple[list[float], list[float]]:
    db = folder / "startup.db"
    open_desk(db).close()
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_DATA_HOME": str(folder)}
    app = [sys.executable, "-m", "ui", "--db", str(db), "--quit-when-ready"]
    base = [sys.executable, "-c", BARE_WINDOW]
    ours, baseline = [], []
    for _ in range(runs):  # interleaved, so machine noise hits both alike
        baseline.append(timed(lambda: subprocess.run(base, env=env, check=True, cwd=ROOT,
                                                     capture_output=True)))
        ours.append(timed(lambda: subprocess.run(app, env=env, check=True, cwd=ROOT,
                                                 capture_output=True)))
    return ours, baseline


def bench_save(runs: int, folder: Path) -> tuple[list[float], list[float]]:
    now = dt.datetime(2026, 11, 20, 9, 15)
    counter = open_desk(folder / "save.db", clock=lambda: now)
    _ = counter.calendar  # the desk loads its calendar once at start-up
    bare = sqlite3.connect(folder / "bare.db", isolation_level=None)
    bare.execute("PRAGMA journal_mode=WAL")
    bare.execute("PRAGMA synchronous=FULL")
    bare.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, at TEXT)")

    def bare_insert():
        bare.execute("BEGIN IMMEDIATE")
        bare.execute("INSERT INTO t (name, at) VALUES (?, ?)", ["Nguyễn Văn An", now.isoformat()])
        bare.execute("COMMIT")

    ours, baseline = [], []
    for i in range(runs):
        request = ReceptionRequest("1.001193", {
            "full_name": "Nguyễn Văn An", "id_number": f"0380900{i:05d}",
            "phone": "0912345678", "address": "Thôn 5"})
        baseline.append(timed(bare_insert))
        ours.append(timed(lambda r=request: counter.receive(r)))
    return ours, baseline


def bench_slip(runs: int, folder: Path) -> tuple[list[float], list[float]]:
    counter = open_desk(folder / "save.db")
    code = counter.db.execute("SELECT code FROM dossiers LIMIT 1").fetchone()[0]
    counter.slip_pdf(code)  # warm-up: font files parsed once per process

    def one_line():
        c = canvas.Canvas(io.BytesIO())
        c.drawString(100, 750, "Hello")
        c.save()

    ours, baseline = [], []
    for _ in range(runs):
        baseline.append(timed(one_line))
        ours.append(timed(lambda: counter.slip_pdf(code)))
    return ours, baseline


def report(name: str, ours: list[float], baseline: list[float]) -> bool:
    m, b = statistics.median(ours), statistics.median(baseline)
    ok = m < TARGETS[name]
    unit, k = ("ms", 1000) if TARGETS[name] < 1 else ("s", 1)
    print(f"{name:<9} median {m * k:8.2f} {unit:<2} (n={len(ours)})  baseline {b * k:8.2f} {unit:<2}"
          f"  ratio {m / b:6.1f}x  target < {TARGETS[name] * k:g} {unit}: "
          f"{'met' if ok else 'MISSED'}")
    return ok


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=0, help="override the run counts")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        results = [
            report("start-up", *bench_startup(args.runs or 9, folder)),
            report("save", *bench_save(args.runs or 300, folder)),
            report("slip", *bench_slip(args.runs or 40, folder)),
        ]
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
