"""Backups, restore and the start-up check, on real SQLite files damaged for real."""

from __future__ import annotations

import datetime as dt
import json
import random
import shutil
import sqlite3
import threading

import pytest
import sqlite_utils

from counter_app import backups
from counter_app.backups import BackupFailed, BackupPolicy, make_backup, restore
from counter_app.backups.files import settings_file
from counter_app.errors import (
    DatabaseDamaged,
    DatabaseOutdated,
    DatabaseUnreadable,
    NotFound,
    PermissionDenied,
    SignInFailed,
    ValidationError,
)
from counter_app.service.counter import Counter
from counter_app.store import audit_log, event_log, hash_chain, settings_store
from counter_app.store.database import SCHEMA_VERSION, open_database, transaction
from counter_app.store.integrity import Health, check_database, read_only_uri
from counter_app.store.migrations import MIGRATIONS
from tests.core.conftest import OFFICER, PASSWORD

NAMES = ["Nguyễn Văn An", "Trần Thị Bình", "Lê Văn Cường", "Phạm Thị Dung", "Hoàng Văn Giang",
         "Vũ Thị Hạnh", "Đặng Văn Khoa", "Bùi Thị Lan", "Đỗ Văn Minh", "Ngô Thị Nga"]
T = dt.datetime(2026, 3, 9, 10, 0)


def receive_some(desk, make_request, count: int, first: int = 0) -> list:
    return [desk.receive(make_request(applicant={"full_name": NAMES[(first + i) % len(NAMES)]}))
            for i in range(count)]


