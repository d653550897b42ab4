"""Dashboard sign-in throttling: per client address and per account, exponential and bounded.

Attack held here: after 5 wrong passwords an account was locked for 15 minutes, the right
password included, and every later wrong one locked it again: anyone who knew a leader's
username could keep the leader out of the dashboard forever. Now each failure makes the
address it came from, and the account, wait before the next try (1 s after the 5th failure
of an account, the 4th of an address, twice as long at each further one), an account at most
5 minutes and an address at most an hour: the attacker's own address is throttled, while
the leader, from another address, gets in at most 5 minutes after the last failure. A
success starts afresh. The server's clock is set by the test: nothing sleeps.
"""

from __future__ import annotations

import datetime as dt
import re
import warnings

import pytest
from sqlalchemy import select

from counter_app.server import clock as server_clock
from counter_app.server import database, leaders, sign_in_throttle
from counter_app.server.app import create_app
from counter_app.server.schema import leaders as leader_table
from tests.server.conftest import server_db  # noqa: F401 - fixture

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

NOW = dt.datetime(2026, 10, 20, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=7)))
USER, PASSWORD = "lanhdao", "mat-khau-huyen"
ATTACKER, LEADER, OTHER = "203.0.113.9", "198.51.100.7", "192.0.2.44"
CAP = sign_in_throttle.ACCOUNT_CAP.total_seconds()


class Now:
    at = NOW

    @classmethod
    def advance(cls, seconds: float) -> None:
        cls.at += dt.timedelta(seconds=seconds)


@pytest.fixture
def app(server_db, monkeypatch):  # noqa: F811
    Now.at = NOW
    monkeypatch.setattr(server_clock, "now", lambda: Now.at)
    with database.writing(server_db) as conn:
        leaders.add_leader(conn, USER, "Nguyễn Văn Lãnh", PASSWORD)
    return create_app(server_db)


def _from(app, address: str) -> TestClient:
    return TestClient(app, client=(address, 50000))


def sign_in(client: TestClient, username: str = USER, password: str = PASSWORD):
    client.cookies.clear()
    form = client.get("/dashboard/sign-in")
    csrf = re.search(r'name="csrf" value="([^"]+)"', form.text)[1]
    return client.post("/dashboard/sign-in", follow_redirects=False, data={
        "username": username, "password": password, "csrf": csrf, "next": ""})


def _message(reply) -> str:
    return re.search(r'<p class="msg error" role="alert">(.*?)</p>', reply.text, re.S)[1]


def _wait(reply) -> int:
    assert reply.status_code == 429, reply.text[:200]
    assert "vui lòng đợi" in _message(reply) and "dashboard_session" not in reply.headers.get(
        "set-cookie", "")
    return int(reply.headers["Retry-After"])


def _attack(attacker: TestClient, tries: int) -> list[int]:
    """Wrong passwords, each as soon as the attacker's address may try again; the waits
    they were answered with (the clock stays at the last failure)."""
    waits: list[int] = []
    for _ in range(tries):
        Now.advance(waits[-1] if waits else 0)
        reply = sign_in(attacker, password="doan-mo")
        if reply.status_code == 429:
            waits.append(_wait(reply))
        else:
            assert reply.status_code == 401 and not waits
    return waits


def test_an_attacker_is_throttled_and_cannot_keep_the_leader_out(app, server_db):  # noqa: F811
    attacker, leader = _from(app, ATTACKER), _from(app, LEADER)
    waits = _attack(attacker, 40)
    assert max(waits) == sign_in_throttle.CLIENT_CAP.total_seconds()  # an hour at most
    # The attacker's address waits, even with the right password...
    refused = sign_in(attacker)
    assert _wait(refused) > CAP and "Máy này" in _message(refused)
    # ...and for hours: after each failure it can make, the leader from another address
    # waits at most the account's cap, then gets in.
    delayed = []
    for _ in range(4):
        Now.advance(_wait(sign_in(attacker)))  # the attacker's next allowed try...
        assert _wait(sign_in(attacker, password="doan-mo")) > CAP  # ...fails, and waits
        reply = sign_in(leader)
        delayed.append(reply.status_code == 429)
        if reply.status_code == 429:
            delay = _wait(reply)
            assert delay <= CAP and "Tài khoản này" in _message(reply)
            Now.advance(delay)
            assert sign_in(attacker).status_code == 429  # cannot make it wait again
            reply = sign_in(leader)
        assert reply.status_code == 303, _message(reply)
        assert leader.get("/dashboard").status_code == 200
        Now.advance(60)
    assert delayed[0]  # the account did wait after the attack...
    assert not any(delayed[1:])  # ...and, one failure an hour, never again


