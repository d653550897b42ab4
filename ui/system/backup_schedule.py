"""Automatic backups while the program runs: every few minutes when something changed, and
at exit. The copy is made by ``counter_app.backups`` from its own read connection on a
plain thread, so the desk keeps working while it runs (SQLite WAL: readers never block the
writer)."""

from __future__ import annotations

import logging
import os
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal, Slot

from counter_app import backups

log = logging.getLogger(__name__)
DEFAULT_MINUTES = 15


def _fingerprint(db_path: Path) -> tuple:
    """Changes whenever a transaction commits (the database or its WAL is written)."""
    out = []
    for path in (db_path, Path(f"{db_path}-wal")):
        try:
            st = os.stat(path)
            out.append((st.st_size, st.st_mtime_ns))
        except OSError:
            out.append(None)
    return tuple(out)


class BackupSchedule(QObject):
    """``made`` carries the BackupInfo; ``failed`` a Vietnamese sentence for the status bar
    (never a dialog: a missing USB stick must not interrupt the officer every few minutes).

    The copy runs on a plain thread that holds nothing of Qt (only the path and the reason);
    the GUI thread polls its future, so no Qt object is ever released off the GUI thread.
    """

    made = Signal(object)
    failed = Signal(str)

    def __init__(self, db_path: Path, minutes: int = DEFAULT_MINUTES, parent=None):
        super().__init__(parent)
        self.db_path = Path(db_path)
        self._last = _fingerprint(self.db_path)  # nothing new since the program opened it
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="backup")
        self._future: Future | None = None
        self._timer = QTimer(self)
        self._timer.timeout.connect(self.run_if_changed)
        self._poll = QTimer(self)
        self._poll.setInterval(100)
        self._poll.timeout.connect(self._check_done)
        self.set_minutes(minutes)

    def set_minutes(self, minutes: int) -> None:
        self._timer.stop()
        if minutes > 0:
            self._timer.start(minutes * 60_000)

    @property
    def running(self) -> bool:
        return self._future is not None

    @Slot()
    def run_if_changed(self) -> bool:
        """Start a background backup if the database changed since the last one."""
        if self._future is not None or _fingerprint(self.db_path) == self._last:
            return False
        self._last = _fingerprint(self.db_path)
        self._future = self._pool.submit(backups.make_backup, self.db_path, "scheduled")
        self._poll.start()
        return True

    @Slot()
    def _check_done(self) -> None:
        future = self._future
        if future is None or not future.done():
            return
        self._poll.stop()
        self._future = None
        error = future.exception()
        if error is not None:
            log.warning("automatic backup failed: %s", type(error).__name__)
            self._last = None  # try again next time
            self.failed.emit(f"Chưa sao lưu được tự động: {error}")
            return
        self.made.emit(future.result())

    def wait(self, seconds: float = 120) -> None:
        """Let a backup under way finish (and report it)."""
        if self._future is not None:
            try:
                self._future.exception(timeout=seconds)
            except TimeoutError:
                return
            self._check_done()

    def at_exit(self) -> object | None:
        """A last backup, synchronously, after the window's own connection is closed."""
        self._timer.stop()
        self.wait()
        self._pool.shutdown(wait=True)
        if _fingerprint(self.db_path) == self._last:
            return None
        try:
            return backups.make_backup(self.db_path, "exit")
        except Exception as exc:
            log.warning("backup at exit failed: %s", type(exc).__name__)
            return None
