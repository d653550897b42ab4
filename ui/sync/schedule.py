"""Background sync with the server while the program runs (counter_app/sync/PROTOCOL.md).

One round (``sync_once``: push, pull, reference data) runs on a plain daemon thread with
its own SQLite connection, never on the window's database thread, so the officer keeps
working while the network is slow. Every 60 seconds while the server answers; every 5
minutes after it could not be reached; not at all before the desk is enrolled or after the
server refused it (a person must look: the indicator turns red and one message says why).

Threads hold nothing of Qt (only the database path): the GUI thread polls the round's
future, as ``BackupSchedule`` does. The thread is a daemon, not a ThreadPoolExecutor worker,
because Python joins executor threads at exit: a round stuck on a dead network must never
keep the program from closing. Stopping it half-way is safe: its writes are SQLite
transactions, and the protocol repeats what a lost reply did not confirm.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from pathlib import Path

import sqlite_utils
from PySide6.QtCore import QObject, QTimer, Signal, Slot

from counter_app.backups import desk_database
from counter_app.log_privacy import exception_outline
from counter_app.sync.desk_state import SyncStatus
from counter_app.sync.errors import NotEnrolled, ServerUnreachable, SyncRefused

log = logging.getLogger(__name__)

ONLINE_EVERY_MS = 60_000
OFFLINE_EVERY_MS = 5 * 60_000
EXIT_WAIT_SECONDS = 3.0


def run_round(db_path: Path) -> object:
    """One sync round on its own connection (imported late: the network stack loads only
    when a desk syncs)."""
    from counter_app.sync.sync_round import sync_once

    with desk_database(db_path) as db:
        return sync_once(db)


def read_status(db: sqlite_utils.Database) -> SyncStatus:
    from counter_app.sync.status import sync_status

    return sync_status(db)


def read_status_at(db_path: Path) -> SyncStatus:
    """The status from a short-lived connection of the calling thread."""
    with desk_database(db_path) as db:
        return read_status(db)


def in_background(fn: Callable[[], object], name: str = "sync") -> Future:
    """Call ``fn()`` on a new daemon thread; its result or exception lands in the future."""
    future: Future = Future()

    def body() -> None:
        if not future.set_running_or_notify_cancel():
            return
        try:
            result = fn()
        except BaseException as exc:  # handed to the GUI thread, which decides
            future.set_exception(exc)
        else:
            future.set_result(result)

    threading.Thread(target=body, name=name, daemon=True).start()
    return future


class FuturePoll(QObject):
    """Hands the result of a background future to ``on_done``/``on_error`` on the GUI thread
    (polled: the thread never emits a signal nor touches a Qt object)."""

    def __init__(self, future: Future, on_done: Callable[[object], None],
                 on_error: Callable[[BaseException], None], parent: QObject | None = None):
        super().__init__(parent)
        self.future, self.on_done, self.on_error = future, on_done, on_error
        self._timer = QTimer(self, interval=50, timeout=self._check)
        self._timer.start()

    @Slot()
    def _check(self) -> None:
        if not self.future.done():
            return
        self._timer.stop()
        self.deleteLater()
        error = self.future.exception()
        if error is not None:
            self.on_error(error)
        else:
            self.on_done(self.future.result())


class SyncSchedule(QObject):
    """``status_changed`` carries a fresh SyncStatus after every round (and at start);
    ``running_changed`` says when a round starts and ends; ``refused`` carries the
    server's reason, once (and again only when the officer asked for the round);
    ``round_done`` carries (report or None, error or None)."""

    status_changed = Signal(object)
    running_changed = Signal(bool)
    refused = Signal(str)
    round_done = Signal(object, object)

    def __init__(self, db_path: Path, parent: QObject | None = None,
                 online_ms: int = ONLINE_EVERY_MS, offline_ms: int = OFFLINE_EVERY_MS,
                 round_fn: Callable[[Path], object] | None = None,
                 status_fn: Callable[[Path], SyncStatus] | None = None):
        super().__init__(parent)
        self.db_path = Path(db_path)
        self.online_ms, self.offline_ms = online_ms, offline_ms
        self.round_fn, self.status_fn = round_fn, status_fn
        self.status: SyncStatus | None = None
        self._future: Future | None = None
        self._job = ""                 # "round" | "status" while a future is under way
        self._manual = False           # the officer asked for the round under way
        self._wanted = False           # "Đồng bộ ngay" pressed while a status read ran
        self._stopped = False          # refused, not enrolled, or closing: no timer work
        self._announced = False        # the refusal was shown once already
        self._closing = False
        self._restart = False          # start() was called while a job ran
        self._timer = QTimer(self, singleShot=True, timeout=self._scheduled)
        self._poll = QTimer(self, interval=50, timeout=self._check_done)

    # -- state --------------------------------------------------------------------------
    @property
    def running(self) -> bool:
        """A round (not a status read) is under way."""
        return self._future is not None and self._job == "round"

    @property
    def busy(self) -> bool:
        return self._future is not None

    @property
    def next_in_ms(self) -> int | None:
        return self._timer.remainingTime() if self._timer.isActive() else None

    # -- starting ------------------------------------------------------------------------
    def start(self) -> None:
        """Read the status; if the desk is enrolled, the first round follows at once (also
        after a refusal: a program updated or a desk enrolled again may be accepted now)."""
        self._stopped = False
        if self._future is None:
            self._submit("status")
        else:
            self._restart = True

    def refresh_status(self) -> None:
        """A fresh status for the indicator (e.g. after a dossier was saved)."""
        if self._future is None:
            self._submit("status")

    @Slot()
    def sync_now(self) -> bool:
        """The officer's "Đồng bộ ngay": one round at once, unless one is under way."""
        if self.running or (self.status is not None and not self.status.enrolled):
            return False
        self._stopped = False
        if self._future is not None:  # a status read: the round follows it
            self._wanted = True
            return True
        self._timer.stop()
        self._submit("round", manual=True)
        return True

    @Slot()
    def _scheduled(self) -> None:
        if not self._stopped and self._future is None:
            self._submit("round")

    def _submit(self, job: str, manual: bool = False) -> None:
        # Only plain values go to the thread (looked up now: the tests replace them).
        db_path = self.db_path
        round_fn = self.round_fn or run_round
        status_fn = self.status_fn or read_status_at

        def do_round():
            report = error = None
            try:
                report = round_fn(db_path)
            except Exception as exc:
                error = exc
            try:
                status = status_fn(db_path)
            except Exception as exc:
                log.warning("sync status unreadable: %s", exception_outline(exc))
                status = None
            return report, error, status

        self._job, self._manual = job, manual
        self._future = in_background(
            do_round if job == "round" else (lambda: (None, None, status_fn(db_path))),
            name=f"sync-{job}")
        self._poll.start()
        if job == "round":
            self.running_changed.emit(True)

    # -- a job has ended -----------------------------------------------------------------
    @Slot()
    def _check_done(self) -> None:
        future = self._future
        if future is None or not future.done():
            return
        self._poll.stop()
        job, manual = self._job, self._manual
        self._future, self._job, self._manual = None, "", False
        failure = future.exception()
        if failure is not None:  # the status read itself failed
            log.warning("sync status unreadable: %s", exception_outline(failure))
            report, error, status = None, None, None
        else:
            report, error, status = future.result()
        if status is not None:
            self.status = status
            self.status_changed.emit(status)
        if job == "round":
            self.running_changed.emit(False)
            self.round_done.emit(report, error)
            self._after_round(error, manual)
        elif self._wanted:
            self._wanted = False
            self._submit("round", manual=True)
        elif status is not None and status.enrolled:
            if not self._timer.isActive() and not self._stopped:
                self._submit("round")  # the first round after start-up or enrolment
        elif status is not None:
            self._stopped = True       # not enrolled: nothing to do until enrolment
        if self._restart and self._future is None and not self._closing:
            self._restart = False
            self.start()

    def _after_round(self, error: BaseException | None, manual: bool) -> None:
        if error is None:
            self._announced = False
            self._plan(self.online_ms)
        elif isinstance(error, SyncRefused):  # before ServerUnreachable's siblings
            self._stopped = True
            self._timer.stop()
            if (manual or not self._announced) and not self._closing:
                self._announced = True
                self.refused.emit(str(error))
        elif isinstance(error, NotEnrolled):
            self._stopped = True
            self._timer.stop()
        elif isinstance(error, ServerUnreachable):
            self._plan(self.offline_ms)
        else:  # a bug or a disk problem: logged, tried again later, never a dialog a minute
            log.warning("sync round failed: %s", exception_outline(error))
            self._plan(self.offline_ms)

    def _plan(self, ms: int) -> None:
        if not self._stopped:
            self._timer.start(ms)

    # -- stopping ------------------------------------------------------------------------
    def stop(self) -> None:
        """No more rounds (a round under way finishes on its own)."""
        self._stopped = True
        self._wanted = self._restart = False
        self._timer.stop()

    def wait(self, seconds: float) -> bool:
        """Wait up to ``seconds`` for a job under way; True if none is left."""
        future = self._future
        if future is None:
            return True
        try:
            future.exception(timeout=seconds)
        except FutureTimeout:
            return False
        self._check_done()
        return True

    def at_exit(self, seconds: float = EXIT_WAIT_SECONDS) -> bool:
        """Stop; give a round under way a few seconds, then leave it to finish (or die with
        the program) on its daemon thread. True if nothing was left running."""
        self._closing = True
        self.stop()
        done = self.wait(seconds)
        self._poll.stop()
        if not done:
            log.info("leaving a sync round under way at exit")
        return done

