"""The district leaders' web accounts (the dashboard, read-only): add, list, disable, set a
password. Passwords are hashed with argon2id as the desks' accounts are
(counter_app/accounts/passwords.py); only the hash is stored. Disabling an account or setting its
password ends its open sessions at once, and a new password also lifts a sign-in lock."""

from __future__ import annotations

import unicodedata

from sqlalchemy import Connection, delete, insert, select, update

from counter_app.accounts import passwords
from counter_app.domain.officers import (
    MAX_PASSWORD,
    MAX_TEXT,
    MIN_PASSWORD,
    USERNAME,
    normalise_username,
)
from counter_app.domain.text import clean
from counter_app.server import clock
from counter_app.server.enrolment import AdminError
from counter_app.server.schema import leaders, web_sessions


def check_username(username: str) -> str:
    user = normalise_username(username)
    if not USERNAME.match(user):
        raise AdminError("a leader's username is 3-32 characters: a-z, 0-9, '.', '_' or '-', "
                         "starting with a letter or a digit")
    return user


def check_password(password: str) -> str:
    """The password as typed (NFC, never trimmed: spaces count)."""
    text = unicodedata.normalize("NFC", password or "")
    if len(text) < MIN_PASSWORD:
        raise AdminError(f"a password needs at least {MIN_PASSWORD} characters")
    if len(text) > MAX_PASSWORD:
        raise AdminError(f"a password has at most {MAX_PASSWORD} characters")
    return text


def _row(conn: Connection, username: str):
    row = conn.execute(select(leaders).where(leaders.c.username == username)).first()
    if row is None:
        raise AdminError(f"no leader {username}")
    return row


def add_leader(conn: Connection, username: str, full_name: str, password: str) -> str:
    """A new account; returns its (normalised) username."""
    user, name = check_username(username), clean(full_name)
    if not name or len(name) > MAX_TEXT:
        raise AdminError(f"a leader needs a full name (at most {MAX_TEXT} characters)")
    secret = check_password(password)
    if conn.execute(select(leaders.c.username).where(leaders.c.username == user)).first():
        raise AdminError(f"leader {user} already exists")
    conn.execute(insert(leaders).values(username=user, full_name=name,
                                        password_hash=passwords.hash_password(secret),
                                        created_at=clock.iso(), failed_sign_ins=0))
    return user


def list_leaders(conn: Connection) -> list[dict]:
    """Every account, without its password hash."""
    columns = [c for c in leaders.c if c.name != "password_hash"]
    return [dict(r) for r in conn.execute(select(*columns).order_by(leaders.c.username))
            .mappings()]


def disable_leader(conn: Connection, username: str) -> None:
    user = normalise_username(username)
    if _row(conn, user).disabled_at is not None:
        raise AdminError(f"leader {user} is already disabled")
    conn.execute(update(leaders).where(leaders.c.username == user)
                 .values(disabled_at=clock.iso()))
    conn.execute(delete(web_sessions).where(web_sessions.c.username == user))


def set_password(conn: Connection, username: str, password: str) -> None:
    user = normalise_username(username)
    _row(conn, user)
    secret = check_password(password)
    conn.execute(update(leaders).where(leaders.c.username == user).values(
        password_hash=passwords.hash_password(secret), failed_sign_ins=0, locked_until=None))
    conn.execute(delete(web_sessions).where(web_sessions.c.username == user))
