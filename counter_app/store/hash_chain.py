"""The tamper-evident link between rows of an append-only log, one chain per desk.

Each row carries ``prev_hash`` (the hash of the desk's previous row, or GENESIS for its first)
and ``hash`` = SHA-256 over ``prev_hash`` and the row's own columns, exactly as stored.
Editing, deleting or inserting a row in the middle of a desk's chain breaks every later
link; ``verify`` names the first broken one.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

GENESIS = "0" * 64

#: How a row's JSON column (an event's payload, an audit entry's detail) is stored, and so
#: hashed: the desk writes it so, and the server checks a pushed chain against the same text.
_STORED_JSON = json.JSONEncoder(ensure_ascii=False, sort_keys=True)


def stored_json(value: object) -> str:
    return _STORED_JSON.encode(value)


def link_hash(prev_hash: str, values: Sequence[object]) -> str:
    """``values``: the row's columns in a fixed order, as stored (text and integers)."""
    body = json.dumps([prev_hash, *values], ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class BrokenLink:
    """The first row of a desk's chain that does not follow from the one before it."""
    table: str
    desk_id: str
    desk_seq: int
    row_id: str
    reason: str  # Vietnamese, for the officer

    def to_dict(self) -> dict:
        return dict(self.__dict__)


def verify(table: str, rows: Iterable[tuple[str, str, int, str, str, Sequence[object]]],
           partial: frozenset[str] = frozenset()) -> tuple[int, list[BrokenLink]]:
    """Check chains; ``rows`` are (desk_id, row_id, desk_seq, prev_hash, hash, values) ordered
    by desk then sequence. Returns (rows checked, the first broken link of each desk).

    ``partial``: desks of whose chain this database holds only some rows by design (another
    unit's desk, of which only the dossiers the two share come here): a gap in them is no
    break; each row's own hash, and the link between rows that follow each other, are
    still checked."""
    broken: list[BrokenLink] = []
    checked = 0
    desk, expected_seq, expected_prev, skip = None, 1, GENESIS, False
    for desk_id, row_id, seq, prev_hash, stored, values in rows:
        checked += 1
        if desk_id != desk:
            desk, expected_seq, expected_prev, skip = desk_id, 1, GENESIS, False
        if skip:
            continue
        reason = None
        if desk_id in partial and seq > expected_seq:
            expected_seq, expected_prev = seq, prev_hash  # a gap by design: link from here
        if seq != expected_seq:
            reason = (f"Thiếu bản ghi số {expected_seq}" if seq > expected_seq
                      else f"Số thứ tự {seq} bị lặp") + " trong chuỗi của quầy."
        elif prev_hash != expected_prev:
            reason = "Bản ghi trước nó đã bị sửa, xóa hoặc chèn thêm."
        elif link_hash(prev_hash, values) != stored:
            reason = "Nội dung bản ghi đã bị sửa sau khi ghi."
        if reason:
            broken.append(BrokenLink(table, desk_id, seq, row_id, reason))
            skip = True
            continue
        expected_seq, expected_prev = seq + 1, stored
    return checked, broken
