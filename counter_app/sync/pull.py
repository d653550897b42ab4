"""Bringing the commune's changes down from the server (PROTOCOL.md, Pull and Snapshot).

A new desk (cursor 0) asks for the snapshot; afterwards it pages through ``/v1/pull``. Each
page is applied in ONE SQLite transaction that also saves its cursor, so a page is either
all in (with its cursor) or not at all, and the next round asks for it again:

- each dossier row of the page replaces the desk's, except a dossier with events of this
  desk the server has not acknowledged yet (its final row comes on a later page); the
  applicant is matched by ID number (each desk keeps its own ``applicants.id``);
- the events the desk lacks are inserted as they are (their own desk, sequence and hashes),
  so every desk's chain is complete on every desk; an event whose dossier is not here (a
  quarantined one) is left out;
- each event's result goes to ``event_outcomes``, and conflicts to ``sync_conflicts``
  (a resolution made here and not sent yet is kept).

A new desk (cursor 0) takes the snapshot page by page (``/v1/snapshot?after=…``): each
page in its own transaction, the snapshot's cursor saved with the last page only (an
interrupted snapshot starts again; nothing is lost, pages are applied idempotently). The
next page is fetched (and parsed) in a second thread while this one is written.

Fast on purpose (a new desk takes 100,000 events in seconds): whole-page ``executemany``
and set lookups, never a query per row; a snapshot's events carry their payload as the
stored text, written as it comes.
"""

from __future__ import annotations

import contextlib
import gc
import json
import operator
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import sqlite_utils

from counter_app.store.database import transaction
from counter_app.store.ids import new_id
from counter_app.sync import desk_state
from counter_app.sync.errors import ServerUnreachable
from counter_app.sync.push import EVENT_COLUMNS
from counter_app.sync.transport import Channel

PAGE = 2000
SNAPSHOT_PAGE = 5000  # dossiers (about 4 events each) in one snapshot page
BULK = 500  # new dossiers in one page from which the search index is filled in bulk
_PAYLOAD = json.JSONEncoder(ensure_ascii=False, sort_keys=True)  # as event_log stores it
_CHUNK = 900  # host parameters per IN (...) lookup
_JSON_COLUMNS = ("procedure_snapshot", "documents")
CONFLICT_COLUMNS = ("id", "dossier_id", "code", "kind", "detail", "created_at", "resolved_at",
                    "resolved_by", "resolution")


@dataclass
class PullReport:
    events: int = 0          # events new to this desk
    dossiers: int = 0        # dossier rows written from the server
    kept_local: int = 0      # dossier rows not replaced: this desk's events are on their way
    conflicts: int = 0       # conflicts new or changed
    pages: int = 0
    snapshot: bool = False

    def to_dict(self) -> dict:
        return dict(self.__dict__)

    def add(self, other: PullReport) -> None:
        for key in ("events", "dossiers", "kept_local", "conflicts", "pages"):
            setattr(self, key, getattr(self, key) + getattr(other, key))


def _chunks(values: list, size: int = _CHUNK) -> Iterator[list]:
    for start in range(0, len(values), size):
        yield values[start:start + size]


def _existing(db: sqlite_utils.Database, sql: str, values: Iterable) -> list[tuple]:
    """Rows of ``sql`` (with one ``{marks}`` IN list) over every value, chunk by chunk."""
    found: list[tuple] = []
    for chunk in _chunks(list(dict.fromkeys(values))):
        marks = ", ".join("?" for _ in chunk)
        found.extend(db.execute(sql.format(marks=marks), chunk).fetchall())
    return found


def _dossier_columns(db: sqlite_utils.Database) -> list[str]:
    return [r[1] for r in db.execute("PRAGMA table_info(dossiers)")]


def _pending_dossiers(db: sqlite_utils.Database, desk_id: str) -> set[str]:
    """Dossiers with events of this desk (its chains taken over after a restore included)
    the server has not acknowledged."""
    pending: set[str] = set()
    for chain in desk_state.chains(db, desk_id):
        acked = int(desk_state.get(db, desk_state.chain_keys(chain, desk_id)[0], 0))
        pending.update(r[0] for r in db.execute("SELECT DISTINCT dossier_id FROM events "
                                                "WHERE desk_id = ? AND desk_seq > ?",
                                                [chain, acked]))
    return pending


def _applicant_ids(db: sqlite_utils.Database, rows: list[dict]) -> dict[str, str]:
    """Applicant id by ID number for these dossiers, adding the applicants this desk lacks
    (from the dossier's own applicant columns; the latest dossier of a person wins)."""
    numbers = {r["applicant_id_number"] for r in rows}
    ids = dict(_existing(db, "SELECT id_number, id FROM applicants WHERE id_number IN "
                             "({marks})", numbers))
    missing: dict[str, dict] = {}
    for row in rows:
        number = row["applicant_id_number"]
        if number not in ids and (number not in missing
                                  or row["received_at"] > missing[number]["received_at"]):
            missing[number] = row
    new = []
    for number, row in missing.items():
        ids[number] = new_id()
        new.append((ids[number], number, row["applicant_kind"], row["applicant_name"],
                    row.get("applicant_phone") or "", row.get("applicant_address") or "",
                    row.get("applicant_email") or "", row["updated_at"]))
    db.conn.executemany("INSERT INTO applicants (id, id_number, kind, full_name, phone, address, "
                        "email, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", new)
    return ids


