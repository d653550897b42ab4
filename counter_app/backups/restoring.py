"""Restoring a backup in place of the desk's database: checked first, the current file kept,
swapped in atomically, recorded in the audit trail; the restored file becomes a new desk to
the server (docs/sync.md §2.9)."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import sqlite3
from pathlib import Path

from counter_app.accounts.session import SYSTEM
from counter_app.backups import document_files
from counter_app.backups.files import COMPANIONS, free_name, fsync, fsync_folder, local, same, why
from counter_app.backups.making import BackupFailed, backup_folder, default_folder, make_backup
from counter_app.backups.opening import desk_database
from counter_app.errors import CounterError, DatabaseDamaged, ValidationError
from counter_app.store import audit_log, settings_store
from counter_app.store.database import transaction
from counter_app.store.ids import new_id
from counter_app.store.integrity import check_database
from counter_app.store.private_files import new_private_file, private_folder
from counter_app.sync import desk_state


class DatabaseInUse(CounterError):
    """A restore was refused: another connection (a window, another program) has the
    database open and would go on writing into the replaced file."""


def restore(db_path: str | Path, backup_file: str | Path, now: dt.datetime | None = None,
            *, officer: str | None = None) -> Path | None:
    """Put ``backup_file`` in place of the database. The caller must have closed its
    connection to the database (and checked the officer may: Action.BACKUP, or
    ``sign_in_from_backup`` when the database cannot be read).

    1. The backup is checked first; a damaged one is refused (DatabaseDamaged) and nothing
       is touched (nor when its copy beside the database reads back damaged). So is it
       (DatabaseInUse) while another connection still has the database open.
    2. The current database is kept as a "before-restore" backup: an online backup when it
       is readable, else its raw bytes (and its -wal beside them) as they are.
    3. The database is replaced atomically: the backup is first copied beside it (fsync,
       checked again), then the stale -wal / -shm / -journal are removed and os.replace
       swaps it in. Nothing is rotated away during a restore.
    4. AuditAction.RESTORED is recorded in the restored database, by ``officer`` (username;
       default "(hệ thống)").

    Returns the kept copy, or None when there was no database file to keep (a new computer).
    """
    db_path, backup_file = Path(db_path), Path(backup_file)
    now = local(now)
    health = check_database(backup_file)
    if not health.ok:
        raise DatabaseDamaged(f"Không khôi phục từ {backup_file.name}: bản sao lưu này không "
                              f"dùng được. {health.problem}")
    if db_path.exists() and same(db_path, backup_file):
        raise ValidationError({"backup": "Bản sao lưu chính là tệp dữ liệu đang dùng."})
    _refuse_if_in_use(db_path)
    staged = _stage(db_path, backup_file)
    try:
        kept = _keep_current(db_path, now) if db_path.exists() else None
        # A stale -wal or journal would be replayed onto the restored file: remove them first.
        for suffix in COMPANIONS:
            Path(f"{db_path}{suffix}").unlink(missing_ok=True)
        os.replace(staged, db_path)
        fsync_folder(db_path.parent)
    finally:
        staged.unlink(missing_ok=True)
    _record_restore(db_path, backup_file, kept, officer, now)
    # The digitised documents' files it names and this desk lacks, from the backup folder;
    # one found nowhere is listed by the desk's check.
    document_files.from_backup(db_path, backup_file)
    return kept


def _refuse_if_in_use(db_path: Path) -> None:
    """Raise DatabaseInUse when another connection has the (sound, WAL) database open.

    SQLite will not take a database out of WAL mode while any other connection has it open
    (even one only idle after reading): the attempt fails with SQLITE_BUSY and nothing is
    written. When it succeeds, WAL is switched back on. A database that fails the check is
    not probed (leaving WAL would checkpoint into it before its raw copy is kept)."""
    if not db_path.is_file() or not check_database(db_path).ok:
        return
    conn = sqlite3.connect(db_path, timeout=0)
    try:
        if conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
            return
        busy = conn.execute("PRAGMA journal_mode=DELETE").fetchone()[0] == "wal"
        if not busy:
            conn.execute("PRAGMA journal_mode=WAL")
    except sqlite3.Error as exc:
        busy = getattr(exc, "sqlite_errorname", "") in ("SQLITE_BUSY", "SQLITE_LOCKED")
    finally:
        conn.close()
    if busy:
        raise DatabaseInUse(f"Chưa khôi phục gì: tệp dữ liệu {db_path.name} đang được mở ở "
                            "nơi khác (một cửa sổ chương trình hoặc chương trình khác). Hãy "
                            "đóng chương trình ở mọi nơi đang dùng tệp này rồi thử lại.")


def _keep_current(db_path: Path, now: dt.datetime) -> Path:
    if check_database(db_path).ok:  # no rotation now: it could delete the backup chosen
        return make_backup(db_path, "before-restore", now=now, rotation=False).path
    chosen, default = backup_folder(db_path), default_folder(db_path)
    try:
        if not chosen.is_dir() and not same(chosen, default):
            raise FileNotFoundError(2, "không thấy thư mục")
        private_folder(chosen, tighten_existing=same(chosen, default))
        return _raw_copy(db_path, chosen, now)
    except OSError as exc:
        try:
            private_folder(default)
            return _raw_copy(db_path, default, now)
        except OSError as again:
            raise BackupFailed(f"Không giữ lại được bản sao của dữ liệu hiện tại ({why(exc)}; "
                               f"{why(again)}); chưa khôi phục gì.") from None


def _raw_copy(db_path: Path, folder: Path, now: dt.datetime) -> Path:
    """The unreadable database byte for byte, its -wal beside it (under the same name)."""
    final = free_name(folder, db_path, now, "before-restore")
    for suffix in ("-wal", ""):  # the main file last: its name is what makes it listed
        source = Path(f"{db_path}{suffix}")
        if source.exists():
            target = Path(f"{final}{suffix}")
            tmp = folder / f".{target.name}.tmp"
            new_private_file(tmp)  # user-only before a byte is in it
            shutil.copyfile(source, tmp)
            fsync(tmp)
            os.replace(tmp, target)
    fsync_folder(folder)
    return final


def _stage(db_path: Path, backup_file: Path) -> Path:
    """The backup copied beside the database (same disk, so the swap is one rename)."""
    private_folder(db_path.parent, tighten_existing=False)
    staged = db_path.with_name(f".{db_path.name}.restoring")
    try:
        new_private_file(staged)  # it becomes the database: user-only from the first byte
        shutil.copyfile(backup_file, staged)
        fsync(staged)
        copied = check_database(staged)  # a bad read from the USB stick is caught here
        if not copied.ok:
            raise DatabaseDamaged(f"Bản sao lưu đọc ra bị lỗi ({copied.problem}); "
                                  "chưa khôi phục gì.")
    except BaseException:
        staged.unlink(missing_ok=True)
        raise
    return staged


def _record_restore(db_path: Path, backup_file: Path, kept: Path | None,
                    officer: str | None, now: dt.datetime) -> None:
    with desk_database(db_path) as db:
        _become_a_new_desk(db)
        audit_log.append(db, desk_id=settings_store.desk_id(db), officer=officer or SYSTEM,
                         action=audit_log.AuditAction.RESTORED, at=now.astimezone(),
                         subject=backup_file.name, detail={"kept": kept.name if kept else ""})


def _become_a_new_desk(db) -> None:
    """A restored database is a new desk to the server (docs/sync.md §2.9): its old desk id's
    history on the server may go further than the backup, so new events under that id would
    collide with ones the server already holds. The restored file gets a fresh desk id, and
    its connection to the server is cleared until the administrator enrols it again; the
    server address, the commune and the pull cursor are kept. At that enrolment it names its
    old ids, takes their chains over and pushes what of them the server lacks."""
    with transaction(db):
        old = settings_store.get(db, settings_store.DESK_ID_KEY)
        settings_store.put(db, settings_store.DESK_ID_KEY, new_id())
        if old:
            retired = list(settings_store.get(db, settings_store.RETIRED_DESK_IDS_KEY, []))
            settings_store.put(db, settings_store.RETIRED_DESK_IDS_KEY, [*retired, old])
        db.execute("DELETE FROM sync_state WHERE key IN (?, ?, ?, ?, ?) OR key LIKE ? "
                   "OR key LIKE ?",
                   [desk_state.DEVICE_TOKEN, desk_state.ACKED_THROUGH,
                    desk_state.AUDIT_ACKED_THROUGH, desk_state.REF_VERSIONS,
                    desk_state.TAKEN_OVER, f"{desk_state.ACKED_THROUGH}:%",
                    f"{desk_state.AUDIT_ACKED_THROUGH}:%"])
