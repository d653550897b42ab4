"""The desk's clock in tests: set by the test (Counter takes any callable returning a
naive local datetime)."""

from __future__ import annotations

import datetime as dt


class Clock:
    def __init__(self, now: dt.datetime):
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now
