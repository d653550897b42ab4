"""Backups of the desk's database: making, checking, listing, rotating and restoring them,
and opening the database so that no migration runs without a backup first.

The rest of the program uses what this face names (``from counter_app import backups``)."""

from counter_app.backups.files import default_folder
from counter_app.backups.making import (
    BackupFailed,
    BackupInfo,
    backup_folder,
    desk_of,
    last_made_at,
    list_backups,
    make_backup,
    newest_intact,
    set_backup_folder,
)
from counter_app.backups.opening import desk_database, open_desk_database
from counter_app.backups.restoring import DatabaseInUse, restore
from counter_app.backups.rotation import BackupPolicy, rotate
from counter_app.backups.sign_in import sign_in_from_backup

__all__ = ["BackupFailed", "BackupInfo", "BackupPolicy", "DatabaseInUse", "backup_folder",
           "default_folder", "desk_database", "desk_of", "last_made_at", "list_backups",
           "make_backup", "newest_intact", "open_desk_database", "restore", "rotate",
           "set_backup_folder", "sign_in_from_backup"]
