"""The audit trail of a desk: checking both hash chains, and reading who did what, when.

``verify`` walks the event log and the audit log, desk by desk in sequence order, and names
the first broken link of each desk's chain (an edit, a deletion or an insertion made straight
in the SQLite file, behind the program's back). It also reports an append-only guard
(trigger) that was dropped.

``trail`` merges the dossiers' events and the audit entries, newest first, for a person to
read: time, officer, desk, what was done (in Vietnamese) and on what (a dossier code, an
account, a file). It never shows a citizen's personal data: an event's payload is left out.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field

import sqlite_utils

from counter_app.domain.lifecycle import EVENT_LABELS
from counter_app.domain.officers import normalise_username
from counter_app.domain.text import clean
from counter_app.store import audit_log, event_log, hash_chain, officer_store, settings_store

#: The triggers that make both logs append-only (schema v4).
GUARDS = ("events_append_only_update", "events_append_only_delete",
          "audit_log_append_only_update", "audit_log_append_only_delete")
TABLE_LABELS = {"events": "Nhật ký hồ sơ", "audit_log": "Nhật ký hệ thống"}
DEFAULT_LIMIT = 1000


@dataclass(frozen=True)
class Break:
    """The first row of one desk's chain in one table that does not follow from the chain."""
    table: str           # "events" or "audit_log"
    desk_id: str
    desk_seq: int        # the desk's sequence number of the row where the chain breaks
    row_id: str
    reason: str          # Vietnamese
    dossier_code: str = ""  # events only: the dossier the broken event belongs to

    def to_dict(self) -> dict:
        return dict(self.__dict__)

    @property
    def position(self) -> str:
        where = f"quầy {self.desk_id}, số thứ tự {self.desk_seq}, bản ghi {self.row_id}"
        if self.dossier_code:
            where += f", hồ sơ {self.dossier_code}"
        return f"{TABLE_LABELS.get(self.table, self.table)}: {where}"


@dataclass(frozen=True)
class AuditReport:
    events_checked: int
    audit_checked: int
    broken: list[Break] = field(default_factory=list)
    missing_guards: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.broken and not self.missing_guards

    def to_dict(self) -> dict:
        return {"ok": self.ok, "events_checked": self.events_checked,
                "audit_checked": self.audit_checked,
                "broken": [b.to_dict() for b in self.broken],
                "missing_guards": list(self.missing_guards)}


def _dossier_code(db: sqlite_utils.Database, event_id: str) -> str:
    row = db.execute("SELECT d.code FROM events e LEFT JOIN dossiers d ON d.id = e.dossier_id "
                     "WHERE e.id = ?", [event_id]).fetchone()
    return (row[0] or "") if row else ""


def _other_units_desks(db: sqlite_utils.Database) -> frozenset[str]:
    """Desks of another unit: none of their events here is on a dossier this unit received
    (they come only with the dossiers the two units share, so their chains have gaps here).
    Judged from the ``received`` events' payloads, which the hash chains protect, never
    from the dossier rows, which a hand-edited file could change to hide a deleted event.
    A desk of this unit that so far only processed dossiers received elsewhere counts as
    another unit's: its rows are still checked, its gaps are not."""
    agency = settings_store.agency(db)
    if agency is None:
        return frozenset()
    here = agency.agency_code
    own = {r[0] for r in db.execute(
        "SELECT DISTINCT e.desk_id FROM events r JOIN events e ON e.dossier_id = r.dossier_id "
        "WHERE r.kind = 'received' AND coalesce(json_extract(r.payload, '$.receiving_agency'),"
        " substr(json_extract(r.payload, '$.code'), 1, length(?))) = ?", [here, here])}
    every = {r[0] for r in db.execute("SELECT DISTINCT desk_id FROM events")}
    return frozenset(every - own - {settings_store.desk_id(db)})


def verify(db: sqlite_utils.Database) -> AuditReport:
    """Check both chains from their first row (read-only)."""
    events_checked, event_breaks = hash_chain.verify("events", event_log.chain_rows(db),
                                                     _other_units_desks(db))
    audit_checked, audit_breaks = hash_chain.verify("audit_log", audit_log.chain_rows(db))
    broken = [Break(b.table, b.desk_id, b.desk_seq, b.row_id, b.reason,
                    _dossier_code(db, b.row_id)) for b in event_breaks]
    broken += [Break(b.table, b.desk_id, b.desk_seq, b.row_id, b.reason) for b in audit_breaks]
    present = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")}
    return AuditReport(events_checked, audit_checked, broken,
                       [g for g in GUARDS if g not in present])


