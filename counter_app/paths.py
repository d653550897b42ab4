"""Where the desk keeps its database when none is given: the user's data folder."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from counter_app import APP_NAME

DB_ENV = "COUNTER_APP_DB"


def user_data_dir() -> Path:
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Application Support"
    else:
        base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return base / APP_NAME


def default_db_path(explicit: str | None = None) -> Path:
    """--db, else $COUNTER_APP_DB, else counter.db in the user's data folder."""
    if explicit:
        return Path(explicit)
    if os.environ.get(DB_ENV):
        return Path(os.environ[DB_ENV])
    return user_data_dir() / "counter.db"