def rows_of(path) -> dict[str, list[tuple]]:
    """Every row of every table, read-only."""
    conn = sqlite3.connect(read_only_uri(path), uri=True)
    try:
        tables = [r[0] for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")]
        return {t: sorted(conn.execute(f'SELECT * FROM "{t}"').fetchall(), key=repr)
                for t in tables}
    finally:
        conn.close()


def codes_in(path) -> set[str]:
    return {r[1] for r in rows_of(path)["dossiers"]}


def garbage_over_middle_pages(data: bytes) -> bytes:
    pages = len(data) // 4096
    start, end = pages // 3 * 4096, 2 * pages // 3 * 4096
    assert end > start
    return data[:start] + random.Random(4).randbytes(end - start) + data[end:]


def garbage_over_header(data: bytes) -> bytes:
    return random.Random(5).randbytes(100) + data[100:]


DAMAGE = {
    "truncated to half": (lambda b: b[:len(b) // 2], "bị cắt cụt"),
    "truncated to 1000 bytes": (lambda b: b[:1000], "bị cắt cụt"),
    "garbage over the middle pages": (garbage_over_middle_pages, "bị hỏng"),
    "garbage over the header": (garbage_over_header, "không phải là tệp dữ liệu SQLite"),
}


def damage(path, how: str) -> bytes:
    broken = DAMAGE[how][0](path.read_bytes())
    path.write_bytes(broken)
    return broken


def files_in(folder) -> set[str]:
    return {p.name for p in folder.iterdir()}


# -- the start-up check ------------------------------------------------------------------
def test_a_sound_database_passes_the_check(desk, make_request, tmp_db_path):
    receive_some(desk, make_request, 3)
    assert check_database(tmp_db_path) == Health(True, "", SCHEMA_VERSION)
    assert desk.receive(make_request())  # the check opened it read-only, the desk goes on


def test_what_is_not_a_database_fails_the_check(tmp_path):
    missing = check_database(tmp_path / "nowhere.db")
    assert not missing.ok and "Không tìm thấy tệp dữ liệu" in missing.problem
    assert "thư mục" in check_database(tmp_path).problem
    (tmp_path / "empty.db").write_bytes(b"")
    assert "trống" in check_database(tmp_path / "empty.db").problem
    (tmp_path / "notes.db").write_text("Danh sách hồ sơ\n" * 200, "utf-8")
    notes = check_database(tmp_path / "notes.db")
    assert not notes.ok and "không phải là tệp dữ liệu SQLite" in notes.problem
    other = sqlite3.connect(tmp_path / "other.db")
    other.execute("CREATE TABLE t (x)")
    other.commit()
    other.close()
    assert "không phải dữ liệu của chương trình" in check_database(tmp_path / "other.db").problem


def test_a_database_from_a_newer_program_fails_the_check(tmp_db_path):
    open_database(tmp_db_path).conn.close()
    raw = sqlite3.connect(tmp_db_path)
    raw.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    raw.close()
    health = check_database(tmp_db_path)
    assert not health.ok and health.schema_version == SCHEMA_VERSION + 1
    assert "mới hơn chương trình" in health.problem


@pytest.mark.parametrize("how", list(DAMAGE))
def test_a_damaged_database_is_found_and_the_right_backup_offered(
        how, desk, make_request, tmp_db_path):
    receive_some(desk, make_request, 40)
    older = make_backup(tmp_db_path, "scheduled", now=T)
    receive_some(desk, make_request, 2, first=3)
    newer = make_backup(tmp_db_path, "exit", now=T + dt.timedelta(hours=7))
    assert older.intact and newer.intact
    desk.close()  # the last connection: everything checkpointed into the main file
    assert check_database(tmp_db_path).ok
    broken = damage(tmp_db_path, how)

    health = check_database(tmp_db_path)
    assert not health.ok
    assert DAMAGE[how][1] in health.problem
    assert backups.newest_intact(tmp_db_path).path == newer.path

    kept = restore(tmp_db_path, newer.path, now=T + dt.timedelta(days=1), officer="huong")
    assert check_database(tmp_db_path).ok
    assert codes_in(tmp_db_path) == codes_in(newer.path)
    assert kept.read_bytes() == broken  # the damaged file is kept byte for byte
    listed = {b.path: b for b in backups.list_backups(tmp_db_path)}
    assert listed[kept].reason == "before-restore" and not listed[kept].intact


def test_a_damaged_backup_is_listed_as_such_and_never_offered_or_restored(
        desk, make_request, tmp_db_path):
    receive_some(desk, make_request, 40)
    good = make_backup(tmp_db_path, "scheduled", now=T)
    bad = make_backup(tmp_db_path, "scheduled", now=T + dt.timedelta(hours=1))
    damage(bad.path, "garbage over the middle pages")

    listed = backups.list_backups(tmp_db_path)
    assert [b.path for b in listed] == [bad.path, good.path]  # newest first
    assert not listed[0].intact and "bị hỏng" in listed[0].problem
    assert listed[1].intact and listed[1].schema_version == SCHEMA_VERSION
    assert backups.newest_intact(tmp_db_path).path == good.path

    desk.close()
    before = tmp_db_path.read_bytes()
    with pytest.raises(DatabaseDamaged, match="không dùng được"):
        restore(tmp_db_path, bad.path)
    assert tmp_db_path.read_bytes() == before  # nothing touched, nothing kept
    assert [b.path for b in backups.list_backups(tmp_db_path)] == [bad.path, good.path]


# -- making backups ----------------------------------------------------------------------
def test_a_backup_taken_while_another_connection_writes_is_one_moment(
        desk, make_request, tmp_db_path):
    receive_some(desk, make_request, 10)
    writer = sqlite3.connect(tmp_db_path, isolation_level=None, timeout=30,
                             check_same_thread=False)
    writer.execute("CREATE TABLE probe (batch INTEGER, part INTEGER, filler BLOB)")
    writer.executemany("INSERT INTO probe VALUES (0, ?, randomblob(2000))",
                       [(i,) for i in range(3000)])  # ~6 MB: the copy takes a while
    committed, stop = [0], threading.Event()

    def write() -> None:
        while not stop.is_set():
            writer.execute("BEGIN IMMEDIATE")
            batch = committed[0] + 1
            writer.executemany("INSERT INTO probe VALUES (?, ?, randomblob(500))",
                               [(batch, part) for part in range(5)])
            writer.execute("COMMIT")
            committed[0] = batch

    thread = threading.Thread(target=write)
    thread.start()
    overlapped = 0
    try:
        for n in range(3):
            before = committed[0]
            info = make_backup(tmp_db_path, "manual", now=T + dt.timedelta(minutes=n))
            after = committed[0]
            overlapped += after > before
            assert info.intact, info.problem
            copy = sqlite3.connect(info.path)
            try:
                batches = dict(copy.execute(
                    "SELECT batch, count(*) FROM probe WHERE batch > 0 GROUP BY batch"))
                assert set(batches.values()) <= {5}  # no transaction copied half-way
                assert before <= len(batches) <= after
                assert sorted(batches) == list(range(1, len(batches) + 1))
                assert copy.execute("SELECT count(*) FROM dossiers").fetchone()[0] == 10
            finally:
                copy.close()
    finally:
        stop.set()
        thread.join()
        writer.close()
    assert overlapped, "the writer never committed while a backup was being made"


def test_the_copy_is_a_single_checked_file_named_for_its_reason(desk, tmp_db_path):
    info = make_backup(tmp_db_path, "before-migration-v4", now=T)
    assert info.path == tmp_db_path.parent / "backups" / "counter-20260309-100000-before-migration-v4.db"
    assert (info.made_at, info.reason, info.intact, info.warning) == (T, "before-migration-v4",
                                                                      True, "")
    assert info.size == info.path.stat().st_size > 0
    raw = sqlite3.connect(info.path)
    assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    raw.close()
    assert files_in(info.path.parent) == {info.path.name}  # no temporary file, no -wal
    again = make_backup(tmp_db_path, "before-migration-v4", now=T)  # the same second
    assert again.path.name == "counter-20260309-100000-2-before-migration-v4.db"
    assert [b.path for b in backups.list_backups(tmp_db_path)] == [again.path, info.path]
    assert backups.last_made_at(tmp_db_path) == T
    with pytest.raises(ValueError):
        make_backup(tmp_db_path, "../escape")


def test_an_unreadable_database_is_not_backed_up(tmp_path):
    with pytest.raises(DatabaseUnreadable, match="Không tìm thấy"):
        make_backup(tmp_path / "nowhere.db", "manual")
    (tmp_path / "notes.db").write_text("không phải cơ sở dữ liệu " * 100, "utf-8")
    with pytest.raises(DatabaseUnreadable):
        make_backup(tmp_path / "notes.db", "manual")
    assert not any((tmp_path / "backups").glob("*.db"))


def test_a_missing_chosen_folder_falls_back_to_the_default_with_a_warning(
        desk, tmp_db_path, tmp_path):
    usb = tmp_path / "usb" / "sao-luu"
    backups.set_backup_folder(tmp_db_path, usb)
    assert usb.is_dir() and backups.backup_folder(tmp_db_path) == usb
    on_stick = make_backup(tmp_db_path, "scheduled", now=T)
    assert on_stick.path.parent == usb and on_stick.warning == ""

    shutil.rmtree(tmp_path / "usb")  # the stick is pulled out
    info = make_backup(tmp_db_path, "scheduled", now=T + dt.timedelta(hours=1))
    default = tmp_db_path.parent / "backups"
    assert info.intact and info.path.parent == default
    assert str(usb) in info.warning and "thư mục mặc định" in info.warning
    assert not (tmp_path / "usb").exists()  # never re-created on the computer's own disk
    assert backups.backup_folder(tmp_db_path) == usb  # the choice is kept for next time
    assert [b.path for b in backups.list_backups(tmp_db_path)] == [info.path]


def test_a_folder_that_cannot_be_used_is_refused(desk, tmp_db_path, tmp_path):
    (tmp_path / "a-file").write_text("x")
    with pytest.raises(ValidationError) as refused:
        backups.set_backup_folder(tmp_db_path, tmp_path / "a-file" / "backups")
    assert "Không dùng được thư mục" in refused.value.errors["folder"]
    assert backups.backup_folder(tmp_db_path) == tmp_db_path.parent / "backups"
    backups.set_backup_folder(tmp_db_path, tmp_db_path.parent / "backups")  # the default
    assert json.loads(settings_file(tmp_db_path).read_text("utf-8")) == {"folder": None}
    assert backups.backup_folder(tmp_db_path) == tmp_db_path.parent / "backups"


# -- rotation ----------------------------------------------------------------------------
def test_rotation_keeps_recent_daily_monthly_and_young_safety_copies(tmp_path):
    folder, db = tmp_path / "backups", tmp_path / "counter.db"
    folder.mkdir()
    made = {
        "a": "20260309-110000-scheduled",       # the newest three
        "b": "20260309-100000-scheduled",
        "c": "20260309-090000-scheduled",
        "d": "20260309-080000-scheduled",       # deleted: the 9th already has its newest
        "e": "20260308-170000-exit",            # newest of the 8th
        "f": "20260308-090000-scheduled",       # deleted
        "g": "20260305-170000-exit",            # newest of the 3rd day that has backups
        "h": "20260304-170000-exit",            # deleted: a 4th day
        "i": "20260227-170000-exit",            # newest of February
        "j": "20260210-090000-before-restore",  # 27 days old: kept whatever the policy
        "k": "20260131-170000-exit",            # deleted: a 3rd month
        "l": "20251001-090000-before-migration-v4",  # 159 days old: no longer protected
        "m": "20260115-090000-before-migration-v4",  # 53 days old: kept
    }
    for stamp in made.values():
        (folder / f"counter-{stamp}.db").write_bytes(b"backup")
    (folder / "counter-20251001-090000-before-migration-v4.db-wal").write_bytes(b"wal")
    foreign = ["notes.txt", "counter-old.db", "other-20250101-000000-manual.db",
               "counter-20250101-000000-manual.db.bak", "counter-20251399-000000-manual.db"]
    for name in foreign:
        (folder / name).write_text("not the program's")

    deleted = backups.rotate(folder, db, dt.datetime(2026, 3, 9, 12, 0),
                             BackupPolicy(keep_recent=3, keep_daily=3, keep_monthly=2))

    gone = {"d", "f", "h", "k", "l"}
    assert {p.name for p in deleted} == {f"counter-{made[k]}.db" for k in gone}
    assert files_in(folder) == {f"counter-{made[k]}.db" for k in made if k not in gone} \
        | set(foreign)  # the -wal went with its file; foreign files untouched


def test_each_backup_rotates_its_folder_but_a_damaged_copy_deletes_nothing(
        desk, make_request, tmp_db_path):
    receive_some(desk, make_request, 40)
    policy = BackupPolicy(keep_recent=2, keep_daily=0, keep_monthly=0)
    made = [make_backup(tmp_db_path, "scheduled", now=T + dt.timedelta(hours=h), policy=policy)
            for h in range(4)]
    folder = tmp_db_path.parent / "backups"
    assert files_in(folder) == {made[2].path.name, made[3].path.name}

    desk.close()
    kept = {made[2].path.name, made[3].path.name}
    index_page = sqlite3.connect(tmp_db_path).execute(
        "SELECT rootpage FROM sqlite_master WHERE name = 'sqlite_autoindex_settings_1'"
    ).fetchone()[0]
    data = bytearray(tmp_db_path.read_bytes())
    data[(index_page - 1) * 4096:(index_page - 1) * 4096 + 8] = b"\xff" * 8  # its page header
    tmp_db_path.write_bytes(data)
    try:
        bad = make_backup(tmp_db_path, "scheduled", now=T + dt.timedelta(hours=5), policy=policy)
    except DatabaseDamaged:
        assert files_in(folder) == kept
    else:
        assert not bad.intact and "bị hỏng" in bad.problem
        assert files_in(folder) == kept | {bad.path.name}

    damage(tmp_db_path, "garbage over the middle pages")
    try:  # which pages the garbage hits decides whether the copying or the check finds it
        worse = make_backup(tmp_db_path, "scheduled", now=T + dt.timedelta(hours=6),
                            policy=policy)
    except DatabaseDamaged as exc:
        assert "bị hỏng" in str(exc)
    else:
        assert not worse.intact and "bị hỏng" in worse.problem
    assert kept <= files_in(folder)


def test_desks_sharing_one_backup_folder_keep_to_their_own_backups(open_desk, make_request,
                                                                   tmp_path):
    """Two desks, both with the default file name, back up onto one USB stick."""
    desk_a, desk_b = open_desk("a/counter.db"), open_desk("b/counter.db", desk=2)
    path_a, path_b, usb = tmp_path / "a/counter.db", tmp_path / "b/counter.db", tmp_path / "usb"
    for path, desk in ((path_a, desk_a), (path_b, desk_b)):
        backups.set_backup_folder(path, usb)
        receive_some(desk, make_request, 2)
    policy = BackupPolicy(keep_recent=2, keep_daily=0, keep_monthly=0)
    theirs = make_backup(path_b, "manual", now=T, policy=policy)
    mine = [make_backup(path_a, "scheduled", now=T + dt.timedelta(hours=h), policy=policy)
            for h in (1, 2, 3)]
    their_newest = make_backup(path_b, "exit", now=T + dt.timedelta(hours=5), policy=policy)

    # A's rotation deleted its own oldest only, never B's (nor B's A's).
    assert files_in(usb) == {b.path.name for b in (theirs, mine[1], mine[2], their_newest)}
    listed = {b.path: b for b in backups.list_backups(path_a)}
    assert [listed[b.path].other_desk for b in (theirs, their_newest, mine[1], mine[2])] \
        == [True, True, False, False]
    assert listed[theirs.path].desk_id == desk_b.desk_id
    assert listed[mine[2].path].desk_id == desk_a.desk_id
    assert backups.newest_intact(path_a).path == mine[2].path  # not B's newer one
    assert backups.newest_intact(path_b).path == their_newest.path

    # A's database gone (a new computer): its desk is unknown, every backup is offered.
    desk_a.close()
    path_a.unlink()
    assert not any(b.other_desk for b in backups.list_backups(path_a))
    assert backups.newest_intact(path_a).path == their_newest.path


# -- restore -----------------------------------------------------------------------------
def test_restore_brings_back_every_row_of_the_moment_of_the_backup(
        desk, make_request, tmp_db_path):
    receive_some(desk, make_request, 3)
    backup = make_backup(tmp_db_path, "manual", now=T)
    at_backup = rows_of(tmp_db_path)
    assert rows_of(backup.path) == at_backup
    later = receive_some(desk, make_request, 2, first=5)
    desk.close()

    kept = restore(tmp_db_path, backup.path, now=T + dt.timedelta(hours=2), officer="huong")

    assert kept.name == "counter-20260309-120000-before-restore.db"
    restored = rows_of(tmp_db_path)
    audit, audit_then = restored.pop("audit_log"), at_backup.pop("audit_log")
    settings, settings_then = dict(restored.pop("settings")), dict(at_backup.pop("settings"))
    assert restored == at_backup  # every other table exactly as at the backup
    # ... and it is a new desk to the server (docs/sync.md §2.9), the old id kept as retired
    assert settings.pop("desk_id") != settings_then.pop("desk_id")
    assert json.loads(settings.pop("retired_desk_ids")) == [desk.desk_id]
    assert settings == settings_then
    new = [r for r in audit if r not in audit_then]
    assert len(audit) == len(audit_then) + 1 and len(new) == 1
    assert new[0][4:7] == ("huong", "restored", backup.path.name)
    assert {d.code for d in later} <= codes_in(kept)  # the kept copy holds them
    assert not {d.code for d in later} & codes_in(tmp_db_path)

    again = Counter.open(tmp_db_path)
    try:
        again.sign_in(OFFICER["username"], PASSWORD)
        with pytest.raises(NotFound):
            again.dossier(later[0].code)
        assert hash_chain.verify("events", event_log.chain_rows(again.db))[1] == []
        assert hash_chain.verify("audit_log", audit_log.chain_rows(again.db))[1] == []
    finally:
        again.close()


def test_restore_keeps_the_raw_database_and_its_wal_when_it_cannot_be_read(
        desk, make_request, tmp_db_path):
    receive_some(desk, make_request, 40)
    backup = make_backup(tmp_db_path, "manual", now=T)
    desk.db.execute("PRAGMA wal_autocheckpoint = 0")
    later = receive_some(desk, make_request, 3, first=5)  # only in the -wal so far
    wal = tmp_db_path.with_name("counter.db-wal")
    frames = wal.read_bytes()
    assert len(frames) > 4096
    desk.close()  # checkpoints and removes the -wal: put it back as after a power cut
    wal.write_bytes(frames)
    broken = damage(tmp_db_path, "garbage over the header")

    kept = restore(tmp_db_path, backup.path, now=T + dt.timedelta(hours=1))

    assert kept.read_bytes() == broken
    assert kept.with_name(kept.name + "-wal").read_bytes() == frames
    # the old -wal was removed first: replayed onto the restored file it would bring back
    # (or garble) pages of the database that was replaced
    assert check_database(tmp_db_path).ok
    assert codes_in(tmp_db_path) == codes_in(backup.path)
    assert not {d.code for d in later} & codes_in(tmp_db_path)
    last = rows_of(tmp_db_path)["audit_log"]
    assert ("(hệ thống)", "restored") in {r[4:6] for r in last}


def test_restore_rotates_nothing_away_not_even_the_backup_being_restored(
        desk, make_request, tmp_db_path):
    receive_some(desk, make_request, 2)
    oldest = make_backup(tmp_db_path, "scheduled", now=T)
    receive_some(desk, make_request, 1, first=4)
    others = [make_backup(tmp_db_path, "scheduled", now=T + dt.timedelta(minutes=m))
              for m in range(1, 10)]  # oldest is now the 10th of the day: next to go
    desk.close()

    kept = restore(tmp_db_path, oldest.path, now=T + dt.timedelta(hours=1))

    assert oldest.path.exists() and all(b.path.exists() for b in others) and kept.exists()
    assert codes_in(tmp_db_path) == codes_in(oldest.path) != codes_in(kept)


def test_restore_onto_a_new_computer_has_nothing_to_keep(desk, tmp_db_path, tmp_path):
    backup = make_backup(tmp_db_path, "manual", now=T, folder=tmp_path / "usb")
    desk.close()
    fresh = tmp_path / "new-pc" / "counter.db"
    assert restore(fresh, backup.path, now=T) is None
    assert check_database(fresh).ok
    with pytest.raises(ValidationError):
        restore(backup.path, backup.path)


def test_a_restore_is_refused_while_another_connection_has_the_database_open(
        desk, make_request, tmp_db_path):
    receive_some(desk, make_request, 3)
    backup = make_backup(tmp_db_path, "manual", now=T)
    receive_some(desk, make_request, 2, first=3)
    reader = sqlite3.connect(tmp_db_path)  # another program, idle after reading
    reader.execute("SELECT count(*) FROM dossiers").fetchone()
    folder = tmp_db_path.parent / "backups"

    def files() -> dict[str, bytes]:
        paths = [tmp_db_path, tmp_db_path.with_name("counter.db-wal"), *folder.iterdir()]
        return {p.name: p.read_bytes() for p in paths if p.exists()}

    for still_open in ("the desk and the reader", "the reader"):
        before = files()
        with pytest.raises(backups.DatabaseInUse, match="đang được mở ở nơi khác"):
            restore(tmp_db_path, backup.path, now=T + dt.timedelta(hours=1))
        assert files() == before, still_open  # nothing touched, no copy kept
        desk.close()
    reader.close()

    kept = restore(tmp_db_path, backup.path, now=T + dt.timedelta(hours=1))
    assert codes_in(tmp_db_path) == codes_in(backup.path)
    assert len(codes_in(kept)) == 5
    restored = Counter.open(tmp_db_path)  # the restored database is in WAL mode again
    try:
        assert restored.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    finally:
        restored.close()


# -- signing in against a backup ---------------------------------------------------------
def test_the_accounts_of_the_backup_decide_who_may_restore(desk, tmp_db_path):
    desk.add_officer("lan", "Bùi Thị Lan", "", ["reception"], "mat-khau-2")
    backup = make_backup(tmp_db_path, "manual", now=T)
    assert backups.sign_in_from_backup(backup.path, "HUONG", PASSWORD).username == "huong"
    with pytest.raises(SignInFailed):
        backups.sign_in_from_backup(backup.path, "huong", "sai-mat-khau")
    with pytest.raises(SignInFailed):
        backups.sign_in_from_backup(backup.path, "nobody", PASSWORD)
    with pytest.raises(PermissionDenied):
        backups.sign_in_from_backup(backup.path, "lan", "mat-khau-2")


# -- before a migration ------------------------------------------------------------------
def build_v3(path) -> None:
    """A database as version 3 of the program left it."""
    db = sqlite_utils.Database(sqlite3.connect(path, isolation_level=None))
    db.execute("PRAGMA journal_mode=WAL")
    for version, migration in enumerate(MIGRATIONS[:3], start=1):
        with transaction(db):
            migration(db)
            db.execute(f"PRAGMA user_version = {version}")
    settings_store.put(db, "probe", "dữ liệu của phiên bản 3")
    db.conn.close()


def test_opening_an_older_database_backs_it_up_before_migrating(tmp_db_path):
    build_v3(tmp_db_path)
    Counter.open(tmp_db_path).close()

    found = backups.list_backups(tmp_db_path)
    assert len(found) == 1
    assert found[0].reason == f"before-migration-v{SCHEMA_VERSION}"
    assert found[0].intact and found[0].schema_version == 3
    assert rows_of(found[0].path)["settings"] == [("probe", '"dữ liệu của phiên bản 3"')]
    assert check_database(tmp_db_path).schema_version == SCHEMA_VERSION
    Counter.open(tmp_db_path).close()  # already current: no second backup
    assert len(backups.list_backups(tmp_db_path)) == 1


def test_new_and_in_memory_databases_are_not_backed_up(tmp_db_path, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Counter.open(tmp_db_path).close()
    open_database(":memory:").conn.close()
    assert not (tmp_path / "backups").exists()


def test_no_backup_no_migration(tmp_db_path):
    build_v3(tmp_db_path)
    (tmp_db_path.parent / "backups").write_text("a file where the folder should be")
    with pytest.raises(BackupFailed):
        backups.open_desk_database(tmp_db_path)
    assert check_database(tmp_db_path).schema_version == 3


def test_the_store_alone_never_migrates_an_older_file(tmp_db_path):
    """Opened without the backups' hook (the store knows nothing of backups), an older file
    is refused and left as it was."""
    build_v3(tmp_db_path)
    with pytest.raises(DatabaseOutdated, match="phiên bản 3"):
        open_database(tmp_db_path)
    assert check_database(tmp_db_path).schema_version == 3
    assert not (tmp_db_path.parent / "backups").exists()


def test_a_restored_desk_must_enrol_again_under_a_new_desk_id(desk, make_request, tmp_db_path):
    """docs/sync.md §2.9: the server may hold events of the old desk id past the backup."""
    from counter_app.store.database import transaction
    from counter_app.sync import desk_state

    receive_some(desk, make_request, 2)
    with transaction(desk.db):
        desk_state.put(desk.db, desk_state.SERVER_URL, "https://huyen.example:8443")
        desk_state.put(desk.db, desk_state.DEVICE_TOKEN, "bí-mật")
        desk_state.put(desk.db, desk_state.ACKED_THROUGH, 2)
        desk_state.put(desk.db, desk_state.PULL_CURSOR, 40)
    backup = make_backup(tmp_db_path, "manual", now=T)
    old_id = desk.desk_id
    desk.close()

    restore(tmp_db_path, backup.path, now=T + dt.timedelta(hours=1))

    again = Counter.open(tmp_db_path)
    try:
        assert again.desk_id != old_id
        assert desk_state.get(again.db, desk_state.DEVICE_TOKEN) is None
        assert desk_state.get(again.db, desk_state.ACKED_THROUGH) is None
        assert desk_state.get(again.db, desk_state.SERVER_URL) == "https://huyen.example:8443"
        assert desk_state.get(again.db, desk_state.PULL_CURSOR) == 40
    finally:
        again.close()
