"""Synthetic data: the program's own shapes, a legal history for every dossier, repeatable."""

from __future__ import annotations

import collections
import datetime as dt
import hashlib
import json
import random

import pytest

from counter_app.domain import lifecycle
from counter_app.domain.dossier_code import make_code, parse_code
from counter_app.domain.lifecycle import Step
from counter_app.domain.officers import Officer
from counter_app.domain.reception import ReceptionRequest
from counter_app.domain.roles import Role, why_not_step
from counter_app.domain.statuses import Status
from counter_app.domain.text import fold
from counter_app.domain.working_calendar import CalendarOverride, OverrideKind, WorkingCalendar
from counter_app.service.counter import Counter
from counter_app.store import event_log, hash_chain, officer_store
from counter_app.store.dossier_queries import Worklist
from counter_app.store.dossier_store import DossierRow
from counter_app.synthetic.bulk import Writer
from counter_app.synthetic.days import CachedCalendar
from counter_app.synthetic.generator import DatabaseNotEmpty, generate
from counter_app.synthetic.officers import ADMIN, DEMO_PASSWORD, LEADER_USERNAME

END = dt.date(2026, 11, 20)  # a Friday
STEP_FIELDS = {  # the officer's fields each step's payload was made from
    "handover": ("to_unit", "to_person", "step_due_at", "note"),
    "request_supplement": ("items", "reason", "contact", "contact_phone"),
    "resume": ("note",), "request_payment": ("amount_vnd", "note"),
    "payment_received": ("receipt_no",), "refuse": ("reason",), "withdraw": ("reason",),
    "stop": ("reason", "requested_at", "requested_by"), "apologize": ("reason", "new_due_at"),
    "finish": ("result",),
    "refuse_on_merits": ("decision_no", "decided_at", "decided_by", "reason"),
    "return": ("recipient_kind", "recipient_name", "recipient_id_number", "authorisation",
               "method", "postal_ref", "fee_vnd", "fee_receipt_no", "rating", "comment"),
}


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    path = tmp_path_factory.mktemp("synthetic") / "big.db"
    seen = []
    summary = generate(path, 3000, 2, end=END, progress=seen.append)
    counter = Counter.open(path, clock=lambda: dt.datetime.combine(END, dt.time(10)))
    counter.sign_in(LEADER_USERNAME, DEMO_PASSWORD)  # the leader sees every dossier
    yield summary, counter, seen
    counter.close()


def _rows(counter: Counter, sql: str, params=()) -> list[dict]:
    return list(counter.db.query(sql, params))


def test_summary_and_codes(made):
    summary, counter, seen = made
    assert summary["dossiers"] == 3000 and seen[-1] == 3000
    assert summary["events"] == counter.db.execute("SELECT count(*) FROM events").fetchone()[0]
    rows = _rows(counter, "SELECT code, received_at, desk_id, register_book, register_no "
                          "FROM dossiers ORDER BY rowid")
    assert len({r["code"] for r in rows}) == 3000
    desk_numbers = {v: int(k) for k, v in summary["desks"].items()}
    books = collections.defaultdict(list)
    for r in rows:
        agency, day, desk, seq = parse_code(r["code"])
        assert r["code"] == make_code(agency, day, desk, seq)
        assert agency == counter.agency.agency_code
        assert day == dt.date.fromisoformat(r["received_at"][:10])
        assert desk == desk_numbers[r["desk_id"]]
        assert r["register_book"] == f"{desk:02d}/{day.year}"
        books[r["register_book"]].append(r["register_no"])
    for numbers in books.values():  # numbered in reception order, from 1, no gaps
        assert numbers == list(range(1, len(numbers) + 1))


