"""Small pieces the sync tests and benchmarks share: a free loopback port, a consistent
copy of a desk's SQLite file, and enrolling a desk file with the desk's own code."""

from __future__ import annotations

import socket
import sqlite3
from pathlib import Path

from counter_app.store.database import open_database
from counter_app.sync import enrolment


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def copy_db(src: Path, dst: Path) -> Path:
    """A consistent copy of an SQLite file (the backup API: the WAL is included)."""
    dst.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{dst}{suffix}").unlink(missing_ok=True)
    source, target = sqlite3.connect(src), sqlite3.connect(dst)
    try:
        source.backup(target)
    finally:
        target.close()
        source.close()
    return dst


def enrol_file(path: Path, server_url: str, code: str) -> None:
    """The desk's own enrolment (counter_app.sync.enrolment.enrol) on its file."""
    db = open_database(path)
    try:
        enrolment.enrol(db, server_url, code, allow_http=True)
    finally:
        db.conn.close()
