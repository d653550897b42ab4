"""A sound database that cannot be written is read, and called read-only, never damaged.

Attack held here: a healthy database on a write-protected stick (or without write
permission) was reported damaged (exit 7), inviting a needless restore. Now the desk sees
the medium (``store.medium``), opens the file read-only (``mode=ro``, else ``immutable=1``
when there is no -wal to miss), lets reading commands work with a note, refuses writing
ones with DatabaseReadOnly (exit 12), and ``check`` says the file is sound.

How each condition is made, for real:
- a read-only mount: a bind mount remounted ``ro`` inside a private mount namespace
  (``unshare -m``; needs root or user namespaces, else skipped);
- missing write permission: ``chmod`` on a copy, with the commands run either as the
  non-root user running the tests or, when that is root (root ignores permission bits),
  as root without CAP_DAC_OVERRIDE (``setpriv``), so the kernel refuses the write;
- SQLite's own "attempt to write a readonly database", raised by a real ``mode=ro``
  connection, in-process (runs everywhere, Windows included).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from counter_app.domain.working_calendar import OverrideKind
from counter_app.errors import DatabaseDamaged, DatabaseReadOnly
from counter_app.service.counter import Counter
from counter_app.store import database
from counter_app.store.database import transaction
from counter_app.store.medium import Medium, write_fault
from counter_app.store.read_only import uri
from tests.core.conftest import OFFICER, PASSWORD

REPO = Path(__file__).resolve().parents[2]
EXIT_DAMAGED, EXIT_READ_ONLY = 7, 12
WRITE = ["calendar", "off", "2026-12-01", "--reason", "thử"]


@pytest.fixture
def made(desk, make_request, tmp_path) -> Path:
    """A sound desk database with one dossier, closed (no -wal, no -shm beside it)."""
    desk.receive(make_request())
    desk.close()
    return tmp_path / "counter.db"


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def cli_argv(db: Path, *argv: str) -> list[str]:
    return [sys.executable, "-m", "counter_app.cli.main", "--db", str(db),
            "--as", OFFICER["username"], *argv]


def cli_env(tmp_path: Path) -> dict:
    return {**os.environ, "COUNTER_APP_PASSWORD": PASSWORD, "XDG_DATA_HOME": str(tmp_path)}


def assert_read_only_behaviour(results: dict) -> None:
    for name, (code, _out, err) in results.items():
        assert "Traceback" not in err, (name, err)
        assert code != EXIT_DAMAGED and "damaged" not in err.lower().replace("not damaged", ""), name
    code, out, err = results["check"]
    assert code == 0 and "passes the check" in out and "read-only" in out
    code, out, err = results["find"]
    assert code == 0 and "read-only" in err
    code, out, err = results["write"]
    assert code == EXIT_READ_ONLY, err
    assert "read-only" in err and "NOT damaged" in err and "chỉ đọc" in err


# -- missing write permission -------------------------------------------------------------
def unprivileged(probe: Path) -> list[str]:
    """A command prefix under which the kernel enforces permission bits."""
    if os.name != "posix":
        pytest.skip("POSIX permissions")
    prefix: list[str] = []
    if os.geteuid() == 0:
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            pytest.skip("running as root without setpriv: permissions cannot be enforced")
        caps = "-dac_override,-dac_read_search,-fowner"
        prefix = [setpriv, f"--bounding-set={caps}", f"--inh-caps={caps}"]
    check = subprocess.run([*prefix, sys.executable, "-c",
                            "import os, sys; sys.exit(7 if os.access(sys.argv[1], os.W_OK) "
                            "else 0)", str(probe)], capture_output=True)
    if check.returncode != 0:
        pytest.skip(f"cannot drop the right to write here ({check.stderr[-200:]!r})")
    return prefix


def test_a_file_and_folder_without_write_permission_are_read_only_not_damaged(made, tmp_path):
    before = digest(made)
    os.chmod(made, 0o444)
    os.chmod(made.parent, 0o555)
    try:
        prefix = unprivileged(made)
        results = {}
        for name, argv in {"check": ["check"], "find": ["find"], "write": WRITE,
                           "show-json": ["find", "--json"]}.items():
            p = subprocess.run([*prefix, *cli_argv(made, *argv)], cwd=REPO, text=True,
                               capture_output=True, env=cli_env(tmp_path), timeout=120)
            results[name] = (p.returncode, p.stdout, p.stderr)
    finally:
        os.chmod(made.parent, 0o755)
        os.chmod(made, 0o600)
    assert_read_only_behaviour(results)
    assert len(json.loads(results["show-json"][1])["dossiers"]) == 1  # the dossier is read
    assert digest(made) == before


# -- a read-only mount --------------------------------------------------------------------
#: Run inside ``unshare -m``: copy the files in, bind the folder read-only, run the CLI.
DRIVER = r"""
import json, os, shutil, subprocess, sys
folder, commands = sys.argv[1], json.loads(sys.argv[2])
for source in json.loads(sys.argv[3]):
    shutil.copyfile(source[0], os.path.join(folder, source[1]))
