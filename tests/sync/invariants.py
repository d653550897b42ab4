"""The sync invariants (docs/sync.md §2.12), checked by reading the server's database directly
(SQLAlchemy) and each desk's SQLite file: used by the fault-injection tests
(tests/fault/test_sync_faults.py) and the randomized state machine
(tests/sync/test_sync_state_machine.py).

``check(server, desks, converged=...)`` asserts:

1. no loss, no double: the server's inbox holds each desk's events 1..last_seq, each once,
   with the desk's id and hash; the desk's acknowledgement never runs ahead of the server;
   what the server lacks is still waiting on the desk; event ids are unique on the server;
   every event the server accepted has its one change-log entry; one dossier per applied
   reception;
2. dossier codes unique per commune on the server, and on each desk;
3. legality: each server dossier is exactly the replay (``projection.replay``) of its
   applied events in ``server_seq`` order (but ``forwarded_at``, the server's stamp, set on
   exactly the dossiers received for another unit); every conflict event has its conflict
   row;
4. a desk's pull cursor never passes the server's last ``server_seq``;
5. ``converged=True`` (after every desk did two full rounds with nothing new): each desk's
   dossiers are the server's rows its unit sees (those it received and those it decides,
   docs/sync.md §2.11): so a dossier shared by two units is checked at the desks of BOTH;
   for each of them the desk holds exactly the events its unit sees (its own unit's, and
   what the other unit applied or lost in a conflict), with the server's results; and its
   conflicts are those the server shows its unit;
6. sides (domain/sides.py, restated here from the rule, not imported): no applied event on
   the server is a step of the side its pushing unit does not hold (a reception from the
   receiving unit only, a paper step only on a dossier received for another unit, a third
   unit nothing at all); each dossier's ``commune_id``/``competent_id`` are its row's
   receiving and competent agencies; the change log names the other unit (``party_id``) of
   exactly the applied and conflict events of a shared dossier;
7. a third unit never holds what is not its own: every dossier on a desk was received or is
   decided by the desk's unit (by the desk's row, and by the server's when it has it), and
   every event on a desk is of a dossier the desk holds.

Chains: every desk's event and audit chains verify (audit_trail.verify), converged or not
(a pull page brings each desk's events in desk_seq order, so each chain of the desk's own
unit is a prefix); a desk of another unit has here only the events of the dossiers the two
units share, so its chain has gaps: each of those events is checked by its own hash, and
two consecutive ones by their link (see ``_check_chains``).

Returns a small summary (counts) for the caller's own assertions and messages.
"""

from __future__ import annotations

import json
import sqlite3
from collections import Counter, defaultdict
from pathlib import Path

import sqlite_utils
from sqlalchemy import Engine, select, text

from counter_app.accounts import audit_trail
from counter_app.server import database
from counter_app.server.schema import (
    change_log,
    communes,
    conflicts,
    devices,
    dossiers,
    inbox,
    procedure_versions,
)
from counter_app.store import event_log, hash_chain
from counter_app.sync import projection

#: Which side takes each step of a dossier received for another unit (the brief of
#: domain/sides.py, restated: the check must not trust the table it checks).
RECEIVING, COMPETENT = "receiving", "competent"
SIDES = {
    "received": {RECEIVING}, "refuse": {RECEIVING}, "resume": {RECEIVING},
    "withdraw": {RECEIVING}, "return": {RECEIVING}, "send_paper": {RECEIVING},
    "handover": {COMPETENT}, "request_supplement": {COMPETENT}, "request_payment": {COMPETENT},
    "stop": {COMPETENT}, "apologize": {COMPETENT}, "finish": {COMPETENT},
    "refuse_on_merits": {COMPETENT}, "receive_paper": {COMPETENT},
    "payment_received": {RECEIVING, COMPETENT},
}
PAPER = ("send_paper", "receive_paper")

JSON_COLUMNS = ("procedure_snapshot", "documents")
NOT_COMPARED = ("applicant_id", "updated_at")  # per desk / when the desk wrote it


def _engine(server: Engine | str) -> tuple[Engine, bool]:
    if isinstance(server, Engine):
        return server, False
    return database.make_engine(str(server)), True


def _norm(row: dict) -> dict:
    """A dossier row with its JSON columns parsed and the per-desk columns left out."""
    out = {k: v for k, v in row.items() if k not in NOT_COMPARED}
    for column in JSON_COLUMNS:
        if isinstance(out.get(column), str):
            out[column] = json.loads(out[column])
    return out


