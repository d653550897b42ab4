"""What the status indicator shows: connected or not, when it last worked, what is waiting."""

from __future__ import annotations

import datetime as dt

import sqlite_utils

from counter_app.store import settings_store
from counter_app.sync import desk_state, token_store
from counter_app.sync.push import waiting
from counter_app.sync.unwritable import UNWRITABLE


def _time(value: object) -> dt.datetime | None:
    try:
        return dt.datetime.fromisoformat(value) if isinstance(value, str) and value else None
    except ValueError:
        return None


def open_conflicts(db: sqlite_utils.Database) -> int:
    return db.execute("SELECT count(*) FROM sync_conflicts WHERE resolved_at IS NULL"
                      ).fetchone()[0]


def sync_status(db: sqlite_utils.Database) -> desk_state.SyncStatus:
    """Read-only; cheap enough for a timer (a count over an index)."""
    get = desk_state.get
    desk_id = settings_store.get(db, settings_store.DESK_ID_KEY)
    commune = get(db, desk_state.COMMUNE) or {}
    offset = get(db, desk_state.CLOCK_OFFSET)
    return desk_state.SyncStatus(
        enrolled=bool(desk_id and (get(db, desk_state.DEVICE_TOKEN) or token_store.load(db))),
        server_url=str(get(db, desk_state.SERVER_URL) or ""),
        commune_name=str(commune.get("name") or commune.get("code") or ""),
        desk_number=get(db, desk_state.DESK_NUMBER),
        last_success=_time(get(db, desk_state.LAST_SUCCESS)),
        last_attempt=_time(get(db, desk_state.LAST_ATTEMPT)),
        last_error=str(get(db, desk_state.LAST_ERROR) or ""),
        last_error_kind=str(get(db, desk_state.LAST_ERROR_KIND) or ""),
        waiting_events=waiting(db, desk_id) if desk_id else 0,
        open_conflicts=open_conflicts(db),
        clock_offset_seconds=float(offset) if offset is not None else None,
        unwritable=len(get(db, UNWRITABLE) or []),
        accounts_unsigned=db.execute("SELECT count(*) FROM officers WHERE signed IS NULL"
                                     ).fetchone()[0],
        accounts_refused=db.execute("SELECT count(*) FROM officers "
                                    "WHERE sync_refused IS NOT NULL").fetchone()[0],
    )
