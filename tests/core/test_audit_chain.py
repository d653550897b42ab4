"""Tampering behind the program's back, straight in the SQLite file with plain sqlite3, is
found by the hash chains, with its position: through the core and through `audit verify`."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import sqlite3

import pytest

from counter_app.cli.main import main
from counter_app.domain.lifecycle import Step
from counter_app.service.counter import Counter
from counter_app.store import hash_chain
from counter_app.store.event_log import CHAINED
from counter_app.store.migrations import MIGRATIONS
from tests.core.conftest import OFFICER, PASSWORD

PROCEDURE = "1.004873"
EXIT_TAMPERED = 6


@pytest.fixture
def history(open_desk, make_request, clock, tmp_path):
    """Three dossiers received and handed over, the first finished and printed: events
    1 received A, 2 handover A, 3 received B, 4 handover B, 5 received C, 6 handover C,
    7 finish A. Returns (database path, [A, B, C], desk id)."""
    desk = open_desk()
    codes = []
    for person in ("Trần Bình", "Lê Chi", "Phạm Dung"):
        code = desk.receive(make_request(PROCEDURE)).code
        clock.now += dt.timedelta(minutes=10)
        desk.step(code, Step.HANDOVER, {"to_unit": "Công chức Tư pháp", "to_person": person})
        codes.append(code)
    desk.step(codes[0], Step.FINISH, {"result": "Giấy xác nhận"})
    desk.form_pdf(codes[0], "01")
    desk_id = desk.desk_id
    desk.close()
    return tmp_path / "counter.db", codes, desk_id


@contextlib.contextmanager
def raw(path, *dropped: str):
    """Plain sqlite3 on the file, with some append-only triggers dropped and put back."""
    conn = sqlite3.connect(path)
    sql = {name: s for name, s in conn.execute("SELECT name, sql FROM sqlite_master WHERE "
                                                "type = 'trigger'")}
    for name in dropped:
        conn.execute(f"DROP TRIGGER {name}")
    try:
        yield conn
        for name in dropped:
            conn.execute(sql[name])
        conn.commit()
    finally:
        conn.close()


def _event(conn, seq: int) -> dict:
    cur = conn.execute("SELECT * FROM events WHERE desk_seq = ?", [seq])
    return dict(zip([c[0] for c in cur.description], cur.fetchone(), strict=True))


def edit_payload(path):
    with raw(path, "events_append_only_update") as conn:
        payload = json.loads(_event(conn, 3)["payload"])
        payload["sets"] = 9
        conn.execute("UPDATE events SET payload = ? WHERE desk_seq = 3",
                     [json.dumps(payload, ensure_ascii=False, sort_keys=True)])


def edit_and_rehash(path):
    """The forger also recomputes the edited row's own hash (but not every later one)."""
    with raw(path, "events_append_only_update") as conn:
        row = _event(conn, 2)
        row["payload"] = row["payload"].replace("Trần Bình", "Trần Bính")
        digest = hash_chain.link_hash(row["prev_hash"], [row[c] for c in CHAINED])
        conn.execute("UPDATE events SET payload = ?, hash = ? WHERE desk_seq = 2",
                     [row["payload"], digest])


def delete_row(path):
    with raw(path, "events_append_only_delete") as conn:
        conn.execute("DELETE FROM events WHERE desk_seq = 4")


def insert_row(path):
    """A forged hand-over slipped in as number 4, correctly linked to number 3; the real
    rows from 4 on are renumbered to make room."""
    with raw(path, "events_append_only_update") as conn:
        conn.execute("UPDATE events SET desk_seq = -desk_seq - 1 WHERE desk_seq >= 4")
        conn.execute("UPDATE events SET desk_seq = -desk_seq WHERE desk_seq < 0")
        forged = _event(conn, 5)
        third = _event(conn, 3)
        forged.update(id="0192f000-0000-7000-8000-000000000001", desk_seq=4,
                      payload=forged["payload"].replace("Lê Chi", "Ngô Giả"))
        values = [forged[c] for c in CHAINED]
        digest = hash_chain.link_hash(third["hash"], values)
        conn.execute(f"INSERT INTO events ({', '.join(CHAINED)}, prev_hash, hash) VALUES "
                     f"({', '.join('?' * (len(CHAINED) + 2))})", [*values, third["hash"], digest])


