"""Signing in to the leaders' dashboard: sessions, sign-in throttling, CSRF tokens.

A session is a random 256-bit cookie value; the server stores only its SHA-256
(``web_sessions.token_hash``) and lets it live 8 hours (no sliding renewal: reading a page
writes nothing). After 5 wrong passwords in a row an account is locked for 15 minutes, the
right password included. A username that does not exist gets the same answers, the same
lock (counted in memory, per server process) and the same argon2 work, so the form does not
tell which usernames exist. The password is checked outside any write transaction (argon2
takes ~0.1 s; the desks' pushes must not queue behind it).

Forms are protected against cross-site posting twice over: the cookies are SameSite=Strict,
and every form carries a token the server checks (the sign-in form: the value of a
``dashboard_csrf`` cookie, double-submitted; the sign-out form: a hash of the session).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
import threading
from dataclasses import dataclass

from sqlalchemy import Connection, Engine, delete, insert, select, update

from counter_app.accounts import passwords
from counter_app.domain.officers import MAX_PASSWORD, normalise_username
from counter_app.server import clock, database
from counter_app.server.auth import token_hash
from counter_app.server.schema import leaders, web_sessions

COOKIE = "dashboard_session"
CSRF_COOKIE = "dashboard_csrf"
SESSION_HOURS = 8
MAX_FAILURES = 5
LOCK_MINUTES = 15
WRONG = "Tên đăng nhập hoặc mật khẩu không đúng."
LOCKED = ("Đã nhập sai mật khẩu {n} lần liên tiếp: tạm khóa đăng nhập {m} phút, đến {at}. "
          "Vui lòng thử lại sau.")
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


class Throttle:
    """Failures of usernames that do not exist, as the leaders table counts real ones."""

    LIMIT = 10_000  # names remembered at most (the oldest are forgotten first)

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._seen: dict[str, tuple[int, dt.datetime | None]] = {}

    def locked_until(self, name: str, now: dt.datetime) -> dt.datetime | None:
        with self._lock:
            _, until = self._seen.get(name, (0, None))
        return until if until and until > now else None

    def fail(self, name: str, now: dt.datetime) -> dt.datetime | None:
        with self._lock:
            count, until = self._seen.pop(name, (0, None))
            count = 1 if until and until <= now else count + 1
            until = now + dt.timedelta(minutes=LOCK_MINUTES) if count >= MAX_FAILURES else None
            self._seen[name] = (count, until)
            while len(self._seen) > self.LIMIT:
                self._seen.pop(next(iter(self._seen)))
        return until


_DUMMY: list[str] = []


def _dummy_hash() -> str:
    """A hash to verify against when the username is unknown (the same argon2 work)."""
    if not _DUMMY:
        _DUMMY.append(passwords.hash_password(secrets.token_urlsafe(16)))
    return _DUMMY[0]


def _locked(until: dt.datetime) -> Outcome:
    return Outcome(None, LOCKED.format(n=MAX_FAILURES, m=LOCK_MINUTES,
                                       at=f"{until:%H:%M} ngày {until:%d/%m/%Y}"), 429)


def sign_in(engine: Engine, throttle: Throttle, username: str, password: str) -> Outcome:
    user, now = normalise_username(username)[:64], clock.now()
    if (not user or not password or len(password) > MAX_PASSWORD
            or "\x00" in user + password):  # no account has one; PostgreSQL text cannot
        return Outcome(None, WRONG, 401)
    with database.reading(engine) as conn:
        row = conn.execute(select(leaders).where(leaders.c.username == user)).first()
    if row is None:
        if until := throttle.locked_until(user, now):
            return _locked(until)
        passwords.verify_password(_dummy_hash(), password)
        until = throttle.fail(user, now)
        return _locked(until) if until else Outcome(None, WRONG, 401)
    until = _moment(row.locked_until)
    if until and until > now:
        return _locked(until)
    right = passwords.verify_password(row.password_hash, password)
    with database.writing(engine) as conn:
        return _record(conn, user, right, now)


def _record(conn: Connection, user: str, right: bool, now: dt.datetime) -> Outcome:
    query = select(leaders).where(leaders.c.username == user)
    if conn.dialect.name == "postgresql":
        query = query.with_for_update()
    row = conn.execute(query).first()
    if row is None:  # removed meanwhile
        return Outcome(None, WRONG, 401)
    until = _moment(row.locked_until)
    if until and until > now:  # locked by a concurrent attempt meanwhile
        return _locked(until)
    if not right:
        failures = (0 if until else row.failed_sign_ins) + 1  # a past lock starts afresh
        until = now + dt.timedelta(minutes=LOCK_MINUTES) if failures >= MAX_FAILURES else None
        conn.execute(update(leaders).where(leaders.c.username == user).values(
            failed_sign_ins=failures, locked_until=clock.iso(until) if until else None))
        return _locked(until) if until else Outcome(None, WRONG, 401)
    if row.disabled_at is not None:
        return Outcome(None, DISABLED, 403)
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
    return Outcome(token)


def sign_out(engine: Engine, cookie: str | None) -> None:
    if not cookie or len(cookie) > 100:
        return
    with database.writing(engine) as conn:
        conn.execute(delete(web_sessions).where(web_sessions.c.token_hash == token_hash(cookie)))