def test_every_desk_numbers_its_events_from_one_in_time_order(made):
    _, counter, _ = made
    by_desk = collections.defaultdict(list)
    for desk_id, seq, at in counter.db.execute(
            "SELECT desk_id, desk_seq, at FROM events ORDER BY desk_id, desk_seq"):
        by_desk[desk_id].append((seq, dt.datetime.fromisoformat(at)))
    assert len(by_desk) == 2
    for events in by_desk.values():
        assert [s for s, _ in events] == list(range(1, len(events) + 1))
        assert [a for _, a in events] == sorted(a for _, a in events)


def test_every_desk_chain_of_events_verifies(made):
    summary, counter, _ = made
    checked, broken = hash_chain.verify("events", event_log.chain_rows(counter.db))
    assert (checked, broken) == (summary["events"], [])
    # and a change behind the program's back is found (the chain is not vacuous); SQLite
    # rolls back the dropped trigger too
    counter.db.execute("BEGIN")
    try:
        counter.db.execute("DROP TRIGGER events_append_only_update")
        counter.db.execute("UPDATE events SET payload = replace(payload, 'Đã giải quyết', "
                           "'Đã giải quyết xong') WHERE rowid = (SELECT min(rowid) FROM events "
                           "WHERE kind = 'finish')")
        _, broken = hash_chain.verify("events", event_log.chain_rows(counter.db))
    finally:
        counter.db.execute("ROLLBACK")
    assert len(broken) == 1 and broken[0].reason.startswith("Nội dung")
    assert hash_chain.verify("events", event_log.chain_rows(counter.db)) == (checked, [])


def test_every_officer_has_an_account_with_the_roles_of_the_steps_taken(made):
    summary, counter, _ = made
    accounts = officer_store.display_names(counter.db)
    assert set(summary["officers"]) == set(accounts)
    assert accounts[ADMIN].roles == {Role.ADMIN}
    assert [u for u, o in accounts.items() if Role.LEADER in o.roles] == [LEADER_USERNAME]
    desk_staff = {o for (o,) in counter.db.execute("SELECT DISTINCT officer FROM dossiers")}
    assert desk_staff and all(accounts[u].roles == {Role.RECEPTION} for u in desk_staff)
    assert len({o.full_name for o in accounts.values()}) == len(accounts)  # one per name
    current = {u for u in desk_staff if accounts[u].active}
    assert len(current) == 2  # one at each desk now; those who left are disabled
    for username in (ADMIN, LEADER_USERNAME, *current):
        counter.sign_in(username, DEMO_PASSWORD)  # the documented demo password
    counter.sign_in(LEADER_USERNAME, DEMO_PASSWORD)
    event_staff = {o for (o,) in counter.db.execute("SELECT DISTINCT officer FROM events")}
    assert event_staff <= set(accounts) and ADMIN not in event_staff


def test_replaying_each_history_gives_the_stored_dossier(made):
    _, counter, _ = made
    accounts = officer_store.display_names(counter.db)
    histories = collections.defaultdict(list)
    for dossier_id, kind, payload, officer in counter.db.execute(
            "SELECT dossier_id, kind, payload, officer FROM events ORDER BY rowid"):
        histories[dossier_id].append((kind, json.loads(payload), officer))
    kinds, roles = collections.Counter(), collections.Counter()
    for row in _rows(counter, "SELECT * FROM dossiers"):
        (first, received, officer), *steps = histories[row["id"]]
        assert first == "received" and officer == row["officer"]
        p = lifecycle.initial(dt.datetime.fromisoformat(received["received_at"]),
                              dt.datetime.fromisoformat(received["due_at"]),
                              dt.datetime.fromisoformat(received["transfer_due_at"]))
        for kind, payload, officer in steps:
            lifecycle.check_allowed(Step(kind), p)  # every step legal where it was taken
            # ... and taken by an officer whose role allows it on the dossier as it was
            assert why_not_step(accounts[officer], Step(kind), p) is None, (row["code"], kind)
            p = lifecycle.evolve(p, kind, payload)
            kinds[kind] += 1
            roles[next(iter(accounts[officer].roles))] += 1
        assert p.to_columns() == {k: row[k] for k in p.to_columns()}, row["code"]
    # every kind of step occurs (but the paper's: one commune receives only for itself)
    assert set(kinds) == {s.value for s in Step if s not in lifecycle.PAPER_STEPS}
    assert set(roles) == {Role.RECEPTION, Role.PROCESSING, Role.LEADER}


