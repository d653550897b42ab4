"""The demo (`counter-app --demo`): accounts for every role, a history taken by officers
whose roles allow each step; and the program's own start-up check on it."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

from counter_app.domain.statuses import Status
from counter_app.synthetic.demo import DEMO_ACCOUNTS, DEMO_PASSWORD, create_demo

ROOT = Path(__file__).resolve().parents[2]


def test_demo_history_is_signed_by_its_officers(tmp_path):
    counter = create_demo(tmp_path / "demo.db", now=dt.datetime(2026, 11, 20, 11, 0))
    assert counter.officer is None  # the window asks who is at the counter
    users = {user for user, *_ in DEMO_ACCOUNTS}
    for user in users:
        assert counter.sign_in(user, DEMO_PASSWORD).username == user
    counter.sign_in("lanhdao", DEMO_PASSWORD)
    rows = counter.find("").rows
    assert {Status.RECEIVED, Status.PROCESSING, Status.WAITING_SUPPLEMENT, Status.FINISHED,
            Status.RETURNED} <= {r.status for r in rows}
    officers = {e.officer for r in rows for e in counter.events(r)}
    assert officers == {"tiepnhan", "xuly", "lanhdao"}  # usernames, each step by its role
    counter.sign_in("xuly", DEMO_PASSWORD)
    assert [r["applicant_name"] for r in counter.find("").rows] == ["Vũ Minh Khang"]
    counter.close()


def test_self_check_opens_the_window_on_the_demo(tmp_path):
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_DATA_HOME": str(tmp_path),
           "XDG_CONFIG_HOME": str(tmp_path), "TMPDIR": str(tmp_path)}
    result = subprocess.run([sys.executable, "-m", "ui", "--self-check"], env=env, cwd=ROOT,
                            capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "self-check OK" in result.stdout


def test_first_screen_is_ready_fast_on_a_new_database(tmp_path):
    """`--quit-when-ready` leaves once the first screen (here: create the administrator)
    is up; the benchmark times this."""
    from counter_app.service.counter import Counter

    db = tmp_path / "desk.db"
    Counter.open(db).set_up(agency_code="000.17.22.H56", agency_name="UBND xã Thử")
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_DATA_HOME": str(tmp_path),
           "XDG_CONFIG_HOME": str(tmp_path)}
    result = subprocess.run([sys.executable, "-m", "ui", "--db", str(db), "--quit-when-ready"],
                            env=env, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("ready after ")
