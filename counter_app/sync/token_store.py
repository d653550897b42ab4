"""Where the desk keeps its device token: never in the database, so never in a backup.

The token is what lets a desk push and pull for its commune. Kept in the SQLite file, it
travelled in every backup (the USB stick) and in any copy of the file. Now it is kept, in
this order of preference:

1. the operating system's credential store, through ``keyring`` (Windows Credential Manager
   on the officers' PCs), under the service ``counter-app`` and the desk's id;
2. where there is none (a Linux test bench without a Secret Service), a file beside the
   database, ``<database>.device-token``, readable by the user only, written atomically,
   which no backup copies (backups copy the database, and only it).

Both are keyed by the desk's id. A restored backup gets a new desk id
(``backups/restoring.py``), so it finds no token and enrols again, as it always did.

A database written by an earlier version still holds its token in ``sync_state``:
``move_out_of_database`` moves it to the store and erases it from the file
(``secure_delete``, then a WAL checkpoint, so the bytes are overwritten, not just unlinked).
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

import sqlite_utils

from counter_app.store import settings_store
from counter_app.store.database import database_file, transaction
from counter_app.sync import desk_state

log = logging.getLogger(__name__)

SERVICE = "counter-app"
FILE_SUFFIX = ".device-token"


def _keyring():
    """The OS credential store, or None where there is no usable one."""
    try:
        import keyring
        from keyring.backends import fail
    except ImportError:  # pragma: no cover (pinned dependency)
        return None
    try:
        backend = keyring.get_keyring()
    except Exception as error:  # noqa: BLE001 (a broken backend is "none")
        log.warning("no credential store: %s", error)
        return None
    if isinstance(backend, fail.Keyring) or getattr(backend, "priority", 0) <= 0:
        return None
    return backend


def token_file(db: sqlite_utils.Database) -> Path | None:
    path = database_file(db)
    return path.with_name(path.name + FILE_SUFFIX) if path else None


def _write_private(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically, readable and writable by the user only."""
    temporary = path.with_name(path.name + ".tmp")
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_BINARY", 0)
    descriptor = os.open(temporary, flags, 0o600)
    try:
        os.write(descriptor, data)
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
    if os.name == "posix":
        os.chmod(temporary, 0o600)
    os.replace(temporary, path)


def save(db: sqlite_utils.Database, token: str) -> str:
    """Keep ``token`` for this desk; returns where ("keyring" or "file")."""
    desk_id = settings_store.desk_id(db)
    backend = _keyring()
    if backend is not None:
        try:
            backend.set_password(SERVICE, desk_id, token)
            return "keyring"
        except Exception as error:  # noqa: BLE001 (a locked or refusing store: use the file)
            log.warning("credential store refused the token (%s); using a private file",
                        type(error).__name__)
    path = token_file(db)
    if path is None:
        raise OSError("an in-memory database has no place for the device token")
    _write_private(path, json.dumps({"desk_id": desk_id, "token": token}).encode())
    return "file"


def load(db: sqlite_utils.Database) -> str | None:
    """This desk's token, or None (not enrolled, or enrolled under another desk id)."""
    desk_id = settings_store.desk_id(db)
    backend = _keyring()
    if backend is not None:
        try:
            found = backend.get_password(SERVICE, desk_id)
        except Exception as error:  # noqa: BLE001
            log.warning("credential store unreadable: %s", type(error).__name__)
            found = None
        if found:
            return found
    path = token_file(db)
    if path is None or not path.is_file():
        return None
    try:
        kept = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        log.warning("the device token file is unreadable; the desk must enrol again")
        return None
    if not isinstance(kept, dict) or kept.get("desk_id") != desk_id:
        return None
    token = kept.get("token")
    return token if isinstance(token, str) and token else None


def forget(db: sqlite_utils.Database) -> None:
    """Drop this desk's token from both places (re-enrolment, leaving the server)."""
    backend = _keyring()
    if backend is not None:
        try:
            backend.delete_password(SERVICE, settings_store.desk_id(db))
        except Exception:  # noqa: BLE001, S110 (nothing kept there)
            pass
    path = token_file(db)
    if path is not None:
        path.unlink(missing_ok=True)


def move_out_of_database(db: sqlite_utils.Database) -> bool:
    """A token an earlier version kept in ``sync_state``: into the store, and overwritten
    in the file. True if there was one."""
    legacy = desk_state.get(db, desk_state.DEVICE_TOKEN)
    if not legacy:
        return False
    save(db, str(legacy))
    db.execute("PRAGMA secure_delete = ON")
    with transaction(db):
        db.execute("DELETE FROM sync_state WHERE key = ?", [desk_state.DEVICE_TOKEN])
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return True
