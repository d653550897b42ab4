"""Schema migrations. Each entry moves the schema one version up; never edit a released one."""

from __future__ import annotations

import datetime as dt
import json

import sqlite_utils

from counter_app.domain import lifecycle
from counter_app.domain.procedures import canonical_json, version_id
from counter_app.store import first_schema
from counter_app.store.sql_script import run_script


def _v2(db: sqlite_utils.Database) -> None:
    """Processing to return: the progress columns, and fast search over years of data."""
    run_script(db, """
    ALTER TABLE dossiers ADD COLUMN status_at TEXT;
    ALTER TABLE dossiers ADD COLUMN holder TEXT NOT NULL
        DEFAULT 'Bộ phận tiếp nhận và trả kết quả';
    ALTER TABLE dossiers ADD COLUMN holder_person TEXT NOT NULL DEFAULT '';
    ALTER TABLE dossiers ADD COLUMN step_started_at TEXT;
    ALTER TABLE dossiers ADD COLUMN step_due_at TEXT;
    ALTER TABLE dossiers ADD COLUMN paused_at TEXT;
    ALTER TABLE dossiers ADD COLUMN resume_status INTEGER;
    ALTER TABLE dossiers ADD COLUMN supplement_rounds INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE dossiers ADD COLUMN waited_minutes INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE dossiers ADD COLUMN apologized INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE dossiers ADD COLUMN finished_at TEXT;
    ALTER TABLE dossiers ADD COLUMN verdict TEXT;
    ALTER TABLE dossiers ADD COLUMN returned_at TEXT;
    ALTER TABLE dossiers ADD COLUMN rating TEXT NOT NULL DEFAULT '';
    ALTER TABLE dossiers ADD COLUMN closed_reason TEXT NOT NULL DEFAULT '';
    UPDATE dossiers SET status_at = received_at, step_started_at = received_at;
    CREATE INDEX dossiers_returned_at ON dossiers (returned_at) WHERE returned_at IS NOT NULL;
    CREATE INDEX dossiers_procedure ON dossiers (procedure_code, received_at);
    CREATE INDEX dossiers_phone ON dossiers (applicant_phone);
    CREATE VIRTUAL TABLE dossiers_fts USING fts5(
        search, content='dossiers', content_rowid='rowid',
        tokenize='unicode61 remove_diacritics 2');
    INSERT INTO dossiers_fts (dossiers_fts) VALUES ('rebuild');
    CREATE TRIGGER dossiers_fts_insert AFTER INSERT ON dossiers BEGIN
        INSERT INTO dossiers_fts (rowid, search) VALUES (new.rowid, new.search);
    END;
    CREATE TRIGGER dossiers_fts_update AFTER UPDATE OF search ON dossiers BEGIN
        INSERT INTO dossiers_fts (dossiers_fts, rowid, search)
            VALUES ('delete', old.rowid, old.search);
        INSERT INTO dossiers_fts (rowid, search) VALUES (new.rowid, new.search);
    END;
    CREATE TRIGGER dossiers_fts_delete AFTER DELETE ON dossiers BEGIN
        INSERT INTO dossiers_fts (dossiers_fts, rowid, search)
            VALUES ('delete', old.rowid, old.search);
    END;
    """)


def _v3(db: sqlite_utils.Database) -> None:
    """Prefix indexes for the search: a name typed a few letters at a time, or a common
    family name, stays fast on a million dossiers (tests/bench/bench_lifecycle.py)."""
    run_script(db, """
    DROP TABLE dossiers_fts;
    CREATE VIRTUAL TABLE dossiers_fts USING fts5(
        search, content='dossiers', content_rowid='rowid',
        tokenize='unicode61 remove_diacritics 2', prefix='1 2 3 4');
    INSERT INTO dossiers_fts (dossiers_fts) VALUES ('rebuild');
    """)