def _server_state(engine: Engine) -> dict:
    """Everything the checks need from the server, in one consistent read."""
    with database.reading(engine) as conn:
        state = {
            "devices": {r.desk_id: r._asdict() for r in conn.execute(select(devices))},
            "communes": {r.id: r.code for r in conn.execute(select(communes))},
            "inbox": [r._asdict() for r in conn.execute(
                select(inbox).order_by(inbox.c.server_seq))],
            "dossiers": {r.id: r._asdict() for r in conn.execute(select(dossiers))},
            "conflicts": {r.id: r._asdict() for r in conn.execute(select(conflicts))},
            "change_log": [r._asdict() for r in conn.execute(
                select(change_log).order_by(change_log.c.server_seq))],
            # The last number committed in each feed (server/feeds.py).
            "feeds": dict(conn.execute(text("SELECT unit_id, last_seq FROM feeds")).all()),
            "versions": {r.id: json.loads(r.body) for r in conn.execute(
                select(procedure_versions))},
        }
    return state


class _Desk:
    """One desk's file, read in one read transaction."""

    def __init__(self, path: str | Path):
        self.path = str(path)
        self.conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        self.conn.row_factory = sqlite3.Row
        self.conn.execute("BEGIN")  # one snapshot for every read below
        self.desk_id = self._setting("settings", "desk_id")
        self.acked = int(self._setting("sync_state", "acked_through") or 0)
        self.cursor = int(self._setting("sync_state", "pull_cursor") or 0)

    def _setting(self, table: str, key: str):
        row = self.conn.execute(f"SELECT value FROM {table} WHERE key = ?", [key]).fetchone()
        return json.loads(row[0]) if row else None

    def rows(self, sql: str, params=()) -> list[dict]:
        return [dict(r) for r in self.conn.execute(sql, params)]

    def close(self) -> None:
        self.conn.execute("ROLLBACK")
        self.conn.close()


def _check_inbox(s: dict) -> dict[str, list[dict]]:
    """Server-wide: unique event ids, the change log, one dossier per applied reception."""
    ids = [r["event_id"] for r in s["inbox"] if r["event_id"] is not None]
    dup = [i for i, n in Counter(ids).items() if n > 1]
    assert not dup, f"event ids stored twice on the server: {dup[:5]}"
    seqs = [r["server_seq"] for r in s["inbox"]]
    assert len(seqs) == len(set(seqs)), "two inbox rows share a server_seq"
    logged = {r["server_seq"]: r for r in s["change_log"]}
    assert len(logged) == len(s["change_log"])
    for r in s["inbox"]:
        if r["event_id"] is None:  # the same event already stored under another desk/seq
            assert r["result"] == "duplicate" and r["server_seq"] not in logged, r
            continue
        entry = logged.get(r["server_seq"])
        assert entry is not None and entry["type"] == "event", \
            f"inbox server_seq {r['server_seq']} has no 'event' change-log entry"
        assert entry["commune_id"] == r["commune_id"]
    events_logged = sum(1 for r in s["change_log"] if r["type"] == "event")
    assert events_logged == len(ids), (events_logged, len(ids))
    for r in s["change_log"]:  # within the feeds it was written into, never beyond them
        for unit in {r["commune_id"], r["party_id"]} - {None}:
            assert r["server_seq"] <= s["feeds"].get(unit, 0), (r, unit, s["feeds"])
        if r["type"] == "conflict":
            assert r["ref_id"] in s["conflicts"], f"change log names unknown conflict {r}"
    received = Counter(r["commune_id"] for r in s["inbox"]
                       if r["result"] == "applied" and json.loads(r["event_json"])["kind"]
                       == "received")
    held = Counter(d["commune_id"] for d in s["dossiers"].values())
    assert received == held, f"dossiers per commune {dict(held)} != receptions {dict(received)}"
    by_desk: dict[str, list[dict]] = defaultdict(list)
    for r in s["inbox"]:
        by_desk[r["desk_id"]].append(r)
    for rows in by_desk.values():
        rows.sort(key=lambda r: r["desk_seq"])
    return by_desk


