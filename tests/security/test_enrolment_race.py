"""Two desks enrolling for one desk number at the same moment.

Attack held here: on PostgreSQL two enrolment codes for the same desk number, used at the
same moment, both passed enrolment's "is the number held?" check (READ COMMITTED: neither
saw the other's uncommitted row) in 17 of 20 trials; two active desks then issued the same
dossier codes. Now a partial unique index (revision 0006) allows one active desk per
commune and number, and enrolment turns its violation into the usual refusal
(400 ``bad_request``, reason ``desk_number_taken``).

Every test runs on SQLite and on PostgreSQL (the ``server_db`` fixture).
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from functools import partial

import pytest
from sqlalchemy import insert, select, text
from sqlalchemy.exc import IntegrityError

from counter_app.server import database, enrolment, validation
from counter_app.server.admin import revoke_device
from counter_app.server.schema import devices
from counter_app.store.hash_chain import GENESIS
from counter_app.store.ids import new_id
from tests.server.conftest import (  # noqa: F401 - fixtures
    AGENCY_CODE,
    code_for,
    communes,
    server_db,
)

TRIALS = 20
NUMBER = 3


def _body(code: str, desk_id: str) -> dict:
    return {"code": code, "desk_id": desk_id, "agency_code": None, "desk_number": None,
            "client_schema": 1, "app_version": "0.1.0"}


def _enrol(engine, code: str, desk_id: str, barrier: threading.Barrier):
    """One desk's enrolment on its own connection: the reply, or the refusal."""
    with engine.connect() as conn:
        barrier.wait(timeout=30)
        try:
            with conn.begin():
                return enrolment.enroll(conn, _body(code, desk_id))
        except validation.Refused as refused:
            return refused


def _active(engine, number: int = NUMBER) -> list[str]:
    with engine.connect() as conn:
        return list(conn.execute(select(devices.c.desk_id).where(
            devices.c.desk_number == number, devices.c.revoked_at.is_(None))).scalars())


def _is_number_taken(refused) -> bool:
    return (isinstance(refused, validation.Refused) and refused.status == 400
            and refused.code == "bad_request"
            and refused.extra == {"reason": "desk_number_taken"}
            and f"desk number {NUMBER} is held by another active desk" in refused.message)


def test_two_enrolments_for_one_number_at_the_same_moment_one_wins(
        server_db, communes):  # noqa: F811
    for trial in range(TRIALS):
        codes = [code_for(server_db, AGENCY_CODE, NUMBER) for _ in range(2)]
        ids = [new_id(), new_id()]
        barrier = threading.Barrier(2)
        with ThreadPoolExecutor(2) as pool:
            outcomes = list(pool.map(partial(_enrol, server_db, barrier=barrier), codes, ids))
        won = [o for o in outcomes if isinstance(o, dict)]
        lost = [o for o in outcomes if not isinstance(o, dict)]
        assert len(won) == 1 and len(lost) == 1, (trial, outcomes)
        assert _is_number_taken(lost[0]), (trial, lost[0])
        assert _active(server_db) == [won[0]["desk_id"]], trial
        with database.writing(server_db) as conn:  # the next trial's pair races again
            revoke_device(conn, won[0]["desk_id"])


