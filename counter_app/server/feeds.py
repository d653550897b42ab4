"""The server's numbers (``server_seq``), commit-ordered per feed instead of across the
whole province (docs/sync.md §2.5).

A desk pulls its unit's *feed*: the changes logged for its unit, its own and those of the
dossiers it shares with another unit (``change_log.commune_id`` or ``party_id``). A cursor
must never skip a change that commits later with a smaller number. Before, one counter
row, locked from reservation to commit, made every number in the province commit-ordered,
so every push in the province waited on every other.

Now each feed has a row in ``feeds`` (one per unit, and ``REFERENCE`` for the province's
shared reference data). A writer locks the rows of the feeds it writes into, in ascending
order, so two writers never wait on each other in a circle. Only then does it take its
numbers, and it notes the feed's ``last_seq`` before it commits:

- **PostgreSQL:** the numbers come from a sequence, which never blocks. They are unique and
  rise in the order they are taken, but are not dense.
- **SQLite:** one writer at a time anyway (BEGIN IMMEDIATE), so they come from the
  ``counters`` row as before.

Within one feed, the lock is held from the moment the numbers are taken to the commit, so
the feed's numbers commit in order. Pushes to different communes take different locks and
commit in parallel. A snapshot's cursor is its feed's ``last_seq`` as committed (``cursor``).
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Connection, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from counter_app.server import database
from counter_app.server.schema import feeds

#: The feed of the data common to the province (catalogue, calendar, the units' list): its
#: numbers version those datasets (reference.py), never a desk's pull cursor.
REFERENCE = 0
SEQUENCE = "server_seq_numbers"  # PostgreSQL only (migration 0012)


def _postgres(conn: Connection) -> bool:
    return conn.dialect.name == "postgresql"


def reserve(conn: Connection, n: int, into: Iterable[int]) -> list[int]:
    """``n`` new numbers, ascending, for changes written into the feeds ``into`` in this
    transaction; those feeds stay locked until it commits."""
    if n <= 0:
        return []
    units = sorted({int(u) for u in into})
    if not units:
        raise ValueError("a number belongs to at least one feed")
    pg = _postgres(conn)
    if not pg:  # one writer at a time already (BEGIN IMMEDIATE)
        insert = sqlite_insert(feeds).on_conflict_do_nothing(index_elements=["unit_id"])
        conn.execute(insert, [{"unit_id": u, "last_seq": 0} for u in units])
        last = conn.execute(text("UPDATE counters SET value = value + :n "
                                 "WHERE name = 'server_seq' RETURNING value"),
                            {"n": n}).scalar_one()
        numbers = list(range(last - n + 1, last + 1))
        conn.execute(update(feeds).where(feeds.c.unit_id.in_(units))
                     .values(last_seq=numbers[-1]))
        return numbers
    if len(_lock(conn, units)) < len(units):  # a unit's first change: its row first
        conn.execute(pg_insert(feeds).on_conflict_do_nothing(index_elements=["unit_id"]),
                     [{"unit_id": u, "last_seq": 0} for u in units])
        _lock(conn, units)
    # The numbers, and each feed's last number, in one statement (the sequence never
    # blocks; the rows are locked already).
    return [int(v) for v in conn.execute(_NUMBERS, {"n": n, "units": units}).scalars()]


_NUMBERS = text(
    f"WITH numbers AS MATERIALIZED (SELECT nextval('{SEQUENCE}') AS v "
    "FROM generate_series(1, :n)), "
    "noted AS (UPDATE feeds SET last_seq = (SELECT max(v) FROM numbers) "
    "WHERE unit_id = ANY(:units)) "
    "SELECT v FROM numbers ORDER BY v")


def _lock(conn: Connection, units: list[int]) -> list[int]:
    """Lock these feeds' rows, ascending (PostgreSQL locks the rows as the sorted scan
    returns them: every writer takes them in the same order, so none waits in a circle)."""
    return list(conn.execute(
        select(feeds.c.unit_id).where(database.in_(conn, feeds.c.unit_id, units))
        .order_by(feeds.c.unit_id).with_for_update()).scalars())


def cursor(conn: Connection, unit_id: int) -> int:
    """The number a snapshot of ``unit_id`` taken now corresponds to: every change of its
    feed committed and visible to this transaction has a number no larger, every later
    one a larger number. A unit without a feed row has had no change yet: 0."""
    value = conn.execute(select(feeds.c.last_seq).where(feeds.c.unit_id == unit_id)
                         ).scalar()
    return int(value or 0)
