"""The desk database's first schema (migration 1, counter_app/store/migrations.py). Never
edit it: databases made by the first release were made by exactly this; later versions
change the schema through the next migrations."""

from __future__ import annotations

import sqlite_utils

from counter_app.store.sql_script import run_script


def create(db: sqlite_utils.Database) -> None:
    """Version 1: the tables, indexes and triggers of the first release."""
    run_script(db, """
    CREATE TABLE settings (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );
    CREATE TABLE procedures (
        code TEXT PRIMARY KEY,
        field TEXT NOT NULL,
        name TEXT NOT NULL,
        unit TEXT NOT NULL CHECK (unit IN ('same_day', 'working_days', 'calendar_days')),
        value INTEGER NOT NULL CHECK (value >= 0),
        fee_text TEXT NOT NULL DEFAULT '',
        fee_vnd INTEGER,
        documents TEXT NOT NULL DEFAULT '[]',
        legal_basis TEXT NOT NULL DEFAULT '',
        authority TEXT NOT NULL DEFAULT '',
        confidence TEXT NOT NULL DEFAULT 'chua_ro',
        note TEXT NOT NULL DEFAULT '',
        search TEXT NOT NULL,
        source TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    CREATE TABLE calendar_overrides (
        day TEXT PRIMARY KEY,
        kind TEXT NOT NULL CHECK (kind IN ('off', 'work')),
        reason TEXT NOT NULL DEFAULT '',
        updated_at TEXT NOT NULL
    );
    CREATE TABLE applicants (
        id TEXT PRIMARY KEY,
        id_number TEXT NOT NULL UNIQUE,
        kind TEXT NOT NULL,
        full_name TEXT NOT NULL,
        phone TEXT NOT NULL DEFAULT '',
        address TEXT NOT NULL DEFAULT '',
        email TEXT NOT NULL DEFAULT '',
        updated_at TEXT NOT NULL
    );
    CREATE TABLE dossiers (
        id TEXT PRIMARY KEY,
        code TEXT NOT NULL UNIQUE,
        desk_id TEXT NOT NULL,
        status INTEGER NOT NULL CHECK (status BETWEEN 1 AND 10),
        procedure_code TEXT NOT NULL,
        procedure_name TEXT NOT NULL,
        procedure_snapshot TEXT NOT NULL,
        applicant_id TEXT NOT NULL REFERENCES applicants(id),
        applicant_kind TEXT NOT NULL,
        applicant_name TEXT NOT NULL,
        applicant_id_number TEXT NOT NULL,
        applicant_phone TEXT NOT NULL DEFAULT '',
        applicant_address TEXT NOT NULL DEFAULT '',
        applicant_email TEXT NOT NULL DEFAULT '',
        channel INTEGER NOT NULL,
        return_method TEXT NOT NULL,
        return_address TEXT NOT NULL DEFAULT '',
        sets INTEGER NOT NULL,
        documents TEXT NOT NULL,
        received_at TEXT NOT NULL,
        computed_due_at TEXT NOT NULL,
        due_at TEXT NOT NULL,
        due_change_reason TEXT NOT NULL DEFAULT '',
        officer TEXT NOT NULL DEFAULT '',
        register_book TEXT NOT NULL,
        register_no INTEGER NOT NULL,
        note TEXT NOT NULL DEFAULT '',
        search TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        UNIQUE (register_book, register_no)
    );
    CREATE INDEX dossiers_received_at ON dossiers (received_at);
    CREATE INDEX dossiers_status_due ON dossiers (status, due_at);
    CREATE INDEX dossiers_id_number ON dossiers (applicant_id_number);
    CREATE TABLE events (
        id TEXT PRIMARY KEY,
        dossier_id TEXT NOT NULL REFERENCES dossiers(id),
        desk_id TEXT NOT NULL,
        desk_seq INTEGER NOT NULL,
        at TEXT NOT NULL,
        officer TEXT NOT NULL,
        kind TEXT NOT NULL,
        payload TEXT NOT NULL,
        UNIQUE (desk_id, desk_seq)
    );
    CREATE INDEX events_dossier ON events (dossier_id, desk_seq);
    CREATE TRIGGER events_append_only_update BEFORE UPDATE ON events
    BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
    CREATE TRIGGER events_append_only_delete BEFORE DELETE ON events
    BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
    """)