def test_the_backoff_doubles_stays_bounded_and_resets_on_success(app, server_db):  # noqa: F811
    client = _from(app, LEADER)
    waits = _attack(client, 30)
    assert waits[:6] == [1, 2, 4, 8, 16, 32]  # the address's waits (it starts one earlier)
    assert all(b >= a for a, b in zip(waits, waits[1:], strict=False))
    assert max(waits) == sign_in_throttle.CLIENT_CAP.total_seconds()
    with server_db.connect() as conn:
        row = conn.execute(select(leader_table).where(leader_table.c.username == USER)).one()
    until = dt.datetime.fromisoformat(row.locked_until)
    assert row.failed_sign_ins == 30 and until - Now.at <= sign_in_throttle.ACCOUNT_CAP
    # From another address the account's own wait (at most 5 minutes) is all there is.
    other = _from(app, OTHER)
    Now.advance(CAP)
    assert sign_in(other).status_code == 303
    with server_db.connect() as conn:
        row = conn.execute(select(leader_table).where(leader_table.c.username == USER)).one()
    assert row.failed_sign_ins == 0 and row.locked_until is None
    # A success from an address starts it afresh too.
    Now.advance(sign_in_throttle.CLIENT_CAP.total_seconds())
    assert sign_in(client).status_code == 303
    for _ in range(3):
        assert sign_in(client, password="sai").status_code == 401
    assert _wait(sign_in(client, password="sai")) == 1


def test_an_unknown_username_gets_the_same_answers(app):
    real, ghost = _from(app, ATTACKER), _from(app, OTHER)
    wait = 0
    for _ in range(8):
        Now.advance(wait)
        a = sign_in(real, password="sai")
        b = sign_in(ghost, username="khong.co.ai", password="sai")
        assert a.status_code == b.status_code and _message(a) == _message(b)
        assert a.status_code == 429 or _message(a) == "Tên đăng nhập hoặc mật khẩu không đúng."
        assert a.headers.get("Retry-After") == b.headers.get("Retry-After")
        wait = int(a.headers.get("Retry-After", 0))
    # Both accounts, existing or not, now wait: a third address is told so, alike.
    third = _from(app, "192.0.2.99")
    a, b = sign_in(third, password="x"), sign_in(third, username="khong.co.ai", password="x")
    assert a.status_code == b.status_code == 429 and "Tài khoản này" in _message(a)
    assert _message(a) == _message(b)


def test_waits_are_bounded_and_memory_is_too(server_db):  # noqa: F811
    for failures in (0, 4, 5, 6, 14, 40, 10**6):
        wait = sign_in_throttle.wait(failures, sign_in_throttle.ACCOUNT_FREE,
                                     sign_in_throttle.ACCOUNT_CAP)
        assert dt.timedelta(0) <= wait <= sign_in_throttle.ACCOUNT_CAP
    memory = sign_in_throttle.Backoff("client", 5, sign_in_throttle.ACCOUNT_CAP, limit=100)
    for i in range(300):
        memory.fail(server_db, f"10.0.{i // 256}.{i % 256}", NOW + dt.timedelta(seconds=i))
    assert memory.count(server_db) == 100
    last = NOW + dt.timedelta(seconds=299)  # the 300th key: its first failure, no wait yet
    assert memory.until(server_db, "10.0.1.43", last) is None
    # A day later, a new failure forgets every key quiet since.
    memory.fail(server_db, "10.9.9.9", NOW + dt.timedelta(days=2))
    assert memory.count(server_db) == 1


def test_two_server_processes_count_the_same_failures(server_db):  # noqa: F811
    """The counts live in the database: what one process (app) counted, another sees."""
    Now.at = NOW
    with database.writing(server_db) as conn:
        leaders.add_leader(conn, USER, "Nguyễn Văn Lãnh", PASSWORD)
    first, second = create_app(server_db), create_app(server_db)
    for n in range(sign_in_throttle.CLIENT_FREE):
        app = first if n % 2 else second
        reply = sign_in(_from(app, ATTACKER), username=f"khong.co.{n}", password="sai")
    assert reply.status_code == 429  # the 4th failure, counted across both processes
    assert sign_in(_from(first, ATTACKER)).status_code == 429
    # one machine's IPv6 addresses are one address; an IPv4 one mapped to IPv6 is itself
    assert (sign_in_throttle.client_key("2001:db8::1")
            == sign_in_throttle.client_key("2001:db8::ffff:1"))
    assert sign_in_throttle.client_key("::ffff:192.0.2.1") == "192.0.2.1"
