"""Wrong passwords make the next sign-in wait.

Attack held here: ``counter-app --as USER`` (and the window's sign-in and lock screen)
checked every password at once, as fast as a script could ask. Now, after
``FREE_FAILURES`` wrong passwords in a row for an account, the next attempt waits 1 s,
doubling to 5 minutes, counted in the desk's database (so separate command-line processes
share it), and is refused before its password is even looked at; the message says how
long to wait. The desk's injectable clock drives every wait here: nothing sleeps.
"""

from __future__ import annotations

import datetime as dt

import pytest

from counter_app.accounts import throttle
from counter_app.errors import SignInFailed, SignInThrottled
from counter_app.service.counter import Counter
from counter_app.store import sign_in_failures
from counter_app.store.database import open_database
from tests.cli.conftest import PASSWORD as CLI_PASSWORD
from tests.cli.conftest import USERNAME as CLI_USER
from tests.core.conftest import OFFICER, PASSWORD

USER = OFFICER["username"]
SECOND = dt.timedelta(seconds=1)


def wrong(counter: Counter, times: int = 1) -> None:
    for _ in range(times):
        with pytest.raises(SignInFailed) as caught:
            counter.sign_in(USER, "sai-mat-khau")
        assert not isinstance(caught.value, SignInThrottled)


def throttled(counter: Counter, password: str = PASSWORD) -> SignInThrottled:
    with pytest.raises(SignInThrottled) as caught:
        counter.sign_in(USER, password)
    return caught.value


def test_the_wait_doubles_from_one_second_to_five_minutes():
    free = throttle.FREE_FAILURES
    assert [throttle.wait_after(n) for n in range(free)] == [0] * free
    assert [throttle.wait_after(free + n) for n in range(10)] == \
        [1, 2, 4, 8, 16, 32, 64, 128, 256, 300]
    assert throttle.wait_after(10_000) == 300


def test_after_the_free_failures_even_the_right_password_waits(desk, clock):
    desk.sign_out()
    wrong(desk, throttle.FREE_FAILURES)  # typing mistakes cost nothing
    refused = throttled(desk)  # the right password, not even checked
    assert refused.wait_seconds == 1 and "1 giây" in str(refused)
    assert desk.officer is None
    clock.now += SECOND
    wrong(desk)  # the wait is over: checked, and wrong again
    refused = throttled(desk)
    assert refused.wait_seconds == 2 and "2 giây" in str(refused)
    clock.now += SECOND
    assert throttled(desk).wait_seconds == 1  # a refused attempt does not lengthen it
    clock.now += SECOND
    assert desk.sign_in(USER, PASSWORD).username == USER  # now it is checked: right
    desk.sign_out()
    wrong(desk)  # the count started again
    assert desk.sign_in(USER, PASSWORD).username == USER


def test_the_wait_is_capped_at_five_minutes_and_said_so(desk, clock):
    desk.sign_out()
    for _ in range(throttle.FREE_FAILURES + 12):
        wrong(desk)
        clock.now += dt.timedelta(seconds=throttle.LONGEST_WAIT)
    clock.now -= dt.timedelta(seconds=throttle.LONGEST_WAIT)
    refused = throttled(desk)
    assert refused.wait_seconds == 300 and "5 phút" in str(refused)
    clock.now += dt.timedelta(minutes=4, seconds=15)
    assert "45 giây" in str(throttled(desk))
    clock.now -= dt.timedelta(days=1)  # a clock set back never waits longer than the rule
    assert throttled(desk).wait_seconds == 300


def test_another_process_on_the_same_file_sees_the_same_count(open_desk, clock, tmp_path):
    desk = open_desk()
    desk.sign_out()
    for _ in range(throttle.FREE_FAILURES + 3):
        clock.now += dt.timedelta(minutes=5)  # each after the wait before it
        wrong(desk)
    other = Counter.open(tmp_path / "counter.db", clock=clock)  # a second CLI process
    try:
        assert throttled(other).wait_seconds == 8
        clock.now += dt.timedelta(seconds=8)
        assert other.sign_in(USER, PASSWORD).username == USER
    finally:
        other.close()
    wrong(desk)  # the success there reset the count for everybody
    assert desk.sign_in(USER, PASSWORD).username == USER


def test_unknown_names_share_one_count_and_the_lock_screen_is_throttled(desk, clock):
    desk.sign_out()
    for name in ("khong-co", "cung-khong", "van-khong"):
        with pytest.raises(SignInFailed):
            desk.sign_in(name, "x")
    with pytest.raises(SignInThrottled):
        desk.sign_in("ten-khac", "x")
    assert desk.sign_in(USER, PASSWORD).username == USER  # another account's own count

    desk.lock()
    for _ in range(throttle.FREE_FAILURES):
        with pytest.raises(SignInFailed):
            desk.unlock("sai")
    with pytest.raises(SignInThrottled):
        desk.unlock(PASSWORD)
    assert desk.locked
    clock.now += SECOND
    desk.unlock(PASSWORD)
    assert not desk.locked


def test_an_administrators_password_reset_ends_the_wait(desk, clock):
    desk.add_officer("hoa", "Lê Thị Hoa", "", ["reception"], "mat-khau-hoa")
    for _ in range(throttle.FREE_FAILURES + 5):
        clock.now += dt.timedelta(minutes=5)
        with pytest.raises(SignInFailed):
            desk.sign_in("hoa", "sai")
    with pytest.raises(SignInThrottled):
        desk.sign_in("hoa", "mat-khau-hoa")
    desk.sign_in(USER, PASSWORD)
    desk.reset_password("hoa", "mat-khau-moi")
    assert desk.sign_in("hoa", "mat-khau-moi").username == "hoa"


def test_the_command_line_says_how_long_before_asking_for_a_password(ready, tmp_db_path,
                                                                    monkeypatch):
    cli = ready
    monkeypatch.setenv("COUNTER_APP_PASSWORD", "sai-mat-khau")
    for _ in range(throttle.FREE_FAILURES):
        result = cli("--as", CLI_USER, "find")
        assert result.code == 5 and "sign-in failed" in result.err
    db = open_database(tmp_db_path)
    try:  # each run was its own desk: the count is in the file
        failures, last = sign_in_failures.get(db, CLI_USER)
        assert failures == throttle.FREE_FAILURES
        assert abs(last - dt.datetime.now()) < dt.timedelta(minutes=1)
        for _ in range(7):  # seven more, just now: the next waits 128 s
            sign_in_failures.record(db, CLI_USER, dt.datetime.now())
    finally:
        db.conn.close()
    monkeypatch.delenv("COUNTER_APP_PASSWORD")  # asking would fail: no terminal (exit 2)
    result = cli("--as", CLI_USER, "find")
    assert result.code == 5, result.err
    assert "too many wrong passwords" in result.err and "wait 12" in result.err
    assert "Traceback" not in result.err
    monkeypatch.setenv("COUNTER_APP_PASSWORD", CLI_PASSWORD)  # right, but still too early
    assert cli("--as", CLI_USER, "find").code == 5
