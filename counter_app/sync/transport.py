"""Talking to the server: one HTTP client, the token, retries, and errors an officer can read.

``Channel`` wraps an ``httpx.Client`` (made here from the desk's sync state, or injected by
the tests: a ``starlette.testclient.TestClient`` is one). Every call carries the device
token, sends its JSON body gzip-compressed when it is large, retries a few times with
exponential backoff and jitter, but ONLY on transport errors, timeouts, 429 and 5xx (safe:
the protocol is idempotent), and measures the desk's clock offset from ``server_time``
(PROTOCOL.md, Clocks).

Errors: no connection, a timeout or a busy server after the retries → ``ServerUnreachable``;
401/403/409/413/426 (and 400/404) → ``SyncRefused(code, status)``; a certificate that is not
the pinned one (or not trusted) → ``CertificateMismatch``.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import ssl
from collections.abc import Callable
from typing import Any

import httpx
import tenacity

from counter_app import __version__
from counter_app.sync.errors import CertificateMismatch, ServerUnreachable, SyncRefused

#: 2: received events name their procedure version, sent beside them (PROTOCOL.md, Push);
#: a server that knows only 1 answers 426, so nothing is pushed that it would quarantine.
CLIENT_SCHEMA = 2
TIMEOUT = httpx.Timeout(30, connect=5)
GZIP_ABOVE = 1024  # bytes of JSON; smaller bodies go as they are

#: Retries (tests lower the waits). Three tries within a few seconds, then offline.
RETRY_ATTEMPTS = 3
RETRY_MULTIPLIER = 0.5
RETRY_MAX_WAIT = 2.0
RETRY_MAX_DELAY = 8.0

Now = Callable[[], dt.datetime]

#: What the officer reads for each refusal code the server gives.
REFUSALS = {
    "unauthorized": "Máy chủ không chấp nhận quầy này (quầy chưa đăng ký hoặc đã bị thu hồi "
                    "quyền kết nối). Hãy liên hệ quản trị máy chủ để được cấp mã đăng ký mới.",
    "forbidden": "Máy chủ từ chối: dữ liệu gửi lên không thuộc quầy hoặc xã này.",
    "gap": "Máy chủ báo thiếu một phần nhật ký hồ sơ của quầy này. Đồng bộ đã dừng; "
           "hãy liên hệ quản trị máy chủ.",
    "replay_mismatch": "Nhật ký hồ sơ của quầy khác với bản máy chủ đã nhận (có thể do khôi "
                       "phục bản sao lưu cũ). Đồng bộ đã dừng; hãy liên hệ quản trị máy chủ.",
    "chain_broken": "Chuỗi kiểm tra của nhật ký hồ sơ trên quầy này bị đứt (dữ liệu bị sửa "
                    "ngoài chương trình). Đồng bộ đã dừng; hãy liên hệ quản trị máy chủ.",
    "code_used": "Mã đăng ký này đã được dùng hoặc quầy đã được đăng ký bằng mã khác. "
                 "Hãy xin quản trị máy chủ một mã mới.",
    "too_large": "Gói dữ liệu gửi lên quá lớn, máy chủ không nhận.",
    "upgrade_required": "Máy chủ cần phiên bản chương trình mới hơn. Hãy cập nhật chương "
                        "trình trên quầy này.",
    "bad_request": "Máy chủ không nhận yêu cầu này",
    "not_found": "Máy chủ không có địa chỉ này (địa chỉ máy chủ có đúng không?)",
}
#: Enrolment refusals (400 with a ``reason``), for the administrator at the desk.
REASONS = {
    "unknown_code": "Mã đăng ký không đúng. Hãy kiểm tra lại mã do quản trị máy chủ cấp.",
    "expired": "Mã đăng ký đã hết hạn. Hãy xin quản trị máy chủ một mã mới.",
    "agency_mismatch": "Mã đăng ký này dành cho xã khác với mã định danh đã khai báo trên "
                       "quầy.",
    "desk_number_mismatch": "Mã đăng ký này dành cho số quầy khác, mà quầy này đã có hồ sơ "
                            "theo số quầy hiện tại. Hãy xin mã đúng số quầy.",
    "desk_number_taken": "Số quầy của mã này đang được một quầy khác của xã dùng. Hãy xin "
                         "quản trị máy chủ thu hồi quầy cũ hoặc cấp mã số quầy khác.",
}
_STATUS_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
                 409: "gap", 413: "too_large", 426: "upgrade_required"}


class _Busy(Exception):
    """429 or 5xx: worth another try."""

    def __init__(self, status: int):
        super().__init__(status)
        self.status = status


def desk_now() -> dt.datetime:
    return dt.datetime.now().astimezone()


def pinned_context(pem: str) -> ssl.SSLContext:
    """Trust exactly this one (self-signed) certificate. Its name is not checked: the pin
    is the certificate itself, whatever address the desk reaches the server by."""
    context = ssl.create_default_context(cadata=pem)
    context.check_hostname = False
    return context


def make_client(url: str, pinned_pem: str | None = None) -> httpx.Client:
    """A client for the server at ``url``: system CAs, or the pinned certificate."""
    verify: ssl.SSLContext | bool = pinned_context(pinned_pem) if pinned_pem else True
    return httpx.Client(base_url=url.rstrip("/"), timeout=TIMEOUT, verify=verify,
                        headers={"User-Agent": f"counter-app/{__version__}",
                                 "Accept-Encoding": "gzip"})


def is_certificate_error(exc: BaseException) -> bool:
    """Did TLS refuse the server's certificate (anywhere in the exception's chain)?"""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ssl.SSLCertVerificationError):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def refusal(status: int, body: object) -> SyncRefused:
    """The error for a non-2xx reply that is not worth retrying."""
    code = body.get("error") if isinstance(body, dict) else None
    code = code if isinstance(code, str) and code else _STATUS_CODES.get(status, "refused")
    detail = body.get("message") if isinstance(body, dict) else None
    reason = body.get("reason") if isinstance(body, dict) else None
    if reason in REASONS:
        return SyncRefused(REASONS[reason], code, status)
    message = REFUSALS.get(code, f"Máy chủ từ chối yêu cầu (mã {status}).")
    if code in ("bad_request", "not_found"):
        message += f" ({detail})." if detail else "."
    if code == "gap" and isinstance(body, dict) and body.get("expected_seq"):
        message += f" (máy chủ chờ số thứ tự {body['expected_seq']})"
    return SyncRefused(message, code, status)


def parse_server_time(value: object) -> dt.datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else None


class Channel:
    """Calls to one server with one device token (None for enrolment)."""

    def __init__(self, http: httpx.Client, token: str | None = None, now: Now = desk_now):
        self.http = http
        self.token = token
        self.now = now
        self.clock_offset: float | None = None  # seconds, server minus desk

    def close(self) -> None:
        self.http.close()

    def _aware_now(self) -> dt.datetime:
        value = self.now()
        return value if value.tzinfo else value.astimezone()

    def desk_time(self) -> str:
        """The desk's clock now, ISO with its offset (sent with a push)."""
        return self._aware_now().isoformat(timespec="seconds")

    def _send(self, method: str, path: str, body: dict | bytes | None, params: dict | None
              ) -> tuple[httpx.Response, dt.datetime, dt.datetime]:
        headers = {"Accept-Encoding": "gzip"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        content = None
        if body is not None:
            content = body if isinstance(body, bytes) else json.dumps(
                body, ensure_ascii=False).encode("utf-8")
            headers["Content-Type"] = "application/json"
            if len(content) > GZIP_ABOVE:
                # level 3: nearly level 6's size on these bodies at half the time
                content = gzip.compress(content, compresslevel=3)
                headers["Content-Encoding"] = "gzip"
        sent = self._aware_now()
        response = self.http.request(method, path, content=content, params=params,
                                     headers=headers)
        received = self._aware_now()
        if response.status_code == 429 or response.status_code >= 500:
            raise _Busy(response.status_code)
        return response, sent, received

    def call(self, method: str, path: str, body: dict | bytes | None = None,
             params: dict | None = None) -> dict:
        """One request, retried on transport errors, 429 and 5xx; the reply's JSON."""
        retrying = tenacity.Retrying(
            retry=tenacity.retry_if_exception(
                lambda e: isinstance(e, _Busy | httpx.TransportError)
                and not is_certificate_error(e)),
            wait=tenacity.wait_exponential_jitter(multiplier=RETRY_MULTIPLIER,
                                                  max=RETRY_MAX_WAIT, jitter=RETRY_MULTIPLIER),
            stop=(tenacity.stop_after_attempt(RETRY_ATTEMPTS)
                  | tenacity.stop_after_delay(RETRY_MAX_DELAY)),
            reraise=True)
        try:
            response, sent, received = retrying(self._send, method, path, body, params)
        except _Busy as exc:
            raise ServerUnreachable(f"Máy chủ đang bận hoặc gặp sự cố (mã {exc.status}). "
                                    "Quầy vẫn làm việc bình thường và sẽ thử lại sau.") from None
        except httpx.TransportError as exc:
            if is_certificate_error(exc):
                raise CertificateMismatch(
                    "Chứng chỉ của máy chủ không khớp với chứng chỉ đã ghi nhận khi đăng ký "
                    "(hoặc không được tin cậy). Không gửi dữ liệu; hãy liên hệ quản trị máy chủ.",
                    "certificate", 0) from None
            raise ServerUnreachable("Không kết nối được máy chủ đồng bộ. Quầy vẫn làm việc "
                                    "bình thường và sẽ thử lại sau.") from exc
        try:
            data: Any = response.json()
        except ValueError:
            data = None
        if not response.is_success:
            raise refusal(response.status_code, data)
        if not isinstance(data, dict):
            raise ServerUnreachable("Máy chủ trả lời không đúng định dạng. Sẽ thử lại sau.")
        server_time = parse_server_time(data.get("server_time"))
        if server_time is not None:
            middle = sent + (received - sent) / 2
            self.clock_offset = (server_time - middle).total_seconds()
        return data