def _v4(db: sqlite_utils.Database) -> None:
    """Officers and their roles, the audit log, and the hash chain over the event log.

    Events written before this version get their chain here, in each desk's order.
    """
    from counter_app.store import event_log, hash_chain

    run_script(db, """
    CREATE TABLE officers (
        username TEXT PRIMARY KEY,
        full_name TEXT NOT NULL,
        title TEXT NOT NULL DEFAULT '',
        roles TEXT NOT NULL,
        password_hash TEXT NOT NULL,
        active INTEGER NOT NULL DEFAULT 1,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    CREATE TABLE audit_log (
        id TEXT PRIMARY KEY,
        desk_id TEXT NOT NULL,
        desk_seq INTEGER NOT NULL,
        at TEXT NOT NULL,
        officer TEXT NOT NULL,
        action TEXT NOT NULL,
        subject TEXT NOT NULL DEFAULT '',
        detail TEXT NOT NULL,
        prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL,
        UNIQUE (desk_id, desk_seq)
    );
    CREATE INDEX audit_log_at ON audit_log (at);
    CREATE INDEX audit_log_officer ON audit_log (officer, at);
    CREATE TRIGGER audit_log_append_only_update BEFORE UPDATE ON audit_log
    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
    CREATE TRIGGER audit_log_append_only_delete BEFORE DELETE ON audit_log
    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
    CREATE INDEX events_at ON events (at);
    CREATE INDEX events_officer ON events (officer, at);
    ALTER TABLE events ADD COLUMN prev_hash TEXT NOT NULL DEFAULT '';
    ALTER TABLE events ADD COLUMN hash TEXT NOT NULL DEFAULT '';
    DROP TRIGGER events_append_only_update;
    """)
    desk, prev = None, hash_chain.GENESIS
    links = []
    for desk_id, row_id, _seq, _p, _h, values in event_log.chain_rows(db):
        if desk_id != desk:
            desk, prev = desk_id, hash_chain.GENESIS
        digest = hash_chain.link_hash(prev, list(values))
        links.append((prev, digest, row_id))
        prev = digest
    db.conn.executemany("UPDATE events SET prev_hash = ?, hash = ? WHERE id = ?", links)
    run_script(db, """
    CREATE TRIGGER events_append_only_update BEFORE UPDATE ON events
    BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
    """)


def _v5(db: sqlite_utils.Database) -> None:
    """Sync with the server (counter_app/sync/PROTOCOL.md): its state, the results the server
    gave this commune's events, the conflicts it reported, and which accounts changed here."""
    run_script(db, """
    CREATE TABLE sync_state (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );
    CREATE TABLE event_outcomes (
        event_id TEXT PRIMARY KEY REFERENCES events(id),
        result TEXT NOT NULL,
        server_seq INTEGER NOT NULL
    );
    CREATE TABLE sync_conflicts (
        id TEXT PRIMARY KEY,
        dossier_id TEXT NOT NULL,
        code TEXT NOT NULL DEFAULT '',
        kind TEXT NOT NULL,
        detail TEXT NOT NULL,
        created_at TEXT NOT NULL,
        resolved_at TEXT,
        resolved_by TEXT NOT NULL DEFAULT '',
        resolution TEXT NOT NULL DEFAULT '',
        resolution_sent INTEGER NOT NULL DEFAULT 1
    );
    CREATE INDEX sync_conflicts_open ON sync_conflicts (resolved_at, created_at);
    ALTER TABLE officers ADD COLUMN local_rev INTEGER NOT NULL DEFAULT 1;
    ALTER TABLE officers ADD COLUMN pushed_rev INTEGER NOT NULL DEFAULT 0;
    """)


def _v6(db: sqlite_utils.Database) -> None:
    """Form II.06a's columns in one index (counter_app.reports.ii06a): the period's count
    reads this index alone, in received order, never the wide dossier rows; a year over a
    million dossiers takes a fraction of a second instead of paging gigabytes."""
    run_script(db, """
    CREATE INDEX dossiers_report ON dossiers (received_at, status, channel, finished_at,
        status_at, due_at, paused_at, verdict, procedure_code);
    """)


def _v7(db: sqlite_utils.Database) -> None:
    """Lateness as the law counts it (docs/law.md §15): the slip's deadline stays the
    measure, and an apology's date is kept beside it (``extended_due_at``). Dossiers
    apologised for under the old rule had their deadline replaced by the apology's date and
    were judged against it: they are rebuilt from their own events by today's rules."""
    run_script(db, "ALTER TABLE dossiers ADD COLUMN extended_due_at TEXT;")
    # Today's Progress may know columns that later versions add: only those there by now.
    present = {r[1] for r in db.execute("PRAGMA table_info(dossiers)")}
    for (dossier_id,) in db.execute("SELECT id FROM dossiers WHERE apologized = 1").fetchall():
        progress = _replayed(db, dossier_id)
        if progress is None:  # its history is not all on this desk: the server's row stays
            continue
        columns = {k: v for k, v in progress.to_columns().items() if k in present}
        sets = ", ".join(f"{k} = ?" for k in columns)
        db.execute(f"UPDATE dossiers SET {sets} WHERE id = ?", [*columns.values(), dossier_id])