# -- reading the trail ---------------------------------------------------------------------
@dataclass(frozen=True)
class TrailEntry:
    at: str                  # as recorded (local wall-clock time of the desk)
    officer: str             # username (older events: the full name as typed)
    officer_name: str        # full name when the account is known, else ""
    desk_id: str
    desk_seq: int
    source: str              # "event" (a step of a dossier) or "audit"
    kind: str                # event kind or audit action
    label: str               # Vietnamese
    subject: str             # dossier code, username, file...
    detail: dict = field(default_factory=dict)  # audit entries only; never personal data

    @property
    def moment(self) -> dt.datetime:
        return dt.datetime.fromisoformat(self.at[:19])

    def to_dict(self) -> dict:
        return dict(self.__dict__)


def _bounds(column: str, since: dt.date | None, until: dt.date | None
            ) -> tuple[str, list[str]]:
    sql, params = "", []
    if since:
        sql += f" AND {column} >= ?"
        params.append(since.isoformat())
    if until:
        sql += f" AND {column} < ?"
        params.append((until + dt.timedelta(days=1)).isoformat())
    return sql, params


def _who(db: sqlite_utils.Database, column: str, officer: str | None) -> tuple[str, list[str]]:
    """An officer is matched by username, and by full name (given, or the account's) for
    events recorded before accounts existed (they hold the name as typed)."""
    if not officer:
        return "", []
    names = list(dict.fromkeys([normalise_username(officer), clean(officer)]))
    account = officer_store.get(db, names[0])
    if account is not None:
        names.append(account.full_name)
    return f" AND {column} IN ({', '.join('?' * len(names))})", names


def _events(db: sqlite_utils.Database, officer: str | None, since: dt.date | None,
            until: dt.date | None, limit: int) -> list[tuple]:
    when, when_params = _bounds("e.at", since, until)
    who, who_params = _who(db, "e.officer", officer)
    return db.execute(
        "SELECT e.at, e.officer, e.desk_id, e.desk_seq, e.kind, d.code FROM events e "
        f"LEFT JOIN dossiers d ON d.id = e.dossier_id WHERE 1 = 1{when}{who} "
        "ORDER BY e.at DESC, e.rowid DESC LIMIT ?", [*when_params, *who_params, limit]).fetchall()


def _audit_entries(db: sqlite_utils.Database, officer: str | None, since: dt.date | None,
                   until: dt.date | None, limit: int) -> list[audit_log.AuditEntry]:
    when, when_params = _bounds("at", since, until)
    who, who_params = _who(db, "officer", officer)
    rows = db.query(f"SELECT * FROM audit_log WHERE 1 = 1{when}{who} "
                    "ORDER BY at DESC, rowid DESC LIMIT ?", [*when_params, *who_params, limit])
    return [audit_log.AuditEntry(**{**r, "detail": json.loads(r["detail"])}) for r in rows]


def _audit_subject(entry: audit_log.AuditEntry) -> str:
    file = entry.detail.get("file")
    if entry.action == audit_log.AuditAction.EXPORT.value and file:
        return file
    return entry.subject


def _audit_label(action: str) -> str:
    try:
        return audit_log.AuditAction(action).label
    except ValueError:
        return action


def trail(db: sqlite_utils.Database, officer: str | None = None,
          since: dt.date | None = None, until: dt.date | None = None,
          limit: int = DEFAULT_LIMIT) -> list[TrailEntry]:
    """Dossier events and audit entries merged, newest first (at most ``limit``)."""
    names = {u: o.full_name for u, o in officer_store.display_names(db).items()}
    known = set(names.values())  # older events hold the full name itself

    def name_of(who: str) -> str:
        return names.get(who) or (who if who in known else "")

    entries = [TrailEntry(at, who, name_of(who), desk, seq, "event", kind,
                          EVENT_LABELS.get(kind, kind), code or "")
               for at, who, desk, seq, kind, code in _events(db, officer, since, until, limit)]
    entries += [TrailEntry(e.at, e.officer, name_of(e.officer), e.desk_id, e.desk_seq, "audit",
                           e.action, _audit_label(e.action), _audit_subject(e), e.detail)
                for e in _audit_entries(db, officer, since, until, limit)]
    entries.sort(key=lambda e: e.at[:19], reverse=True)
    return entries[:limit]
