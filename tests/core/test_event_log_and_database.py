"""The database file: schema version, durability pragmas, the append-only event log."""

from __future__ import annotations

import datetime as dt
import sqlite3

import pytest

from counter_app.errors import DatabaseNewer, ValidationError
from counter_app.service.counter import Counter
from counter_app.store import event_log
from counter_app.store.database import SCHEMA_VERSION, open_database, schema_version


def counts(desk) -> dict[str, int]:
    return {t: desk.db.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
            for t in ("dossiers", "events", "applicants")}


def test_schema_version_wal_and_full_sync(tmp_db_path):
    db = open_database(tmp_db_path)
    try:
        assert SCHEMA_VERSION >= 1
        assert schema_version(db) == SCHEMA_VERSION
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
        assert db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    finally:
        db.conn.close()
    # WAL is a property of the file: a plain connection sees it too
    raw = sqlite3.connect(tmp_db_path)
    try:
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert raw.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    finally:
        raw.close()


def test_the_desk_connection_is_durable(desk):
    assert desk.db.execute("PRAGMA synchronous").fetchone()[0] == 2
    assert desk.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_reopening_keeps_version_and_desk_id(tmp_db_path):
    first = Counter.open(tmp_db_path)
    desk_id = first.desk_id
    first.close()
    again = Counter.open(tmp_db_path)
    try:
        assert again.desk_id == desk_id
        assert schema_version(again.db) == SCHEMA_VERSION
    finally:
        again.close()


def test_a_database_from_a_newer_program_is_refused(tmp_db_path):
    raw = sqlite3.connect(tmp_db_path)
    raw.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    raw.close()
    with pytest.raises(DatabaseNewer):
        open_database(tmp_db_path)


def test_one_received_event_is_written_with_the_dossier(desk, make_request, clock):
    clock.now = dt.datetime(2026, 3, 9, 9, 30)
    dossier = desk.receive(make_request())
    events = desk.events(dossier)
    assert len(events) == 1
    event = events[0]
    assert event.kind == "received"
    assert event.dossier_id == dossier["id"]
    assert event.desk_id == desk.desk_id
    assert event.desk_seq == 1
    assert event.officer == "huong"  # the signed-in officer's username
    assert dt.datetime.fromisoformat(event.at).replace(tzinfo=None) == clock.now
    assert event.payload["code"] == dossier.code
    assert event.payload["applicant_name"] == "Nguyễn Thị Ngọc Ánh"
    # the procedure version by id, stored once (not a copy in every event and row)
    assert "procedure_snapshot" not in event.payload
    vid = event.payload["procedure_version"]
    assert vid.startswith("1.001193@") and vid == dossier["procedure_version"]
    assert desk.db.execute("SELECT count(*) FROM procedure_versions").fetchone()[0] == 1
    again = desk.receive(make_request(applicant={"id_number": "001303012399"}))
    assert again["procedure_version"] == vid
    assert desk.db.execute("SELECT count(*) FROM procedure_versions").fetchone()[0] == 1
    assert desk.dossier(again.code).procedure["code"] == "1.001193"
    assert event.payload["due_at"] == "2026-03-09T17:00"
    assert len(event.id) == 36 and event.id[14] == "7"  # a UUIDv7


def test_desk_seq_counts_1_2_3_across_dossiers(desk, make_request):
    dossiers = [desk.receive(make_request()) for _ in range(3)]
    seqs = [e.desk_seq for d in dossiers for e in desk.events(d)]
    assert seqs == [1, 2, 3]
    rows = desk.db.execute("SELECT desk_id, desk_seq FROM events ORDER BY desk_seq").fetchall()
    assert rows == [(desk.desk_id, 1), (desk.desk_id, 2), (desk.desk_id, 3)]


def test_events_are_append_only(desk, make_request):
    desk.receive(make_request())
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        desk.db.execute("UPDATE events SET officer = 'someone else'")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        desk.db.execute("DELETE FROM events")
    assert desk.db.execute("SELECT count(*), max(officer) FROM events").fetchone() == (
        1, "huong")


def test_an_event_is_only_written_inside_a_transaction(desk):
    with pytest.raises(RuntimeError):
        event_log.append(desk.db, dossier_id="x", desk_id=desk.desk_id, kind="received",
                         payload={}, officer="", at=dt.datetime.now().astimezone())


def test_a_rejected_reception_writes_nothing(desk, make_request):
    desk.receive(make_request())
    before = counts(desk)
    bad = make_request(applicant={"id_number": "999999999999", "full_name": "Phạm Minh Đức"})
    with pytest.raises(ValidationError) as info:
        desk.receive(bad)
    assert "id_number" in info.value.errors
    assert counts(desk) == before == {"dossiers": 1, "events": 1, "applicants": 1}
    assert desk.returning_applicant("999999999999") is None


def test_a_failed_event_write_rolls_back_the_dossier(desk, make_request):
    """If writing the event fails, the dossier and the applicant are not kept either."""
    desk.receive(make_request())
    before = counts(desk)
    desk.db.execute("CREATE TEMP TRIGGER fail_events BEFORE INSERT ON events "
                    "BEGIN SELECT RAISE(ABORT, 'disk full'); END")
    new_person = make_request(applicant={"id_number": "001303099999", "full_name": "Đỗ Văn Nam"})
    with pytest.raises(sqlite3.IntegrityError, match="disk full"):
        desk.receive(new_person)
    assert not desk.db.conn.in_transaction
    assert counts(desk) == before
    assert desk.returning_applicant("001303099999") is None
    desk.db.execute("DROP TRIGGER fail_events")
    # the desk keeps working, and the failed attempt did not burn a number
    assert desk.receive(new_person).code.endswith("-1002")


def test_a_file_that_is_not_a_database_is_a_typed_error(tmp_path):
    from counter_app.errors import DatabaseUnreadable
    from counter_app.store.database import open_database

    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not sqlite" * 300)
    with pytest.raises(DatabaseUnreadable, match="bị hỏng"):
        open_database(junk)
    assert junk.read_bytes() == b"this is not sqlite" * 300  # untouched
    with pytest.raises(DatabaseUnreadable):
        open_database(tmp_path)  # a folder
