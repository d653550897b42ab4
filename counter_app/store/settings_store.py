"""Key-value settings of this desk and commune, kept in the database (not in Qt settings)."""

from __future__ import annotations

import datetime as dt
import json

import sqlite_utils

from counter_app.domain.agency import AgencySettings
from counter_app.domain.working_calendar import OfficeHours
from counter_app.store.database import transaction
from counter_app.store.ids import new_id

AGENCY_KEY = "agency"
DESK_ID_KEY = "desk_id"
#: The desk ids this file had before restores (backups.restore), oldest first.
RETIRED_DESK_IDS_KEY = "retired_desk_ids"
HOURS_KEY = "office_hours"
REPORTS_KEY = "reports"  # counter_app.reports.heading.ReportSettings


def get(db: sqlite_utils.Database, key: str, default: object = None) -> object:
    row = db.execute("SELECT value FROM settings WHERE key = ?", [key]).fetchone()
    return json.loads(row[0]) if row else default


def put(db: sqlite_utils.Database, key: str, value: object) -> None:
    db.execute("INSERT INTO settings (key, value) VALUES (?, ?) "
               "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
               [key, json.dumps(value, ensure_ascii=False)])


def desk_id(db: sqlite_utils.Database) -> str:
    """This installation's id, made once; it names the desk in every event. Read without
    a write once it is there (a read-only or full disk can still be read)."""
    value = get(db, DESK_ID_KEY)
    if value:
        return str(value)
    with transaction(db):
        value = get(db, DESK_ID_KEY)
        if not value:
            value = new_id()
            put(db, DESK_ID_KEY, value)
    return str(value)


def agency(db: sqlite_utils.Database) -> AgencySettings | None:
    data = get(db, AGENCY_KEY)
    return AgencySettings(**data) if data else None


def save_agency(db: sqlite_utils.Database, settings: AgencySettings) -> None:
    with transaction(db):
        put(db, AGENCY_KEY, settings.to_dict())


def office_hours(db: sqlite_utils.Database) -> OfficeHours:
    data = get(db, HOURS_KEY)
    if not data:
        return OfficeHours()
    return OfficeHours(**{k: dt.time.fromisoformat(v) for k, v in data.items()})


def save_office_hours(db: sqlite_utils.Database, hours: OfficeHours) -> None:
    with transaction(db):
        put(db, HOURS_KEY, {k: getattr(hours, k).isoformat(timespec="minutes")
                            for k in OfficeHours.__dataclass_fields__})
