"""Slowing down password guessing on the dashboard's sign-in, per account and per client,
with an exponential backoff that stays bounded, so that nobody can lock a leader out.

After ``free`` failures in a row, each failure makes the next try wait: 1 s, then twice as
long at each further failure, up to a cap; a success (or a quiet day) starts afresh. Tries
during the wait are refused without checking the password, and do not count.

- An account (leaders.failed_sign_ins / locked_until; a username that does not exist is
  counted here in memory, the same way) waits at most ``ACCOUNT_CAP``: whoever guesses
  at it, its leader gets in at most 5 minutes after the last counted failure.
- A client address (any usernames; an IPv6 address by its /64, which one machine has)
  starts waiting one failure earlier, so it always waits twice as long as an account it
  alone failed at, and up to an hour: an attacker at one address cannot fail again before
  the account's wait is over, so the leader, from another address, has a window to sign
  in; from its 16th failure on, the window is 55 minutes of every hour.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import threading

ACCOUNT_FREE, CLIENT_FREE = 5, 4
FIRST_WAIT = dt.timedelta(seconds=1)
ACCOUNT_CAP = dt.timedelta(minutes=5)
CLIENT_CAP = dt.timedelta(hours=1)
FORGET = dt.timedelta(days=1)  # failures this long before the next one are forgotten


def wait(failures: int, free: int, cap: dt.timedelta) -> dt.timedelta:
    """How long to wait after ``failures`` failures in a row."""
    if failures < free:
        return dt.timedelta(0)
    return min(FIRST_WAIT * 2 ** min(failures - free, 30), cap)


def after_failure(failures: int, until: dt.datetime | None, now: dt.datetime, free: int,
                  cap: dt.timedelta) -> tuple[int, dt.datetime]:
    """The failures in a row and the time before which no try is taken, after one more."""
    if until is None or now - until >= FORGET:
        failures = 0
    failures += 1
    return failures, now + wait(failures, free, cap)


def client_key(host: str | None) -> str:
    """The address a client is throttled by: an IPv6 address by its /64 network."""
    try:
        address = ipaddress.ip_address(host or "")
    except ValueError:
        return (host or "")[:64]
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


class Backoff:
    """Failures in a row per key, in memory (per server process), at most ``limit`` keys
    (the least recently failed are forgotten first)."""

    def __init__(self, free: int, cap: dt.timedelta, limit: int = 10_000):
        self.free, self.cap, self.limit = free, cap, limit
        self._lock = threading.Lock()
        self._seen: dict[str, tuple[int, dt.datetime]] = {}

    def until(self, key: str, now: dt.datetime) -> dt.datetime | None:
        """When ``key`` may try again, if it must wait."""
        with self._lock:
            _, until = self._seen.get(key, (0, None))
        return until if until and until > now else None

    def fail(self, key: str, now: dt.datetime) -> dt.datetime:
        with self._lock:
            failures, until = self._seen.pop(key, (0, None))
            failures, until = after_failure(failures, until, now, self.free, self.cap)
            self._seen[key] = (failures, until)
            while len(self._seen) > self.limit:
                self._seen.pop(next(iter(self._seen)))
        return until

    def clear(self, key: str) -> None:
        with self._lock:
            self._seen.pop(key, None)

    def __len__(self) -> int:
        return len(self._seen)


class Throttle:
    """The dashboard's memory of failed sign-ins: per client address, and per username
    that does not exist (real accounts are counted in the leaders table)."""

    def __init__(self) -> None:
        self.clients = Backoff(CLIENT_FREE, CLIENT_CAP)
        self.names = Backoff(ACCOUNT_FREE, ACCOUNT_CAP)