def _replayed(db: sqlite_utils.Database, dossier_id: str) -> lifecycle.Progress | None:
    events = db.execute("SELECT kind, payload FROM events WHERE dossier_id = ? ORDER BY rowid",
                        [dossier_id]).fetchall()
    if not events or events[0][0] != "received":
        return None
    first = json.loads(events[0][1])
    progress = lifecycle.initial(dt.datetime.fromisoformat(first["received_at"]),
                                 dt.datetime.fromisoformat(first["due_at"]),
                                 dt.datetime.fromisoformat(first["transfer_due_at"]))
    for kind, payload in events[1:]:
        progress = lifecycle.evolve(progress, kind, json.loads(payload))
    return progress


def _v8(db: sqlite_utils.Database) -> None:
    """The law of 2025 (docs/law.md §21, §22): each dossier records the form family it was
    received under (every dossier before this version got the TT 01/2018 forms, the only
    ones the program printed, so a reprint keeps matching them), who submitted it for the
    applicant, and whether its result is the competent body's refusal. The columns accept
    NULL: rows pulled from desks of earlier versions do not carry them."""
    run_script(db, """
    ALTER TABLE dossiers ADD COLUMN form_family TEXT;
    ALTER TABLE dossiers ADD COLUMN proxy TEXT;
    ALTER TABLE dossiers ADD COLUMN outcome TEXT;
    UPDATE dossiers SET form_family = 'tt01-2018';
    """)


def _v9(db: sqlite_utils.Database) -> None:
    """Each procedure version stored once (docs/law.md §23), and the catalogue's new columns
    (online level, "phi địa giới", where it was read). Every dossier row carried its
    own copy of the procedure as received (about 1.2 kB), now one row of procedure_versions
    per distinct content, referenced by id. Old received events keep their copy (the log is
    append-only and hash-chained); new ones carry the id. One pass to collect the distinct
    copies, one to point the rows at them, one to drop the column."""
    run_script(db, """
    CREATE TABLE procedure_versions (
        id TEXT PRIMARY KEY,
        code TEXT NOT NULL,
        body TEXT NOT NULL
    );
    ALTER TABLE dossiers ADD COLUMN procedure_version TEXT;
    ALTER TABLE procedures ADD COLUMN online TEXT NOT NULL DEFAULT '';
    ALTER TABLE procedures ADD COLUMN boundary_free INTEGER;
    ALTER TABLE procedures ADD COLUMN reference TEXT NOT NULL DEFAULT '';
    CREATE TEMP TABLE version_of (snapshot TEXT PRIMARY KEY, id TEXT NOT NULL);
    """)
    for (snapshot,) in db.execute(
            "SELECT DISTINCT procedure_snapshot FROM dossiers").fetchall():
        body = json.loads(snapshot)
        vid = version_id(body)
        db.execute("INSERT OR IGNORE INTO procedure_versions (id, code, body) VALUES (?, ?, ?)",
                   [vid, str(body.get("code", "")), canonical_json(body)])
        db.execute("INSERT INTO version_of (snapshot, id) VALUES (?, ?)", [snapshot, vid])
    run_script(db, """
    UPDATE dossiers SET procedure_version =
        (SELECT id FROM version_of WHERE snapshot = dossiers.procedure_snapshot);
    DROP TABLE version_of;
    ALTER TABLE dossiers DROP COLUMN procedure_snapshot;
    """)


def _v10(db: sqlite_utils.Database) -> None:
    """The applicant's date of birth and sex, read from the ID card's QR (docs/law.md §19):
    kept with the applicant on this desk ("" where not known)."""
    run_script(db, """
    ALTER TABLE applicants ADD COLUMN birth_date TEXT NOT NULL DEFAULT '';
    ALTER TABLE applicants ADD COLUMN sex TEXT NOT NULL DEFAULT '';
    """)


def _v11(db: sqlite_utils.Database) -> None:
    """Wrong passwords in a row, per account (accounts.throttle): in the database, so every
    window and every command-line process of the desk counts the same attempts. Local to
    the desk; never synced."""
    run_script(db, """
    CREATE TABLE IF NOT EXISTS sign_in_failures (
        username TEXT PRIMARY KEY,
        failures INTEGER NOT NULL,
        last_failed_at TEXT NOT NULL
    );
    """)