def _check_legality(s: dict) -> None:
    """Every server dossier is the replay of its applied events; conflicts have their rows."""
    applied: dict[str, list[dict]] = defaultdict(list)
    for r in s["inbox"]:  # already in server_seq order
        if r["result"] == "applied":
            applied[r["dossier_id"]].append(json.loads(r["event_json"]))
    assert set(applied) == set(s["dossiers"]), (
        f"dossiers without applied events: {sorted(set(s['dossiers']) - set(applied))[:5]}, "
        f"applied events without a dossier: {sorted(set(applied) - set(s['dossiers']))[:5]}")
    for dossier_id, events in applied.items():
        stored = s["dossiers"][dossier_id]
        assert events[0]["kind"] == "received", (dossier_id, events[0]["kind"])
        assert all(e["kind"] != "received" for e in events[1:]), dossier_id
        replayed = projection.replay(events, s["versions"].__getitem__)
        row = json.loads(stored["row_json"])
        # The one column no event carries: the server's time when it took a dossier received
        # for another unit (and so passed it on), set for those only.
        forwarded = row.pop("forwarded_at", None)
        replayed.pop("forwarded_at", None)
        assert (forwarded is not None) == (stored["competent_id"] is not None), \
            (dossier_id, forwarded, stored["competent_id"])
        assert _norm(row) == _norm(replayed), f"dossier {dossier_id} is not its events' replay"
        for column in ("code", "status", "received_at", "due_at", "finished_at",
                       "returned_at", "verdict", "search"):
            assert stored[column] == replayed.get(column), (dossier_id, column)
    conflict_events = {c["event_id"] for c in s["conflicts"].values()}
    for r in s["inbox"]:
        if r["result"] == "conflict":
            assert r["event_id"] in conflict_events, f"conflict event {r['event_id']} has no row"
    codes = Counter((d["commune_id"], d["code"]) for d in s["dossiers"].values())
    assert all(n == 1 for n in codes.values()), [k for k, n in codes.items() if n > 1]


def _check_desk(s: dict, desk: _Desk, rows: list[dict]) -> None:
    """1, 2, 4 for one desk: its log against the server's inbox."""
    device = s["devices"].get(desk.desk_id)
    own = desk.rows("SELECT id, desk_seq, hash FROM events WHERE desk_id = ? "
                    "ORDER BY desk_seq", [desk.desk_id])
    assert [e["desk_seq"] for e in own] == list(range(1, len(own) + 1)), \
        f"desk {desk.path}: its own desk_seq has a gap"
    last = device["last_seq"] if device else 0
    assert [r["desk_seq"] for r in rows] == list(range(1, last + 1)), \
        f"desk {desk.path}: the server's inbox is not exactly 1..{last}"
    assert last <= len(own), f"desk {desk.path}: the server has events the desk never wrote"
    assert desk.acked <= last, \
        f"desk {desk.path}: acked_through {desk.acked} but the server has only {last}"
    for stored, mine in zip(rows, own, strict=False):
        assert stored["hash"] == mine["hash"], (desk.path, mine["desk_seq"])
        assert json.loads(stored["event_json"])["id"] == mine["id"], (desk.path, mine["desk_seq"])
        if stored["event_id"] is not None:
            assert stored["event_id"] == mine["id"]
    # Beyond the server's last seq: still waiting (desk_seq > acked_through), never lost.
    assert all(e["desk_seq"] > desk.acked for e in own[last:])
    codes = desk.rows("SELECT code, count(*) AS n FROM dossiers GROUP BY code HAVING n > 1")
    assert not codes, f"desk {desk.path}: codes held twice {codes[:5]}"
    feed = s["feeds"].get(device["commune_id"], 0) if device else max(s["feeds"].values(),
                                                                       default=0)
    assert desk.cursor <= feed, \
        f"desk {desk.path}: pull cursor {desk.cursor} beyond its feed's {feed}"
    if device is not None and device.get("last_hash") and last:
        assert device["last_hash"] == own[last - 1]["hash"]


def _visible(s: dict, unit: int) -> set[str]:
    """The server dossiers a unit's desks hold: those it received and those it decides."""
    return {i for i, d in s["dossiers"].items() if unit in (d["commune_id"], d["competent_id"])}


def _seen_events(s: dict, unit: int, visible: set[str]) -> set[str]:
    """The events of those dossiers a unit's desks hold: its own unit's (whatever their
    result), and what the other unit of a shared dossier applied or lost in a conflict."""
    return {r["event_id"] for r in s["inbox"] if r["event_id"] is not None
            and r["dossier_id"] in visible
            and (r["commune_id"] == unit or r["result"] in ("applied", "conflict"))}


def _foreign_register(row: dict, here: str) -> dict:
    """The row as a desk of the unit ``here`` stores it: the register book of a dossier
    another unit received is qualified by that unit's agency code (sync/pull_page.py
    ``_foreign_registers``), so the two units' registers never clash on one desk."""
    receiving = row.get("receiving_agency") or row["code"].split("-", 1)[0]
    book = row.get("register_book")
    if isinstance(book, str) and receiving != here:
        row["register_book"] = f"{receiving} {book}"
    return row