def test_a_plausible_mix_of_outcomes(made):
    _, counter, _ = made
    month_ago = (END - dt.timedelta(days=30)).isoformat()
    old = collections.Counter(dict(counter.db.execute(
        "SELECT status, count(*) FROM dossiers WHERE received_at < ? GROUP BY status",
        [month_ago])))
    assert old[Status.RETURNED] > 0.85 * sum(old.values())
    assert old[Status.REFUSED] and old[Status.WITHDRAWN] and old[Status.STOPPED]
    recent = collections.Counter(s for (s,) in counter.db.execute(
        "SELECT status FROM dossiers WHERE received_at >= ?",
        [(END - dt.timedelta(days=7)).isoformat()]))
    assert recent[Status.RECEIVED] + recent[Status.PROCESSING] > 0
    assert recent[Status.FINISHED] > 0
    verdicts = dict(counter.db.execute("SELECT verdict, count(*) FROM dossiers "
                                       "WHERE verdict IS NOT NULL GROUP BY verdict"))
    assert verdicts["late"] < verdicts["on_time"] and verdicts["late"] < verdicts["early"]
    repeat = counter.db.execute("SELECT max(n) FROM (SELECT count(*) AS n FROM dossiers "
                                "GROUP BY applicant_id_number)").fetchone()[0]
    assert repeat >= 5  # people come back
    assert counter.db.execute("SELECT count(*) FROM applicants").fetchone()[0] == \
        counter.db.execute("SELECT count(DISTINCT applicant_id) FROM dossiers").fetchone()[0]


def test_search_and_work_lists_work_on_the_generated_file(made):
    _, counter, _ = made
    name, code = counter.db.execute(
        "SELECT applicant_name, code FROM dossiers WHERE applicant_name LIKE 'Nguyễn Thị %' "
        "ORDER BY rowid DESC LIMIT 1").fetchone()
    typed = " ".join(reversed(fold(name).split()))  # no diacritics, any order
    assert code in [d.code for d in counter.find(typed).rows]
    assert [d.code for d in counter.find(code.lower()).rows] == [code]
    counter.db.execute("INSERT INTO dossiers_fts (dossiers_fts) VALUES ('integrity-check')")
    assert counter.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert counter.db.execute("PRAGMA foreign_key_check").fetchall() == []
    triggers = {n for (n,) in counter.db.execute(
        "SELECT name FROM sqlite_master WHERE type = 'trigger'")}
    assert {"dossiers_fts_insert", "dossiers_fts_update", "dossiers_fts_delete"} <= triggers
    counts = counter.worklist_counts()
    assert set(counts) == set(Worklist)
    for name in Worklist:
        assert len(counter.worklist(name)) == min(counts[name], 1000)
    assert counts[Worklist.READY_TO_RETURN] > 0


def _as(desk: Counter, username: str) -> None:
    if desk.officer is None or desk.officer.username != username:
        desk.sign_in(username, DEMO_PASSWORD)


