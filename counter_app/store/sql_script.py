"""A migration's SQL script, run statement by statement inside the caller's transaction."""

from __future__ import annotations

import sqlite3

import sqlite_utils


def run_script(db: sqlite_utils.Database, script: str) -> None:
    """Run statements one by one inside the caller's transaction.

    (sqlite3's executescript() would COMMIT first and break the migration's atomicity.)
    """
    statement = ""
    for line in script.splitlines(keepends=True):
        statement += line
        if sqlite3.complete_statement(statement):
            db.execute(statement)
            statement = ""
    if statement.strip():
        raise ValueError(f"incomplete SQL statement in migration: {statement!r}")