def _check_chains(s: dict, desk: _Desk) -> None:
    """Every desk's event and audit chains verify (audit_trail.verify). A desk of another
    unit has only the events of the dossiers the two units share on this desk, so its chain
    here has gaps: each of its events is checked on its own (its hash), and each two
    consecutive ones linked."""
    units = {d: device["commune_id"] for d, device in s["devices"].items()}
    here = units.get(desk.desk_id)
    db = sqlite_utils.Database(desk.conn)
    report = audit_trail.verify(db)
    foreign = {d for d, unit in units.items() if here is not None and unit != here}
    broken = [b for b in report.broken if b.table != "events" or b.desk_id not in foreign]
    assert not broken, f"desk {desk.path}: chain broken {broken[:3]}"
    last: dict[str, tuple[int, str]] = {}
    for desk_id, row_id, seq, prev_hash, stored, values in event_log.chain_rows(db):
        if desk_id not in foreign:
            continue
        assert hash_chain.link_hash(prev_hash, values) == stored, \
            f"desk {desk.path}: event {row_id} of desk {desk_id} altered"
        before = last.get(desk_id)
        if before is not None and before[0] == seq - 1:
            assert prev_hash == before[1], f"desk {desk.path}: event {row_id} not linked"
        last[desk_id] = (seq, stored)


def _check_sides(s: dict) -> None:
    """6: who pushed what, against the side of the dossier its unit holds."""
    codes = s["communes"]
    for dossier_id, d in s["dossiers"].items():
        row = json.loads(d["row_json"])
        receiving = row.get("receiving_agency") or row["code"].split("-", 1)[0]
        competent = row.get("competent_agency") or receiving
        assert codes[d["commune_id"]] == receiving, (dossier_id, receiving, d["commune_id"])
        if d["competent_id"] is None:
            assert competent == receiving, (dossier_id, competent)
        else:
            assert codes[d["competent_id"]] == competent != receiving, (dossier_id, competent)
    for r in s["inbox"]:
        if r["result"] != "applied":
            continue
        kind = json.loads(r["event_json"])["kind"]
        d = s["dossiers"][r["dossier_id"]]
        competent = d["competent_id"] or d["commune_id"]
        held = ({RECEIVING} if r["commune_id"] == d["commune_id"] else set()) | (
            {COMPETENT} if r["commune_id"] == competent else set())
        where = f"event {r['event_id']} ({kind}) pushed by unit {r['commune_id']} on " \
                f"dossier {d['code']} (received by {d['commune_id']}, decided by {competent})"
        assert held, f"applied from a third unit: {where}"
        assert held & SIDES[kind], f"applied from the wrong side: {where}"
        assert kind not in PAPER or competent != d["commune_id"], \
            f"a paper step applied on a dossier its own commune decides: {where}"
    inbox_at = {r["server_seq"]: r for r in s["inbox"]}
    event_party: dict[str, int | None] = {}
    for entry in s["change_log"]:
        if entry["type"] == "event":
            r = inbox_at[entry["server_seq"]]
            d = s["dossiers"].get(r["dossier_id"])
            other = None
            if d is not None and d["competent_id"] is not None and r["result"] != "quarantined":
                other = ({d["commune_id"], d["competent_id"]} - {r["commune_id"]}).pop()
            assert entry["party_id"] == other, (
                f"change log {entry['server_seq']} ({r['result']}) names party "
                f"{entry['party_id']}, not {other}")
            event_party[r["event_id"]] = other
        elif entry["type"] == "conflict":
            c = s["conflicts"][entry["ref_id"]]
            if c["resolved_at"] is None:  # a resolution names its own party
                assert entry["party_id"] == event_party[c["event_id"]], entry


def _check_holdings(s: dict, desk: _Desk) -> None:
    """7: nothing on a desk that its unit neither received nor decides."""
    device = s["devices"].get(desk.desk_id)
    if device is None:
        return
    unit = device["commune_id"]
    here = s["communes"][unit]
    for row in desk.rows("SELECT id, code, receiving_agency, competent_agency FROM dossiers"):
        receiving = row["receiving_agency"] or row["code"].split("-", 1)[0]
        competent = row["competent_agency"] or receiving
        assert here in (receiving, competent), \
            f"desk {desk.path} ({here}) holds {row['code']}, {receiving} for {competent}"
        stored = s["dossiers"].get(row["id"])
        if stored is not None:
            assert unit in (stored["commune_id"], stored["competent_id"]), \
                f"desk {desk.path} ({here}) holds the server's {row['code']} of another unit"
    stray = desk.rows("SELECT id FROM events WHERE dossier_id NOT IN (SELECT id FROM dossiers)")
    assert not stray, f"desk {desk.path}: events without their dossier {stray[:3]}"