def _replay(counter: Counter, desk: Counter, row: dict, clock: list) -> DossierRow:
    """Make the dossier again through the program (receive, then each step), signed in as
    the officer of each event."""
    events = counter.events(DossierRow(row))
    received = events[0].payload
    at = [dt.datetime.fromisoformat(e.at).replace(tzinfo=None) for e in events]
    clock[0] = at[0]
    _as(desk, ADMIN)
    desk.set_up(desk_number=parse_code(row["code"])[2])
    _as(desk, events[0].officer)
    request = ReceptionRequest(
        procedure_code=received["procedure_code"],
        applicant={"full_name": received["applicant_name"]} | {
            k: received[f"applicant_{k}"] for k in ("kind", "id_number", "phone", "address",
                                                     "email")},
        sets=received["sets"], channel=received["channel"],
        return_method=received["return_method"], return_address=received["return_address"],
        due_at=dt.datetime.fromisoformat(received["due_at"])
        if received["due_change_reason"] else None,
        due_change_reason=received["due_change_reason"], note=received["note"])
    if len(events) == 2 and events[1].kind == "refuse":  # refused at the reception check
        return desk.refuse_at_reception(request, events[1].payload["reason"])
    made = desk.receive(request)
    for event, moment in zip(events[1:], at[1:], strict=True):
        clock[0] = moment
        fields = {k: event.payload[k] for k in STEP_FIELDS[event.kind] if k in event.payload}
        _as(desk, event.officer)
        made = desk.step(made.code, event.kind, fields)
    return made


def test_the_program_makes_the_same_rows_and_events(made, tmp_path):
    """Samples of every kind of history, made again through Counter, compare equal."""
    _, counter, _ = made
    by_kinds = collections.defaultdict(list)
    for dossier_id, kinds in counter.db.execute(
            "SELECT dossier_id, group_concat(kind) FROM events GROUP BY dossier_id"):
        by_kinds[kinds].append(dossier_id)
    sample = [ids[0] for ids in by_kinds.values()][:60]
    clock = [dt.datetime(2000, 1, 1)]
    desk = Counter.open(tmp_path / "replay.db", clock=lambda: clock[0])
    desk.set_up(**counter.agency.to_dict())
    for officer in officer_store.all_officers(counter.db):  # the same accounts, all active
        officer_store.put(desk.db, Officer(officer.username, officer.full_name, officer.title,
                                           officer.roles),  # (as they were at the time)
                          officer_store.password_hash(counter.db, officer.username), clock[0])
    try:
        for dossier_id in sample:
            row = _rows(counter, "SELECT * FROM dossiers WHERE id = ?", [dossier_id])[0]
            again = _replay(counter, desk, row, clock).data
            ours = {**row, "search": row["search"].replace(row["code"].lower(),
                                                           again["code"].lower())}
            skip = {"id", "applicant_id", "desk_id", "code", "register_no", "procedure_body"}
            assert {k: v for k, v in again.items() if k not in skip} == \
                   {k: v for k, v in ours.items() if k not in skip}, row["code"]
            theirs = desk.events(DossierRow(again))
            mine = counter.events(DossierRow(row))
            for a, b in zip(theirs, mine, strict=True):
                if a.kind == "received":
                    b.payload.update(code=a.payload["code"], register_no=a.payload["register_no"])
                assert (a.kind, a.at, a.officer, a.payload) == (b.kind, b.at, b.officer,
                                                                b.payload), row["code"]
    finally:
        desk.close()


def _digest(path) -> str:
    counter = Counter.open(path)
    try:
        h = hashlib.sha256()
        for table in ("dossiers", "events", "applicants", "settings"):
            for r in counter.db.execute(f"SELECT * FROM {table} ORDER BY rowid"):
                h.update(repr(r).encode())
        for r in counter.db.execute("SELECT username, full_name, title, roles, active, "
                                    "created_at FROM officers ORDER BY username"):
            h.update(repr(r).encode())  # the password hash's salt is random
        return h.hexdigest()
    finally:
        counter.close()


def test_same_seed_same_data_ids_included(tmp_path):
    a, b, c = (tmp_path / f"{n}.db" for n in "abc")
    generate(a, 400, 1, end=END, seed=7)
    generate(b, 400, 1, end=END, seed=7)
    generate(c, 400, 1, end=END, seed=8)
    assert _digest(a) == _digest(b) != _digest(c)
    with pytest.raises(DatabaseNotEmpty):
        generate(a, 10, 1, end=END)
    d = tmp_path / "d.db"  # a desk with its own accounts, and no dossier yet
    desk = Counter.open(d)
    desk.add_officer("admin", "Lê Văn Quản", "", ["admin"], "mat-khau-1")
    desk.close()
    with pytest.raises(DatabaseNotEmpty, match="accounts"):
        generate(d, 10, 1, end=END)


