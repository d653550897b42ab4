"""Backups of the desk's database: made while the desk keeps working, checked, rotated;
listed with their health; restored atomically, keeping a copy of what was replaced.

Qt-free and synchronous: the window calls these from its worker thread.

- A backup is SQLite's online backup (``Connection.backup``) read through its own read-only
  connection, so with WAL the desk keeps receiving dossiers meanwhile and the copy is one
  consistent moment. It is written under a hidden temporary name, switched to the rollback
  journal (one self-contained file), fsynced, renamed, then checked like the start-up check
  (``store.integrity.check_database``), then the folder is rotated (``backup_rotation``).
- Names and the folder setting: ``backup_files``. A chosen folder that has gone (USB stick
  pulled) is never re-created (that would write to the computer's own disk under the
  stick's mount point): the backup goes to the default folder and ``BackupInfo.warning``
  says so.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import sqlite3
import tempfile
from dataclasses import dataclass
from pathlib import Path

from counter_app.backup_files import (
    COMPANIONS,
    REASON,
    BackupFile,
    chosen_folder,
    default_folder,
    free_name,
    fsync,
    fsync_folder,
    local,
    program_files,
    same,
    save_chosen_folder,
    why,
)
from counter_app.backup_rotation import BackupPolicy, rotate
from counter_app.backup_sign_in import sign_in_from_backup
from counter_app.errors import CounterError, DatabaseDamaged, DatabaseUnreadable, ValidationError
from counter_app.store.integrity import Health, check_database, read_only_uri

__all__ = ["BackupFailed", "BackupInfo", "BackupPolicy", "DatabaseInUse", "backup_folder",
           "default_folder", "desk_of", "last_made_at", "list_backups", "make_backup", "newest_intact", "restore", "rotate",
           "set_backup_folder", "sign_in_from_backup"]


class BackupFailed(CounterError):
    """No backup could be written (neither in the chosen folder nor in the default one)."""


class DatabaseInUse(CounterError):
    """A restore was refused: another connection (a window, another program) has the
    database open and would go on writing into the replaced file."""


@dataclass(frozen=True)
class BackupInfo:
    path: Path
    made_at: dt.datetime  # local wall-clock time, from the file name
    reason: str           # scheduled, exit, manual, before-migration-v4, before-restore
    size: int             # bytes
    intact: bool
    problem: str          # Vietnamese, "" when intact
    schema_version: int | None
    #: Set by make_backup when the chosen folder could not be used and the copy went to the
    #: default folder instead (Vietnamese, for the officer); "" otherwise.
    warning: str = ""
    #: The desk (``settings.desk_id``) whose data this is; None when it cannot be read.
    desk_id: str | None = None
    #: True when it is another desk's (the same file name backing up into one shared
    #: folder); False when it is this desk's or this desk's id cannot be read.
    other_desk: bool = False


# -- the folder ----------------------------------------------------------------------------
def backup_folder(db_path: str | Path) -> Path:
    """The folder the administrator chose (whether or not it is there right now), else
    ``<db folder>/backups``."""
    return chosen_folder(db_path) or default_folder(db_path)


def set_backup_folder(db_path: str | Path, folder: str | Path) -> None:
    """Choose the folder; it must exist or be creatable, and be writable."""
    target = Path(folder).expanduser().resolve()
    try:
        target.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=target):
            pass
    except OSError as exc:
        raise ValidationError({"folder": f"Không dùng được thư mục {target} để sao lưu: "
                                         f"{why(exc)}."}) from None
    save_chosen_folder(db_path, None if same(target, default_folder(db_path)) else target)


# -- making one ----------------------------------------------------------------------------
class _DestinationError(Exception):
    """SQLite could not write the copy (disk full, folder gone...)."""


def make_backup(db_path: str | Path, reason: str, folder: str | Path | None = None,
                now: dt.datetime | None = None,
                policy: BackupPolicy | None = None, *, rotation: bool = True) -> BackupInfo:
    """Copy the database (consistent, while it is in use), check the copy, then rotate the
    folder it went to (only after an intact copy: a bad day never deletes good backups;
    ``rotation=False``: not at all).

    ``folder``: this folder instead of the chosen one (created if missing). Raises
    DatabaseUnreadable when the database cannot be read at all, DatabaseDamaged when SQLite
    finds it damaged while copying, BackupFailed when no folder could take the copy. Damage
    the copying does not trip over gives a copy with ``intact`` False (and no rotation).
    """
    db_path = Path(db_path)
    if not REASON.fullmatch(reason):
        raise ValueError(f"bad backup reason {reason!r}")
    now = local(now)
    default = default_folder(db_path)
    chosen = Path(folder) if folder is not None else backup_folder(db_path)
    warning = ""
    try:
        if folder is not None or same(chosen, default):
            chosen.mkdir(parents=True, exist_ok=True)
        elif not chosen.is_dir():
            raise FileNotFoundError(2, "không thấy thư mục (ổ USB đã được rút ra?)")
        path = _copy_into(db_path, chosen, now, reason)
    except (OSError, _DestinationError) as exc:
        if same(chosen, default):
            raise BackupFailed(f"Không ghi được bản sao lưu vào {chosen}: {why(exc)}.") from None
        warning = (f"Không ghi được vào thư mục sao lưu {chosen} ({why(exc)}); bản sao lưu "
                   f"đã được ghi vào thư mục mặc định {default}.")
        try:
            default.mkdir(parents=True, exist_ok=True)
            path = _copy_into(db_path, default, now, reason)
        except (OSError, _DestinationError) as again:
            raise BackupFailed(f"Không ghi được bản sao lưu vào {chosen} ({why(exc)}) "
                               f"lẫn vào {default} ({why(again)}).") from None
    info = _info(BackupFile(now, 1, reason, path), _checked(path), warning)
    if info.intact and rotation:  # only this desk's: another desk may share the folder
        rotate(path.parent, db_path, now, policy or BackupPolicy(),
               owned=lambda p: info.desk_id is not None and _checked(p)[1] == info.desk_id)
    return info


def _copy_into(db_path: Path, folder: Path, now: dt.datetime, reason: str) -> Path:
    final = free_name(folder, db_path, now, reason)
    tmp = folder / f".{final.name}.tmp"
    source = _open_source(db_path)
    try:
        tmp.unlink(missing_ok=True)
        try:
            target = sqlite3.connect(tmp)
            try:
                source.backup(target, pages=-1)  # one step: one read snapshot of the source
                target.execute("PRAGMA journal_mode=DELETE")  # one file, no -wal beside it
            finally:
                target.close()
        except sqlite3.Error as exc:
            if getattr(exc, "sqlite_errorname", "") in ("SQLITE_CORRUPT", "SQLITE_NOTADB"):
                raise DatabaseDamaged(f"Dữ liệu trong {db_path.name} bị hỏng, không sao lưu "
                                      f"được ({exc}).") from None
            raise _DestinationError(str(exc)) from None
        fsync(tmp)
        os.replace(tmp, final)
        fsync_folder(folder)
    finally:
        source.close()
        tmp.unlink(missing_ok=True)
    return final


def _open_source(db_path: Path) -> sqlite3.Connection:
    if not db_path.is_file():
        raise DatabaseUnreadable(f"Không tìm thấy tệp dữ liệu {db_path}.")
    try:
        source = sqlite3.connect(read_only_uri(db_path), uri=True, timeout=10)
        source.execute("PRAGMA user_version").fetchone()
    except sqlite3.DatabaseError as exc:
        raise DatabaseUnreadable(f"Không đọc được tệp dữ liệu {db_path} để sao lưu ({exc}).") \
            from None
    return source


# -- finding them --------------------------------------------------------------------------
def _all_files(db_path: Path) -> list[BackupFile]:
    """In the chosen and the default folder, newest first."""
    folders: list[Path] = []
    for folder in (backup_folder(db_path), default_folder(db_path)):
        if not any(same(folder, f) for f in folders):
            folders.append(folder)
    found = [f for folder in folders for f in program_files(folder, db_path)]
    return sorted(found, key=lambda f: (f.made_at, f.number, f.path.name), reverse=True)


#: A backup never changes once renamed: its health and desk, by (path, size, mtime).
_HEALTH: dict[tuple[str, int, int], tuple[Health, str | None]] = {}


def _checked(path: Path) -> tuple[Health, str | None]:
    try:
        st = path.stat()
    except OSError:
        return check_database(path), None
    key = (str(path.resolve()), st.st_size, st.st_mtime_ns)
    if key not in _HEALTH:
        health = check_database(path)
        _HEALTH[key] = health, desk_of(path) if health.schema_version else None
    return _HEALTH[key]


def desk_of(path: str | Path) -> str | None:
    """The desk id kept in the file's settings (read-only), None when it cannot be read."""
    conn = None
    try:
        conn = sqlite3.connect(read_only_uri(path), uri=True, timeout=10)
        row = conn.execute("SELECT value FROM settings WHERE key = 'desk_id'").fetchone()
        value = json.loads(row[0]) if row else None
    except (sqlite3.Error, ValueError, TypeError):
        return None
    finally:
        if conn is not None:
            conn.close()
    return value if isinstance(value, str) and value else None


