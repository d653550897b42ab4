"""Who may restore when the database itself cannot be read, or is gone: the account as it
is in the backup being restored (the same argon2 hash the officer signed in with then)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import sqlite_utils

from counter_app.accounts import passwords
from counter_app.domain.officers import Officer, normalise_username
from counter_app.domain.roles import Action, check
from counter_app.errors import PermissionDenied, SignInFailed
from counter_app.store import officer_store
from counter_app.store.integrity import read_only_uri


def sign_in_from_backup(backup_file: str | Path, username: str, password: str) -> Officer:
    """The officer, if the password matches the backup's account, which must be active and
    allowed to restore (an administrator). Raises SignInFailed or PermissionDenied. The
    backup is only read; nothing can be written to an audit log here (the caller records
    the restore in the restored database)."""
    user = normalise_username(username)
    conn = sqlite3.connect(read_only_uri(backup_file), uri=True, timeout=10)
    try:
        db = sqlite_utils.Database(conn)
        officer = officer_store.get(db, user)
        stored = officer_store.password_hash(db, user)
    except sqlite3.OperationalError:  # a backup from before accounts existed (version < 4)
        raise PermissionDenied("Bản sao lưu này không có tài khoản cán bộ nên không xác nhận "
                               "được người khôi phục.", Action.BACKUP.value) from None
    finally:
        conn.close()
    if officer is None or stored is None or not passwords.verify_password(stored, password):
        raise SignInFailed("Sai tên đăng nhập hoặc mật khẩu (theo tài khoản trong bản sao lưu).")
    if not officer.active:
        raise SignInFailed("Tài khoản này đã bị khóa trong bản sao lưu.")
    check(officer, Action.BACKUP)
    return officer