def test_an_impossible_volume_is_refused(tmp_path):
    with pytest.raises(ValueError, match="999"):
        generate(tmp_path / "x.db", 600_000, 1, end=END, desks=2)


def test_the_fast_calendar_answers_as_the_calendar_does():
    overrides = [CalendarOverride(dt.date(2026, 3, 3), OverrideKind.OFF),
                 CalendarOverride(dt.date(2026, 3, 7), OverrideKind.WORK)]
    slow, fast = WorkingCalendar(overrides), CachedCalendar(overrides)
    fast.tabulate(dt.date(2025, 12, 1), dt.date(2026, 6, 30))
    r = random.Random(3)
    for _ in range(5000):
        a = dt.datetime(2025, 11, 1) + dt.timedelta(seconds=r.randrange(270 * 86400))
        if r.random() < 0.3:
            a = a.replace(hour=r.choice((7, 11, 13, 17)), minute=r.choice((0, 30)), second=0)
        b = a + dt.timedelta(seconds=r.randrange(30 * 86400))
        m = r.choice((0, 1, 30, 210, 270, 480, r.randrange(20000)))
        assert fast.add_working_minutes(a, m) == slow.add_working_minutes(a, m), (a, m)
        assert fast.working_minutes_between(a, b) == slow.working_minutes_between(a, b)
        assert fast.working_minutes_between(b, a) == slow.working_minutes_between(b, a)


def test_a_failed_write_is_reported_and_writes_nothing(tmp_path):
    path = tmp_path / "w.db"
    Counter.open(path).close()
    writer = Writer(str(path))
    row = dict.fromkeys(writer.columns, "x")  # refers to no applicant: refused
    with pytest.raises(RuntimeError, match="FOREIGN KEY|NOT NULL|CHECK"):
        writer.put([], [row], [])
        writer.close()
    writer.close()
    counter = Counter.open(path)
    try:
        triggers = {n for (n,) in counter.db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'trigger'")}
        assert "dossiers_fts_insert" in triggers
        assert counter.db.execute("SELECT count(*) FROM dossiers").fetchone()[0] == 0
    finally:
        counter.close()


def test_a_killed_generate_leaves_whole_batches_and_search_still_works(tmp_path):
    import os
    import signal
    import subprocess
    import sys
    import time
    from pathlib import Path

    from counter_app.domain.reception import ReceptionRequest

    path = tmp_path / "killed.db"
    cli = Path(sys.executable).with_name("counter-cli")
    proc = subprocess.Popen([str(cli), "--db", str(path), "generate", "--dossiers", "400000",
                             "--years", "3"], start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(6)  # long enough for some batches, far from the end
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    counter = Counter.open(path)
    try:
        assert counter.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        count = counter.db.execute("SELECT count(*) FROM dossiers").fetchone()[0]
        assert count % 20_000 == 0  # whole batches only
        assert hash_chain.verify("events", event_log.chain_rows(counter.db))[1] == []
        receptionist = next(o.username for o in officer_store.all_officers(counter.db)
                            if o.active and Role.RECEPTION in o.roles)
        counter.sign_in(receptionist, DEMO_PASSWORD)
        code = counter.receive(ReceptionRequest("1.004873", {
            "full_name": "Zyx Quoxa", "id_number": "001303012345"})).code
        assert [d.code for d in counter.find("quoxa").rows] == [code]
        fts = counter.db.execute("SELECT count(*) FROM dossiers_fts").fetchone()[0]
        assert fts == count + 1
    finally:
        counter.close()
