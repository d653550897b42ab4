"""What the disk under the database allows: writing, reading only, or nothing more (full).

SQLite and the OS say "cannot write" in several ways: SQLITE_FULL ("database or disk is
full"), SQLITE_READONLY ("attempt to write a readonly database"), ENOSPC, EROFS, and, when
the -shm file cannot be made or grown, SQLITE_CANTOPEN or SQLITE_IOERR. None of them
means the data is damaged. ``write_fault`` turns them into the desk's two typed errors,
``DiskFull`` and ``DatabaseReadOnly`` (Vietnamese messages), looking at the medium itself
where SQLite's code is ambiguous; anything else is left to the caller as it was.

A connection the desk opened read-only (``store.read_only``) carries why (``cannot_write``),
so a write on it is refused with the right reason before SQLite is even asked.
"""

from __future__ import annotations

import errno
import os
import shutil
import sqlite3
from enum import StrEnum
from pathlib import Path

from counter_app.errors import CounterError, DatabaseReadOnly, DiskFull

#: Less free space than this, and a failed write is taken for a full disk (SQLite needs
#: 32 KiB for a -shm file, a page and more for each -wal frame).
FULL_BELOW = 1 << 20
#: The attribute of a ``sqlite_utils.Database`` opened read-only: a ``Medium``.
CANNOT_WRITE = "cannot_write"
_FULL_ERRNOS = {errno.ENOSPC} | ({errno.EDQUOT} if hasattr(errno, "EDQUOT") else set())
_AMBIGUOUS = ("SQLITE_CANTOPEN", "SQLITE_IOERR", "SQLITE_PERM")


class Medium(StrEnum):
    WRITABLE = "writable"
    READ_ONLY = "read_only"  # the medium, the folder or the file cannot be written
    FULL = "full"            # no space left on it


def medium_of(path: str | Path) -> Medium:
    """What ``path`` (a database file, there or not) can be used for right now. Read-only
    wins over full (a CD is both). ``os.access`` sees a read-only mount even for root.

    A folder that cannot be written is enough when the -wal and -shm files SQLite needs
    there are missing or cannot be written themselves."""
    path = Path(path).absolute()
    if path.exists() and not os.access(path, os.W_OK):
        return Medium.READ_ONLY
    if not os.access(path.parent, os.W_OK) and not all(
            os.access(f"{path}{suffix}", os.W_OK) for suffix in ("-wal", "-shm")):
        return Medium.READ_ONLY
    folder = path.parent
    try:
        if shutil.disk_usage(folder).free < FULL_BELOW:
            return Medium.FULL
    except OSError:
        pass
    return Medium.WRITABLE


def refusal(medium: Medium, path: str | Path | None) -> CounterError:
    """The error a write gets on this medium."""
    where = Path(path).name if path else "dữ liệu"
    if medium is Medium.FULL:
        return DiskFull(
            f"Ổ đĩa chứa tệp {where} đã đầy: chưa lưu được gì, và không có gì bị ghi dở "
            "(thay đổi được hủy trọn vẹn). Hãy giải phóng chỗ trống trên ổ đĩa (xóa bớt "
            "tệp, dọn thùng rác) rồi làm lại; vẫn xem và tìm được hồ sơ.")
    return DatabaseReadOnly(
        f"Tệp dữ liệu {where} chỉ đọc được, không ghi được (ổ đĩa, thư mục hoặc tệp không "
        "cho ghi: USB khóa ghi, đĩa CD, tệp không có quyền ghi). Dữ liệu không hỏng, không "
        "cần khôi phục: vẫn xem và tìm được, nhưng mọi thao tác thay đổi dữ liệu đều bị từ "
        "chối. Muốn làm việc tiếp, hãy chép tệp sang thư mục ghi được hoặc mở quyền ghi.")


def write_fault(exc: BaseException, path: str | Path | None = None) -> CounterError | None:
    """``DiskFull`` or ``DatabaseReadOnly`` when ``exc`` is a write the medium refused
    (``path``: the database, to look at when SQLite's code says too little), else None."""
    if isinstance(exc, (DiskFull, DatabaseReadOnly)):
        return exc
    if isinstance(exc, OSError):
        if exc.errno in _FULL_ERRNOS:
            return refusal(Medium.FULL, path or exc.filename)
        if exc.errno == errno.EROFS:
            return refusal(Medium.READ_ONLY, path or exc.filename)
        return None
    if not isinstance(exc, sqlite3.Error):
        return None
    name = getattr(exc, "sqlite_errorname", "") or ""
    text = str(exc)
    if name == "SQLITE_FULL" or "disk is full" in text:
        return refusal(Medium.FULL, path)
    medium = medium_of(path) if path else Medium.WRITABLE
    if name.startswith("SQLITE_READONLY") or "readonly database" in text:
        return refusal(Medium.FULL if medium is Medium.FULL else Medium.READ_ONLY, path)
    if name.startswith(_AMBIGUOUS) or "disk I/O error" in text or "unable to open" in text:
        return refusal(medium, path) if medium is not Medium.WRITABLE else None
    return None


def cannot_write(db: object) -> Medium | None:
    """Why the desk opened this connection read-only; None for a normal one."""
    return getattr(db, CANNOT_WRITE, None)
