"""Sending what this desk wrote to the server (PROTOCOL.md, Push).

The event log is the outbox: this desk's events with ``desk_seq`` above ``acked_through``,
in order, at most 2,000 a request, with its audit entries, the accounts changed here
(``local_rev > pushed_rev``) and the conflict resolutions not sent yet. The server's reply
is stored in ONE transaction: the acknowledged sequence numbers, each event's result, the
accounts marked as pushed (at the revision that was sent: a change made meanwhile goes at
the next round) and the resolutions marked as sent. A lost reply is harmless: the same
batch goes again and comes back as duplicates.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter as Tally
from dataclasses import dataclass, field

import sqlite_utils

from counter_app.store import audit_log, officer_store, procedure_versions, settings_store
from counter_app.store.audit_log import AuditAction
from counter_app.store.database import transaction
from counter_app.sync import desk_state
from counter_app.sync.reference import SYSTEM
from counter_app.sync.transport import CLIENT_SCHEMA, Channel

BATCH = 2000
EVENT_COLUMNS = ("id", "dossier_id", "desk_id", "desk_seq", "at", "officer", "kind",
                 "payload", "prev_hash", "hash")
AUDIT_COLUMNS = ("id", "desk_id", "desk_seq", "at", "officer", "action", "subject", "detail",
                 "prev_hash", "hash")


@dataclass
class PushReport:
    sent: int = 0                        # events sent (including resent duplicates)
    results: Tally = field(default_factory=Tally)  # applied / duplicate / conflict / ...
    audit_sent: int = 0
    officers_sent: int = 0
    resolutions_sent: int = 0
    requests: int = 0

    def to_dict(self) -> dict:
        return {"sent": self.sent, "applied": self.results["applied"],
                "duplicates": self.results["duplicate"], "conflicts": self.results["conflict"],
                "quarantined": self.results["quarantined"], "audit_sent": self.audit_sent,
                "officers_sent": self.officers_sent, "resolutions_sent": self.resolutions_sent,
                "requests": self.requests}


def waiting(db: sqlite_utils.Database, desk_id: str) -> int:
    """This desk's events the server has not acknowledged (its chains taken over included)."""
    total = 0
    for chain in desk_state.chains(db, desk_id):
        acked = int(desk_state.get(db, desk_state.chain_keys(chain, desk_id)[0], 0))
        total += db.execute("SELECT count(*) FROM events WHERE desk_id = ? AND desk_seq > ?",
                            [chain, acked]).fetchone()[0]
    return total


def _events(db: sqlite_utils.Database, desk_id: str, after: int) -> list[dict]:
    """The next batch; each payload stays the JSON text stored (and hashed) on the desk."""
    rows = db.execute(f"SELECT {', '.join(EVENT_COLUMNS)} FROM events WHERE desk_id = ? "
                      "AND desk_seq > ? ORDER BY desk_seq LIMIT ?", [desk_id, after, BATCH])
    return [dict(zip(EVENT_COLUMNS, row, strict=True)) for row in rows]


_EVENTS_SLOT = '"<events>"'


def _body(fields: dict, events: list[dict]) -> bytes:
    """The push body as JSON bytes, each event's stored payload text spliced in as it is
    (valid JSON already: parsing and re-encoding 2,000 payloads is most of the desk's work)."""
    encode = json.JSONEncoder(ensure_ascii=False).encode
    parts = []
    for event in events:
        head = encode({k: v for k, v in event.items() if k != "payload"})
        parts.append(f'{head[:-1]},"payload":{event["payload"]}}}')
    text = encode({**fields, "events": "<events>"})  # the last key: its slot is the last match
    before, _, after = text.rpartition(_EVENTS_SLOT)
    return f"{before}[{','.join(parts)}]{after}".encode()


def _versions(db: sqlite_utils.Database, events: list[dict]) -> dict[str, dict]:
    """The procedure versions the batch's received events name, id -> body: the server
    rebuilds each dossier from its event and its version (PROTOCOL.md, Push)."""
    ids = set()
    for e in events:
        if e["kind"] == "received":
            vid = json.loads(e["payload"]).get("procedure_version")
            if vid:
                ids.add(vid)
    return procedure_versions.bodies(db, ids)


def _audit(db: sqlite_utils.Database, desk_id: str, after: int) -> list[dict]:
    rows = db.execute(f"SELECT {', '.join(AUDIT_COLUMNS)} FROM audit_log WHERE desk_id = ? "
                      "AND desk_seq > ? ORDER BY desk_seq LIMIT ?", [desk_id, after, BATCH])
    entries = []
    for row in rows:
        entry = dict(zip(AUDIT_COLUMNS, row, strict=True))
        entry["detail"] = json.loads(entry["detail"])
        entries.append(entry)
    return entries


def _officers(db: sqlite_utils.Database) -> list[tuple[dict, int]]:
    """Accounts changed here since the last push, signed, with the revision being sent (an
    unsigned one waits for an administrator's sign-in; one the server refused waits for a
    change or a new enrolment)."""
    rows = db.query("SELECT * FROM officers WHERE local_rev > pushed_rev "
                    "AND signed IS NOT NULL AND sync_refused IS NULL ORDER BY username")
    return [(officer_store.as_record(r), r["local_rev"]) for r in rows]


