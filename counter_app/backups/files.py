"""The files of the backups: their names, the folder setting, durable writes.

Names: ``<db name>-<yyyymmdd>-<hhmmss>[-<n>]-<reason>.db`` (``counter-20261121-093000-
scheduled.db``; ``-2`` when two are made in the same second). Only files with this pattern
are the program's, and only those are ever listed or deleted.

The folder is the administrator's choice, kept in ``<db file>.backup.json`` next to the
database (not in the database: it must be readable when the database is damaged); default
``<db folder>/backups``.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from pathlib import Path
from typing import NamedTuple

DEFAULT_FOLDER = "backups"
SETTINGS_SUFFIX = ".backup.json"
REASON = re.compile(r"[a-z][a-z0-9-]{0,39}")
#: Files SQLite keeps beside a database; a stale one must never meet another database.
COMPANIONS = ("-wal", "-shm", "-journal")


class BackupFile(NamedTuple):
    made_at: dt.datetime  # local wall-clock time
    number: int           # 1, or 2, 3... for more made in the same second
    reason: str
    path: Path


# -- the folder ----------------------------------------------------------------------------
def default_folder(db_path: str | Path) -> Path:
    return Path(db_path).resolve().parent / DEFAULT_FOLDER


def settings_file(db_path: str | Path) -> Path:
    db_path = Path(db_path)
    return db_path.with_name(db_path.name + SETTINGS_SUFFIX)


def chosen_folder(db_path: str | Path) -> Path | None:
    try:
        folder = json.loads(settings_file(db_path).read_text("utf-8")).get("folder")
    except (OSError, ValueError, AttributeError):
        return None
    return Path(folder) if folder else None


def save_chosen_folder(db_path: str | Path, folder: Path | None) -> None:
    data = {"folder": str(folder) if folder else None}
    write_atomically(settings_file(db_path), json.dumps(data, ensure_ascii=False).encode())


# -- names ---------------------------------------------------------------------------------
def free_name(folder: Path, db_path: Path, now: dt.datetime, reason: str) -> Path:
    stamp = f"{Path(db_path).stem}-{now:%Y%m%d-%H%M%S}"
    path, n = folder / f"{stamp}-{reason}.db", 1
    while path.exists() or Path(f"{path}-wal").exists():
        n += 1
        path = folder / f"{stamp}-{n}-{reason}.db"
    return path


def parse(path: Path, db_path: Path) -> BackupFile | None:
    """The parts of a backup's name, or None when the program did not make this file."""
    pattern = (re.escape(Path(db_path).stem) + r"-(\d{8}-\d{6})(?:-(\d+))?-("
               + REASON.pattern + r")\.db")
    m = re.fullmatch(pattern, path.name)
    if not m:
        return None
    try:
        made_at = dt.datetime.strptime(m[1], "%Y%m%d-%H%M%S")
    except ValueError:
        return None
    return BackupFile(made_at, int(m[2] or 1), m[3], path)


def program_files(folder: Path, db_path: Path) -> list[BackupFile]:
    """The program's backups of this database in ``folder``, newest first."""
    try:
        entries = list(folder.iterdir())
    except OSError:
        return []
    found = [f for f in (parse(p, db_path) for p in entries) if f and f.path.is_file()]
    return sorted(found, key=lambda f: (f.made_at, f.number, f.path.name), reverse=True)


# -- durable writes ------------------------------------------------------------------------
def fsync(path: Path) -> None:
    with open(path, "rb+") as f:
        os.fsync(f.fileno())


def fsync_folder(folder: Path) -> None:
    """Make a rename durable (POSIX; Windows has no directory handles to fsync)."""
    if os.name == "nt":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_atomically(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    fsync(tmp)
    os.replace(tmp, path)
    fsync_folder(path.parent)


# -- small helpers -------------------------------------------------------------------------
def local(now: dt.datetime | None) -> dt.datetime:
    """Naive local wall-clock time to the second (names and rotation use it)."""
    now = now or dt.datetime.now()
    if now.tzinfo is not None:
        now = now.astimezone().replace(tzinfo=None)
    return now.replace(microsecond=0)


def same(a: str | Path, b: str | Path) -> bool:
    return Path(a).resolve() == Path(b).resolve()


def why(exc: BaseException) -> str:
    return (getattr(exc, "strerror", None) or str(exc)).rstrip(".")
