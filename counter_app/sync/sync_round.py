"""One sync round: reference data, then push, then pull (PROTOCOL.md).

No officer needs to be signed in: it is the machine that syncs (by the timer of the window,
or ``counter-app sync``). The round records when it was tried, when it last succeeded, what
went wrong (Vietnamese, for the status indicator) and the clock offset it measured; then it
raises ``NotEnrolled``, ``ServerUnreachable`` (offline: nothing lost, try later) or
``SyncRefused`` (a person must look) for the caller to show. Any other exception (a bug, a
full disk) is recorded too, as kind ``error`` with its type only, and raised as it is.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

import httpx
import sqlite_utils

from counter_app.log_privacy import exception_outline
from counter_app.store import settings_store
from counter_app.store.database import transaction
from counter_app.sync import desk_state, file_sync, token_store
from counter_app.sync.errors import NotEnrolled, ServerUnreachable, SyncError
from counter_app.sync.pull import PullReport, pull
from counter_app.sync.push import PushReport, push, waiting
from counter_app.sync.reference import refresh
from counter_app.sync.transport import Channel, Now, desk_now, make_client

log = logging.getLogger(__name__)


@dataclass
class SyncReport:
    """What moved in one round (``counter-app sync`` prints it)."""
    pushed: PushReport = field(default_factory=PushReport)
    pulled: PullReport = field(default_factory=PullReport)
    reference_updated: list[str] = field(default_factory=list)
    waiting: int = 0                     # this desk's events still not acknowledged
    files_sent: int = 0                  # digitised files the server took whole this round
    files_fetched: int = 0               # other desks' files brought ahead of time
    clock_offset_seconds: float | None = None
    clock_warning: str = ""
    started_at: str = ""
    finished_at: str = ""

    def to_dict(self) -> dict:
        return {"pushed": self.pushed.to_dict(), "pulled": self.pulled.to_dict(),
                "reference_updated": list(self.reference_updated), "waiting": self.waiting,
                "files_sent": self.files_sent, "files_fetched": self.files_fetched,
                "clock_offset_seconds": self.clock_offset_seconds,
                "clock_warning": self.clock_warning, "started_at": self.started_at,
                "finished_at": self.finished_at}

    @property
    def summary(self) -> str:
        """One Vietnamese line for the status bar."""
        p, q = self.pushed.to_dict(), self.pulled
        parts = [f"gửi {p['sent']} thao tác" + (f" ({p['duplicates']} đã có)"
                                                 if p["duplicates"] else ""),
                 f"nhận {q.events} thao tác, {q.dossiers} hồ sơ"]
        if p["conflicts"] or q.conflicts:
            parts.append(f"{p['conflicts'] + q.conflicts} xung đột cần xem")
        if q.skipped:
            parts.append(f"{q.skipped} hồ sơ/thao tác của máy chủ không lưu được trên máy này")
        if self.files_sent or self.files_fetched:
            parts.append(f"{self.files_sent} tệp số hóa gửi lên, {self.files_fetched} tệp "
                         "tải trước về")
        if self.reference_updated:
            parts.append("cập nhật danh mục/lịch/tài khoản")
        return "Đồng bộ xong: " + ", ".join(parts) + "."


def unexpected_message(exc: BaseException) -> str:
    """The officer's sentence for an error that is not a SyncError: its type, never its
    text (which may quote a dossier)."""
    return (f"Đồng bộ gặp lỗi không mong đợi: {type(exc).__name__}. Dữ liệu trên máy không "
            "bị ghi dở; máy sẽ tự thử lại sau. Nếu lỗi lặp lại, hãy báo bộ phận kỹ thuật.")


def _stamp(now: Now) -> str:
    value = now()
    return (value if value.tzinfo else value.astimezone()).isoformat(timespec="seconds")


def _record(db: sqlite_utils.Database, values: dict) -> None:
    with transaction(db):
        for key, value in values.items():
            desk_state.put(db, key, value)


def _open_channel(db: sqlite_utils.Database, http: httpx.Client | None, now: Now) -> Channel:
    url = desk_state.get(db, desk_state.SERVER_URL)
    token_store.move_out_of_database(db)
    token = token_store.load(db)
    if not url or not token:
        raise NotEnrolled("Quầy này chưa kết nối với máy chủ đồng bộ. Người quản trị cần đăng "
                          "ký quầy bằng mã do máy chủ cấp (Hệ thống → Kết nối máy chủ).")
    client = http or make_client(str(url), desk_state.get(db, desk_state.PINNED_CERT))
    return Channel(client, str(token), now)


def run_round(db: sqlite_utils.Database, http: httpx.Client | None = None,
              now: Now = desk_now) -> SyncReport:
    report = SyncReport(started_at=_stamp(now))
    channel: Channel | None = None
    try:
        channel = _open_channel(db, http, now)
        desk_id = settings_store.desk_id(db)
        report.reference_updated = refresh(db, channel)
        report.pushed = push(db, channel, desk_id)
        report.pulled = pull(db, channel, desk_id)
        report.files_sent = file_sync.send_waiting(db, channel, desk_id)  # after the events
        report.files_fetched = file_sync.fetch_ahead(db, channel)  # where the desk is set to
    except Exception as exc:
        if isinstance(exc, SyncError):
            kind = "offline" if isinstance(exc, ServerUnreachable) else "refused"
            message = str(exc)
        else:  # a bug, a full disk...: its type only (a message may hold personal data)
            kind, message = "error", unexpected_message(exc)
        values = {desk_state.LAST_ATTEMPT: report.started_at, desk_state.LAST_ERROR: message,
                  desk_state.LAST_ERROR_KIND: kind}
        if channel is not None and channel.clock_offset is not None:
            values[desk_state.CLOCK_OFFSET] = round(channel.clock_offset, 3)
        try:
            _record(db, values)
        except Exception as record_exc:  # the round's own error is the one to raise
            log.error("sync error not recorded: %s", exception_outline(record_exc))
        raise
    finally:
        if channel is not None and http is None:
            channel.close()
    report.finished_at = _stamp(now)
    report.waiting = waiting(db, desk_id)
    values = {desk_state.LAST_ATTEMPT: report.started_at,
              desk_state.LAST_SUCCESS: report.finished_at,
              desk_state.LAST_ERROR: "", desk_state.LAST_ERROR_KIND: ""}
    if channel.clock_offset is not None:
        report.clock_offset_seconds = round(channel.clock_offset, 3)
        values[desk_state.CLOCK_OFFSET] = report.clock_offset_seconds
    _record(db, values)
    report.clock_warning = desk_state.SyncStatus(
        enrolled=True, clock_offset_seconds=report.clock_offset_seconds).clock_warning
    return report


def fetch_file(db: sqlite_utils.Database, sha256: str, size: int,
               http: httpx.Client | None = None, now: Now = desk_now) -> None:
    """Bring one digitised file from the server to this desk (someone opened it)."""
    channel = _open_channel(db, http, now)
    try:
        file_sync.fetch(db, channel, sha256, size)
    finally:
        if http is None:
            channel.close()


def sync_once(db: sqlite_utils.Database, http: httpx.Client | None = None,
              now: Now = desk_now) -> SyncReport:
    """One round on an open database (the window's sync thread opens its own connection)."""
    return run_round(db, http, now)


def last_success(db: sqlite_utils.Database) -> dt.datetime | None:
    value = desk_state.get(db, desk_state.LAST_SUCCESS)
    return dt.datetime.fromisoformat(value) if value else None
