"""Pulling the plug on reception: the program is killed with SIGKILL at random moments while
it receives dossiers and prints their slips, 100 times (200 with COUNTER_DEEP=1, the deeper
run), on one database file that grows.

After every kill the database must be sound (integrity_check, quick_check, foreign keys,
the search index), every dossier whose Mẫu 01 slip was printed must be there, and nothing
may be half-written: each dossier has its applicant, its 'received' event and its search
entry, each event its dossier, and each desk's event and audit chains verify, gapless.

How: this test's interpreter has everything imported (and the slip's fonts loaded) and
holds no SQLite connection when it forks; each round's child is a separate process
running the real core (``Counter.receive`` signed in, then ``Counter.slip_pdf`` to a file)
in a loop, and reports a dossier's code on a pipe only once its slip file is complete:
that is "slip printed". The parent kills it after a seeded random delay (0 to 350 ms);
in one round in four it first waits, after its delay, for the child to be inside the
reception's write transaction, so that many kills land there. The child records in a
shared memory page where it is (receiving, printing, inside a transaction or committing),
so after each kill the parent knows exactly what the database must hold.

100 kills are enough for the suite: one round in four is still aimed at the reception's
transaction (at least one kill in ten must land inside it, as with 200), and the others
still land in every phase (starting, receiving, committing, printing, reporting); the 200
rounds (about 40 s) are the deeper run's, for a change to the store or the reception.
"""

from __future__ import annotations

import collections
import datetime as dt
import mmap
import os
import random
import signal
import threading
import time
import traceback
from pathlib import Path

import pytest

from counter_app.domain.reception import ReceptionRequest
from counter_app.service.counter import Counter
from counter_app.store import audit_log, event_log, hash_chain

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork (POSIX)")

ROUNDS = 200 if os.environ.get("COUNTER_DEEP") == "1" else 100
PER_ROUND = 100  # at most (a slip takes ~30 ms): applicant numbers stay 5 digits
SEED = 4_2026
USER, PASSWORD = "tiepnhan", "mat-khau-thu"
AGENCY = {"agency_code": "000.17.22.H56", "agency_name": "UBND xã Quảng Phú",
          "desk_number": 1, "place_name": "Quảng Phú", "officer_name": "Lê Thị Hương"}
FIRST_DAY = dt.date(2026, 1, 5)  # each round receives on its own day (999 codes a day)
PROCEDURES = ("1.001193", "2.000815", "1.004873")

# The shared page: where the child is (PHASE) and its SQLite transaction state (TXN).
PHASE, TXN = 0, 1
STARTING, RECEIVING, PRINTING, REPORTING = 0, 1, 2, 3
NONE, INSIDE, COMMITTING = 0, 1, 2


def _name_word(n: int) -> str:
    """A made-up given name unique to dossier ``n``: letters only, found by search."""
    letters = ""
    n += 26 ** 3
    while n:
        n, d = divmod(n, 26)
        letters = "bcdghklmnpqrstvx"[d % 16] + "aeiou"[d % 5] + letters
    return "Z" + letters


def _request(n: int, rng: random.Random) -> ReceptionRequest:
    returning = n > 20 and rng.random() < 0.3  # a returning applicant: the row is updated
    person = rng.randrange(n) if returning else n
    applicant = {"kind": "citizen", "full_name": f"Nguyễn Thị {_name_word(person)}",
                 "id_number": f"0013030{person:05d}", "phone": f"09{person:08d}",
                 "address": "Thôn Phú Lộc, xã Quảng Phú", "email": ""}
    return ReceptionRequest(procedure_code=rng.choice(PROCEDURES), applicant=applicant)


def _set_up(db: Path, slips: Path) -> str:
    """The account (created once), the setup, and one dossier with its slip; this also
    loads the slip's fonts before any fork. Closes the database again."""
    counter = Counter.open(db, clock=lambda: dt.datetime.combine(FIRST_DAY, dt.time(7, 30)))
    try:
        counter.add_officer(USER, "Lê Thị Hương", "Công chức Văn phòng",
                            ["admin", "reception"], PASSWORD)
        counter.sign_in(USER, PASSWORD)
        counter.set_up(**AGENCY)
        code = counter.receive(_request(0, random.Random(0))).code
        counter.slip_pdf(code, slips / f"{code}.pdf")
        return code
    finally:
        counter.close()


