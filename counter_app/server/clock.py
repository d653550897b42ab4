"""The server's clock (local time with its UTC offset); tests replace ``now``."""

from __future__ import annotations

import datetime as dt


def now() -> dt.datetime:
    return dt.datetime.now().astimezone()


def iso(moment: dt.datetime | None = None) -> str:
    return (moment or now()).isoformat(timespec="milliseconds")
