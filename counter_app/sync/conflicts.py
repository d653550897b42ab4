"""Conflicts the server reported: what two desks did differently to one dossier, shown so
that a leader can read both sides and settle it (PROTOCOL.md, Merge).

The server keeps the event that lost, the dossier as it stood and the events that made it
so (``detail``). ``resolve`` stores the leader's decision here (``resolution_sent = 0``);
the next push takes it to the server, where the first resolution of a conflict wins, and
every desk of the commune learns it at its next pull.
"""

from __future__ import annotations

import datetime as dt
import json
import unicodedata
from dataclasses import dataclass, field

import sqlite_utils

from counter_app.domain.lifecycle import event_label
from counter_app.domain.statuses import Status
from counter_app.domain.text import clean
from counter_app.errors import NotFound, ValidationError
from counter_app.store.database import transaction

KIND_LABELS = {
    "step_not_allowed": "Hai quầy cùng thao tác trên một hồ sơ, thao tác sau không còn hợp lệ",
    "duplicate_code": "Hai hồ sơ trùng mã",
}
MAX_RESOLUTION = 2000


@dataclass(frozen=True)
class ConflictView:
    id: str
    dossier_id: str
    code: str
    kind: str
    kind_label: str
    created_at: str
    lost: str                      # the side the server could not apply, in words
    kept: str                      # the dossier as it stood, and how it got there
    detail: dict = field(default_factory=dict)
    resolved_at: str | None = None
    resolved_by: str = ""
    resolution: str = ""
    resolution_sent: bool = True

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None

    def to_dict(self) -> dict:
        return {**self.__dict__, "is_open": self.is_open}


def _when(value: object) -> str:
    try:
        moment = dt.datetime.fromisoformat(str(value))
    except ValueError:
        return str(value or "")
    if moment.tzinfo:
        moment = moment.astimezone().replace(tzinfo=None)
    return f"{moment:%d/%m/%Y %H:%M}"


def describe_event(event: dict, names: dict[str, str] | None = None) -> str:
    """'Trả kết quả — Lê Thị Hương, 09/03/2026 10:15' (an event as an officer reads it)."""
    names = names or {}
    officer = event.get("officer", "")
    payload = event.get("payload")
    label = event_label(event.get("kind", ""), payload if isinstance(payload, dict) else None)
    return f"{label} — {names.get(officer, officer)}, {_when(event.get('at'))}"


def _status_label(value: object) -> str:
    try:
        return Status(int(value)).label
    except (TypeError, ValueError):
        return str(value or "")


def _sides(detail: dict, names: dict[str, str]) -> tuple[str, str]:
    event = detail.get("event") or detail.get("lost_event") or {}
    lost = describe_event(event, names) if event else str(detail.get("reason") or "")
    dossier = detail.get("dossier") or {}
    history = detail.get("winning_events") or detail.get("events") or []
    kept = f"Hồ sơ đang ở trạng thái: {_status_label(dossier.get('status'))}" if dossier else ""
    if history:
        kept += (". " if kept else "") + "Đã ghi: " + "; ".join(
            describe_event(e, names) for e in history if isinstance(e, dict))
    return lost, kept


def _names(db: sqlite_utils.Database) -> dict[str, str]:
    return {r[0]: r[1] for r in db.execute("SELECT username, full_name FROM officers")}


def _view(row: dict, names: dict[str, str]) -> ConflictView:
    try:
        detail = json.loads(row["detail"]) if row["detail"] else {}
    except ValueError:
        detail = {}
    detail = detail if isinstance(detail, dict) else {"value": detail}
    lost, kept = _sides(detail, names)
    return ConflictView(
        id=row["id"], dossier_id=row["dossier_id"], code=row["code"], kind=row["kind"],
        kind_label=KIND_LABELS.get(row["kind"], row["kind"]), created_at=row["created_at"],
        lost=lost, kept=kept, detail=detail, resolved_at=row["resolved_at"],
        resolved_by=row["resolved_by"], resolution=row["resolution"],
        resolution_sent=bool(row["resolution_sent"]))


def list_conflicts(db: sqlite_utils.Database, include_resolved: bool = False
                   ) -> list[ConflictView]:
    """Open conflicts, oldest first (with ``include_resolved``: the settled ones after)."""
    where = "" if include_resolved else "WHERE resolved_at IS NULL"
    rows = db.query(f"SELECT * FROM sync_conflicts {where} "
                    "ORDER BY resolved_at IS NOT NULL, created_at, id")
    names = _names(db)
    return [_view(r, names) for r in rows]


def get_conflict(db: sqlite_utils.Database, conflict_id: str) -> ConflictView:
    rows = list(db.query("SELECT * FROM sync_conflicts WHERE id = ?", [conflict_id]))
    if not rows:
        raise NotFound(f"Không có xung đột '{conflict_id}'.")
    return _view(rows[0], _names(db))


def resolve(db: sqlite_utils.Database, conflict_id: str, officer_username: str,
            resolution_text: str, now: dt.datetime | None = None) -> ConflictView:
    """Record how the conflict was settled (sent to the server at the next push)."""
    text = unicodedata.normalize("NFC", clean(resolution_text))
    if not text:
        raise ValidationError({"resolution": "Hãy ghi cách giải quyết xung đột (đã làm gì với "
                                             "hồ sơ, đã báo ai)."})
    if len(text) > MAX_RESOLUTION:
        raise ValidationError({"resolution": f"Nội dung giải quyết dài quá {MAX_RESOLUTION} "
                                             "ký tự."})
    moment = now or dt.datetime.now()
    stamp = (moment if moment.tzinfo else moment.astimezone()).isoformat(timespec="seconds")
    with transaction(db):
        current = get_conflict(db, conflict_id)
        if not current.is_open:
            raise ValidationError({"resolution": f"Xung đột này đã được giải quyết bởi "
                                                 f"{current.resolved_by} lúc "
                                                 f"{_when(current.resolved_at)}."})
        db.execute("UPDATE sync_conflicts SET resolved_at = ?, resolved_by = ?, resolution = ?, "
                   "resolution_sent = 0 WHERE id = ?",
                   [stamp, officer_username, text, conflict_id])
    return get_conflict(db, conflict_id)
