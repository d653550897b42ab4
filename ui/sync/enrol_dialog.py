"""Hệ thống → Kết nối máy chủ… (administrator): the server's address, the one-time code the
server's administrator gave (``counter-server enroll-code``), and, for a server with a
self-signed certificate, that certificate's SHA-256 fingerprint.

The fields are checked here first (in Vietnamese, under each field); the enrolment itself
talks to the network, so it runs on a background thread with its own connection to the
desk's database, never on the window's database thread. The result says which commune and
which desk number the server gave this desk.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from counter_app.backups import open_desk_database
from counter_app.errors import ValidationError
from counter_app.sync.desk_state import SyncStatus
from counter_app.sync.server_address import HTTP_NOT_LAN, HTTP_REFUSED, is_lan_host
from ui.common.messages import describe
from ui.common.tasks import DbWorker
from ui.sync.schedule import FuturePoll, in_background, read_status

FIELD_ERROR_STYLE = "border: 2px solid #c62828; background: #fff3f3;"
_CODE = re.compile(r"^[A-Z0-9]+(-[A-Z0-9]+)*$")
_HEX = re.compile(r"^[0-9A-F]{64}$")


def normalise_code(code: str) -> str:
    return re.sub(r"\s+", "", code).upper()


def normalise_fingerprint(text: str) -> str:
    """'SHA256:ab:cd…', 'AB CD …' or 'abcd…' → 64 upper-case hex digits ('' if empty)."""
    text = re.sub(r"^\s*sha-?256\s*[:=]?", "", text.strip(), flags=re.IGNORECASE)
    return re.sub(r"[\s:]", "", text).upper()


def check_enrolment(url: str, code: str, fingerprint: str,
                    allow_http: bool = False) -> dict[str, str]:
    """The officer's mistakes, by field (empty: good to send). ``http://`` needs the
    administrator's explicit permission, and a local-network address."""
    errors: dict[str, str] = {}
    url = url.strip()
    parts = urlsplit(url)
    if not url:
        errors["url"] = "Hãy nhập địa chỉ máy chủ, ví dụ https://dongbo.thanhhoa.gov.vn."
    elif parts.scheme not in ("http", "https") or not parts.hostname:
        errors["url"] = ("Địa chỉ máy chủ chưa đúng: phải bắt đầu bằng https:// (hoặc http:// "
                         "trong mạng nội bộ), ví dụ https://dongbo.thanhhoa.gov.vn.")
    elif " " in url:
        errors["url"] = "Địa chỉ máy chủ không được có dấu cách."
    elif parts.scheme == "http" and not allow_http:
        errors["url"] = HTTP_REFUSED
    elif parts.scheme == "http" and not is_lan_host(parts.hostname):
        errors["url"] = HTTP_NOT_LAN
    code = normalise_code(code)
    if not code:
        errors["code"] = "Hãy nhập mã kết nối một lần do quản trị máy chủ cấp."
    elif not _CODE.match(code) or len(code.replace("-", "")) < 8:
        errors["code"] = "Mã kết nối gồm chữ và số, ví dụ ABCD-EFGH-JKLM. Hãy kiểm tra lại."
    fp = normalise_fingerprint(fingerprint)
    if fp and not _HEX.match(fp):
        errors["fingerprint"] = ("Dấu vân tay chứng chỉ phải gồm 64 chữ số thập lục phân "
                                 "(SHA-256), ví dụ 3A:7F:…; để trống nếu máy chủ có chứng chỉ "
                                 "hợp lệ.")
    elif fp and parts.scheme == "http":
        errors["fingerprint"] = ("Chỉ nhập dấu vân tay khi địa chỉ máy chủ bắt đầu bằng "
                                 "https://.")
    return errors


def enrol_at(db_path: Path, url: str, code: str, fingerprint: str | None,
             again: bool = False, allow_http: bool = False,
             anchor: dict | None = None) -> SyncStatus:
    """On a background thread: enrol this desk, then read back what the server gave it."""
    from counter_app.sync.enrolment import enrol

    db = open_desk_database(db_path)
    try:
        enrol(db, url, code, fingerprint, reenrol=again, allow_http=allow_http, anchor=anchor)
        return read_status(db)
    finally:
        db.conn.close()


def result_text(status: SyncStatus) -> str:
    desk = f", quầy số {status.desk_number}" if status.desk_number else ""
    return (f"Đã kết nối máy chủ {status.server_url}.\nĐơn vị: {status.commune_name}{desk}.\n"
            "Từ nay quầy tự đồng bộ hồ sơ mỗi phút khi có mạng.")


