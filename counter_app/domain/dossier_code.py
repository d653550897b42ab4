"""Dossier codes: ``<agency code>-<yyMMdd>-<NNNN>`` (docs/law.md §2.1).

Offline scheme (docs/law.md §2.4, option 1: disjoint blocks): the first digit of NNNN is the
desk number (1-9) and the last three are that desk's own sequence for the day (001-999).
Desk 1 issues 1001-1999, desk 2 issues 2001-2999, and so on. Two desks of one commune that
work offline on the same day can therefore never issue the same code, provided their desk
numbers differ; each desk allocates inside its own database transaction, so one desk never
issues a number twice. A desk may receive at most 999 dossiers a day.
"""

from __future__ import annotations

import datetime as dt
import re

from counter_app.domain.agency import AGENCY_CODE_2020, AGENCY_CODE_2025
from counter_app.errors import CodeSpaceExhausted

PER_DESK_PER_DAY = 999
#: Either generation of agency code; a sequence of four digits or more (TT 04/2025 asks for
#: "at least 4", docs/law.md §17). This desk issues four: its desk digit and three more.
_CODE = re.compile(rf"^({AGENCY_CODE_2020}|{AGENCY_CODE_2025})-([0-9]{{6}})-([0-9])([0-9]{{3,}})$")


def day_prefix(agency_code: str, day: dt.date, desk: int) -> str:
    return f"{agency_code}-{day:%y%m%d}-{desk}"


def make_code(agency_code: str, day: dt.date, desk: int, sequence: int) -> str:
    if not 1 <= sequence <= PER_DESK_PER_DAY:
        raise CodeSpaceExhausted(
            f"Quầy {desk} đã dùng hết {PER_DESK_PER_DAY} số hồ sơ của ngày {day:%d/%m/%Y}.")
    return f"{day_prefix(agency_code, day, desk)}{sequence:03d}"


def parse_code(code: str) -> tuple[str, dt.date, int, int] | None:
    """(agency code, reception day, desk, sequence), or None if it is not a dossier code."""
    m = _CODE.match(code.strip().upper())
    if not m:
        return None
    try:
        day = dt.datetime.strptime(m.group(2), "%y%m%d").date()
    except ValueError:
        return None
    return m.group(1), day, int(m.group(3)), int(m.group(4))


def looks_like_code(text: str) -> bool:
    return parse_code(text) is not None