def list_backups(db_path: str | Path) -> list[BackupInfo]:
    """Every backup of this database name in the chosen and the default folder, newest
    first, each checked (a file's result is remembered while its size and time stay the
    same) and marked ``other_desk`` when another desk sharing the folder made it. When this
    desk's id cannot be read (database damaged or missing) none is marked."""
    db_path = Path(db_path)
    mine = desk_of(db_path) if db_path.is_file() else None
    return [_info(f, _checked(f.path), mine=mine) for f in _all_files(db_path)]


def newest_intact(db_path: str | Path) -> BackupInfo | None:
    """The newest intact backup of this desk; another desk's only when there is none."""
    intact = [b for b in list_backups(db_path) if b.intact]
    return next((b for b in intact if not b.other_desk), intact[0] if intact else None)


def last_made_at(db_path: str | Path) -> dt.datetime | None:
    """When the newest backup was made, from the names only (nothing is opened): for the
    scheduler to decide whether one is due."""
    files = _all_files(Path(db_path))
    return files[0].made_at if files else None


def _info(f: BackupFile, checked: tuple[Health, str | None], warning: str = "", *,
          mine: str | None = None) -> BackupInfo:
    health, desk = checked
    try:
        size = f.path.stat().st_size
    except OSError:
        size = 0
    return BackupInfo(f.path, f.made_at, f.reason, size, health.ok, health.problem,
                      health.schema_version, warning, desk,
                      mine is not None and desk is not None and desk != mine)