def _child(db: Path, slips: Path, day: dt.date, first: int, out: int, state: mmap.mmap):
    """Receive and print until killed. Never returns (os._exit)."""
    try:
        ticks = iter(range(10**6))
        start = dt.datetime.combine(day, dt.time(7, 30))
        counter = Counter.open(db, clock=lambda: start + dt.timedelta(seconds=next(ticks)))

        def traced(sql: str) -> None:
            head = sql.lstrip()[:8].upper()
            if head.startswith("BEGIN"):
                state[TXN] = INSIDE
            elif head.startswith(("COMMIT", "ROLLBACK")):
                state[TXN] = COMMITTING

        counter.db.conn.set_trace_callback(traced)
        counter.sign_in(USER, PASSWORD)
        rng = random.Random(first)
        for n in range(first, first + PER_ROUND):
            state[PHASE], state[TXN] = RECEIVING, NONE
            code = counter.receive(_request(n, rng)).code
            state[PHASE], state[TXN] = PRINTING, NONE
            counter.slip_pdf(code, slips / f"{code}.pdf")
            state[PHASE], state[TXN] = REPORTING, NONE
            os.write(out, f"{code}\n".encode())  # the slip is printed
        os.write(out, b"ERR ran out of dossiers before being killed\n")
    except BaseException:
        os.write(out, ("ERR " + traceback.format_exc().replace("\n", " | ") + "\n").encode())
    finally:
        os._exit(1)


def _read_all(fd: int) -> list[str]:
    chunks = []
    while chunk := os.read(fd, 65536):
        chunks.append(chunk)
    return b"".join(chunks).decode().splitlines()


def _expected_extra(phase: int, txn: int) -> set[int]:
    """How many dossiers beyond the reported ones the database may hold after the kill."""
    if phase == RECEIVING:
        return {0} if txn != COMMITTING else {0, 1}  # rolled back / maybe committed
    if phase == PRINTING:
        return {1}  # received, slip not printed
    if phase == REPORTING:  # the code may already be in the pipe (then it is a reported one)
        return {0, 1}
    return {0}


