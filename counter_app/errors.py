"""Typed errors of the core. Messages are Vietnamese, for the officer; the CLI prints them too."""

from __future__ import annotations


class CounterError(Exception):
    """Base of every error the core raises on purpose."""


class ValidationError(CounterError):
    """One or more fields are invalid. ``errors`` maps a field name to a Vietnamese message."""

    def __init__(self, errors: dict[str, str]):
        self.errors = dict(errors)
        super().__init__("; ".join(f"{k}: {v}" for k, v in self.errors.items()))


class NotFound(CounterError):
    """A dossier, procedure or setting that was asked for does not exist."""


class NotSetUp(CounterError):
    """The commune's setup (agency code, name, desk) has not been entered yet."""


class ImportRejected(CounterError):
    """A catalogue file had bad rows; nothing was imported. ``rows`` is [(row number, reason)]."""

    def __init__(self, rows: list[tuple[int, str]]):
        self.rows = rows
        lines = [f"dòng {n}: {reason}" for n, reason in rows]
        super().__init__("Không nhập được danh mục, không có dòng nào được nhập: " + "; ".join(lines))


class CodeSpaceExhausted(CounterError):
    """The desk has used every dossier number of the day."""


class DatabaseNewer(CounterError):
    """The database was written by a newer version of the program."""


class DatabaseOutdated(CounterError):
    """The database holds data of an older schema and was opened without a way to back it
    up before migrating (the desk always opens it through ``counter_app.backups.opening``)."""


class DatabaseUnreadable(CounterError):
    """The file given as the database is not a readable SQLite database."""


class StepNotAllowed(CounterError):
    """The status machine forbids this step for the dossier as it is now.

    ``step`` and ``status`` name what was tried and where the dossier stands.
    """

    def __init__(self, message: str, step: str = "", status: int | None = None):
        self.step = step
        self.status = status
        super().__init__(message)


class FormUnavailable(CounterError):
    """The form asked for cannot be made from this dossier (no such step recorded yet)."""


class PrintFailed(CounterError):
    """A form could not be laid out on paper (e.g. a text too long for one page)."""


class PermissionDenied(CounterError):
    """The signed-in officer's roles do not allow this action (whatever called it: the window,
    the CLI or a sync). ``action`` names what was tried."""

    def __init__(self, message: str, action: str = ""):
        self.action = action
        super().__init__(message)


class WrongSide(PermissionDenied):
    """A step of a dossier received for another body, taken on the side it is not for:
    processing at the receiving counter, or the return at the competent body
    (domain/sides.py)."""


class NotSignedIn(PermissionDenied):
    """Nobody is signed in at this desk (or the session was closed)."""


class SignInFailed(CounterError):
    """Wrong username or password, or the account is disabled. The message never says which
    of the two was wrong."""


class DatabaseDamaged(DatabaseUnreadable):
    """The database file fails SQLite's integrity check (truncated, overwritten, bad disk)."""


class DiskFull(CounterError):
    """The disk holding the database (or the file being written) is full. A database write
    is one transaction, rolled back whole: nothing was half-written. Reading still works."""


class DatabaseReadOnly(CounterError):
    """The database is sound but cannot be written: a read-only medium, folder or file
    (a write-protected USB stick, a CD, a copy without write permission). Reading works;
    every change is refused. Never a sign of damage: nothing needs restoring.

    ``reading_too``: not even reading is possible where it is (its -wal cannot be read on
    that medium); the file must be copied somewhere writable first."""

    def __init__(self, message: str, reading_too: bool = False):
        self.reading_too = reading_too
        super().__init__(message)


class SignInThrottled(SignInFailed):
    """Too many wrong passwords for this account in a row: the next attempt is not even
    checked before ``wait_seconds`` have passed (the message says how long)."""

    def __init__(self, message: str, wait_seconds: int):
        self.wait_seconds = wait_seconds
        super().__init__(message)