# -- restoring -----------------------------------------------------------------------------
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
        chosen.mkdir(parents=True, exist_ok=True)
        return _raw_copy(db_path, chosen, now)
    except OSError as exc:
        try:
            default.mkdir(parents=True, exist_ok=True)
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
            shutil.copyfile(source, tmp)
            fsync(tmp)
            os.replace(tmp, target)
    fsync_folder(folder)
    return final


def _stage(db_path: Path, backup_file: Path) -> Path:
    """The backup copied beside the database (same disk, so the swap is one rename)."""
    db_path.parent.mkdir(parents=True, exist_ok=True)
    staged = db_path.with_name(f".{db_path.name}.restoring")
    try:
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
    from counter_app.counter_session import SYSTEM
    from counter_app.store import audit_log, settings_store
    from counter_app.store.database import open_database  # it imports us (migrations)

    db = open_database(db_path)
    try:
        _become_a_new_desk(db)
        audit_log.append(db, desk_id=settings_store.desk_id(db), officer=officer or SYSTEM,
                         action=audit_log.AuditAction.RESTORED, at=now.astimezone(),
                         subject=backup_file.name, detail={"kept": kept.name if kept else ""})
    finally:
        db.conn.close()


def _become_a_new_desk(db) -> None:
    """A restored database is a new desk to the server (SYNC.md §2.9): its old desk id's
    history on the server may go further than the backup, so new events under that id would
    collide with ones the server already holds. The restored file gets a fresh desk id, and
    its connection to the server is cleared until the administrator enrols it again; the
    server address, the commune and the pull cursor are kept. At that enrolment it names its
    old ids, takes their chains over and pushes what of them the server lacks."""
    from counter_app.store import settings_store
    from counter_app.store.database import transaction
    from counter_app.store.ids import new_id
    from counter_app.sync import desk_state

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
