"""Slowing down password guessing on the dashboard's sign-in, per account and per client,
with an exponential backoff that stays bounded, so that nobody can lock a leader out.

After ``free`` failures in a row, each failure makes the next try wait: 1 s, then twice as
long at each further failure, up to a cap; a success (or a quiet day) starts afresh. Tries
during the wait are refused without checking the password, and do not count.

- An account (leaders.failed_sign_ins / locked_until; a username that does not exist is
  counted in ``sign_in_backoff``, the same way) waits at most ``ACCOUNT_CAP``: whoever guesses
  at it, its leader gets in at most 5 minutes after the last counted failure.
- A client address (any usernames; an IPv6 address by its /64, which one machine has)
  starts waiting one failure earlier, so it always waits twice as long as an account it
  alone failed at, and up to an hour: an attacker at one address cannot fail again before
  the account's wait is over, so the leader, from another address, has a window to sign
  in; from its 16th failure on, the window is 55 minutes of every hour.

Everything is kept in the server's database (``sign_in_backoff``, revision 0013), never in
one process's memory: several server processes, on one machine or several, count the same
failures (docs/deploy.md).
"""

from __future__ import annotations

import datetime as dt
import ipaddress

from sqlalchemy import Engine, delete, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from counter_app.server import database
from counter_app.server.schema import sign_in_backoff

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


def _text(moment: dt.datetime) -> str:
    """A moment as the table keeps it: UTC ISO text, so text order is time order."""
    return moment.astimezone(dt.UTC).isoformat(timespec="seconds")


def _moment(text: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(text) if text else None


class Backoff:
    """Failures in a row per key of one ``kind`` ("client" or "name"), in the database: at
    most ``limit`` keys of the kind (the least recently failed are forgotten first), and none
    a day after its last failure."""

    def __init__(self, kind: str, free: int, cap: dt.timedelta, limit: int = 10_000):
        self.kind, self.free, self.cap, self.limit = kind, free, cap, limit

    def _row(self, key: str):
        return (sign_in_backoff.c.kind == self.kind) & (sign_in_backoff.c.key == key[:80])

    def until(self, engine: Engine, key: str, now: dt.datetime) -> dt.datetime | None:
        """When ``key`` may try again, if it must wait."""
        with database.reading(engine) as conn:
            value = conn.execute(select(sign_in_backoff.c.until_at).where(self._row(key))
                                 ).scalar()
        until = _moment(value)
        return until.astimezone(now.tzinfo) if until and until > now else None

    def fail(self, engine: Engine, key: str, now: dt.datetime) -> dt.datetime:
        with database.writing(engine) as conn:
            pg = conn.dialect.name == "postgresql"
            insert = (pg_insert if pg else sqlite_insert)(sign_in_backoff)
            conn.execute(insert.on_conflict_do_nothing(index_elements=["kind", "key"]),
                         {"kind": self.kind, "key": key[:80], "failures": 0, "until_at": None})
            query = select(sign_in_backoff.c.failures, sign_in_backoff.c.until_at).where(
                self._row(key))
            failures, until = conn.execute(query.with_for_update() if pg else query).one()
            failures, until = after_failure(failures, _moment(until), now, self.free, self.cap)
            conn.execute(update(sign_in_backoff).where(self._row(key)).values(
                failures=failures, until_at=_text(until)))
            self._forget(conn, now)
        return until

    def _forget(self, conn, now: dt.datetime) -> None:
        """Keys quiet for a day go, and the oldest beyond ``limit``."""
        kind = sign_in_backoff.c.kind == self.kind
        conn.execute(delete(sign_in_backoff).where(
            kind, sign_in_backoff.c.until_at < _text(now - FORGET)))
        extra = conn.execute(select(func.count()).select_from(sign_in_backoff).where(kind)
                             ).scalar_one() - self.limit
        if extra > 0:
            oldest = select(sign_in_backoff.c.key).where(kind).order_by(
                sign_in_backoff.c.until_at).limit(extra)
            conn.execute(delete(sign_in_backoff).where(
                kind, sign_in_backoff.c.key.in_(oldest.scalar_subquery())))

    def clear(self, engine: Engine, key: str) -> None:
        with database.writing(engine) as conn:
            conn.execute(delete(sign_in_backoff).where(self._row(key)))

    def count(self, engine: Engine) -> int:
        with database.reading(engine) as conn:
            return conn.execute(select(func.count()).select_from(sign_in_backoff).where(
                sign_in_backoff.c.kind == self.kind)).scalar_one()


class Throttle:
    """The dashboard's memory of failed sign-ins: per client address, and per username
    that does not exist (real accounts are counted in the leaders table)."""

    def __init__(self) -> None:
        self.clients = Backoff("client", CLIENT_FREE, CLIENT_CAP)
        self.names = Backoff("name", ACCOUNT_FREE, ACCOUNT_CAP)
