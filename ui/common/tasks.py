"""The one thread that touches SQLite (docs/architecture.md, Anki's pattern).

`DbWorker.run(fn, on_done, on_error)` calls ``fn(counter)`` on the worker thread and hands
the result (or the exception) back to the GUI thread. The window never blocks on the disk.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

from PySide6.QtCore import QObject, Qt, Signal, Slot

from counter_app.log_privacy import exception_outline
from counter_app.service.counter import Counter

log = logging.getLogger(__name__)


class DbWorker(QObject):
    _finished = Signal(object, object)  # future, the key of its callbacks in _callbacks
    busy_changed = Signal(bool)

    def __init__(self, counter: Counter, on_error: Callable[[BaseException], None] | None = None):
        super().__init__()
        self.counter = counter
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sqlite")
        self._closed = False
        self._pending = 0
        self._default_error = on_error
        # The callbacks (often bound to a dialog) stay on this thread: if the worker thread
        # dropped the last reference to a widget, PySide would delete it from there.
        self._callbacks: dict[int, tuple] = {}
        self._keys = itertools.count()
        self._finished.connect(self._deliver, Qt.ConnectionType.QueuedConnection)

    @property
    def idle(self) -> bool:
        return self._pending == 0

    def run(self, fn: Callable[[Counter], object], on_done: Callable[[object], None] | None = None,
            on_error: Callable[[BaseException], None] | None = None) -> None:
        if self._closed:  # a timer that fired while the window was closing: nothing to do
            return
        self._pending += 1
        if self._pending == 1:
            self.busy_changed.emit(True)
        key = next(self._keys)
        self._callbacks[key] = (on_done, on_error)
        future = self._pool.submit(fn, self.counter)
        future.add_done_callback(lambda f: self._finished.emit(f, key))

    def call(self, fn: Callable[[Counter], object]) -> object:
        """Run on the worker and wait: only for start-up and shutdown, never per keystroke."""
        return self._pool.submit(fn, self.counter).result()

    @Slot(object, object)
    def _deliver(self, future: Future, key: int) -> None:
        on_done, on_error = self._callbacks.pop(key)
        self._pending -= 1
        if self._pending == 0:
            self.busy_changed.emit(False)
        error = future.exception()
        if error is not None:
            handler = on_error or self._default_error
            if handler is None:
                log.error("background task failed: %s", exception_outline(error))
            else:
                handler(error)
            return
        if on_done is not None:
            on_done(future.result())

    @property
    def closed(self) -> bool:
        return self._closed

    def shutdown(self) -> None:
        """Close the database connection on its own thread; only once."""
        if self._closed:
            return
        self._closed = True
        self._pool.submit(self.counter.close)
        self._pool.shutdown(wait=True)
