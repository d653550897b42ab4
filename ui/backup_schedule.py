"""Automatic backups while the program runs: every few minutes when something changed, and
at exit. The copy is made by ``counter_app.backups`` from its own read connection on a
plain thread, so the desk keeps working while it runs (SQLite WAL: readers never block the
writer)."""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path

from PySide6.QtCore import QObject, Qt, QTimer, Signal, Slot

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
    (never a dialog: a missing USB stick must not interrupt the officer every few minutes)."""

    made = Signal(object)
    failed = Signal(str)
    _result = Signal(object, object)  # BackupInfo | None, error | None

    def __init__(self, db_path: Path, minutes: int = DEFAULT_MINUTES, parent=None):
        super().__init__(parent)
        self.db_path = Path(db_path)
        self._last = _fingerprint(self.db_path)  # nothing new since the program opened it
        self._running = False
        self._thread: threading.Thread | None = None
        self._timer = QTimer(self)
        self._timer.timeout.connect(self.run_if_changed)
        self._result.connect(self._deliver, Qt.ConnectionType.QueuedConnection)
        self.set_minutes(minutes)

    def set_minutes(self, minutes: int) -> None:
        self._timer.stop()
        if minutes > 0:
            self._timer.start(minutes * 60_000)

    @Slot()
    def run_if_changed(self) -> bool:
        """Start a background backup if the database changed since the last one."""
        if self._running or _fingerprint(self.db_path) == self._last:
            return False
        self._running = True
        self._last = _fingerprint(self.db_path)
        self._thread = threading.Thread(target=self._work, args=("scheduled",),
                                        name="backup", daemon=True)
        self._thread.start()
        return True

    def _work(self, reason: str) -> None:
        try:
            info = backups.make_backup(self.db_path, reason)
        except Exception as exc:  # reported in the status bar; the next round tries again
            self._result.emit(None, exc)
            return
        self._result.emit(info, None)

    @Slot(object, object)
    def _deliver(self, info, error) -> None:
        self._running = False
        if error is not None:
            log.warning("automatic backup failed: %s", type(error).__name__)
            self._last = None  # try again next time
            self.failed.emit(f"Chưa sao lưu được tự động: {error}")
            return
        self.made.emit(info)

    def wait(self, seconds: float = 120) -> None:
        if self._thread is not None:
            self._thread.join(seconds)

    def at_exit(self) -> object | None:
        """A last backup, synchronously, after the window's own connection is closed."""
        self._timer.stop()
        self.wait()
        if _fingerprint(self.db_path) == self._last:
            return None
        try:
            return backups.make_backup(self.db_path, "exit")
        except Exception as exc:
            log.warning("backup at exit failed: %s", type(exc).__name__)
            return None
