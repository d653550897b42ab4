"""The audit log of what is not a step of a dossier: sign-ins (and failed ones), locks,
prints and exports of personal data, account changes, setup, catalogue, calendar, backups.

Append-only (triggers) and hash-chained per desk like the event log, and never holding a
password or a citizen's personal data: only the dossier code, the form, the file name.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum

import sqlite_utils

from counter_app.store import hash_chain
from counter_app.store.database import transaction
from counter_app.store.event_log import chain_tail
from counter_app.store.ids import new_id

CHAINED = ("id", "desk_id", "desk_seq", "at", "officer", "action", "subject", "detail")


class AuditAction(StrEnum):
    SIGN_IN = "sign_in"
    SIGN_IN_FAILED = "sign_in_failed"
    SIGN_OUT = "sign_out"
    LOCK = "lock"
    UNLOCK = "unlock"
    PERMISSION_DENIED = "permission_denied"
    PRINT = "print"            # a form of a dossier rendered (preview, file) or printed
    EXPORT = "export"          # the register written to a file
    OFFICER_ADDED = "officer_added"
    OFFICER_CHANGED = "officer_changed"
    OFFICER_DISABLED = "officer_disabled"
    OFFICER_ENABLED = "officer_enabled"
    PASSWORD_RESET = "password_reset"
    PASSWORD_CHANGED = "password_changed"
    SETUP_CHANGED = "setup_changed"
    CATALOGUE_IMPORTED = "catalogue_imported"
    CALENDAR_CHANGED = "calendar_changed"
    BACKUP_MADE = "backup_made"
    RESTORED = "restored"
    SERVER_ENROLLED = "server_enrolled"
    CONFLICT_RESOLVED = "conflict_resolved"
    OFFICER_SIGNED = "officer_signed"          # an administrator signed an unsigned account
    OFFICER_SYNCED = "officer_synced"          # an account change came by sync (who signed)
    OFFICER_SYNC_REFUSED = "officer_sync_refused"  # one that was not signed as it must be

    @property
    def label(self) -> str:
        return AUDIT_LABELS.get(self, self.value)


AUDIT_LABELS = {
    AuditAction.SIGN_IN: "Đăng nhập",
    AuditAction.SIGN_IN_FAILED: "Đăng nhập sai",
    AuditAction.SIGN_OUT: "Đăng xuất",
    AuditAction.LOCK: "Khóa màn hình",
    AuditAction.UNLOCK: "Mở khóa màn hình",
    AuditAction.PERMISSION_DENIED: "Bị từ chối quyền",
    AuditAction.PRINT: "In / xem biểu mẫu",
    AuditAction.EXPORT: "Xuất dữ liệu",
    AuditAction.OFFICER_ADDED: "Thêm tài khoản",
    AuditAction.OFFICER_CHANGED: "Sửa tài khoản",
    AuditAction.OFFICER_DISABLED: "Khóa tài khoản",
    AuditAction.OFFICER_ENABLED: "Mở lại tài khoản",
    AuditAction.PASSWORD_RESET: "Đặt lại mật khẩu",
    AuditAction.PASSWORD_CHANGED: "Đổi mật khẩu",
    AuditAction.SETUP_CHANGED: "Sửa thông tin cơ quan",
    AuditAction.CATALOGUE_IMPORTED: "Nhập danh mục thủ tục",
    AuditAction.CALENDAR_CHANGED: "Sửa lịch làm việc",
    AuditAction.BACKUP_MADE: "Sao lưu dữ liệu",
    AuditAction.RESTORED: "Khôi phục dữ liệu",
    AuditAction.SERVER_ENROLLED: "Kết nối máy chủ",
    AuditAction.CONFLICT_RESOLVED: "Xử lý xung đột đồng bộ",
    AuditAction.OFFICER_SIGNED: "Ký xác nhận tài khoản",
    AuditAction.OFFICER_SYNCED: "Nhận thay đổi tài khoản qua đồng bộ",
    AuditAction.OFFICER_SYNC_REFUSED: "Từ chối thay đổi tài khoản không hợp lệ",
}


@dataclass(frozen=True)
class AuditEntry:
    id: str
    desk_id: str
    desk_seq: int
    at: str
    officer: str
    action: str
    subject: str
    detail: dict
    prev_hash: str = ""
    hash: str = ""

    def to_dict(self) -> dict:
        return dict(self.__dict__)


def append(db: sqlite_utils.Database, *, desk_id: str, officer: str, action: AuditAction,
           at: dt.datetime, subject: str = "", detail: dict | None = None) -> AuditEntry:
    """Append one entry, in the caller's transaction if there is one, else in its own."""
    with transaction(db):
        last_seq, prev_hash = chain_tail(db, "audit_log", desk_id)
        text = hash_chain.stored_json(detail or {})
        values = [new_id(), desk_id, last_seq + 1, at.isoformat(timespec="seconds"), officer,
                  action.value, subject, text]
        digest = hash_chain.link_hash(prev_hash, values)
        db.execute("INSERT INTO audit_log (id, desk_id, desk_seq, at, officer, action, subject, "
                   "detail, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                   [*values, prev_hash, digest])
    return AuditEntry(*values[:7], detail or {}, prev_hash, digest)


def entries(db: sqlite_utils.Database, officer: str | None = None,
            since: dt.date | None = None, until: dt.date | None = None,
            limit: int = 5000) -> list[AuditEntry]:
    """Newest first."""
    sql, params = "SELECT * FROM audit_log WHERE 1 = 1", []
    if officer:
        sql += " AND officer = ?"
        params.append(officer)
    if since:
        sql += " AND at >= ?"
        params.append(since.isoformat())
    if until:
        sql += " AND at < ?"
        params.append((until + dt.timedelta(days=1)).isoformat())
    sql += " ORDER BY at DESC, rowid DESC LIMIT ?"
    return [AuditEntry(**{**r, "detail": json.loads(r["detail"])})
            for r in db.query(sql, [*params, limit])]


def chain_rows(db: sqlite_utils.Database) -> Iterator[tuple]:
    cols = ", ".join(CHAINED)
    for r in db.execute(f"SELECT {cols}, prev_hash, hash FROM audit_log "
                        "ORDER BY desk_id, desk_seq"):
        yield r[1], r[0], r[2], r[8], r[9], r[:8]
