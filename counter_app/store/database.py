"""Opening the desk's SQLite file: durability pragmas, migrations, transactions."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

import sqlite_utils

from counter_app.errors import (
    CounterError,
    DatabaseNewer,
    DatabaseOutdated,
    DatabaseReadOnly,
    DatabaseUnreadable,
    DiskFull,
)
from counter_app.store.medium import (
    CANNOT_WRITE,
    Medium,
    cannot_write,
    medium_of,
    refusal,
    write_fault,
)
from counter_app.store.migrations import MIGRATIONS
from counter_app.store.private_files import private_database, private_folder
from counter_app.store.read_only import connect_read_only

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

    The file and its journals are user-only (``private_files``). A database on a medium
    that cannot be written (read-only, or a full disk that refuses even the -shm file) is
    opened read-only instead (``open_read_only``): reading works, and every write is
    refused with DatabaseReadOnly or DiskFull; it is never taken for a damaged file.
    """
    path = Path(path)
    in_memory = str(path) == ":memory:"
    if not in_memory:
        if medium_of(path) is Medium.READ_ONLY and path.exists():
            return open_read_only(path, Medium.READ_ONLY)
        try:
            private_folder(path.parent, tighten_existing=False)
            private_database(path)
        except OSError as exc:
            if (fault := write_fault(exc, path)) is None:
                raise
            raise fault from None
    try:
        return _open_writable(path, before_migration)
    except _CannotWrite as failed:
        if not in_memory and path.is_file() and path.stat().st_size > 0:
            return open_read_only(path, failed.medium, failed.fault)
        raise failed.fault from None


class _CannotWrite(Exception):
    def __init__(self, fault: CounterError):
        self.fault = fault
        self.medium = Medium.FULL if isinstance(fault, DiskFull) else Medium.READ_ONLY


def _open_writable(path: Path, before_migration: BeforeMigration | None) -> sqlite_utils.Database:
    try:
        conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False,
                               timeout=10)
    except sqlite3.Error as exc:  # a folder, no permission, ...
        if fault := write_fault(exc, path):
            raise _CannotWrite(fault) from None
        raise DatabaseUnreadable(f"Không mở được tệp dữ liệu {path}: {exc}") from None
    try:
        db = sqlite_utils.Database(conn)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=FULL")
        db.execute("PRAGMA foreign_keys=ON")
        migrate(db, before_migration)
    except (sqlite3.DatabaseError, DiskFull, DatabaseReadOnly) as exc:
        conn.close()
        if fault := write_fault(exc, path):
            raise _CannotWrite(fault) from None
        # not a SQLite file, or damaged
        message = f"Tệp {path} không phải là dữ liệu của chương trình hoặc đã bị hỏng ({exc})."
        raise DatabaseUnreadable(message) from None
    except BaseException:
        conn.close()
        raise
    return db


def open_read_only(path: Path, medium: Medium,
                   fault: CounterError | None = None) -> sqlite_utils.Database:
    """The database read-only, marked with why it cannot be written (``medium.cannot_write``).
    One of an older schema cannot be upgraded there: refused with ``fault``."""
    fault = fault or refusal(medium, path)
    try:
        conn = connect_read_only(path)
    except sqlite3.DatabaseError as exc:
        if write_fault(exc, path) is not None:
            raise fault from None
        raise DatabaseUnreadable(f"Tệp {path} không phải là dữ liệu của chương trình hoặc "
                                 f"đã bị hỏng ({exc}).") from None
    db = sqlite_utils.Database(conn)
    setattr(db, CANNOT_WRITE, medium)
    try:
        version = schema_version(db)
        if version > SCHEMA_VERSION:
            raise DatabaseNewer(
                f"Cơ sở dữ liệu có phiên bản {version}, mới hơn chương trình "
                f"({SCHEMA_VERSION}). Hãy cập nhật chương trình.")
        if version == 0:
            raise DatabaseUnreadable(f"Tệp {path} không phải là dữ liệu của chương trình.")
        if version < SCHEMA_VERSION:
            why = (f"{fault} Tệp này của phiên bản cũ hơn ({version}): phải được nâng cấp "
                   "trước khi dùng, mà nâng cấp thì phải ghi.")
            raise DiskFull(why) if isinstance(fault, DiskFull) else \
                DatabaseReadOnly(why, reading_too=True)
        db.execute("PRAGMA foreign_keys=ON")
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise DatabaseUnreadable(f"Tệp {path} đã bị hỏng ({exc}).") from None
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
    """BEGIN IMMEDIATE ... COMMIT, or ROLLBACK on any exception: nothing half-written.

    A write the disk refuses (full, read-only) is DiskFull or DatabaseReadOnly, after the
    rollback; on a connection opened read-only it is refused before anything is tried."""
    conn = db.conn
    if conn.in_transaction:  # nested: the outer transaction decides
        yield db
        return
    if medium := cannot_write(db):
        raise refusal(medium, database_file(db))
    try:
        conn.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as exc:
        _raise_write_fault(db, exc)
        raise
    try:
        yield db
        conn.execute("COMMIT")
    except BaseException as exc:
        if conn.in_transaction:  # SQLite may have rolled it back already (SQLITE_FULL)
            conn.execute("ROLLBACK")
        if isinstance(exc, sqlite3.OperationalError):
            _raise_write_fault(db, exc)
        raise


def _raise_write_fault(db: sqlite_utils.Database, exc: sqlite3.OperationalError) -> None:
    fault = write_fault(exc, database_file(db))
    if fault is not None:
        raise fault from exc
