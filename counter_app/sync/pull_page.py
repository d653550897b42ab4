"""Applying one page the server sent (PROTOCOL.md, Pull and Snapshot) to the desk's file, in
ONE SQLite transaction that also saves its cursor, so a page is either all in (with its
cursor) or not at all:

- each dossier row of the page replaces the desk's, except a dossier with events of this
  desk the server has not acknowledged yet (its final row comes on a later page); the
  applicant is matched by ID number (each desk keeps its own ``applicants.id``);
- the events the desk lacks are inserted as they are (their own desk, sequence and hashes),
  so every desk's chain is complete on every desk; an event whose dossier is not here (a
  quarantined one) is left out;
- each event's result goes to ``event_outcomes``, and conflicts to ``sync_conflicts``
  (a resolution made here and not sent yet is kept).

Fast on purpose (a new desk takes 100,000 events in seconds): whole-page ``executemany``
and set lookups, never a query per row; a snapshot's events carry their payload as the
stored text, written as it comes.

A page never gets the desk stuck. The page's dossier rows (and events) are written in a
SAVEPOINT; if one row breaks a rule of this desk's schema (a register number held here by
another dossier, a NULL, a wrong type, a missing key), the savepoint is rolled back and the
rows are written one by one, each in its own savepoint: the ones that fail are left out
(their events too), recorded in ``sync_state`` (``unwritable_dossiers``, shown by the sync
status) and the cursor moves on. Row by row only after the bulk write failed: the bulk
write stays the normal case.

Two processes syncing one desk file (the window's schedule and ``counter-app sync``) never
put an older page over a newer one: a page is applied only if the saved cursor is still
the one it was asked from (a snapshot page: while the cursor is 0 and no later snapshot
has begun); otherwise it is dropped whole and this pull stops, the other one goes on.
"""

from __future__ import annotations

import contextlib
import json
import logging
import operator
import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import sqlite_utils

from counter_app.store import procedure_versions, settings_store
from counter_app.store.database import transaction
from counter_app.store.hash_chain import stored_json
from counter_app.store.ids import new_id
from counter_app.sync import desk_state
from counter_app.sync.push import EVENT_COLUMNS
from counter_app.sync.unwritable import UNWRITABLE, note, reason, record, unwritable  # noqa: F401

log = logging.getLogger(__name__)

PAGE = 2000
SNAPSHOT_PAGE = 5000  # dossiers (about 4 events each) in one snapshot page
BULK = 500  # new dossiers in one page from which the search index is filled in bulk
_CHUNK = 900  # host parameters per IN (...) lookup
_JSON_COLUMNS = ("documents", "proxy")
#: sync_state: dossiers (and events) of the server this desk could not store, newest last:
#: [{"id", "code", "kind": "dossier" | "event", "reason", "at"}].
#: sync_state: the cursor of the snapshot being taken (pages of an older one are dropped).
SNAPSHOT_AT = "snapshot_cursor"
#: What one bad row of the server's raises while it is written; anything else (a full disk,
#: a locked database) stops the page as before.
ROW_ERRORS = (sqlite3.IntegrityError, sqlite3.ProgrammingError, sqlite3.InterfaceError,
              OverflowError, KeyError, TypeError, ValueError, AttributeError)
CONFLICT_COLUMNS = ("id", "dossier_id", "code", "kind", "detail", "created_at", "resolved_at",
                    "resolved_by", "resolution")


@dataclass
class PullReport:
    events: int = 0          # events new to this desk
    dossiers: int = 0        # dossier rows written from the server
    kept_local: int = 0      # dossier rows not replaced: this desk's events are on their way
    conflicts: int = 0       # conflicts new or changed
    skipped: int = 0         # dossier rows (and events) this desk could not store: recorded
    pages: int = 0
    discarded: int = 0       # pages dropped: another process of this desk pulled meanwhile
    snapshot: bool = False

    def to_dict(self) -> dict:
        return dict(self.__dict__)

    def add(self, other: PullReport) -> None:
        for key in ("events", "dossiers", "kept_local", "conflicts", "skipped", "pages",
                    "discarded"):
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