def edit_audit_entry(path):
    with raw(path, "audit_log_append_only_update") as conn:
        assert conn.execute("UPDATE audit_log SET subject = 'ai-do' WHERE desk_seq = 2"
                            ).rowcount == 1


TAMPERING = {
    # name: (how, table, desk seq where the chain breaks, reason, dossier index or None)
    "an edited event": (edit_payload, "events", 3, "Nội dung bản ghi đã bị sửa", 1),
    "an edited event with its own hash redone": (
        edit_and_rehash, "events", 3, "Bản ghi trước nó đã bị sửa, xóa hoặc chèn thêm", 1),
    "a deleted middle event": (delete_row, "events", 5, "Thiếu bản ghi số 4", 2),
    "an inserted event": (insert_row, "events", 5, "Bản ghi trước nó đã bị sửa", 1),
    "an edited audit entry": (edit_audit_entry, "audit_log", 2, "Nội dung bản ghi đã bị sửa",
                              None),
}


def verify(path, clock):
    counter = Counter.open(path, clock=clock)
    try:
        counter.sign_in(OFFICER["username"], PASSWORD)
        return counter.audit_verify()
    finally:
        counter.close()


def cli_verify(path, capsys, monkeypatch, *extra: str) -> tuple[int, str]:
    monkeypatch.setenv("COUNTER_APP_PASSWORD", PASSWORD)
    capsys.readouterr()
    code = main(["--db", str(path), "--as", OFFICER["username"], "audit", "verify", *extra])
    return code, capsys.readouterr().out


def test_an_untouched_history_verifies(history, clock, capsys, monkeypatch):
    path, _, _ = history
    report = verify(path, clock)
    assert report.ok and report.broken == [] and report.missing_guards == []
    assert report.events_checked == 7
    assert report.audit_checked >= 4  # the account, sign-ins, setup, the print
    code, out = cli_verify(path, capsys, monkeypatch)
    assert code == 0
    assert out.startswith("audit trail intact: 7 events and ")


@pytest.mark.parametrize("name", list(TAMPERING))
def test_tampering_is_found_with_its_position(history, clock, capsys, monkeypatch, name):
    path, codes, desk_id = history
    tamper, table, seq, reason, dossier = TAMPERING[name]
    tamper(path)
    report = verify(path, clock)
    assert not report.ok
    assert report.missing_guards == []  # the triggers were put back: only the chain tells
    assert len(report.broken) == 1
    broken = report.broken[0]
    assert (broken.table, broken.desk_id, broken.desk_seq) == (table, desk_id, seq)
    assert reason in broken.reason
    assert broken.dossier_code == ("" if dossier is None else codes[dossier])
    assert broken.row_id

    code, out = cli_verify(path, capsys, monkeypatch)
    assert code == EXIT_TAMPERED
    assert out.startswith("AUDIT TRAIL BROKEN")
    assert f"{table}: desk {desk_id}, desk seq {seq}, row {broken.row_id}" in out
    assert reason in out
    if dossier is not None:
        assert f"dossier {codes[dossier]}" in out
    code, out = cli_verify(path, capsys, monkeypatch, "--json")
    assert code == EXIT_TAMPERED
    data = json.loads(out)
    assert data["ok"] is False and data["broken"] == [broken.to_dict()]


def test_a_dropped_guard_is_reported_even_with_the_rows_intact(history, clock, capsys,
                                                               monkeypatch):
    path, _, _ = history
    with sqlite3.connect(path) as conn:
        conn.execute("DROP TRIGGER events_append_only_delete")
    report = verify(path, clock)
    assert report.broken == [] and report.missing_guards == ["events_append_only_delete"]
    assert not report.ok
    code, out = cli_verify(path, capsys, monkeypatch)
    assert code == EXIT_TAMPERED and "guard missing: trigger events_append_only_delete" in out