def _check(db: Path, slips: Path, reported: list[str], last_rowid: int, extra: set[int],
           printed: list[str]) -> int:
    """Everything the round's kill must not have broken; returns the new last rowid."""
    counter = Counter.open(db)  # recovers what the killed process left in the WAL
    try:
        sql = counter.db.execute
        assert sql("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert sql("PRAGMA quick_check").fetchall() == [("ok",)]
        assert sql("PRAGMA foreign_key_check").fetchall() == []
        sql("INSERT INTO dossiers_fts (dossiers_fts) VALUES ('integrity-check')")
        new = sql("SELECT rowid, code, applicant_name FROM dossiers WHERE rowid > ? "
                  "ORDER BY rowid", [last_rowid]).fetchall()
        codes = [c for _, c, _ in new]
        assert codes[:len(reported)] == reported  # every printed slip's dossier, in order
        assert len(codes) - len(reported) in extra, (codes, reported, extra)
        # Nothing half-written, anywhere in the file.
        assert sql("SELECT count(*) FROM dossiers d WHERE NOT EXISTS (SELECT 1 FROM events e "
                   "WHERE e.dossier_id = d.id AND e.kind = 'received')").fetchone()[0] == 0
        assert sql("SELECT count(*) FROM events e WHERE NOT EXISTS (SELECT 1 FROM dossiers d "
                   "WHERE d.id = e.dossier_id)").fetchone()[0] == 0
        assert sql("SELECT count(*) FROM dossiers d WHERE NOT EXISTS (SELECT 1 FROM "
                   "applicants a WHERE a.id = d.applicant_id)").fetchone()[0] == 0
        assert sql("SELECT count(*) FROM events").fetchone()[0] == \
            sql("SELECT count(*) FROM dossiers").fetchone()[0]  # one 'received' each
        for table, rows in (("events", event_log.chain_rows(counter.db)),
                            ("audit_log", audit_log.chain_rows(counter.db))):
            checked, broken = hash_chain.verify(table, rows)
            assert broken == [] and checked == sql(f"SELECT count(*) FROM {table}").fetchone()[0]
            for count, top in sql(f"SELECT count(*), max(desk_seq) FROM {table} "
                                  "GROUP BY desk_id"):
                assert count == top  # desk_seq 1..n, no gap
        counter.sign_in(USER, PASSWORD)
        for _, code, name in new:  # the search index finds each new dossier
            assert code in [d.code for d in counter.find(name.split()[-1]).rows], code
            assert [d.code for d in counter.find(code).rows] == [code]
        printed.extend(reported)
        for code in reported:
            slip = (slips / f"{code}.pdf").read_bytes()
            assert slip.startswith(b"%PDF") and slip.rstrip().endswith(b"%%EOF"), code
        known = sql(f"SELECT count(*) FROM dossiers WHERE code IN "
                    f"({', '.join('?' * len(printed))})", list(printed)).fetchone()[0]
        assert known == len(printed)  # every slip ever printed still has its dossier
        return new[-1][0] if new else last_rowid
    finally:
        counter.close()


def test_sigkill_while_receiving_loses_no_printed_dossier_and_leaves_none_half_written(
        tmp_path, capsys):
    began = time.perf_counter()
    db, slips = tmp_path / "desk.db", tmp_path / "slips"
    slips.mkdir()
    first_code = _set_up(db, slips)
    printed = [first_code]
    last_rowid = 1
    rng = random.Random(SEED)
    state = mmap.mmap(-1, mmap.PAGESIZE)  # MAP_SHARED: the child's writes are seen here
    where = collections.Counter()
    for r in range(ROUNDS):
        assert threading.active_count() == 1  # forking a threaded process is unsafe
        state[PHASE], state[TXN] = STARTING, NONE
        read_fd, write_fd = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: no SQLite connection was open in the parent
            os.close(read_fd)
            _child(db, slips, FIRST_DAY + dt.timedelta(days=r + 1), (r + 1) * PER_ROUND,
                   write_fd, state)
        os.close(write_fd)
        kind = rng.random()
        delay = (rng.uniform(0, 0.005) if kind < 0.2 else rng.uniform(0, 0.06) if kind < 0.5
                 else rng.uniform(0.06, 0.35))
        time.sleep(delay)
        if r % 4 == 3:  # aimed: the next moment the child is inside a reception transaction
            give_up = time.perf_counter() + 2
            while not (state[PHASE] == RECEIVING and state[TXN] == INSIDE) and \
                    time.perf_counter() < give_up:
                pass
        os.kill(pid, signal.SIGKILL)
        _, status = os.waitpid(pid, 0)
        phase, txn = state[PHASE], state[TXN]
        lines = _read_all(read_fd)
        os.close(read_fd)
        assert not [line for line in lines if line.startswith("ERR")], lines
        assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL
        where[("starting", "receiving", "printing", "reporting")[phase] +
              ("", " (inside its transaction)", " (committing)")[txn]] += 1
        last_rowid = _check(db, slips, lines, last_rowid, _expected_extra(phase, txn), printed)
    inside = where["receiving (inside its transaction)"]
    assert inside >= ROUNDS // 10, where  # many kills did land inside the reception's transaction
    assert sum(where.values()) == ROUNDS
    counter = Counter.open(db)
    dossiers = counter.db.execute("SELECT count(*) FROM dossiers").fetchone()[0]
    counter.close()
    with capsys.disabled():
        print(f"\nkill test: {ROUNDS} rounds in {time.perf_counter() - began:.1f} s, "
              f"{dossiers} dossiers, {len(printed)} slips printed; killed while "
              + ", ".join(f"{k}: {v}" for k, v in sorted(where.items())))
