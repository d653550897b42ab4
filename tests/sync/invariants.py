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
   applied events in ``server_seq`` order; every conflict event has its conflict row;
4. a desk's pull cursor never passes the server's last ``server_seq``;
5. ``converged=True`` (after every desk did two full rounds with nothing new): each desk's
   dossiers are the server's rows of its commune, it holds every server event of its
   commune whose dossier exists, and its conflicts are the server's.

Chains: every desk's event and audit chains verify (audit_trail.verify), converged or not
(a pull page brings each desk's events in desk_seq order, so each chain is a prefix).

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
from counter_app.sync import projection

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
            "max_seq": conn.execute(text(
                "SELECT value FROM counters WHERE name = 'server_seq'")).scalar_one(),
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
    for r in s["change_log"]:
        assert r["server_seq"] <= s["max_seq"], r
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
    assert desk.cursor <= s["max_seq"], \
        f"desk {desk.path}: pull cursor {desk.cursor} beyond the server's {s['max_seq']}"
    if device is not None and device.get("last_hash") and last:
        assert device["last_hash"] == own[last - 1]["hash"]


def _check_converged(s: dict, desk: _Desk) -> None:
    """5: the desk holds exactly its commune's server rows, events and conflicts."""
    device = s["devices"][desk.desk_id]
    commune = device["commune_id"]
    own = desk.rows("SELECT count(*) AS n FROM events WHERE desk_id = ?", [desk.desk_id])[0]["n"]
    assert desk.acked == own == device["last_seq"], \
        f"desk {desk.path}: still waiting (acked {desk.acked}, own {own}, server " \
        f"{device['last_seq']})"
    server_rows = {d["id"]: _norm(json.loads(d["row_json"])) for d in s["dossiers"].values()
                   if d["commune_id"] == commune}
    desk_rows = {r["id"]: _norm(r) for r in desk.rows("SELECT * FROM dossiers")}
    assert set(desk_rows) == set(server_rows), (
        f"desk {desk.path}: dossiers only here {sorted(set(desk_rows) - set(server_rows))[:3]}"
        f", only on the server {sorted(set(server_rows) - set(desk_rows))[:3]}")
    for dossier_id, mine in desk_rows.items():
        theirs = server_rows[dossier_id]
        diff = {k: (v, theirs.get(k)) for k, v in mine.items() if theirs.get(k) != v}
        assert not diff, f"desk {desk.path}: dossier {mine['code']} differs: {diff}"
    expected = {r["event_id"] for r in s["inbox"] if r["commune_id"] == commune
                and r["event_id"] is not None and r["dossier_id"] in server_rows}
    held = {r["id"] for r in desk.rows("SELECT id FROM events")}
    missing = expected - held
    assert not missing, f"desk {desk.path}: {len(missing)} server events missing"
    outcomes = {r["event_id"]: r["result"] for r in desk.rows(
        "SELECT event_id, result FROM event_outcomes")}
    results = {r["event_id"]: r["result"] for r in s["inbox"] if r["event_id"] is not None}
    wrong = {i: (outcomes[i], results[i]) for i in expected
             if outcomes.get(i) not in (results[i], "duplicate")}
    assert not wrong, f"desk {desk.path}: event outcomes differ from the server's: " \
        f"{list(wrong.items())[:3]}"
    server_conflicts = {c["id"]: bool(c["resolved_at"]) for c in s["conflicts"].values()
                        if c["commune_id"] == commune}
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
    opened = [_Desk(path) for path in desks]
    try:
        for desk in opened:
            _check_desk(s, desk, by_desk.get(desk.desk_id, []))
            report = audit_trail.verify(sqlite_utils.Database(desk.conn))
            assert not report.broken, f"desk {desk.path}: chain broken {report.broken[:3]}"
            if converged:
                _check_converged(s, desk)
    finally:
        for desk in opened:
            desk.close()
    results = Counter(r["result"] for r in s["inbox"])
    return {"inbox": len(s["inbox"]), "dossiers": len(s["dossiers"]),
            "conflicts": len(s["conflicts"]), "results": dict(results),
            "max_seq": s["max_seq"]}