def _registers_held(db: sqlite_utils.Database, rows: list[dict]) -> dict[str, str]:
    """Server dossiers whose register entry (book, number) another dossier holds here (a
    restored desk received again with the numbers it had used after its backup): id ->
    reason. Their rows cannot be stored on this desk."""
    wanted: dict[tuple[str, int], list[str]] = {}
    for row in rows:
        book, number = row.get("register_book"), row.get("register_no")
        if isinstance(book, str) and type(number) is int and -2**63 <= number < 2**63:
            wanted.setdefault((book, number), []).append(row["id"])
    held: dict[str, str] = {}
    pairs = list(wanted)
    for start in range(0, len(pairs), _CHUNK // 2):
        chunk = pairs[start:start + _CHUNK // 2]
        sql = (f"WITH page (book, number) AS (VALUES {', '.join('(?, ?)' for _ in chunk)}) "
               "SELECT d.register_book, d.register_no, d.id FROM page JOIN dossiers d "
               "ON d.register_book = page.book AND d.register_no = page.number")
        for book, number, local_id in db.execute(sql, [v for pair in chunk for v in pair]):
            for dossier_id in wanted[(book, number)]:
                if dossier_id != local_id:
                    held[dossier_id] = (f"register {book} no. {number} is held here by "
                                        f"another dossier ({local_id})")
    return held


def _foreign_registers(db: sqlite_utils.Database, rows: list[dict]) -> None:
    """A dossier another unit received for this one is in that unit's register, whose books
    are named as this desk's ("01/2026"): here its book is qualified by the receiving
    agency's code ("H56.245 01/2026"), so the two registers never clash on this desk."""
    agency = settings_store.agency(db)
    if agency is None:
        return
    for row in rows:
        code, book = row.get("code"), row.get("register_book")
        receiving = row.get("receiving_agency") or str(code).split("-", 1)[0]
        if isinstance(book, str) and receiving != agency.agency_code \
                and not book.startswith(f"{receiving} "):
            row["register_book"] = f"{receiving} {book}"


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


@contextlib.contextmanager
def _savepoint(db: sqlite_utils.Database, name: str) -> Iterator[None]:
    """What is written inside is undone on an exception (the page's transaction goes on)."""
    db.conn.execute(f"SAVEPOINT {name}")
    try:
        yield
    except BaseException:
        db.conn.execute(f"ROLLBACK TO {name}")
        db.conn.execute(f"RELEASE {name}")
        raise
    db.conn.execute(f"RELEASE {name}")


def _write_rows(db: sqlite_utils.Database, sql: str, rows: list) -> tuple[int, list]:
    """``executemany`` in a savepoint; if a row breaks a rule, row by row, leaving out the
    rows that fail. Returns (rows changed, [(row, exception)] left out)."""
    try:
        with _savepoint(db, "pull_rows"):
            return db.conn.executemany(sql, rows).rowcount, []
    except ROW_ERRORS:
        pass
    changed, failed = 0, []
    for row in rows:
        try:
            with _savepoint(db, "pull_row"):
                changed += db.conn.execute(sql, row).rowcount
        except ROW_ERRORS as exc:
            failed.append((row, exc))
    return changed, failed


def _store_versions(db: sqlite_utils.Database, rows: list[dict]) -> None:
    """The server's rows carry their procedure's body: stored here once per version, the
    row keeping only the id (``procedure_versions``)."""
    for row in rows:
        body = row.get("procedure_snapshot")
        if body is None and procedure_versions.get(db, row.get("procedure_version") or ""):
            continue  # a row naming a version this desk has
        if isinstance(body, str):
            body = json.loads(body)
        if not isinstance(body, dict):
            raise ValueError("procedure_snapshot must be an object")
        row["procedure_version"] = procedure_versions.put(db, body)


def _upsert_dossiers(db: sqlite_utils.Database, rows: list[dict], table: list[str],
                     one_by_one: bool) -> None:
    _store_versions(db, rows)
    # Every column any row of the page has: rows written before a column existed (or from
    # events of desks of earlier versions) lack it and store NULL there, never the others.
    present = set().union(*rows)
    columns = [c for c in table if c != "applicant_id" and c in present]
    ids = _applicant_ids(db, rows)
    here = set() if one_by_one else {r[0] for r in _existing(
        db, "SELECT id FROM dossiers WHERE id IN ({marks})", [r["id"] for r in rows])}
    new, known = [], []
    values = operator.itemgetter(*columns)
    as_text = [i for i, c in enumerate(columns) if c in _JSON_COLUMNS]
    for row in rows:
        try:
            value = list(values(row))
        except KeyError:  # a row without some column: NULL, or the column's default
            value = [row.get(c) for c in columns]
        for i in as_text:
            if value[i] is not None and not isinstance(value[i], str):
                value[i] = json.dumps(value[i], ensure_ascii=False)
        value.append(ids[row["applicant_id_number"]])
        (known if one_by_one or row["id"] in here else new).append(value)
    names = [*columns, "applicant_id"]
    insert = (f"INSERT INTO dossiers ({', '.join(names)}) "
              f"VALUES ({', '.join('?' for _ in names)})")
    updates = ", ".join(f"{c} = excluded.{c}" for c in names if c != "id")
    db.conn.executemany(f"{insert} ON CONFLICT(id) DO UPDATE SET {updates}", known)
    if len(new) >= BULK:
        _bulk_insert(db, insert, new)
    else:
        db.conn.executemany(insert, new)


def _write_dossiers(db: sqlite_utils.Database, rows: list, desk_id: str,
                    report: PullReport, notes: list[dict]) -> set[str]:
    """Upsert the page's dossier rows; returns the ids written. The rows this desk cannot
    store go to ``notes``: the page in bulk first, row by row only if that fails."""
    good = []
    for row in rows:
        if isinstance(row, dict) and isinstance(row.get("id"), str) \
                and isinstance(row.get("code"), str):
            good.append(row)
        else:
            notes.append(note(row, "dossier", "not a dossier row (no id or code)"))
    pending = _pending_dossiers(db, desk_id)
    skip = pending | _clashing(db, good)
    report.kept_local += sum(1 for r in good if r["id"] in pending)
    rows = [r for r in good if r["id"] not in skip]
    _foreign_registers(db, rows)
    held = _registers_held(db, rows)
    if held:
        notes.extend(note(r, "dossier", held[r["id"]]) for r in rows if r["id"] in held)
        rows = [r for r in rows if r["id"] not in held]
    if not rows:
        return set()
    table = _dossier_columns(db)
    try:
        with _savepoint(db, "pull_dossiers"):
            _upsert_dossiers(db, rows, table, one_by_one=False)
        written = {r["id"] for r in rows}
    except ROW_ERRORS as exc:
        log.warning("a dossier of the page cannot be stored here (%s): writing them one by "
                    "one", type(exc).__name__)
        written = set()
        for row in rows:
            try:
                with _savepoint(db, "pull_dossier"):
                    _upsert_dossiers(db, [row], table, one_by_one=True)
            except ROW_ERRORS as row_exc:
                notes.append(note(row, "dossier", reason(row_exc)))
            else:
                written.add(row["id"])
    report.dossiers += len(written)
    return written


def _event_row(e: dict) -> list:
    payload = e["payload"]
    if not isinstance(payload, str):
        payload = stored_json(payload)
    return [*(e[c] for c in EVENT_COLUMNS[:7]), payload, e["prev_hash"], e["hash"]]


def _write_events(db: sqlite_utils.Database, changes: list[dict], written: set[str],
                  report: PullReport, notes: list[dict]) -> None:
    events = [c for c in changes if c.get("type") == "event" and isinstance(c.get("event"), dict)]
    dossier_ids = {e["dossier_id"] for c in events
                   if isinstance((e := c["event"]).get("dossier_id"), str)} - written
    present = written | {r[0] for r in _existing(
        db, "SELECT id FROM dossiers WHERE id IN ({marks})", dossier_ids)}
    rows, outcomes = [], []
    for change in events:
        e = change["event"]
        if not isinstance(e.get("dossier_id"), str) or e["dossier_id"] not in present:
            continue  # its dossier is not here (quarantined, or left out): nor is it
        try:
            rows.append(_event_row(e))
        except ROW_ERRORS as exc:
            notes.append(note(e, "event", reason(exc)))
            continue
        outcomes.append((e["id"], change.get("result") or "applied", change.get("server_seq"),
                         e["id"]))
    inserted, failed = _write_rows(db, f"INSERT OR IGNORE INTO events "
                                   f"({', '.join(EVENT_COLUMNS)}) VALUES "
                                   f"({', '.join('?' for _ in EVENT_COLUMNS)})", rows)
    report.events += inserted
    notes.extend(note(dict(zip(EVENT_COLUMNS, row, strict=False)), "event", reason(exc))
                 for row, exc in failed)
    _, failed = _write_rows(  # only for events that are here (not those left out above)
        db, "INSERT INTO event_outcomes (event_id, result, server_seq) "
        "SELECT ?, ?, ? WHERE EXISTS (SELECT 1 FROM events WHERE id = ?) "
        "ON CONFLICT(event_id) DO UPDATE SET result = excluded.result, "
        "server_seq = excluded.server_seq", outcomes)
    for row, exc in failed:
        log.warning("the result of event %s left out: %s", row[0], reason(exc))


def _conflict_row(conflict: dict) -> list:
    detail = conflict.get("detail", conflict.get("detail_json", {}))
    if not isinstance(detail, str):
        detail = stored_json(detail)
    row = {**conflict, "detail": detail}
    for text in ("code", "resolved_by", "resolution"):
        row[text] = row.get(text) or ""
    return [row.get(c) for c in CONFLICT_COLUMNS]


def _write_conflicts(db: sqlite_utils.Database, changes: list[dict], report: PullReport) -> None:
    rows = []
    for change in changes:
        if change.get("type") == "conflict" and isinstance(change.get("conflict"), dict):
            try:
                rows.append(_conflict_row(change["conflict"]))
            except ROW_ERRORS as exc:
                log.warning("a conflict of the page left out: %s", reason(exc))
    # A resolution made here and not sent yet stays until the server reports one.
    changed, failed = _write_rows(
        db, f"INSERT INTO sync_conflicts ({', '.join(CONFLICT_COLUMNS)}) "
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
    for row, exc in failed:
        log.warning("conflict %s left out: %s", row[0], reason(exc))
    report.conflicts += len(rows) - len(failed)


def _claim(db: sqlite_utils.Database, page: dict, since: int | None, save_cursor: bool) -> bool:
    """May this page be written? Only if the saved cursor is still the one it was asked
    from; a snapshot page (from 0) also only if no snapshot of a later cursor has begun
    here (it then marks its own). Without ``since``, only a page wholly behind the saved
    cursor is refused."""
    saved = int(desk_state.get(db, desk_state.PULL_CURSOR, 0))
    if since is None:
        return not save_cursor or int(page["next_cursor"]) >= saved
    if saved != int(since):
        return False
    if since == 0:
        began, mine = desk_state.get(db, SNAPSHOT_AT), int(page["next_cursor"])
        if began is not None and int(began) > mine:
            return False
        if not save_cursor:
            desk_state.put(db, SNAPSHOT_AT, mine)
    return True


def apply_page(db: sqlite_utils.Database, page: dict, desk_id: str,
               save_cursor: bool = True, since: int | None = None) -> PullReport:
    """One page (or a snapshot page) in one transaction, with its cursor (a snapshot page
    but the last: without). ``since`` is the cursor the page was asked from (0 for every
    page of a snapshot): if this desk's saved cursor is no longer that one, another process
    pulled meanwhile and the page is dropped whole (``discarded``: nothing written)."""
    report = PullReport(pages=1)
    changes = [c for c in page.get("changes") or [] if isinstance(c, dict)]
    notes: list[dict] = []
    with transaction(db):
        if not _claim(db, page, since, save_cursor):
            return PullReport(discarded=1)
        written = _write_dossiers(db, page.get("dossiers") or [], desk_id, report, notes)
        _write_events(db, changes, written, report, notes)
        _write_conflicts(db, changes, report)
        report.skipped = len(notes)
        record(db, notes, written)
        if save_cursor:
            cursor = int(desk_state.get(db, desk_state.PULL_CURSOR, 0))
            desk_state.put(db, desk_state.PULL_CURSOR, max(cursor, int(page["next_cursor"])))
            db.execute("DELETE FROM sync_state WHERE key = ?", [SNAPSHOT_AT])
    return report