def _clashing(db: sqlite_utils.Database, rows: list[dict]) -> set[str]:
    """Server dossiers whose code is held here by another dossier (never written over)."""
    by_code = {r["code"]: r["id"] for r in rows}
    held = _existing(db, "SELECT code, id FROM dossiers WHERE code IN ({marks})", by_code)
    return {by_code[code] for code, local_id in held if by_code[code] != local_id}


def _bulk_insert(db: sqlite_utils.Database, sql: str, values: list[list]) -> None:
    """Insert many NEW dossiers: the search index is filled in one statement afterwards
    instead of by its trigger row by row (ten times faster for a new desk's snapshot).
    The trigger is put back exactly as the schema has it, in the same transaction, so no
    other connection ever sees it missing."""
    trigger = db.execute("SELECT sql FROM sqlite_master WHERE type = 'trigger' "
                         "AND name = 'dossiers_fts_insert'").fetchone()
    if trigger is None:
        db.conn.executemany(sql, values)
        return
    last = db.execute("SELECT coalesce(max(rowid), 0) FROM dossiers").fetchone()[0]
    db.execute("DROP TRIGGER dossiers_fts_insert")
    db.conn.executemany(sql, values)
    db.execute("INSERT INTO dossiers_fts (rowid, search) SELECT rowid, search FROM dossiers "
               "WHERE rowid > ?", [last])
    db.execute(trigger[0])


def _write_dossiers(db: sqlite_utils.Database, rows: list[dict], desk_id: str,
                    report: PullReport) -> set[str]:
    """Upsert the page's dossier rows; returns the ids written."""
    pending = _pending_dossiers(db, desk_id)
    skip = pending | _clashing(db, rows)
    report.kept_local += sum(1 for r in rows if r["id"] in pending)
    rows = [r for r in rows if r["id"] not in skip]
    if not rows:
        return set()
    columns = [c for c in _dossier_columns(db) if c != "applicant_id"]
    columns = [c for c in columns if c in rows[0]]
    ids = _applicant_ids(db, rows)
    here = {r[0] for r in _existing(db, "SELECT id FROM dossiers WHERE id IN ({marks})",
                                    [r["id"] for r in rows])}
    new, known = [], []
    values = operator.itemgetter(*columns)
    as_text = [i for i, c in enumerate(columns) if c in _JSON_COLUMNS]
    for row in rows:
        try:
            value = list(values(row))
        except KeyError:  # a row without some column: NULL, or the column's default
            value = [row.get(c) for c in columns]
        for i in as_text:
            if not isinstance(value[i], str):
                value[i] = json.dumps(value[i], ensure_ascii=False)
        value.append(ids[row["applicant_id_number"]])
        (known if row["id"] in here else new).append(value)
    names = [*columns, "applicant_id"]
    insert = (f"INSERT INTO dossiers ({', '.join(names)}) "
              f"VALUES ({', '.join('?' for _ in names)})")
    updates = ", ".join(f"{c} = excluded.{c}" for c in names if c != "id")
    db.conn.executemany(f"{insert} ON CONFLICT(id) DO UPDATE SET {updates}", known)
    if len(new) >= BULK:
        _bulk_insert(db, insert, new)
    else:
        db.conn.executemany(insert, new)
    report.dossiers += len(rows)
    return {r["id"] for r in rows}


def _write_events(db: sqlite_utils.Database, changes: list[dict], written: set[str],
                  report: PullReport) -> None:
    events = [c for c in changes if c.get("type") == "event" and c.get("event")]
    dossier_ids = {c["event"]["dossier_id"] for c in events} - written
    present = written | {r[0] for r in _existing(
        db, "SELECT id FROM dossiers WHERE id IN ({marks})", dossier_ids)}
    rows = []
    for change in events:
        e = change["event"]
        if e["dossier_id"] not in present:
            continue
        payload = e["payload"]
        if not isinstance(payload, str):
            payload = _PAYLOAD.encode(payload)
        rows.append([*(e[c] for c in EVENT_COLUMNS[:7]), payload, e["prev_hash"], e["hash"]])
    before = db.conn.total_changes
    db.conn.executemany(f"INSERT OR IGNORE INTO events ({', '.join(EVENT_COLUMNS)}) "
                        f"VALUES ({', '.join('?' for _ in EVENT_COLUMNS)})", rows)
    report.events += db.conn.total_changes - before
    db.conn.executemany(  # only for events that are here (not those left out above)
        "INSERT INTO event_outcomes (event_id, result, server_seq) "
        "SELECT ?, ?, ? WHERE EXISTS (SELECT 1 FROM events WHERE id = ?) "
        "ON CONFLICT(event_id) DO UPDATE SET result = excluded.result, "
        "server_seq = excluded.server_seq",
        [(c["event"]["id"], c.get("result") or "applied", c["server_seq"], c["event"]["id"])
         for c in events])


