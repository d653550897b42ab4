"""Opening the desk's SQLite file: durability pragmas, migrations, transactions."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

import sqlite_utils

from counter_app.errors import DatabaseNewer, DatabaseOutdated, DatabaseUnreadable
from counter_app.store.migrations import MIGRATIONS

SCHEMA_VERSION = len(MIGRATIONS)

#: Makes a sound copy of the database file at the path before it is migrated to the given
#: version, or raises (and then nothing is migrated). The desk passes the backups' one
#: (``counter_app.backups.opening``); the store itself knows nothing of backups.
BeforeMigration = Callable[[Path, int], None]


def open_database(path: str | Path, *,
                  before_migration: BeforeMigration | None = None) -> sqlite_utils.Database:
    """Open (creating if needed) and migrate the database at ``path``.

    WAL with synchronous=FULL: a committed dossier survives a power cut.
    The connection is in autocommit mode; writes go through ``transaction()``.
    A file that holds data of an older schema is migrated only after ``before_migration``
    has copied it; without one it is refused (DatabaseOutdated) and left as it is.
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
        migrate(db, before_migration)
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


def migrate(db: sqlite_utils.Database, before_migration: BeforeMigration | None = None) -> int:
    """Bring the schema up to SCHEMA_VERSION, one migration per transaction.

    A database file that already has data (version 1 or more) is copied first by
    ``before_migration``; no copy, no migration.
    """
    current = schema_version(db)
    if current > SCHEMA_VERSION:
        raise DatabaseNewer(
            f"Cơ sở dữ liệu có phiên bản {current}, mới hơn chương trình ({SCHEMA_VERSION}). "
            "Hãy cập nhật chương trình.")
    if 1 <= current < SCHEMA_VERSION:
        path = database_file(db)
        if path is not None:
            if before_migration is None:
                raise DatabaseOutdated(
                    f"Tệp dữ liệu {path.name} có phiên bản {current}, cũ hơn chương trình "
                    f"({SCHEMA_VERSION}); chưa nâng cấp vì chưa sao lưu được.")
            before_migration(path, SCHEMA_VERSION)
    for version in range(current + 1, SCHEMA_VERSION + 1):
        with transaction(db):
            MIGRATIONS[version - 1](db)
            db.execute(f"PRAGMA user_version = {version}")
    return SCHEMA_VERSION


def database_file(db: sqlite_utils.Database) -> Path | None:
    """The file behind the connection; None for an in-memory or temporary database."""
    for _seq, name, file in db.execute("PRAGMA database_list").fetchall():
        if name == "main":
            return Path(file) if file else None
    return None


#: The files SQLite keeps for a database, by their suffix to its name.
DATABASE_SUFFIXES = ("", "-wal", "-shm", "-journal")


def is_database_file(database: str | Path, candidate: str | Path) -> bool:
    """``candidate`` names the database file at ``database`` or one of its journal files:
    a form or a spreadsheet written there would destroy the data."""
    db = Path(database).expanduser().resolve()
    target = Path(candidate).expanduser().resolve()
    return any(target == Path(f"{db}{suffix}") for suffix in DATABASE_SUFFIXES)


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