class EnrolDialog(QDialog):
    """``enrolled`` (a Python attribute, not a signal) holds the SyncStatus after success."""

    def __init__(self, worker: DbWorker, db_path: Path, current: SyncStatus | None = None,
                 parent: QWidget | None = None,
                 enrol_fn: Callable[..., SyncStatus] = enrol_at):
        super().__init__(parent)
        self.setWindowTitle("Kết nối máy chủ đồng bộ")
        self.setMinimumWidth(560)
        self.worker, self.db_path, self.enrol_fn = worker, Path(db_path), enrol_fn
        self.again = current is not None and current.enrolled  # a new code, or another server
        self.enrolled: SyncStatus | None = None
        self.url = QLineEdit(placeholderText="https://dongbo.thanhhoa.gov.vn")
        if self.again:
            self.url.setText(current.server_url)
        self.code = QLineEdit(placeholderText="ABCD-EFGH-JKLM")
        self.fingerprint = QLineEdit(placeholderText="Để trống nếu máy chủ có chứng chỉ hợp lệ")
        self.fields = {"url": self.url, "code": self.code, "fingerprint": self.fingerprint}
        self.error_labels: dict[str, QLabel] = {}
        form = QVBoxLayout()  # label above field above its message: the full width for each
        form.setSpacing(3)
        for name, label in (("url", "Địa chỉ máy chủ:"), ("code", "Mã kết nối một lần:"),
                            ("fingerprint", "Dấu vân tay chứng chỉ (SHA-256, nếu có):")):
            error = QLabel(objectName=f"error_{name}", wordWrap=True)
            error.setStyleSheet("color: #b71c1c;")
            error.hide()
            self.error_labels[name] = error
            title = QLabel(label)
            title.setBuddy(self.fields[name])
            form.addWidget(title)
            form.addWidget(self.fields[name])
            form.addWidget(error)
            form.addSpacing(6)
            self.fields[name].textEdited.connect(lambda _, n=name: self._clear(n))
        self.allow_http = QCheckBox("Cho phép địa chỉ &http:// không mã hóa (chỉ máy chủ trong "
                                    "mạng nội bộ của cơ quan)")
        self.allow_http.toggled.connect(lambda _: self._clear("url"))
        form.addWidget(self.allow_http)
        self.status = QLabel(objectName="enrol_status", wordWrap=True)
        self.connect_button = QPushButton("&Kết nối")
        self.connect_button.setDefault(True)
        self.connect_button.clicked.connect(self.submit)
        self.close_button = QPushButton("Đóng")
        self.close_button.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.connect_button)
        buttons.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Kết nối quầy này với máy chủ của tỉnh để hồ sơ được gửi "
                                "lên và nhận về từ các quầy khác của xã. Quản trị máy chủ cấp "
                                "mã kết nối một lần cho từng quầy.", wordWrap=True))
        if self.again:
            desk = f", quầy số {current.desk_number}" if current.desk_number else ""
            now = QLabel(f"Quầy này đang kết nối với {current.server_url} ({current.commune_name}"
                         f"{desk}). Chỉ kết nối lại khi quản trị máy chủ cấp mã mới (ví dụ "
                         "khi đổi máy chủ).", wordWrap=True, objectName="enrolled_now")
            now.setStyleSheet("color: #8a5a00;")
            layout.addWidget(now)
        layout.addLayout(form)
        layout.addWidget(self.status)
        layout.addLayout(buttons)

    # -- checking ------------------------------------------------------------------------
    def _clear(self, name: str) -> None:
        self.fields[name].setStyleSheet("")
        self.error_labels[name].hide()

    def show_errors(self, errors: dict[str, str]) -> None:
        for name in self.fields:
            self._clear(name)
        for name, message in errors.items():
            self.fields[name].setStyleSheet(FIELD_ERROR_STYLE)
            self.error_labels[name].setText(message)
            self.error_labels[name].show()
        if errors:
            self.fields[next(iter(errors))].setFocus()
        self.adjustSize()

    # -- connecting ----------------------------------------------------------------------
    def submit(self) -> None:
        if self.enrolled is not None:
            self.accept()
            return
        errors = check_enrolment(self.url.text(), self.code.text(), self.fingerprint.text(),
                                 self.allow_http.isChecked())
        self.show_errors(errors)
        if errors:
            return
        url = self.url.text().strip().rstrip("/")
        code = normalise_code(self.code.text())
        fingerprint = normalise_fingerprint(self.fingerprint.text()) or None
        self._busy(True)
        self._say("Đang kết nối máy chủ…")
        # The role is checked, and the administrator's signed account made, on the window's
        # connection (the officer signed in there); the network call runs on its own thread.
        self.worker.run(lambda c: c.enrolment_anchor(),
                        lambda anchor: self._start(url, code, fingerprint, anchor),
                        self._failed)

    def _start(self, url: str, code: str, fingerprint: str | None,
               anchor: dict | None) -> None:
        enrol_fn, db_path, again = self.enrol_fn, self.db_path, self.again  # no Qt object
        allow_http = self.allow_http.isChecked()
        future = in_background(
            lambda: enrol_fn(db_path, url, code, fingerprint, again, allow_http, anchor),
            name="sync-enrol")
        FuturePoll(future, self._done, self._failed, self)

    def _done(self, status: SyncStatus) -> None:
        self.enrolled = status
        self._busy(False)
        for field in self.fields.values():
            field.setEnabled(False)
        self._say(result_text(status), "color: #1b5e20; font-weight: bold;")
        self.connect_button.setText("&Xong")
        self.close_button.hide()
        self.worker.run(lambda c: c.record_enrolment(status.server_url, status.commune_name,
                                                     status.desk_number))

    def _failed(self, error: BaseException) -> None:
        self._busy(False)
        if isinstance(error, ValidationError) and set(error.errors) <= set(self.fields):
            self._say("")
            self.show_errors(error.errors)
            return
        self._say(describe(error), "color: #b71c1c; font-weight: bold;")

    def _busy(self, busy: bool) -> None:
        self.connect_button.setEnabled(not busy)
        for field in self.fields.values():
            field.setReadOnly(busy)

    def _say(self, text: str, style: str = "") -> None:
        self.status.setStyleSheet(style)
        self.status.setText(text)
