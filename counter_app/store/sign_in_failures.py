"""Wrong passwords in a row, per account, in the desk's database (``accounts.throttle``
decides how long the next attempt waits). A name that is no account counts under one
shared key (what was typed is never kept: it may be a password)."""

from __future__ import annotations

import datetime as dt

import sqlite_utils


def get(db: sqlite_utils.Database, username: str) -> tuple[int, dt.datetime | None]:
    """(failures in a row, when the last one was) for ``username``; (0, None) if none."""
    row = db.execute("SELECT failures, last_failed_at FROM sign_in_failures "
                     "WHERE username = ?", [username]).fetchone()
    if row is None:
        return 0, None
    return int(row[0]), dt.datetime.fromisoformat(row[1])


def record(db: sqlite_utils.Database, username: str, at: dt.datetime) -> int:
    """One more failure for ``username`` at ``at`` (naive local time); the new count."""
    db.execute("INSERT INTO sign_in_failures (username, failures, last_failed_at) "
               "VALUES (?, 1, ?) ON CONFLICT(username) DO UPDATE SET "
               "failures = failures + 1, last_failed_at = excluded.last_failed_at",
               [username, at.isoformat(timespec="seconds")])
    return get(db, username)[0]


def clear(db: sqlite_utils.Database, username: str) -> None:
    db.execute("DELETE FROM sign_in_failures WHERE username = ?", [username])
