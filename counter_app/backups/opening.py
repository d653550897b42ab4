"""Opening the desk's database: the store's migrations, each upgrade preceded by a checked
backup ("before-migration-v<N>" in the backup folder). No backup, no migration.

Every part of the desk that opens its database file (the Counter, the sync commands and
thread, a restore, the synthetic generator) opens it here, so no upgrade ever runs without
a copy of what was there before."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import sqlite_utils

from counter_app.backups.making import make_backup
from counter_app.errors import DatabaseDamaged
from counter_app.store.database import open_database


def back_up_before_migration(path: Path, version: int) -> None:
    info = make_backup(path, f"before-migration-v{version}")
    if not info.intact:
        raise DatabaseDamaged(f"Không nâng cấp dữ liệu: bản sao lưu trước khi nâng cấp bị "
                              f"hỏng, nghĩa là dữ liệu đang bị hỏng. {info.problem}")


def open_desk_database(path: str | Path) -> sqlite_utils.Database:
    """The desk's database at ``path``, created or migrated (after its backup)."""
    return open_database(path, before_migration=back_up_before_migration)


@contextlib.contextmanager
def desk_database(path: str | Path) -> Iterator[sqlite_utils.Database]:
    """``open_desk_database`` for one piece of work on the calling thread; closed after."""
    db = open_desk_database(path)
    try:
        yield db
    finally:
        db.conn.close()