def _check_converged(s: dict, desk: _Desk) -> None:
    """5: the desk holds exactly its unit's server rows, events and conflicts."""
    device = s["devices"][desk.desk_id]
    unit = device["commune_id"]
    own = desk.rows("SELECT count(*) AS n FROM events WHERE desk_id = ?", [desk.desk_id])[0]["n"]
    assert desk.acked == own == device["last_seq"], \
        f"desk {desk.path}: still waiting (acked {desk.acked}, own {own}, server " \
        f"{device['last_seq']})"
    visible = _visible(s, unit)
    server_rows = {i: _foreign_register(_norm(json.loads(s["dossiers"][i]["row_json"])),
                                        s["communes"][unit]) for i in visible}
    desk_rows = {r["id"]: _norm(r) for r in desk.rows("SELECT * FROM dossiers")}
    assert set(desk_rows) == set(server_rows), (
        f"desk {desk.path}: dossiers only here {sorted(set(desk_rows) - set(server_rows))[:3]}"
        f", only on the server {sorted(set(server_rows) - set(desk_rows))[:3]}")
    for dossier_id, mine in desk_rows.items():
        theirs = server_rows[dossier_id]
        diff = {k: (v, theirs.get(k)) for k, v in mine.items() if theirs.get(k) != v}
        assert not diff, f"desk {desk.path}: dossier {mine['code']} differs: {diff}"
    expected = _seen_events(s, unit, visible)
    held = {r["id"] for r in desk.rows("SELECT id FROM events")}
    missing, extra = expected - held, held - expected
    assert not missing, f"desk {desk.path}: {len(missing)} server events missing"
    assert not extra, f"desk {desk.path}: {len(extra)} events its unit does not see " \
        f"{sorted(extra)[:3]}"
    outcomes = {r["event_id"]: r["result"] for r in desk.rows(
        "SELECT event_id, result FROM event_outcomes")}
    results = {r["event_id"]: r["result"] for r in s["inbox"] if r["event_id"] is not None}
    wrong = {i: (outcomes[i], results[i]) for i in expected
             if outcomes.get(i) not in (results[i], "duplicate")}
    assert not wrong, f"desk {desk.path}: event outcomes differ from the server's: " \
        f"{list(wrong.items())[:3]}"
    shared = {i for i in visible if s["dossiers"][i]["competent_id"] is not None}
    server_conflicts = {c["id"]: bool(c["resolved_at"]) for c in s["conflicts"].values()
                        if c["commune_id"] == unit or c["dossier_id"] in shared}
    desk_conflicts = {r["id"]: bool(r["resolved_at"]) for r in desk.rows(
        "SELECT id, resolved_at FROM sync_conflicts")}
    assert desk_conflicts == server_conflicts, \
        f"desk {desk.path}: conflicts {desk_conflicts} != server {server_conflicts}"


def check(server: Engine | str, desks: list[str | Path], *, converged: bool) -> dict:
    """Assert the invariants; ``server``: an Engine or a database URL / SQLite path."""
    engine, made = _engine(server)
    try:
        s = _server_state(engine)
    finally:
        if made:
            engine.dispose()
    by_desk = _check_inbox(s)
    _check_legality(s)
    _check_sides(s)
    opened = [_Desk(path) for path in desks]
    try:
        for desk in opened:
            _check_desk(s, desk, by_desk.get(desk.desk_id, []))
            _check_holdings(s, desk)
            _check_chains(s, desk)
            if converged:
                _check_converged(s, desk)
    finally:
        for desk in opened:
            desk.close()
    results = Counter(r["result"] for r in s["inbox"])
    shared = {i for i, d in s["dossiers"].items() if d["competent_id"] is not None}
    return {"inbox": len(s["inbox"]), "dossiers": len(s["dossiers"]),
            "conflicts": len(s["conflicts"]), "results": dict(results),
            "max_seq": max(s["feeds"].values(), default=0), "shared": len(shared),
            "shared_events": sum(1 for r in s["inbox"] if r["dossier_id"] in shared
                                 and r["result"] == "applied"),
            "shared_conflicts": sum(1 for c in s["conflicts"].values()
                                    if c["dossier_id"] in shared),
            "wrong_side_quarantined": sum(1 for r in s["inbox"] if r["result"] == "quarantined"
                                          and (r["reason"] or "").startswith("wrong_side:"))}
