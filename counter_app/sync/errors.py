"""What can go wrong when a desk talks to the server; each message is for the officer."""

from __future__ import annotations

from counter_app.errors import CounterError


class SyncError(CounterError):
    """Base class: ``str(exc)`` is a Vietnamese sentence the window can show as it is."""


class NotEnrolled(SyncError):
    """This desk has no server yet (Hệ thống → Kết nối máy chủ, or ``counter-app enroll``)."""


class ServerUnreachable(SyncError):
    """No connection, a timeout, or the server answering 5xx/429 after the retries: the desk
    simply works offline and tries again later. Never worth a dialog on its own."""


class SyncRefused(SyncError):
    """The server refused for a reason a person must look at (401 revoked, 403, 409 gap or
    replay mismatch, 426 upgrade needed, a bad enrolment code). Sync stops until fixed.

    ``code`` is the server's error code (``unauthorized``, ``gap``, ...)."""

    def __init__(self, message: str, code: str = "", status: int = 0):
        super().__init__(message)
        self.code = code
        self.status = status


class CertificateMismatch(SyncRefused):
    """The server's certificate is not the one pinned at enrolment (or not trusted)."""


class AlreadyEnrolled(SyncRefused):
    """This desk is connected already; connecting it again must be asked for explicitly."""
