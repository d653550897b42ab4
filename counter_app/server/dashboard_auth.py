"""Signing in to the leaders' dashboard: sessions, sign-in throttling, CSRF tokens.

A session is a random 256-bit cookie value; the server stores only its SHA-256
(``web_sessions.token_hash``) and lets it live 8 hours (no sliding renewal: reading a page
writes nothing). Wrong passwords make the account, and the client address they came from,
wait before the next try, longer at each failure but never long (sign_in_throttle.py): no
one can keep a leader out. A username that does not exist gets the same answers, the same
waits (counted in memory, per server process) and the same argon2 work, so the form does
not tell which usernames exist. The password is checked outside any write transaction
(argon2 takes ~0.1 s; the desks' pushes must not queue behind it).

Forms are protected against cross-site posting twice over: the cookies are SameSite=Strict,
and every form carries a token the server checks (the sign-in form: the value of a
``dashboard_csrf`` cookie, double-submitted; the sign-out form: a hash of the session).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import math
import secrets
from dataclasses import dataclass

from sqlalchemy import Connection, Engine, delete, insert, select, update

from counter_app.accounts import passwords
from counter_app.accounts.throttle import duration_text
from counter_app.domain.officers import MAX_PASSWORD, normalise_username
from counter_app.server import clock, database
from counter_app.server import sign_in_throttle as backoff
from counter_app.server.auth import token_hash
from counter_app.server.schema import leaders, web_sessions
from counter_app.server.sign_in_throttle import Throttle

COOKIE = "dashboard_session"
CSRF_COOKIE = "dashboard_csrf"
SESSION_HOURS = 8
WRONG = "Tên đăng nhập hoặc mật khẩu không đúng."
ACCOUNT_WAIT = ("Tài khoản này vừa bị nhập sai mật khẩu nhiều lần liên tiếp: vui lòng đợi "
                "{wait} (đến {at}) rồi thử lại.")
CLIENT_WAIT = ("Máy này vừa nhập sai mật khẩu nhiều lần liên tiếp: vui lòng đợi {wait} "
               "(đến {at}) rồi thử lại.")
DISABLED = "Tài khoản này đã ngừng hoạt động. Vui lòng liên hệ quản trị viên máy chủ."


@dataclass(frozen=True)
class Leader:
    username: str
    full_name: str
    token: str  # the session cookie's value

    @property
    def csrf(self) -> str:
        return csrf_for(self.token)


@dataclass(frozen=True)
class Outcome:
    """A sign-in's result: a new session's cookie value, or why not (and the HTTP status)."""
    token: str | None = None
    message: str = ""
    status: int = 200
    retry_after: int | None = None  # seconds to wait (429)


def csrf_for(session_token: str) -> str:
    return hashlib.sha256(f"csrf:{session_token}".encode()).hexdigest()[:32]


def same(a: str | None, b: str | None) -> bool:
    return bool(a) and bool(b) and hmac.compare_digest(str(a).encode(), str(b).encode())


def _moment(value: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(value) if value else None


def current(conn: Connection, cookie: str | None) -> Leader | None:
    """The signed-in leader of this cookie: an unexpired session of an enabled account."""
    if not cookie or len(cookie) > 100:
        return None
    row = conn.execute(
        select(web_sessions.c.expires_at, leaders.c.username, leaders.c.full_name,
               leaders.c.disabled_at)
        .join(leaders, leaders.c.username == web_sessions.c.username)
        .where(web_sessions.c.token_hash == token_hash(cookie))).first()
    if row is None or row.disabled_at is not None or _moment(row.expires_at) <= clock.now():
        return None
    return Leader(row.username, row.full_name, cookie)


_DUMMY: list[str] = []


def _dummy_hash() -> str:
    """A hash to verify against when the username is unknown (the same argon2 work)."""
    if not _DUMMY:
        _DUMMY.append(passwords.hash_password(secrets.token_urlsafe(16)))
    return _DUMMY[0]


def _wait(template: str, until: dt.datetime, now: dt.datetime) -> Outcome:
    seconds = max(1, math.ceil((until - now).total_seconds()))
    return Outcome(None, template.format(wait=duration_text(seconds), at=f"{until:%H:%M:%S}"),
                   429, seconds)


def _failed(engine: Engine, throttle: Throttle, client: str, account_until: dt.datetime,
            now: dt.datetime) -> Outcome:
    """A wrong password (or unknown username): the client's failure is counted too; the
    reply says how long to wait when either must now wait."""
    client_until = throttle.clients.fail(engine, client, now)
    if client_until > now and client_until >= account_until:
        return _wait(CLIENT_WAIT, client_until, now)
    if account_until > now:
        return _wait(ACCOUNT_WAIT, account_until, now)
    return Outcome(None, WRONG, 401)


def sign_in(engine: Engine, throttle: Throttle, client: str, username: str,
            password: str) -> Outcome:
    """``client``: the address the form came from (``sign_in_throttle.client_key``)."""
    user, now = normalise_username(username)[:64], clock.now()
    if (not user or not password or len(password) > MAX_PASSWORD
            or "\x00" in username + password):  # no account has one; PostgreSQL text cannot
        return Outcome(None, WRONG, 401)
    if until := throttle.clients.until(engine, client, now):
        return _wait(CLIENT_WAIT, until, now)
    with database.reading(engine) as conn:
        row = conn.execute(select(leaders).where(leaders.c.username == user)).first()
    if row is None:
        if until := throttle.names.until(engine, user, now):
            return _wait(ACCOUNT_WAIT, until, now)
        passwords.verify_password(_dummy_hash(), password)
        return _failed(engine, throttle, client, throttle.names.fail(engine, user, now), now)
    until = _moment(row.locked_until)
    if until and until > now:
        return _wait(ACCOUNT_WAIT, until, now)
    right = passwords.verify_password(row.password_hash, password)
    with database.writing(engine) as conn:
        outcome, account_until = _record(conn, user, right, now)
    if outcome is None:
        return _failed(engine, throttle, client, account_until, now)
    if outcome.token:
        throttle.clients.clear(engine, client)
    return outcome


def _record(conn: Connection, user: str, right: bool, now: dt.datetime
            ) -> tuple[Outcome | None, dt.datetime]:
    """The account's side of a sign-in: (None, the account's wait) for a wrong password."""
    query = select(leaders).where(leaders.c.username == user)
    if conn.dialect.name == "postgresql":
        query = query.with_for_update()
    row = conn.execute(query).first()
    if row is None:  # removed meanwhile
        return Outcome(None, WRONG, 401), now
    until = _moment(row.locked_until)
    if until and until > now:  # a concurrent failure made it wait meanwhile
        return _wait(ACCOUNT_WAIT, until, now), until
    if not right:
        failures, until = backoff.after_failure(row.failed_sign_ins, until, now,
                                                backoff.ACCOUNT_FREE, backoff.ACCOUNT_CAP)
        conn.execute(update(leaders).where(leaders.c.username == user).values(
            failed_sign_ins=failures, locked_until=clock.iso(until)))
        return None, until
    if row.disabled_at is not None:
        return Outcome(None, DISABLED, 403), now
    conn.execute(update(leaders).where(leaders.c.username == user)
                 .values(failed_sign_ins=0, locked_until=None))
    # Housekeeping: sessions that ended more than a day ago (the margin covers any change of
    # the server's UTC offset in the stored text).
    conn.execute(delete(web_sessions).where(
        web_sessions.c.expires_at < clock.iso(now - dt.timedelta(days=1))))
    token = secrets.token_urlsafe(32)
    conn.execute(insert(web_sessions).values(
        token_hash=token_hash(token), username=user, created_at=clock.iso(now),
        expires_at=clock.iso(now + dt.timedelta(hours=SESSION_HOURS))))
    return Outcome(token), now


def sign_out(engine: Engine, cookie: str | None) -> None:
    if not cookie or len(cookie) > 100:
        return
    with database.writing(engine) as conn:
        conn.execute(delete(web_sessions).where(web_sessions.c.token_hash == token_hash(cookie)))