def _conflict_row(conflict: dict) -> list:
    detail = conflict.get("detail", conflict.get("detail_json", {}))
    if not isinstance(detail, str):
        detail = json.dumps(detail, ensure_ascii=False, sort_keys=True)
    row = {**conflict, "detail": detail}
    for text in ("code", "resolved_by", "resolution"):
        row[text] = row.get(text) or ""
    return [row.get(c) for c in CONFLICT_COLUMNS]


def _write_conflicts(db: sqlite_utils.Database, changes: list[dict], report: PullReport) -> None:
    rows = [_conflict_row(c["conflict"]) for c in changes
            if c.get("type") == "conflict" and c.get("conflict")]
    # A resolution made here and not sent yet stays until the server reports one.
    db.conn.executemany(
        f"INSERT INTO sync_conflicts ({', '.join(CONFLICT_COLUMNS)}) "
        f"VALUES ({', '.join('?' for _ in CONFLICT_COLUMNS)}) ON CONFLICT(id) DO UPDATE SET "
        "dossier_id = excluded.dossier_id, code = excluded.code, kind = excluded.kind, "
        "detail = excluded.detail, created_at = excluded.created_at, "
        "resolved_at = coalesce(excluded.resolved_at, sync_conflicts.resolved_at), "
        "resolved_by = CASE WHEN excluded.resolved_at IS NULL THEN sync_conflicts.resolved_by "
        "ELSE excluded.resolved_by END, "
        "resolution = CASE WHEN excluded.resolved_at IS NULL THEN sync_conflicts.resolution "
        "ELSE excluded.resolution END, "
        "resolution_sent = CASE WHEN excluded.resolved_at IS NULL "
        "THEN sync_conflicts.resolution_sent ELSE 1 END", rows)
    report.conflicts += len(rows)


def apply_page(db: sqlite_utils.Database, page: dict, desk_id: str,
               save_cursor: bool = True) -> PullReport:
    """One page (or a snapshot page) in one transaction, with its cursor (a snapshot page
    but the last: without)."""
    report = PullReport(pages=1)
    changes = page.get("changes") or []
    with transaction(db):
        written = _write_dossiers(db, page.get("dossiers") or [], desk_id, report)
        _write_events(db, changes, written, report)
        _write_conflicts(db, changes, report)
        if save_cursor:
            cursor = int(desk_state.get(db, desk_state.PULL_CURSOR, 0))
            desk_state.put(db, desk_state.PULL_CURSOR, max(cursor, int(page["next_cursor"])))
    return report


@contextlib.contextmanager
def _no_cyclic_gc() -> Iterator[None]:
    """A page is millions of small objects and no cycles: the cyclic collector would only
    walk them again and again while they are parsed and written (a second or more on a
    snapshot). Reference counting still frees everything."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def pull(db: sqlite_utils.Database, channel: Channel, desk_id: str,
         limit: int = PAGE) -> PullReport:
    """Everything new since the saved cursor (the snapshot for a new desk)."""
    with _no_cyclic_gc():
        return _pull(db, channel, desk_id, limit)


def _snapshot(db: sqlite_utils.Database, channel: Channel, desk_id: str,
              report: PullReport) -> None:
    """Every page of the snapshot; the next one is fetched while this one is written.
    Its cursor (taken by the server on the first page) is saved with the last page."""
    def fetch(params: dict) -> dict:
        return channel.call("GET", "/v1/snapshot", params={"limit": SNAPSHOT_PAGE, **params})

    with ThreadPoolExecutor(1, thread_name_prefix="snapshot") as fetcher:
        coming = fetcher.submit(fetch, {})
        cursor = None
        while True:
            page = coming.result()
            if cursor is None:
                cursor = int(page["next_cursor"])
            after = page.get("after")
            more = bool(page.get("has_more"))
            if more and not (isinstance(after, str) and after):
                raise ServerUnreachable("Máy chủ trả lời không đúng định dạng. Sẽ thử lại sau.")
            if more:
                coming = fetcher.submit(fetch, {"cursor": cursor, "after": after})
            try:
                report.add(apply_page(db, {**page, "next_cursor": cursor}, desk_id,
                                      save_cursor=not more))
            except BaseException:
                coming.cancel()
                raise
            del page
            if not more:
                return


def _pull(db: sqlite_utils.Database, channel: Channel, desk_id: str, limit: int) -> PullReport:
    report = PullReport()
    if int(desk_state.get(db, desk_state.PULL_CURSOR, 0)) == 0:
        report.snapshot = True
        _snapshot(db, channel, desk_id, report)
    while True:
        cursor = int(desk_state.get(db, desk_state.PULL_CURSOR, 0))
        page = channel.call("GET", "/v1/pull", params={"cursor": cursor, "limit": limit})
        report.add(apply_page(db, page, desk_id))
        if not page.get("has_more") or int(page["next_cursor"]) <= cursor:
            return report