def test_only_the_first_break_of_each_desk_and_table_is_named(history, clock):
    path, codes, _ = history
    edit_payload(path)
    delete_row(path)
    edit_audit_entry(path)
    report = verify(path, clock)
    assert [(b.table, b.desk_seq) for b in report.broken] == [("events", 3), ("audit_log", 2)]


# -- the upgrade from schema v3 ------------------------------------------------------------
def _make_v3(path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None)
    import sqlite_utils

    db = sqlite_utils.Database(conn)
    for number, migration in enumerate(MIGRATIONS[:3], start=1):
        conn.execute("BEGIN")
        migration(db)
        conn.execute(f"PRAGMA user_version = {number}")
        conn.execute("COMMIT")
    return conn


#: Today's dossier rows as schema 8 and before held them: a copy of the procedure each.
_DOSSIERS_WITH_COPY = ("(SELECT d.rowid AS rowid, d.*, v.body AS procedure_snapshot "
                       "FROM dossiers d JOIN procedure_versions v ON v.id = d.procedure_version)")


def _copy(source: sqlite3.Connection, target: sqlite3.Connection, table: str,
          columns: list[str], order: str = "rowid") -> None:
    origin = _DOSSIERS_WITH_COPY if table == "dossiers" else table
    rows = source.execute(f"SELECT {', '.join(columns)} FROM {origin} ORDER BY {order}")
    target.executemany(f"INSERT OR IGNORE INTO {table} ({', '.join(columns)}) VALUES "
                       f"({', '.join('?' * len(columns))})", rows.fetchall())


def test_the_upgrade_to_v4_chains_the_events_already_there(open_desk, make_request, clock,
                                                           tmp_path, capsys, monkeypatch):
    # two desks' real histories, as a v3 database would hold them after they met
    desks, originals = [], {}
    for number in (1, 2):
        desk = open_desk(f"desk{number}.db", desk=number)
        for minutes in (0, 7, 30):
            clock.now = dt.datetime(2026, 3, 9, 9, number + minutes)
            code = desk.receive(make_request(PROCEDURE)).code
            desk.step(code, Step.HANDOVER, {"to_unit": "Công chức Tư pháp"})
        originals.update({r[0]: r[1:] for r in desk.db.execute(
            "SELECT id, prev_hash, hash FROM events")})
        desks.append(desk)
    path = tmp_path / "v3.db"
    v3 = _make_v3(path)
    v3.execute("BEGIN")
    source = desks[0].db.conn
    for table in ("settings", "procedures", "calendar_overrides"):
        columns = [c[1] for c in v3.execute(f"PRAGMA table_info({table})")]
        _copy(source, v3, table, columns)
    for desk in desks:
        for table in ("applicants", "dossiers"):
            columns = [c[1] for c in v3.execute(f"PRAGMA table_info({table})")]
            _copy(desk.db.conn, v3, table, columns)
    event_columns = [c[1] for c in v3.execute("PRAGMA table_info(events)")]
    assert "hash" not in event_columns
    rows = sorted((row for desk in desks for row in desk.db.execute(
        f"SELECT {', '.join(event_columns)} FROM events").fetchall()),
        key=lambda r: r[event_columns.index("at")])  # the two desks' rows interleaved
    v3.executemany(f"INSERT INTO events ({', '.join(event_columns)}) VALUES "
                   f"({', '.join('?' * len(event_columns))})", rows)
    v3.execute("COMMIT")
    v3.close()
    desk_ids = sorted({r[event_columns.index("desk_id")] for r in rows})
    assert len(desk_ids) == 2 and len(rows) == 12

    counter = Counter.open(path, clock=clock)  # migrates v3 -> v4
    try:
        chained = {r[0]: r[1:] for r in counter.db.execute(
            "SELECT id, prev_hash, hash FROM events")}
        assert chained == originals  # the same links the desks made as they went
        counter.add_officer(**OFFICER, password=PASSWORD)
        counter.sign_in(OFFICER["username"], PASSWORD)
        report = counter.audit_verify()
        assert report.ok and report.events_checked == 12
        # the desk goes on from where its chain ended
        code = counter.find("").rows[0].code
        clock.now = dt.datetime(2026, 3, 9, 11, 0)
        counter.step(code, Step.FINISH, {"result": "Giấy xác nhận"})
        last = counter.db.execute("SELECT desk_id, desk_seq, prev_hash FROM events "
                                  "ORDER BY rowid DESC LIMIT 1").fetchone()
        tail = counter.db.execute("SELECT hash FROM events WHERE desk_id = ? AND desk_seq = ?",
                                  [last[0], last[1] - 1]).fetchone()[0]
        assert last[2] == tail
        assert counter.audit_verify().ok
    finally:
        counter.close()

    code, out = cli_verify(path, capsys, monkeypatch)
    assert code == 0 and "13 events" in out
    edit_payload(path)  # the first desk's number 3 and the second desk's number 3
    report = verify(path, clock)
    assert sorted((b.desk_id, b.desk_seq) for b in report.broken) == [(d, 3) for d in desk_ids]
    code, out = cli_verify(path, capsys, monkeypatch)
    assert code == EXIT_TAMPERED and out.count("desk seq 3") == 2


