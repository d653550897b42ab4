"""What the desk's file transfers (blob_upload.py, blob_fetch.py) share: the address, the
token header, the bounds, and how many failures in a row end a transfer.

The transfers use the ``httpx.Client`` that the desk's ``Channel`` holds (transport.py), with
the same token: ``Channel.call`` sends and expects JSON, a file's chunk is raw bytes. A
transfer resumes after every cut itself, so it does not use ``Channel.call``'s retries;
it gives up (``ServerUnreachable``: try again next round, nothing is lost, the server keeps
what it has) after ``MAX_FAILURES`` failures in a row without a byte of progress.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import httpx

from counter_app.sync.errors import CertificateMismatch, ServerUnreachable, SyncRefused
from counter_app.sync.transport import Channel, is_certificate_error, refusal

#: The server's bounds (counter_app/server/blobs.py: MAX_CHUNK, MAX_BLOB).
CHUNK = 1024 * 1024
MAX_BLOB = 64 * 1024 * 1024
MAX_FAILURES = 6
BACKOFF, MAX_BACKOFF = 0.5, 4.0  # seconds; doubled after each failure in a row


def address(sha256: str) -> str:
    return f"/v1/blobs/{sha256}"


def token_headers(channel: Channel) -> dict[str, str]:
    return {"Authorization": f"Bearer {channel.token}"} if channel.token else {}


def refused(response: httpx.Response) -> SyncRefused:
    try:
        body = response.json()
    except ValueError:
        body = None
    return refusal(response.status_code, body)


def certificate_mismatch() -> CertificateMismatch:
    return CertificateMismatch(
        "Chứng chỉ của máy chủ không khớp với chứng chỉ đã ghi nhận khi đăng ký (hoặc không "
        "được tin cậy). Không gửi tệp; hãy liên hệ quản trị máy chủ.", "certificate", 0)


class Attempts:
    """Failures in a row without progress; the ``MAX_FAILURES``-th ends the transfer."""

    def __init__(self, sleep: Callable[[float], None] = time.sleep,
                 limit: int = MAX_FAILURES, backoff: float = BACKOFF):
        self.sleep, self.limit, self.backoff = sleep, limit, backoff
        self.count = 0

    def progressed(self) -> None:
        self.count = 0

    def failed(self, why: BaseException | str) -> None:
        if isinstance(why, BaseException) and is_certificate_error(why):
            raise certificate_mismatch() from None
        self.count += 1
        if self.count >= self.limit:
            raise ServerUnreachable(
                "Không gửi/nhận được tệp đính kèm với máy chủ (kết nối bị ngắt nhiều lần). "
                "Phần đã truyền được giữ lại; quầy sẽ thử tiếp ở lần đồng bộ sau.")
        if self.backoff:
            self.sleep(min(self.backoff * 2 ** (self.count - 1), MAX_BACKOFF))


def busy(status: int) -> bool:
    return status == 429 or status >= 500
