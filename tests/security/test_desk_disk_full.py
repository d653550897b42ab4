"""A full disk: a clear message, a distinct exit code, nothing half-written, reading works.

Attack held here: on a full disk every desk command, even ``find``, ended in a Python
traceback (or called the database damaged). Now SQLITE_FULL and ENOSPC are DiskFull (exit
11, "the disk is full ... nothing was half-written"); the transaction is rolled back whole;
opening needs no write (the desk id is read, not rewritten), and when even the -shm file
cannot be made the database is opened read-only, so reading commands still work.

How the condition is made, for real:
- SQLite's own SQLITE_FULL, in-process: ``PRAGMA max_page_count`` caps the file at the
  pages it has (runs everywhere);
- a full filesystem: a 1 MiB tmpfs filled to the last byte, inside a private mount
  namespace (``unshare -m``; needs root or user namespaces, else skipped).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from counter_app.cli import session
from counter_app.errors import DiskFull
from counter_app.service.counter import Counter
from counter_app.store.integrity import check_database
from tests.core.conftest import OFFICER, PASSWORD

REPO = Path(__file__).resolve().parents[2]
EXIT_DISK_FULL = 11
RECEIVE = ["receive", "--procedure", "1.001193", "--name", "Nguyễn Văn An",
           "--id-number", "038090012345"]


def cap_at_current_size(counter: Counter) -> None:
    """From now on the file may not grow by a page: SQLite raises SQLITE_FULL."""
    counter.db.execute("PRAGMA max_page_count = 1")  # SQLite keeps it at the current count


def address(n: int) -> str:
    return f"Số {n}, " + "thôn Phú Lộc, xã Quảng Phú, " * 9  # ~280 characters: pages fill


def dossiers(counter: Counter) -> int:
    return counter.db.execute("SELECT count(*) FROM dossiers").fetchone()[0]


def test_a_full_database_refuses_whole_and_keeps_working(desk, make_request, tmp_path):
    cap_at_current_size(desk)
    received = []
    with pytest.raises(DiskFull) as full:
        for n in range(500):  # until a page more is needed
            received.append(desk.receive(make_request(applicant={"address": address(n)})).code)
    assert "đầy" in str(full.value) and "không có gì bị ghi dở" in str(full.value)
    assert not desk.db.conn.in_transaction  # rolled back, not left open
    assert dossiers(desk) == len(received)  # nothing half-written
    assert [r.code for r in desk.find("").rows][:1] == received[-1:]  # reading still works
    desk.db.execute("PRAGMA max_page_count = 1073741823")  # space again: back to work
    desk.receive(make_request())
    assert dossiers(desk) == len(received) + 1
    assert desk.audit_verify().ok
    desk.close()
    assert check_database(tmp_path / "counter.db").ok


def test_the_command_line_says_disk_full_with_its_own_exit_code(ready, monkeypatch):
    cli = ready
    assert cli(*RECEIVE).code == 0
    opened = Counter.open

    def open_on_a_full_disk(path, clock=None):
        counter = opened(path) if clock is None else opened(path, clock)
        cap_at_current_size(counter)
        return counter

    monkeypatch.setattr(session.Counter, "open", open_on_a_full_disk)
    for n in range(500):
        result = cli(*RECEIVE, "--address", address(n))
        if result.code != 0:
            break
    assert result.code == EXIT_DISK_FULL, result.err
    assert "disk is full" in result.err and "nothing was half-written" in result.err
    assert "Traceback" not in result.err
    found = cli("find", "--json")
    assert found.code == 0, found.err
    assert len(found.json()["dossiers"]) == n + 1  # every receive that said so, no more


#: Run inside ``unshare -m``: a 1 MiB tmpfs, the database copied in, the rest filled.
DRIVER = r"""
import json, os, shutil, subprocess, sys
folder, source, commands = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", folder],
                  capture_output=True).returncode:
    sys.exit(77)
shutil.copyfile(source, os.path.join(folder, "counter.db"))
with open(os.path.join(folder, "filler"), "wb", buffering=0) as filler:
    try:
        while True:
            filler.write(b"\0" * 512)
    except OSError:
        pass
results = {"free": shutil.disk_usage(folder).free}
for name, argv in commands:
    p = subprocess.run(argv, capture_output=True, text=True, timeout=120)
    results[name] = (p.returncode, p.stdout, p.stderr)
print(json.dumps(results))
"""


def test_a_really_full_filesystem(desk, make_request, tmp_path):
    unshare = shutil.which("unshare")
    if os.name != "posix" or unshare is None or not shutil.which("mount"):
        pytest.skip("needs unshare and mount")
    desk.receive(make_request())
    desk.close()
    folder = tmp_path / "full"
    folder.mkdir()
    db = folder / "counter.db"

    def cli_argv(*argv: str) -> list[str]:
        return [sys.executable, "-m", "counter_app.cli.main", "--db", str(db),
                "--as", OFFICER["username"], *argv]

    commands = [("find", cli_argv("find", "--json")), ("receive", cli_argv(*RECEIVE)),
                ("calendar", cli_argv("calendar", "off", "2026-12-01")),
                ("backup", cli_argv("backup")), ("check", cli_argv("check")),
                ("after", cli_argv("find", "--json"))]
    env = {**os.environ, "COUNTER_APP_PASSWORD": PASSWORD, "XDG_DATA_HOME": str(tmp_path)}
    p = subprocess.run([unshare, "-m", sys.executable, "-c", DRIVER, str(folder),
                        str(tmp_path / "counter.db"), json.dumps(commands)],
                       cwd=REPO, env=env, text=True, capture_output=True, timeout=600)
    if p.returncode in (1, 77) and not p.stdout:
        pytest.skip(f"no private tmpfs here: {p.stderr[-300:]}")
    assert p.returncode == 0, p.stderr
    results = json.loads(p.stdout)
    assert results.pop("free") == 0  # really full
    for name, (_code, _out, err) in results.items():
        assert "Traceback" not in err, (name, err)
        assert "damaged" not in err.lower(), (name, err)
    for name in ("find", "check", "after"):
        assert results[name][0] == 0, results[name][2]
    for name in ("receive", "calendar", "backup"):
        code, _out, err = results[name]
        assert code == EXIT_DISK_FULL, (name, err)
        assert "disk is full" in err and "nothing was half-written" in err
    assert len(json.loads(results["after"][1])["dossiers"]) == 1  # nothing was added