def _wait_until_blocked(engine, seconds: float = 10) -> None:
    """PostgreSQL: until a backend waits on a lock (the second insert, on the index)."""
    if engine.dialect.name != "postgresql":
        time.sleep(0.3)  # SQLite: the second waits for the write lock at BEGIN IMMEDIATE
        return
    deadline = time.monotonic() + seconds
    with engine.connect() as conn:
        while time.monotonic() < deadline:
            waiting = conn.execute(text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock'")).scalar_one()
            conn.rollback()
            if waiting:
                return
            time.sleep(0.02)
    pytest.fail("the second enrolment never waited on the first")


def test_the_later_of_two_overlapping_enrolments_is_refused_cleanly(
        server_db, communes):  # noqa: F811
    """Deterministic interleaving: the first enrolment has inserted its desk but not yet
    committed when the second runs its check and inserts (on PostgreSQL, the index makes it
    wait, then fails it: a refusal, not a 500; on SQLite it waits for the write lock)."""
    first, second = code_for(server_db, AGENCY_CODE, NUMBER), code_for(server_db, AGENCY_CODE,
                                                                       NUMBER)
    ids = [new_id(), new_id()]
    go = threading.Barrier(2)
    with server_db.connect() as conn, ThreadPoolExecutor(1) as pool:
        transaction = conn.begin()
        enrolment.enroll(conn, _body(first, ids[0]))
        later = pool.submit(_enrol, server_db, second, ids[1], go)
        go.wait(timeout=30)
        _wait_until_blocked(server_db)
        transaction.commit()
        outcome = later.result(timeout=60)
    assert _is_number_taken(outcome), outcome
    assert _active(server_db) == [ids[0]]
    with server_db.connect() as conn:  # the refused desk's code is still unused
        used = conn.execute(text("SELECT count(*) FROM enroll_codes WHERE used_at IS NOT NULL"
                                 )).scalar_one()
    assert used == 1


def _device(desk_id: str, commune_id: int, number: int, enrolled_at: str,
            revoked_at: str | None = None, last_seen: str | None = None) -> dict:
    return {"desk_id": desk_id, "commune_id": commune_id, "desk_number": number,
            "token_hash": desk_id.replace("-", "")[:32] + "0" * 32, "enrolled_at": enrolled_at,
            "revoked_at": revoked_at, "last_seq": 0, "last_hash": GENESIS, "last_audit_seq": 0,
            "last_audit_hash": GENESIS, "app_version": "0.1.0", "last_seen": last_seen}


def test_the_database_holds_one_active_desk_per_number(
        server_db, communes):  # noqa: F811
    with database.writing(server_db) as conn:
        conn.execute(insert(devices), [
            _device("d1", 1, 1, "2026-03-09T09:00:00.000+07:00"),
            _device("d2", 1, 1, "2026-03-01T09:00:00.000+07:00", "2026-03-02T09:00:00.000+07:00"),
            _device("d3", 2, 1, "2026-03-09T09:00:00.000+07:00")])  # another commune's 1
    with pytest.raises(IntegrityError):
        with database.writing(server_db) as conn:
            conn.execute(insert(devices).values(_device("d4", 1, 1, "2026-03-10T09:00")))


def test_migration_0006_keeps_the_newest_of_duplicate_active_desks(
        server_db, communes):  # noqa: F811
    """A database at 0005 holding the race's duplicates: the desk enrolled last stays
    active, the others are revoked; revoked desks and other numbers are left alone."""
    from alembic import command

    with server_db.begin() as conn:
        command.downgrade(database.alembic_config(conn), "0005")
    assert database.current_revision(server_db) == "0005"
    old_revoke = "2026-03-02T09:00:00.000+07:00"
    with database.writing(server_db) as conn:
        conn.execute(insert(devices), [
            _device("old", 1, 1, "2026-03-09T09:00:00.000+07:00"),
            _device("newest", 1, 1, "2026-03-09T09:00:00.050+07:00"),
            _device("older", 1, 1, "2026-03-09T08:59:59.990+07:00", last_seen="2026-03-10"),
            _device("gone", 1, 1, "2026-03-01T09:00:00.000+07:00", old_revoke),
            _device("two", 1, 2, "2026-03-09T09:00:00.000+07:00"),
            _device("elsewhere", 2, 1, "2026-03-09T09:00:00.000+07:00")])
    database.migrate(server_db)  # to the newest revision, 0006 among them
    assert database.current_revision(server_db) >= "0006"
    with server_db.connect() as conn:
        rows = {r.desk_id: r.revoked_at for r in conn.execute(
            select(devices.c.desk_id, devices.c.revoked_at))}
    assert {d for d, revoked in rows.items() if revoked is None} == {
        "newest", "two", "elsewhere"}
    assert rows["gone"] == old_revoke
    assert rows["old"] and rows["older"]
    with pytest.raises(IntegrityError):
        with database.writing(server_db) as conn:
            conn.execute(insert(devices).values(_device("again", 1, 1, "2026-03-11T09:00")))
    with server_db.begin() as conn:  # and back down and up again
        command.downgrade(database.alembic_config(conn), "0005")
    database.migrate(server_db)  # to the newest revision, 0006 among them
    assert database.current_revision(server_db) >= "0006"
