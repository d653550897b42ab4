"""Reading a database that cannot be written: on a read-only medium, or a full disk.

``mode=ro`` first: SQLite still locks and reads the -wal, so it sees what a desk writing
elsewhere has committed. A database in WAL mode needs its -shm file for that, which cannot
be created in a read-only folder nor on a full disk (SQLITE_CANTOPEN, SQLITE_IOERR); then,
if there is no -wal with frames in it, the file alone is the whole database, and it is
opened ``immutable=1`` (no locks, no -shm). A -wal with frames that cannot be read this
way is said plainly: the file is not damaged, it must be copied somewhere writable.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from counter_app.errors import DatabaseReadOnly


def uri(path: str | Path, how: str = "mode=ro") -> str:
    """A ``file:`` URI of ``path`` (percent-encoded: spaces, '#', '?') with ``how``."""
    return Path(path).resolve().as_uri() + "?" + how


def wal_has_frames(path: str | Path) -> bool:
    try:
        return Path(f"{path}-wal").stat().st_size > 0
    except OSError:
        return False


def connect_read_only(path: str | Path, timeout: float = 10) -> sqlite3.Connection:
    """A connection that never writes, opened as far as its first read (so a failure to
    open shows here). Raises sqlite3.Error for a file SQLite cannot read at all, and
    DatabaseReadOnly when the only way to read it would leave out its -wal."""
    conn = sqlite3.connect(uri(path), uri=True, timeout=timeout, check_same_thread=False)
    try:
        conn.execute("PRAGMA user_version").fetchone()
        return conn
    except sqlite3.OperationalError as exc:
        conn.close()
        name = getattr(exc, "sqlite_errorname", "") or ""
        if not name.startswith(("SQLITE_CANTOPEN", "SQLITE_IOERR", "SQLITE_READONLY")):
            raise
        if wal_has_frames(path):
            raise DatabaseReadOnly(
                f"Tệp dữ liệu {Path(path).name} nằm ở nơi không ghi được và còn nhật ký "
                f"ghi ({Path(path).name}-wal) chưa gộp vào tệp, nên không đọc được tại chỗ. "
                "Dữ liệu không hỏng: hãy chép cả tệp dữ liệu và các tệp -wal, -shm đi kèm "
                "sang một thư mục ghi được rồi mở ở đó.", reading_too=True) from None
    conn = sqlite3.connect(uri(path, "immutable=1"), uri=True, timeout=timeout,
                           check_same_thread=False)
    try:
        conn.execute("PRAGMA user_version").fetchone()
    except BaseException:
        conn.close()
        raise
    return conn