def _resolutions(db: sqlite_utils.Database) -> list[dict]:
    rows = db.query("SELECT id, resolved_by, resolution, resolved_at FROM sync_conflicts "
                    "WHERE resolution_sent = 0 AND resolved_at IS NOT NULL ORDER BY resolved_at")
    return [{"conflict_id": r["id"], "resolved_by": r["resolved_by"],
             "resolution": r["resolution"], "resolved_at": r["resolved_at"]} for r in rows]


def _store_reply(db: sqlite_utils.Database, reply: dict, events: list[dict],
                 officers: list[tuple[dict, int]], resolutions: list[dict],
                 keys: tuple[str, str]) -> None:
    by_seq = {e["desk_seq"]: e["id"] for e in events}
    outcomes = [(by_seq[r["seq"]], r["status"], r["server_seq"])
                for r in reply.get("results") or []
                if r.get("seq") in by_seq and isinstance(r.get("server_seq"), int)]
    with transaction(db):
        acked = int(desk_state.get(db, keys[0], 0))
        audit_acked = int(desk_state.get(db, keys[1], 0))
        desk_state.put(db, keys[0], max(acked, int(reply.get("acked_through") or 0)))
        desk_state.put(db, keys[1],
                       max(audit_acked, int(reply.get("audit_acked_through") or 0)))
        # "duplicate" says only that the server had it: it never hides a result already known
        db.conn.executemany(
            "INSERT INTO event_outcomes (event_id, result, server_seq) VALUES (?, ?, ?) "
            "ON CONFLICT(event_id) DO UPDATE SET result = excluded.result, "
            "server_seq = excluded.server_seq WHERE excluded.result != 'duplicate'", outcomes)
        db.conn.executemany("UPDATE officers SET pushed_rev = ? WHERE username = ? "
                            "AND pushed_rev < ?",
                            [(rev, o["username"], rev) for o, rev in officers])
        _refused_accounts(db, reply, {o["username"] for o, _ in officers})
        db.conn.executemany("UPDATE sync_conflicts SET resolution_sent = 1 WHERE id = ?",
                            [(r["conflict_id"],) for r in resolutions])


def _refused_accounts(db: sqlite_utils.Database, reply: dict, sent: set[str]) -> None:
    """Accounts the server refused (a signature it does not accept): kept as they are here,
    not sent again until they change, and each one in the audit trail."""
    refused = {r["username"]: str(r.get("reason") or "")[:300]
               for r in reply.get("officers_refused") or []
               if isinstance(r, dict) and r.get("username") in sent}
    if not refused:
        return
    officer_store.mark_refused(db, refused)
    desk_id, now = settings_store.desk_id(db), dt.datetime.now().astimezone()
    for username, why in sorted(refused.items()):
        audit_log.append(db, desk_id=desk_id, officer=SYSTEM, at=now, subject=username,
                         action=AuditAction.OFFICER_SYNC_REFUSED,
                         detail={"reason": why, "where": "server"})


def push(db: sqlite_utils.Database, channel: Channel, desk_id: str,
         desk_time: str | None = None) -> PushReport:
    """Send everything waiting, batch after batch, until the server has it all: first the
    chains of the desk ids this file had before a restore (taken over at enrolment), then
    its own with the accounts and resolutions."""
    report = PushReport()
    for chain in desk_state.chains(db, desk_id):
        _push_chain(db, channel, chain, desk_id, desk_time, report)
    return report


def _push_chain(db: sqlite_utils.Database, channel: Channel, chain: str, desk_id: str,
                desk_time: str | None, report: PushReport) -> None:
    keys = desk_state.chain_keys(chain, desk_id)
    own = chain == desk_id
    while True:
        acked = int(desk_state.get(db, keys[0], 0))
        audit_acked = int(desk_state.get(db, keys[1], 0))
        events = _events(db, chain, acked)
        audit = _audit(db, chain, audit_acked)
        officers = _officers(db) if own else []
        resolutions = _resolutions(db) if own else []
        if not (events or audit or officers or resolutions):
            return
        fields = {"desk_id": chain, "client_schema": CLIENT_SCHEMA,
                  "desk_time": desk_time or channel.desk_time(),
                  "waiting": waiting(db, desk_id), "audit": audit,
                  "officers": [o for o, _ in officers], "resolutions": resolutions,
                  "procedure_versions": _versions(db, events)}
        reply = channel.call("POST", "/v1/push", _body(fields, events))
        _store_reply(db, reply, events, officers, resolutions, keys)
        report.requests += 1
        report.sent += len(events)
        report.audit_sent += len(audit)
        report.officers_sent += len(officers)
        report.resolutions_sent += len(resolutions)
        report.results.update(r.get("status", "") for r in reply.get("results") or [])
        moved = (int(desk_state.get(db, keys[0], 0)) > acked
                 or int(desk_state.get(db, keys[1], 0)) > audit_acked)
        if not moved:  # the server took nothing more: never loop on the same batch
            return