for mount in (["--bind", folder, folder], ["-o", "remount,bind,ro", folder]):
    if subprocess.run(["mount", *mount], capture_output=True).returncode:
        sys.exit(77)
results = {}
for name, argv in commands.items():
    p = subprocess.run(argv, capture_output=True, text=True, timeout=120)
    results[name] = (p.returncode, p.stdout, p.stderr)
print(json.dumps(results))
"""


def on_read_only_mount(tmp_path: Path, files: list[tuple[Path, str]], commands: dict) -> dict:
    unshare = shutil.which("unshare")
    if os.name != "posix" or unshare is None or not shutil.which("mount"):
        pytest.skip("needs unshare and mount")
    folder = tmp_path / "stick"
    folder.mkdir()
    db = folder / "counter.db"
    argv = {name: cli_argv(db, *args) for name, args in commands.items()}
    p = subprocess.run([unshare, "-m", sys.executable, "-c", DRIVER, str(folder),
                        json.dumps(argv), json.dumps([[str(s), n] for s, n in files])],
                       cwd=REPO, text=True, capture_output=True, env=cli_env(tmp_path),
                       timeout=600)
    if p.returncode in (1, 77) and not p.stdout:
        pytest.skip(f"no private read-only mount here: {p.stderr[-300:]}")
    assert p.returncode == 0, p.stderr
    return json.loads(p.stdout)


def test_a_sound_database_on_a_read_only_mount_is_read_and_never_called_damaged(
        made, tmp_path):
    results = on_read_only_mount(tmp_path, [(made, "counter.db")], {
        "check": ["check"], "find": ["find"], "write": WRITE,
        "receive": ["receive", "--procedure", "1.001193", "--name", "Nguyễn Văn An",
                    "--id-number", "038090012345"],
        "backup": ["backup", "--to", str(tmp_path / "copies")]})
    assert_read_only_behaviour(results)
    assert results["receive"][0] == EXIT_READ_ONLY
    code, _out, err = results["backup"]  # a read-only stick can still be backed up
    assert code == 0, err
    assert len(list((tmp_path / "copies").glob("counter-*-manual.db"))) == 1


def test_a_read_only_mount_with_an_unmerged_wal_is_explained_not_damaged(desk, make_request,
                                                                          tmp_path):
    desk.receive(make_request())
    path = tmp_path / "counter.db"
    desk.db.execute("PRAGMA wal_autocheckpoint = 0")
    desk.receive(make_request(applicant={"id_number": "001303012399"}))
    files = [(path, "counter.db"), (Path(f"{path}-wal"), "counter.db-wal")]  # no -shm
    results = on_read_only_mount(tmp_path, files, {"check": ["check"], "find": ["find"]})
    for code, _out, err in results.values():
        assert code == EXIT_READ_ONLY and "NOT damaged" in err and "-wal" in err, err
        assert "Traceback" not in err


# -- SQLite's own refusal, in-process ------------------------------------------------------
def test_sqlites_readonly_error_is_read_only_and_rolled_back_never_damage(made):
    conn = sqlite3.connect(uri(made), uri=True, isolation_level=None)  # mode=ro
    try:
        with pytest.raises(sqlite3.OperationalError) as real:
            conn.execute("INSERT INTO settings (key, value) VALUES ('x', '1')")
        assert real.value.sqlite_errorname.startswith("SQLITE_READONLY")
        assert isinstance(write_fault(real.value, made), DatabaseReadOnly)
        db = database.sqlite_utils.Database(conn)
        with pytest.raises(DatabaseReadOnly), transaction(db):  # not marked: SQLite refuses
            db.execute("INSERT INTO settings (key, value) VALUES ('x', '1')")
        assert not conn.in_transaction
    finally:
        conn.close()


def test_the_desk_opened_read_only_reads_and_refuses_every_write(made, clock, monkeypatch):
    before = digest(made)
    # what store.medium sees on a write-protected medium (the mounts above make it real)
    monkeypatch.setattr(database, "medium_of", lambda path: Medium.READ_ONLY)
    counter = Counter.open(made, clock=clock)
    try:
        assert counter.cannot_write is Medium.READ_ONLY
        counter.sign_in(OFFICER["username"], PASSWORD)  # its audit entry is left out
        assert len(counter.find("").rows) == 1
        for write in (lambda: counter.set_calendar_day(clock().date(), OverrideKind.OFF, "x"),
                      lambda: counter.set_apology_days(2),
                      lambda: counter.slip_pdf(counter.find("").rows[0].code)):
            with pytest.raises(DatabaseReadOnly) as refused:
                write()
            assert not isinstance(refused.value, DatabaseDamaged)
            assert "không hỏng" in str(refused.value)
    finally:
        counter.close()
    assert digest(made) == before
