"""How long a sign-in waits after wrong passwords: one rule for the window's sign-in and
unlock and for the command line's ``--as``, kept in the core.

The first ``FREE_FAILURES`` wrong passwords in a row cost nothing (typing mistakes). After
that each attempt waits, counted from the last failure, ``FIRST_WAIT`` seconds doubling
with each further failure up to ``LONGEST_WAIT`` (5 minutes): 1, 2, 4, ... 256, 300, 300 s.
An attempt made before its wait is over is refused without looking at the password, and
does not make the wait longer. A right password, an administrator's password reset or
re-enabling the account starts the count again. Times come from the desk's clock; a clock
set back never makes a wait longer than its rule.
"""

from __future__ import annotations

import datetime as dt
import math

from counter_app.errors import SignInThrottled

FREE_FAILURES = 3
FIRST_WAIT = 1  # second
LONGEST_WAIT = 300  # seconds


def wait_after(failures: int) -> int:
    """Seconds the next attempt waits after ``failures`` wrong passwords in a row."""
    if failures < FREE_FAILURES:
        return 0
    doublings = failures - FREE_FAILURES
    return LONGEST_WAIT if doublings >= 9 else min(FIRST_WAIT << doublings, LONGEST_WAIT)


def wait_left(failures: int, last_failed_at: dt.datetime | None, now: dt.datetime) -> int:
    """Whole seconds still to wait at ``now`` (0: the attempt may be checked)."""
    wait = wait_after(failures)
    if wait == 0 or last_failed_at is None:
        return 0
    elapsed = max((naive(now) - naive(last_failed_at)).total_seconds(), 0.0)
    return max(math.ceil(wait - elapsed), 0)


def naive(moment: dt.datetime) -> dt.datetime:
    """Local wall-clock time without a zone, as the desk's clock gives it."""
    return moment.astimezone().replace(tzinfo=None) if moment.tzinfo else moment


def duration_text(seconds: int) -> str:
    """'45 giây', '2 phút', '4 phút 16 giây'."""
    minutes, rest = divmod(seconds, 60)
    if not minutes:
        return f"{rest} giây"
    return f"{minutes} phút" + (f" {rest} giây" if rest else "")


def refuse(failures: int, seconds: int) -> SignInThrottled:
    return SignInThrottled(f"Đã nhập sai mật khẩu {failures} lần liền. Hãy đợi "
                           f"{duration_text(seconds)} rồi thử lại.", seconds)
