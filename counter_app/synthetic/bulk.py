"""Writing synthetic data in bulk: seeded ids, and a writer process with fast-load settings
that stores one batch while the next is being made, and links the events into their desks'
hash chains on the way (on the second core)."""

from __future__ import annotations

import contextlib
import datetime as dt
import multiprocessing
import operator
import queue
import random
import sqlite3
from hashlib import sha256
from json.encoder import encode_basestring

from counter_app.store.hash_chain import GENESIS

EPOCH_VN = dt.datetime(1970, 1, 1, 7)  # ids are stamped with the moment in Vietnam's time
_APPLICANT = ("INSERT INTO applicants (id, id_number, kind, full_name, phone, address, email,"
              " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET"
              " kind = excluded.kind, full_name = excluded.full_name, phone = excluded.phone,"
              " address = excluded.address, email = excluded.email,"
              " updated_at = excluded.updated_at")  # as dossier_store._upsert_applicant
_EVENT = ("INSERT INTO events (id, dossier_id, desk_id, desk_seq, at, officer, kind, payload,"
          " prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")


class Ids:
    """UUIDv7 as the program makes them, but stamped with the simulated moment and seeded."""

    def __init__(self, seed: int, stream: int = 1):
        self.rng = random.Random(f"ids-{seed}-{stream}")

    def at(self, moment: dt.datetime) -> str:
        ms = int((moment - EPOCH_VN).total_seconds() * 1000) + self.rng.randrange(1000)
        bits = self.rng.getrandbits(74)
        h = f"{(ms << 80) | (7 << 76) | ((bits >> 62) << 64) | (2 << 62) | (bits & (2**62 - 1)):032x}"
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


class Chains:
    """Each desk's chain tail; ``link`` adds ``prev_hash`` and ``hash`` to event rows given
    in each desk's sequence order. The database is empty at the start, so every desk starts
    at GENESIS.

    The hash is ``hash_chain.link_hash(prev_hash, row)`` with its JSON text written out
    here, a little faster than ``json.dumps`` for each of millions of rows;
    tests/core/test_synthetic.py verifies the chains with ``hash_chain.verify``."""

    def __init__(self):
        self.tails: dict[str, str] = {}

    def link(self, events: list[tuple]) -> list[tuple]:
        tails, linked, q = self.tails, [], encode_basestring
        for id_, dossier, desk, seq, at, officer, kind, payload in events:
            prev = tails.get(desk, GENESIS)
            # ids, times and kinds are made of characters JSON writes as they are
            body = (f'["{prev}","{id_}","{dossier}","{desk}",{int(seq)},"{at}",'
                    f'{q(officer)},"{kind}",{q(payload)}]')
            tails[desk] = digest = sha256(body.encode()).hexdigest()
            linked.append((id_, dossier, desk, seq, at, officer, kind, payload, prev, digest))
        return linked


def _load(path: str, batches, results) -> None:
    """The writer process. Reports the columns, then "done" or what went wrong; after a
    failure it keeps taking batches (and drops them) until told to stop."""
    try:
        _write(path, batches, results)
    except BaseException as exc:
        results.put(f"{type(exc).__name__}: {exc}")
        while batches.get() is not None:
            pass
    else:
        results.put("done")


def _write(path: str, batches, results) -> None:
    """Fast settings on this connection only (no fsync, a big cache); each batch is one
    transaction, so an interrupted run leaves whole batches."""
    db = sqlite3.connect(path, isolation_level=None, timeout=60)
    try:
        db.execute("PRAGMA foreign_keys=ON")
        db.execute("PRAGMA synchronous=OFF")
        db.execute("PRAGMA cache_size=-1000000")  # up to 1 GB, for the indexes being filled
        cols = [c for _, c, *_ in db.execute("PRAGMA table_info(dossiers)")]
        dossier_sql = (f"INSERT INTO dossiers ({', '.join(cols)}) "
                       f"VALUES ({', '.join('?' for _ in cols)})")
        # The search index is filled by its triggers, as when the program writes: a writer
        # killed half-way (Ctrl+C, power cut) leaves whole batches, and search still works.
        chains = Chains()
        try:
            results.put(cols)
            while (batch := batches.get()) is not None:
                applicants, dossiers, events = batch
                _transaction(db, [(_APPLICANT, applicants), (dossier_sql, dossiers),
                                  (_EVENT, chains.link(events))])
        finally:
            db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        db.close()


def _transaction(db: sqlite3.Connection, statements: list) -> None:
    db.execute("BEGIN IMMEDIATE")
    try:
        for item in statements:
            if isinstance(item, str):
                db.execute(item)
            else:
                db.executemany(*item)
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


class Writer:
    """Stores batches (applicants, dossiers, events) in a process of its own, so SQLite
    works on the second core while the next batch is made; each batch is one transaction,
    in the order given. A failure there is raised here, at the next ``put`` or ``close``."""

    def __init__(self, path: str):
        ctx = multiprocessing.get_context("spawn")  # never fork a process holding SQLite
        self._batches, self._results = ctx.Queue(maxsize=1), ctx.Queue()
        self._process = ctx.Process(target=_load, args=(path, self._batches, self._results),
                                    name="synthetic-writer", daemon=True)
        self._process.start()
        self._failed = False
        self.columns = self._next()

    def _next(self, wait: bool = True):
        """The writer's next message (None if ``wait`` is False and there is none)."""
        while True:
            try:
                message = self._results.get(timeout=1 if wait else 0.001)
            except queue.Empty:
                if not self._process.is_alive():
                    self._failed = True
                    raise RuntimeError("the synthetic data writer ended unexpectedly") from None
                if not wait:
                    return None
                continue
            if isinstance(message, str) and message != "done":
                self._failed = True
                raise RuntimeError(f"writing synthetic data failed: {message}")
            return message

    def _send(self, item) -> None:
        while True:
            self._next(wait=False)
            try:
                self._batches.put(item, timeout=1)
                return
            except queue.Full:
                continue

    def put(self, applicants: list, dossiers: list[dict], events: list) -> None:
        """``events``: rows of ``event_log.CHAINED`` columns in each desk's sequence order,
        never yet written; the writer adds their hash-chain links."""
        row = operator.itemgetter(*self.columns)
        self._send((applicants, [row(d) for d in dossiers], events))

    def close(self) -> None:
        """Wait for the last batch to be written (or, after a failure, just stop)."""
        try:
            if not self._failed:
                self._send(None)
                while self._next() != "done":
                    pass
        finally:
            if self._process.is_alive():  # it failed: it takes batches until this one
                with contextlib.suppress(queue.Full):
                    self._batches.put(None, timeout=1)
            self._process.join(timeout=60)
