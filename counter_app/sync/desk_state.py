"""The desk's sync state (table ``sync_state``): server, token, cursors, last results.

Values are JSON. Written only inside the caller's transaction where they go with data
(the pull cursor with the page it brings, ``acked_through`` with the acknowledgement).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

import sqlite_utils

# Keys of sync_state.
SERVER_URL = "server_url"
SERVER_ID = "server_id"                  # the server's identity: another one means a new cursor
DEVICE_TOKEN = "device_token"
PINNED_CERT = "pinned_cert_pem"          # PEM of a pinned self-signed certificate, or absent
COMMUNE = "commune"                      # {"code": ..., "name": ...}
DESK_NUMBER = "desk_number"
ACKED_THROUGH = "acked_through"          # last desk_seq of this desk's events the server has
AUDIT_ACKED_THROUGH = "audit_acked_through"
PULL_CURSOR = "pull_cursor"
REF_VERSIONS = "reference_versions"      # {"catalogue": v, "calendar": v, "officers": v}
LAST_SUCCESS = "last_success"            # ISO time (desk clock) of the last complete round
LAST_ATTEMPT = "last_attempt"
LAST_ERROR = "last_error"                # Vietnamese; "" after a success
LAST_ERROR_KIND = "last_error_kind"      # "offline" | "refused" | "error" (a bug) | ""
CLOCK_OFFSET = "clock_offset_seconds"    # server minus desk, measured at the last round
#: Desk ids this file had before a restore whose chains the server let it take over at
#: enrolment; each has its own "acked_through:<id>" and "audit_acked_through:<id>".
TAKEN_OVER = "taken_over_desk_ids"
#: Fetch other desks' digitised files in each sync round, not only when opened (a bool).
FETCH_AHEAD = "fetch_files_ahead"
ACCOUNTS_TAKEN = "accounts_taken"       # this file took a server's accounts once (kept for
                                         # good: a later server never replaces them whole)
YIELDED = "yielded_accounts"             # names whose server record replaces this desk's
ANCHORS = "commune_anchors"             # {public key: username}: keys bound by an enrolment code


def chain_keys(desk_id: str, own_desk_id: str) -> tuple[str, str]:
    """(events key, audit key) of acknowledged sequence numbers for one chain."""
    if desk_id == own_desk_id:
        return ACKED_THROUGH, AUDIT_ACKED_THROUGH
    return f"{ACKED_THROUGH}:{desk_id}", f"{AUDIT_ACKED_THROUGH}:{desk_id}"


def chains(db: sqlite_utils.Database, own_desk_id: str) -> list[str]:
    """The chains this desk pushes: those it took over after a restore, then its own."""
    return [*get(db, TAKEN_OVER, []), own_desk_id]

#: A desk clock further off than this gets a warning (PROTOCOL.md, Clocks).
CLOCK_WARNING_SECONDS = 5 * 60


def get(db: sqlite_utils.Database, key: str, default: object = None) -> object:
    row = db.execute("SELECT value FROM sync_state WHERE key = ?", [key]).fetchone()
    return json.loads(row[0]) if row else default


def put(db: sqlite_utils.Database, key: str, value: object) -> None:
    db.execute("INSERT INTO sync_state (key, value) VALUES (?, ?) "
               "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
               [key, json.dumps(value, ensure_ascii=False)])


@dataclass(frozen=True)
class SyncStatus:
    """What the status indicator and ``counter-app sync-status`` show."""
    enrolled: bool
    server_url: str = ""
    commune_name: str = ""
    desk_number: int | None = None
    last_success: dt.datetime | None = None
    last_attempt: dt.datetime | None = None
    last_error: str = ""
    last_error_kind: str = ""            # "offline" | "refused" | "error" (not a SyncError) | ""
    waiting_events: int = 0              # this desk's events the server has not acknowledged
    open_conflicts: int = 0
    clock_offset_seconds: float | None = None
    unwritable: int = 0                  # server rows this desk could not store (sync/unwritable.py)
    accounts_unsigned: int = 0           # accounts waiting for an administrator's signature
    accounts_refused: int = 0            # accounts the server refused (docs/security.md §1)

    @property
    def clock_warning(self) -> str:
        """A sentence for the officer when the desk's clock is off by more than 5 minutes."""
        off = self.clock_offset_seconds
        if off is None or abs(off) <= CLOCK_WARNING_SECONDS:
            return ""
        minutes = round(abs(off) / 60)
        way = "chậm" if off > 0 else "nhanh"
        amount = f"{minutes // 1440} ngày" if minutes >= 1440 else (
            f"{minutes // 60} giờ" if minutes >= 120 else f"{minutes} phút")
        return (f"Đồng hồ máy này {way} khoảng {amount} so với máy chủ. "
                "Hãy chỉnh lại ngày giờ của máy để giấy hẹn ghi đúng thời gian.")

    def to_dict(self) -> dict:
        data = dict(self.__dict__)
        for key in ("last_success", "last_attempt"):
            data[key] = data[key].isoformat() if data[key] else None
        data["clock_warning"] = self.clock_warning
        return data
