"""Files only the desk's own user may read: the database, its journals, its backups.

On POSIX a database file is made 0o600 before SQLite first opens it, and SQLite gives its
-wal, -shm and -journal files the mode of the database file, so they are user-only from
the first byte. Files and folders made by an earlier version (0o644, 0o755) are tightened
when the database is opened. A file the user does not own, or on a medium that keeps no
modes (a FAT USB stick) or cannot be written, is left as it is: the mode is protection,
not a condition for working.

On Windows nothing is changed: the user's profile folder (``%LOCALAPPDATA%``) is private
already, and ``os.chmod`` there only sets the read-only flag.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

PRIVATE_FILE = 0o600
PRIVATE_FOLDER = 0o700
#: The files SQLite keeps beside a database (the same list as ``store.database``'s).
COMPANIONS = ("-wal", "-shm", "-journal")
POSIX = os.name == "posix"


def tighten(path: str | Path) -> None:
    """Take away every permission of the group and of others (POSIX), if there is one."""
    if not POSIX:
        return
    try:
        mode = stat.S_IMODE(os.stat(path).st_mode)
        wanted = mode & stat.S_IRWXU
        if mode != wanted:
            os.chmod(path, wanted)
    except OSError:  # gone, not ours, read-only medium, FAT: nothing to do about it
        pass


def new_private_file(path: str | Path) -> None:
    """Create ``path`` empty and user-only, replacing a stale file of that name (a
    temporary file left by a crash). SQLite takes an empty file as a new database."""
    path = Path(path)
    path.unlink(missing_ok=True)
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE))


def private_folder(folder: str | Path, *, tighten_existing: bool = True) -> Path:
    """Make ``folder`` (and missing parents) if needed; the folder itself user-only. An
    existing folder is tightened too unless ``tighten_existing`` is False (a folder the
    administrator chose, maybe shared by several desks' accounts)."""
    folder = Path(folder)
    existed = folder.is_dir()
    folder.mkdir(parents=True, exist_ok=True, mode=PRIVATE_FOLDER)
    if not existed or tighten_existing:
        tighten(folder)
    return folder


def private_database(path: str | Path) -> None:
    """Before SQLite opens ``path``: create it user-only if it is not there, and tighten
    it and its journal files if they are."""
    path = Path(path)
    if not path.exists():
        try:
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE))
        except OSError:  # a race, a read-only folder, a full disk: SQLite will say so
            return
    for suffix in ("", *COMPANIONS):
        companion = Path(f"{path}{suffix}")
        if suffix == "" or companion.exists():
            tighten(companion)
