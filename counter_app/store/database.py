"""Opening the desk's SQLite file: durability pragmas, migrations, transactions."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import sqlite_utils

from counter_app.errors import DatabaseNewer, DatabaseUnreadable
from counter_app.store.migrations import MIGRATIONS

SCHEMA_VERSION = len(MIGRATIONS)


def open_database(path: str | Path) -> sqlite_utils.Database:
    """Open (creating if needed) and migrate the database at ``path``.

    WAL with synchronous=FULL: a committed dossier survives a power cut.
    The connection is in autocommit mode; writes go through ``transaction()``.
    """
    path = Path(path)
    if str(path) != ":memory:":
        path.parent.mkdir(parents=True, exist_ok=True)
    try:
        conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False,
                               timeout=10)
    except sqlite3.Error as exc:  # a folder, no permission, ...
        raise DatabaseUnreadable(f"Không mở được tệp dữ liệu {path}: {exc}") from None
    try:
        db = sqlite_utils.Database(conn)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=FULL")
        db.execute("PRAGMA foreign_keys=ON")
        migrate(db)
    except sqlite3.DatabaseError as exc:  # not a SQLite file, or damaged
        conn.close()
        message = f"Tệp {path} không phải là dữ liệu của chương trình hoặc đã bị hỏng ({exc})."
        raise DatabaseUnreadable(message) from None
    except BaseException:
        conn.close()
        raise
    return db


def schema_version(db: sqlite_utils.Database) -> int:
    return db.execute("PRAGMA user_version").fetchone()[0]


def migrate(db: sqlite_utils.Database) -> int:
    """Bring the schema up to SCHEMA_VERSION, one migration per transaction."""
    current = schema_version(db)
    if current > SCHEMA_VERSION:
        raise DatabaseNewer(
            f"Cơ sở dữ liệu có phiên bản {current}, mới hơn chương trình ({SCHEMA_VERSION}). "
            "Hãy cập nhật chương trình.")
    for version in range(current + 1, SCHEMA_VERSION + 1):
        with transaction(db):
            MIGRATIONS[version - 1](db)
            db.execute(f"PRAGMA user_version = {version}")
    return SCHEMA_VERSION


@contextlib.contextmanager
def transaction(db: sqlite_utils.Database) -> Iterator[sqlite_utils.Database]:
    """BEGIN IMMEDIATE ... COMMIT, or ROLLBACK on any exception: nothing half-written."""
    conn = db.conn
    if conn.in_transaction:  # nested: the outer transaction decides
        yield db
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