# -- reading the trail ---------------------------------------------------------------------
def test_the_trail_merges_steps_and_audit_entries_newest_first(open_desk, make_request, clock):
    from counter_app.store import event_log
    from counter_app.store.database import transaction

    desk = open_desk()
    code = desk.receive(make_request(PROCEDURE)).code
    clock.now += dt.timedelta(minutes=5)
    desk.step(code, Step.HANDOVER, {"to_unit": "Công chức Tư pháp"})
    clock.now += dt.timedelta(minutes=5)
    desk.form_pdf(code, "01")
    row_id = desk.dossier(code)["id"]
    clock.now += dt.timedelta(minutes=5)
    with transaction(desk.db):  # as written before accounts existed: the full name typed
        event_log.append(desk.db, dossier_id=row_id, desk_id=desk.desk_id, kind="resume",
                         payload={"at": clock.now.isoformat()}, officer=OFFICER["full_name"],
                         at=clock.now.astimezone())
    trail = desk.audit_trail()
    assert [e.at[:19] for e in trail] == sorted((e.at[:19] for e in trail), reverse=True)
    assert [(e.source, e.kind) for e in trail[:4]] == [
        ("event", "resume"), ("audit", "print"), ("event", "handover"), ("event", "received")]
    received = trail[3]
    assert (received.label, received.subject, received.officer, received.officer_name) == (
        "Tiếp nhận hồ sơ", code, "huong", OFFICER["full_name"])
    assert trail[1].label == "In / xem biểu mẫu" and trail[1].detail["form"] == "01"
    assert trail[0].officer_name == OFFICER["full_name"]  # the old row, by its full name
    assert {e.kind for e in trail} >= {"officer_added", "sign_in", "setup_changed"}
    for entry in trail:  # the citizen's personal data never shows
        text = json.dumps(entry.to_dict(), ensure_ascii=False)
        assert "Nguyễn Thị Ngọc Ánh" not in text and "001303012345" not in text
    # by officer: the username also finds the rows holding the account's full name
    mine = desk.audit_trail(officer="HUONG")
    assert {e.officer for e in mine} == {"huong", OFFICER["full_name"]}
    assert len(mine) == len([e for e in trail if e.officer in ("huong", OFFICER["full_name"])])
    assert desk.audit_trail(since=clock.now.date() + dt.timedelta(days=1)) == []
    assert len(desk.audit_trail(until=clock.now.date())) == len(trail)
    assert len(desk.audit_trail(limit=2)) == 2
