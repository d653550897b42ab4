"""The server's clock (local time with its UTC offset); tests replace ``now``."""

from __future__ import annotations

import datetime as dt


def now() -> dt.datetime:
    return dt.datetime.now().astimezone()


def iso(moment: dt.datetime | None = None) -> str:
    return (moment or now()).isoformat(timespec="milliseconds")


#: Vietnam's time (no daylight saving): the desks' legal times are naive local times there.
VIETNAM = dt.timezone(dt.timedelta(hours=7))


def vietnam_local(moment: dt.datetime | None = None) -> str:
    """The moment as a desk writes its times: naive local time in Vietnam, to the minute."""
    return (moment or now()).astimezone(VIETNAM).replace(tzinfo=None).isoformat(
        timespec="minutes")
