"""Local calendar overrides (days off and working days declared by the province)."""

from __future__ import annotations

import datetime as dt

import sqlite_utils

from counter_app.domain.text import clean
from counter_app.domain.working_calendar import CalendarOverride, OverrideKind, WorkingCalendar
from counter_app.store import settings_store
from counter_app.store.database import transaction


def overrides(db: sqlite_utils.Database) -> list[CalendarOverride]:
    return [CalendarOverride(dt.date.fromisoformat(r["day"]), OverrideKind(r["kind"]), r["reason"])
            for r in db.query("SELECT day, kind, reason FROM calendar_overrides ORDER BY day")]


def set_override(db: sqlite_utils.Database, day: dt.date, kind: OverrideKind,
                 reason: str = "") -> None:
    with transaction(db):
        db.execute(
            "INSERT INTO calendar_overrides (day, kind, reason, updated_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT(day) DO UPDATE SET kind = excluded.kind, reason = excluded.reason, "
            "updated_at = excluded.updated_at",
            [day.isoformat(), kind.value, clean(reason),
             dt.datetime.now().isoformat(timespec="seconds")])


def remove_override(db: sqlite_utils.Database, day: dt.date) -> bool:
    with transaction(db):
        cur = db.execute("DELETE FROM calendar_overrides WHERE day = ?", [day.isoformat()])
    return cur.rowcount > 0


def working_calendar(db: sqlite_utils.Database) -> WorkingCalendar:
    return WorkingCalendar(overrides(db), settings_store.office_hours(db))
