"""The desk's database, its journals and its backups are readable by its user only.

Attack held here: the database (every citizen's ID number, phone and address) and every
backup of it were created 0o644, readable by every local account. Now, on POSIX, the
database is created 0o600 before SQLite opens it (SQLite gives its -wal, -shm and -journal
the database file's mode), a backup is written into a 0o600 file from its first byte, the
default backup folder is 0o700, and files an earlier version left open are tightened when
the database is opened. Windows keeps nothing special (the profile folder is private).

The umask is set to the usual 0o022 around each test, so a strict umask on the machine
running the tests cannot make them pass by itself.
"""

from __future__ import annotations

import os
import stat

import pytest

from counter_app.backups.making import default_folder, make_backup
from counter_app.backups.restoring import restore
from counter_app.service.counter import Counter

pytestmark = pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX's")


@pytest.fixture(autouse=True)
def usual_umask():
    old = os.umask(0o022)
    yield
    os.umask(old)


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_a_new_database_and_its_journals_are_user_only(open_desk, make_request, tmp_path):
    desk = open_desk("data/counter.db")  # its folder is made too
    desk.receive(make_request())  # committed, so the -wal has frames
    path = tmp_path / "data" / "counter.db"
    assert mode(path) == 0o600
    assert mode(f"{path}-wal") == 0o600
    assert mode(f"{path}-shm") == 0o600
    assert mode(path.parent) == 0o700


def test_a_backup_and_the_default_backup_folder_are_user_only(desk, make_request, tmp_path):
    desk.receive(make_request())
    info = make_backup(tmp_path / "counter.db", "manual")
    assert info.intact
    assert info.path.parent == default_folder(tmp_path / "counter.db")
    assert mode(info.path) == 0o600
    assert mode(info.path.parent) == 0o700
    chosen = tmp_path / "stick" / "saoluu"
    assert mode(make_backup(tmp_path / "counter.db", "manual", folder=chosen).path) == 0o600
    assert mode(chosen) == 0o700  # made by the backup


def test_files_an_older_version_left_readable_are_tightened_on_opening(
        desk, make_request, tmp_path, clock):
    desk.receive(make_request())
    desk.close()
    path = tmp_path / "counter.db"
    folder = default_folder(path)
    folder.mkdir(mode=0o755)
    os.chmod(folder, 0o755)
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(f"{path}{suffix}"):
            os.chmod(f"{path}{suffix}", 0o644)
    stale_wal = f"{path}-wal"
    with open(stale_wal, "ab"):
        pass
    os.chmod(stale_wal, 0o644)
    again = Counter.open(path, clock=clock)
    try:
        assert mode(path) == 0o600
        assert mode(stale_wal) == 0o600
        assert mode(f"{path}-shm") == 0o600
        backup = make_backup(path, "manual")
        assert mode(backup.path) == 0o600 and mode(folder) == 0o700
    finally:
        again.close()


def test_a_restored_database_and_the_copy_kept_before_it_are_user_only(
        desk, make_request, tmp_path):
    desk.receive(make_request())
    path = tmp_path / "counter.db"
    backup = make_backup(path, "manual").path
    os.chmod(backup, 0o644)  # a copy brought from elsewhere, readable by all
    desk.close()
    kept = restore(path, backup)
    assert mode(path) == 0o600
    assert kept is not None and mode(kept) == 0o600
