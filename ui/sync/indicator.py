"""The sync indicator in the status bar, and the banner for a desk clock that is off.

What the officer reads at a glance: synced a moment ago, offline since when with how many
changes waiting, never connected, or refused by the server (red, with the reason). A leader
also sees the conflicts waiting for a decision, a link to the conflicts screen. A clock off
by more than 5 minutes gets a banner above the work lists: visible all day, never a modal.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QToolButton, QWidget

from counter_app.sync.desk_state import SyncStatus

TONES = {"ok": "#1b5e20", "busy": "#0d47a1", "offline": "#8a5a00", "refused": "#b00020",
         "none": "#555555"}


def _when(moment: dt.datetime, today: dt.date) -> str:
    moment = _local(moment)
    return f"{moment:%H:%M}" if moment.date() == today else f"{moment:%d/%m/%Y %H:%M}"


def _local(moment: dt.datetime) -> dt.datetime:
    """An aware time in the desk's zone, naive (the desk's clock is local time)."""
    return moment.astimezone().replace(tzinfo=None) if moment.tzinfo else moment


def status_text(status: SyncStatus | None, running: bool, today: dt.date) -> tuple[str, str]:
    """(text, tone) of the indicator."""
    if status is None:
        return "", "none"
    if not status.enrolled:
        return "Chưa kết nối máy chủ", "none"
    if running:
        return "Đang đồng bộ…", "busy"
    if status.last_error_kind == "refused":
        return f"Máy chủ từ chối: {status.last_error or 'không rõ lý do'}", "refused"
    waiting = status.waiting_events
    if status.last_error_kind == "offline":
        last = (f"lần cuối {_local(status.last_success):%d/%m/%Y %H:%M}"
                if status.last_success else "chưa đồng bộ lần nào")
        return f"Mất kết nối ({last}) · {waiting} thay đổi chờ gửi", "offline"
    if status.last_error_kind == "error":  # the whole sentence is in the tooltip
        return f"Lỗi đồng bộ (sẽ tự thử lại) · {waiting} thay đổi chờ gửi", "offline"
    if status.last_error:
        return f"Lỗi đồng bộ: {status.last_error}", "offline"
    if status.last_success is None:
        return f"Đã kết nối máy chủ, chưa đồng bộ · {waiting} chờ gửi", "none"
    return f"Đã đồng bộ lúc {_when(status.last_success, today)} · {waiting} chờ gửi", "ok"


def status_tooltip(status: SyncStatus | None) -> str:
    if status is None or not status.enrolled:
        return ("Máy này chưa kết nối với máy chủ của tỉnh; hồ sơ chỉ lưu trên máy. "
                "Quản trị viên kết nối ở Hệ thống → Kết nối máy chủ…")
    lines = [f"Máy chủ: {status.server_url}"]
    if status.commune_name:
        desk = f" · Quầy số {status.desk_number}" if status.desk_number else ""
        lines.append(f"Đơn vị: {status.commune_name}{desk}")
    if status.last_attempt:
        lines.append(f"Lần thử gần nhất: {_local(status.last_attempt):%d/%m/%Y %H:%M}")
    if status.last_success:
        lines.append(f"Lần đồng bộ xong gần nhất: {_local(status.last_success):%d/%m/%Y %H:%M}")
    lines.append(f"Thay đổi chờ gửi: {status.waiting_events}")
    if status.unwritable:
        lines.append(f"{status.unwritable} hồ sơ của máy chủ không lưu được trên máy này "
                     "(xem counter-app sync-status)")
    if status.accounts_unsigned or status.accounts_refused:
        lines.append(f"Tài khoản chờ quản trị viên ký xác nhận: "
                     f"{status.accounts_unsigned + status.accounts_refused} (quản trị viên "
                     "đăng nhập trên máy này để ký; nếu máy chủ vẫn từ chối, cần kết nối lại "
                     "máy này bằng mã mới)")
    if status.last_error:
        lines.append(f"Lỗi: {status.last_error}")
    return "\n".join(lines)


def conflicts_text(count: int) -> str:
    return f"{count} xung đột cần xử lý" if count else ""


class SyncIndicator(QWidget):
    """``sync_requested``: the officer pressed "Đồng bộ ngay"; ``conflicts_requested``: a
    leader clicked the conflicts count."""

    sync_requested = Signal()
    conflicts_requested = Signal()

    def __init__(self, today: Callable[[], dt.date], parent: QWidget | None = None):
        super().__init__(parent)
        self.today = today
        self.status: SyncStatus | None = None
        self.running = False
        self.show_conflicts = False
        self.label = QLabel(objectName="sync_status")
        self.conflicts = QLabel(objectName="sync_conflicts")
        self.conflicts.setTextFormat(Qt.TextFormat.RichText)
        self.conflicts.setToolTip("Mở màn hình xung đột đồng bộ")
        self.conflicts.linkActivated.connect(lambda _: self.conflicts_requested.emit())
        self.conflicts.hide()
        self.sync_button = QToolButton(objectName="sync_now")
        self.sync_button.setText("Đồng bộ ngay")
        self.sync_button.setAutoRaise(True)
        self.sync_button.setToolTip("Gửi và nhận hồ sơ với máy chủ ngay bây giờ")
        self.sync_button.clicked.connect(self.sync_requested)
        self.sync_button.hide()
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 6, 0)
        layout.setSpacing(8)
        layout.addWidget(self.label)
        layout.addWidget(self.conflicts)
        layout.addWidget(self.sync_button)

    def text(self) -> str:
        return self.label.text()

    def set_status(self, status: SyncStatus) -> None:
        self.status = status
        self._render()

    def set_running(self, running: bool) -> None:
        self.running = running
        self._render()

    def set_show_conflicts(self, shown: bool) -> None:
        """Only a leader sees the count (and may open the screen)."""
        self.show_conflicts = shown
        self._render()

    def _render(self) -> None:
        status = self.status
        text, tone = status_text(status, self.running, self.today())
        self.label.setText(text)
        self.label.setStyleSheet(f"color: {TONES[tone]};"
                                 + (" font-weight: bold;" if tone == "refused" else ""))
        self.label.setToolTip(status_tooltip(status))
        enrolled = status is not None and status.enrolled
        self.sync_button.setVisible(enrolled)
        self.sync_button.setEnabled(enrolled and not self.running)
        count = status.open_conflicts if enrolled else 0
        self.conflicts.setVisible(self.show_conflicts and count > 0)
        self.conflicts.setText(f'<a href="#conflicts" style="color: #b00020;">'
                               f"{conflicts_text(count)}</a>")


class ClockBanner(QLabel):
    """A yellow line above the work lists while the desk's clock is off (not a modal: the
    officer can keep receiving; the slips' times are what is at stake)."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent, objectName="clock_warning")
        self.setWordWrap(True)
        self.setStyleSheet("background: #fff3cd; color: #7a1c00; font-weight: bold;"
                           " border: 1px solid #e0a800; padding: 4px 8px;")
        self.hide()

    def set_status(self, status: SyncStatus) -> None:
        warning = status.clock_warning if status.enrolled else ""
        self.setText(f"⚠ {warning}" if warning else "")
        self.setVisible(bool(warning))