def _v12(db: sqlite_utils.Database) -> None:
    """Signed accounts (domain.account_signing): each account's key pair (the private key sealed
    with its password), the revision of its last change, and that change's signature. Older
    accounts keep NULLs: a key is made at the officer's next sign-in, and an administrator's
    sign-in signs what has no signature yet. ``sync_refused``: why the server refused the
    last record sent (not sent again until it changes or the desk enrols again). The
    enrolment's anchors (the commune's keys bound by an enrolment code) go in desk_state."""
    have = {row[1] for row in db.execute("PRAGMA table_info(officers)")}
    for column, kind in (("revision", "INTEGER NOT NULL DEFAULT 0"), ("public_key", "TEXT"),
                         ("sealed_key", "TEXT"), ("signed", "TEXT"), ("sync_refused", "TEXT")):
        if column not in have:  # a file some older version left with part of it
            db.execute(f"ALTER TABLE officers ADD COLUMN {column} {kind}")
    # A desk that took a server's accounts before keeps them as the commune's: a server it
    # enrols with later never replaces them whole (sync/enrolment.py: _yield_accounts).
    row = db.execute("SELECT value FROM sync_state WHERE key = 'reference_versions'"
                     ).fetchone()
    try:
        taken = bool(row and int((json.loads(row[0]) or {}).get("officers") or 0))
    except (ValueError, TypeError, AttributeError):
        taken = False
    if taken:
        db.execute("INSERT OR REPLACE INTO sync_state (key, value) "
                   "VALUES ('accounts_taken', 'true')")


def _v13(db: sqlite_utils.Database) -> None:
    """The province's units (domain/units.py): its communes and provincial bodies, as the
    server's reference data lists them, for a dossier received for another body."""
    run_script(db, """
    CREATE TABLE IF NOT EXISTS units (
        code TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        kind TEXT NOT NULL
    );
    """)


def _v14(db: sqlite_utils.Database) -> None:
    """Dossiers received for another body (docs/law.md §14): the receiving and the competent
    agency (both the dossier's own agency for what came before, read from its code), the
    times the transfer must keep and keeps, and the paper's journey. NULL or "" in the
    agency columns (a row an older desk's event made) means the receiving agency decides."""
    have = {row[1] for row in db.execute("PRAGMA table_info(dossiers)")}
    for column, kind in (("receiving_agency", "TEXT"), ("receiving_name", "TEXT"),
                         ("competent_agency", "TEXT"),
                         ("competent_name", "TEXT"), ("forward_due_at", "TEXT"),
                         ("forwarded_at", "TEXT"), ("paper_due_at", "TEXT"),
                         ("paper_sent_at", "TEXT"), ("paper_by", "TEXT"),
                         ("paper_received_at", "TEXT")):
        if column not in have:
            db.execute(f"ALTER TABLE dossiers ADD COLUMN {column} {kind}")
    db.execute("UPDATE dossiers SET receiving_agency = substr(code, 1, instr(code, '-') - 1) "
               "WHERE receiving_agency IS NULL AND instr(code, '-') > 1")
    db.execute("UPDATE dossiers SET competent_agency = receiving_agency "
               "WHERE competent_agency IS NULL")
    run_script(db, """
    CREATE INDEX IF NOT EXISTS dossiers_transfers ON dossiers (received_at)
        WHERE competent_agency <> receiving_agency;
    """)


def _v15(db: sqlite_utils.Database) -> None:
    """Digitised documents (domain/digitised.py): which of a dossier's documents have
    pages (a JSON list of their indexes) and whether its result has; the files are
    content-addressed beside the database, the ``attach`` events name them; ``files_sent``:
    the files the server has taken whole (sync/file_sync.py)."""
    have = {row[1] for row in db.execute("PRAGMA table_info(dossiers)")}
    for column, kind in (("digitised", "TEXT"), ("result_digitised", "INTEGER")):
        if column not in have:
            db.execute(f"ALTER TABLE dossiers ADD COLUMN {column} {kind}")
    run_script(db, """
    CREATE INDEX IF NOT EXISTS events_attach ON events (kind) WHERE kind = 'attach';
    CREATE TABLE IF NOT EXISTS files_sent (
        sha256 TEXT PRIMARY KEY,
        sent_at TEXT NOT NULL
    );
    """)


MIGRATIONS = [first_schema.create, _v2, _v3, _v4, _v5, _v6, _v7, _v8, _v9, _v10, _v11, _v12,
              _v13, _v14, _v15]
