"""Making backups of the desk's database while the desk keeps working, checking them, and
listing them with their health. Restoring one: ``restoring``.

Qt-free and synchronous: the window calls these from its worker thread.

- A backup is SQLite's online backup (``Connection.backup``) read through its own read-only
  connection, so with WAL the desk keeps receiving dossiers meanwhile and the copy is one
  consistent moment. It is written under a hidden temporary name, switched to the rollback
  journal (one self-contained file), fsynced, renamed, then checked like the start-up check
  (``store.integrity.check_database``), then the folder is rotated (``backups.rotation``).
- Names and the folder setting: ``backups.files``. A chosen folder that has gone (USB stick
  pulled) is never re-created (that would write to the computer's own disk under the
  stick's mount point): the backup goes to the default folder and ``BackupInfo.warning``
  says so.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path

from counter_app.backups import document_files
from counter_app.backups.files import (
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
from counter_app.backups.rotation import BackupPolicy, rotate
from counter_app.errors import (
    CounterError,
    DatabaseDamaged,
    DatabaseUnreadable,
    DiskFull,
    ValidationError,
)
from counter_app.store.integrity import Health, check_database, read_only_uri
from counter_app.store.medium import write_fault
from counter_app.store.private_files import new_private_file, private_folder
from counter_app.store.read_only import connect_read_only


class BackupFailed(CounterError):
    """No backup could be written (neither in the chosen folder nor in the default one)."""


class BackupDiskFull(BackupFailed, DiskFull):
    """No backup could be written because the disk (or the stick) is full."""


def _failed(message: str, *causes: BaseException) -> BackupFailed:
    if all(isinstance(getattr(c, "fault", None) or write_fault(c), DiskFull) for c in causes):
        return BackupDiskFull(f"{message} Ổ đĩa đã đầy: không có bản sao dở nào được giữ lại.")
    return BackupFailed(message)


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
        private_folder(target, tighten_existing=False)
        with tempfile.TemporaryFile(dir=target):
            pass
    except OSError as exc:
        raise ValidationError({"folder": f"Không dùng được thư mục {target} để sao lưu: "
                                         f"{why(exc)}."}) from None
    save_chosen_folder(db_path, None if same(target, default_folder(db_path)) else target)


# -- making one ----------------------------------------------------------------------------
class _DestinationError(Exception):
    """SQLite could not write the copy (disk full, folder gone...); ``fault``: DiskFull or
    DatabaseReadOnly when that is why."""

    def __init__(self, message: str, fault: CounterError | None = None):
        self.fault = fault
        super().__init__(message)


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
            private_folder(chosen, tighten_existing=same(chosen, default))
        elif not chosen.is_dir():
            raise FileNotFoundError(2, "không thấy thư mục (ổ USB đã được rút ra?)")
        path = _copy_into(db_path, chosen, now, reason)
    except (OSError, _DestinationError) as exc:
        if same(chosen, default):
            raise _failed(f"Không ghi được bản sao lưu vào {chosen}: {why(exc)}.", exc) \
                from None
        warning = (f"Không ghi được vào thư mục sao lưu {chosen} ({why(exc)}); bản sao lưu "
                   f"đã được ghi vào thư mục mặc định {default}.")
        try:
            private_folder(default)
            path = _copy_into(db_path, default, now, reason)
        except (OSError, _DestinationError) as again:
            raise _failed(f"Không ghi được bản sao lưu vào {chosen} ({why(exc)}) "
                          f"lẫn vào {default} ({why(again)}).", exc, again) from None
    info = _info(BackupFile(now, 1, reason, path), _checked(path), warning)
    if info.intact:  # the digitised documents' files it names, beside it (document_files)
        problem = _documents_into(db_path, path)
        if problem:
            info = replace(info, warning=f"{info.warning} {problem}".strip())
    if info.intact and rotation:  # only this desk's: another desk may share the folder
        gone = rotate(path.parent, db_path, now, policy or BackupPolicy(),
                      owned=lambda p: info.desk_id is not None and _checked(p)[1] == info.desk_id)
        if gone:  # and the digitised files only those backups named
            document_files.prune(path.parent, db_path)
    return info


def _documents_into(db_path: Path, backup: Path) -> str:
    """Copy the files the backup names into its folder; what went wrong, in Vietnamese."""
    try:
        files = document_files.into_backup(db_path, backup)
    except OSError as exc:
        return f"Không chép được tệp số hóa vào thư mục sao lưu: {why(exc)}."
    if not files.ok:
        return (f"{len(files.missing) + len(files.changed)} tệp số hóa không có hoặc đã bị "
                "thay đổi trên máy này nên không được sao lưu (xem counter-app check).")
    return ""


def _copy_into(db_path: Path, folder: Path, now: dt.datetime, reason: str) -> Path:
    final = free_name(folder, db_path, now, reason)
    tmp = folder / f".{final.name}.tmp"
    source = _open_source(db_path)
    try:
        new_private_file(tmp)  # user-only before a byte is in it (its -journal follows it)
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
            raise _DestinationError(str(exc), write_fault(exc, tmp)) from None
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
        source = connect_read_only(db_path)  # a write-protected stick can be backed up
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
