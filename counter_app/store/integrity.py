"""Is a database file sound? The start-up check, and the check of every backup.

Read-only: the file is opened with ``mode=ro`` (``immutable=1`` on a read-only medium
without a -wal, ``store.read_only``) and never changed, so a damaged database is left
exactly as it was found (for the restore to keep a copy of), and a sound one on a
write-protected stick is reported sound. What is checked, cheapest
first: the file is there, starts with SQLite's header, is as long as its header says,
passes ``PRAGMA quick_check`` (every page and b-tree readable, O(N)), and has a schema
version this program knows.
"""

from __future__ import annotations

import sqlite3
import struct
from dataclasses import dataclass
from pathlib import Path

from counter_app.store import read_only
from counter_app.store.migrations import MIGRATIONS

SCHEMA_VERSION = len(MIGRATIONS)  # the same as store.database's (which imports the backups)
HEADER = b"SQLite format 3\x00"
HEADER_SIZE = 100
MAX_REPORTED = 3  # quick_check lines quoted in the problem


@dataclass(frozen=True)
class Health:
    ok: bool
    problem: str  # Vietnamese, for the officer; "" when ok
    schema_version: int | None  # None when the file could not be read that far


def _bad(problem: str, version: int | None = None) -> Health:
    return Health(False, problem, version)


def read_only_uri(path: str | Path) -> str:
    """A ``file:`` URI opening ``path`` read-only (percent-encoded: spaces, '#', '?')."""
    return read_only.uri(path)


def check_database(path: str | Path) -> Health:
    path = Path(path)
    name = path.name
    if not path.exists():
        return _bad(f"Không tìm thấy tệp dữ liệu {path}.")
    if not path.is_file():
        return _bad(f"{path} không phải là một tệp dữ liệu (đó là một thư mục).")
    try:
        size = path.stat().st_size
        with path.open("rb") as f:
            header = f.read(HEADER_SIZE)
    except OSError as exc:
        return _bad(f"Không đọc được tệp dữ liệu {path}: {exc.strerror or exc}.")
    if size == 0:
        return _bad(f"Tệp dữ liệu {name} trống (0 byte): dữ liệu trong tệp đã mất.")
    if len(header) < HEADER_SIZE or not header.startswith(HEADER):
        return _bad(f"Tệp {name} không phải là tệp dữ liệu SQLite, hoặc phần đầu tệp đã bị "
                    "ghi đè (hỏng).")
    expected = _expected_size(header)
    if expected is not None and size < expected and not _has_wal(path):
        return _bad(f"Tệp dữ liệu {name} bị cắt cụt: chỉ còn {_bytes(size)} trên "
                    f"{_bytes(expected)} byte.")
    return _check_contents(path)


def _bytes(n: int) -> str:
    return f"{n:,}".replace(",", ".")  # 1.234.567, as written in Vietnamese


def _expected_size(header: bytes) -> int | None:
    """The size the header records, when SQLite itself would trust that number."""
    page_size = struct.unpack(">H", header[16:18])[0]
    page_size = 65536 if page_size == 1 else page_size
    change_counter, pages = struct.unpack(">II", header[24:32])
    valid_for = struct.unpack(">I", header[92:96])[0]
    if pages == 0 or change_counter != valid_for or page_size < 512:
        return None
    return pages * page_size


def _has_wal(path: Path) -> bool:
    """A -wal with frames in it: the main file may lag behind until the next checkpoint."""
    wal = Path(f"{path}-wal")
    try:
        return wal.stat().st_size > 0
    except OSError:
        return False


def _check_contents(path: Path) -> Health:
    name = path.name
    version: int | None = None
    conn = None
    try:
        conn = read_only.connect_read_only(path)
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        rows = [r[0] for r in conn.execute("PRAGMA quick_check")]
    except sqlite3.DatabaseError as exc:
        return _bad(f"Tệp dữ liệu {name} bị hỏng, SQLite không đọc được ({exc}).", version)
    finally:
        if conn is not None:
            conn.close()
    if rows != ["ok"]:
        rows = [" ".join(r.split()) for r in rows if not r.startswith("*** in database")]
        detail = "; ".join(rows[:MAX_REPORTED]) + ("; ..." if len(rows) > MAX_REPORTED else "")
        return _bad(f"Tệp dữ liệu {name} bị hỏng (kiểm tra của SQLite báo: {detail}).",
                    version)
    if version == 0:
        return _bad(f"Tệp {name} là tệp SQLite nhưng không phải dữ liệu của chương trình.", 0)
    if version > SCHEMA_VERSION:
        return _bad(f"Dữ liệu trong {name} có phiên bản {version}, mới hơn chương trình "
                    f"({SCHEMA_VERSION}). Hãy cập nhật chương trình.", version)
    return Health(True, "", version)

