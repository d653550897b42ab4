"""The signed-in officer of a desk: sign-in, lock, accounts, and the role checks every
``Counter`` method goes through. Recorded in the hash-chained audit log.

Wrong passwords (sign-in, unlock, password change) are counted per account in the database
and make the next attempt wait (``accounts.throttle``), for the window and the command line
alike. On a database that cannot be written (read-only medium, full disk) the audit entries
of what only reads (sign-in, lock, a refusal...) are logged and left out so that reading
still works; a print or export of personal data is refused instead.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, NoReturn

from counter_app.accounts import account_records, passwords, throttle
from counter_app.accounts.account_records import Signer
from counter_app.domain import account_signing as signing
from counter_app.domain.officers import (
    Officer,
    check_password,
    normalise_username,
    validate_officer,
)
from counter_app.domain.roles import Action, Role, check, grants, why_not_step
from counter_app.errors import (
    DatabaseReadOnly,
    DiskFull,
    NotFound,
    NotSignedIn,
    PermissionDenied,
    SignInFailed,
    ValidationError,
)
from counter_app.store import audit_log, officer_store, sign_in_failures
from counter_app.store.audit_log import AuditAction
from counter_app.store.database import transaction

if TYPE_CHECKING:
    import sqlite_utils

    from counter_app.accounts.audit_trail import AuditReport, TrailEntry
    from counter_app.domain.lifecycle import Step
    from counter_app.store.dossier_store import DossierRow

SYSTEM = "(hệ thống)"  # who an audit entry is by when nobody is signed in
UNKNOWN = "(không rõ)"  # a failed sign-in with a name that is no account
#: Audit entries that record only a reading; left out (and logged) when the database
#: cannot be written, rather than stop the reading.
MAY_BE_LEFT_OUT = frozenset({
    AuditAction.SIGN_IN, AuditAction.SIGN_IN_FAILED, AuditAction.SIGN_OUT, AuditAction.LOCK,
    AuditAction.UNLOCK, AuditAction.PERMISSION_DENIED, AuditAction.BACKUP_MADE})
_CANNOT_WRITE = (DiskFull, DatabaseReadOnly)
log = logging.getLogger(__name__)


class Session:
    db: sqlite_utils.Database
    desk_id: str
    clock: Callable[[], dt.datetime]

    def __init__(self) -> None:
        self.officer: Officer | None = None
        self.locked = False
        self._signer: Signer | None = None  # the officer's key, unsealed at sign-in

    # -- who is here --------------------------------------------------------------------
    def has_officers(self) -> bool:
        return officer_store.count(self.db) > 0

    def require_officer(self) -> Officer:
        if self.officer is None:
            raise NotSignedIn("Chưa đăng nhập: hãy đăng nhập bằng tài khoản cán bộ.", "sign_in")
        if self.locked:
            raise NotSignedIn("Màn hình đang khóa: nhập mật khẩu để mở khóa.", "unlock")
        return self.officer

    def require(self, action: Action) -> Officer:
        officer = self.require_officer()
        try:
            check(officer, action)
        except PermissionDenied:
            self.audit(AuditAction.PERMISSION_DENIED, detail={"action": action.value})
            raise
        return officer

    def may(self, action: Action) -> bool:
        return self.officer is not None and grants(self.officer, action)

    def why_not_step(self, step: Step, row: DossierRow) -> str | None:
        if self.officer is None:
            return "Chưa đăng nhập."
        return why_not_step(self.officer, step, row.progress)

    def deny(self, message: str, action: str) -> NoReturn:
        self.audit(AuditAction.PERMISSION_DENIED, detail={"action": action})
        raise PermissionDenied(message, action)

    def visible_holders(self) -> tuple[str, ...] | None:
        """None: every dossier; else only those handed to one of these names (a processing
        officer's own); an empty tuple: none at all."""
        officer = self.require_officer()
        if grants(officer, Action.SEE_ALL):
            return None
        if Role.PROCESSING in officer.roles:
            return (officer.username, officer.full_name)
        return ()

    def audit(self, action: AuditAction, subject: str = "", detail: dict | None = None,
              officer: str | None = None) -> None:
        who = officer or (self.officer.username if self.officer else SYSTEM)
        try:
            audit_log.append(self.db, desk_id=self.desk_id, officer=who, action=action,
                             at=self.clock().astimezone(), subject=subject, detail=detail)
        except _CANNOT_WRITE as exc:
            if action not in MAY_BE_LEFT_OUT:
                raise
            log.warning("audit entry %s not recorded: %s", action.value, type(exc).__name__)

    def audit_verify(self) -> AuditReport:
        """Both hash chains (events and audit log) checked from their first row."""
        from counter_app.accounts import audit_trail

        self.require(Action.AUDIT)
        return audit_trail.verify(self.db)

    def audit_trail(self, officer: str | None = None, since: dt.date | None = None,
                    until: dt.date | None = None, limit: int = 1000) -> list[TrailEntry]:
        """Who did what and when, newest first: dossier steps and audit entries merged."""
        from counter_app.accounts import audit_trail

        self.require(Action.AUDIT)
        return audit_trail.trail(self.db, officer, since, until, limit)

    # -- signing in ---------------------------------------------------------------------
    def check_sign_in_allowed(self, username: str) -> None:
        """Raise SignInThrottled (saying how long to wait) while the account's wait after
        wrong passwords is not over; the command line asks before it prompts."""
        self._throttle(*self._attempt(normalise_username(username)))

    def sign_in(self, username: str, password: str) -> Officer:
        """Check the password against the stored argon2 hash (offline). Every attempt is in
        the audit log; the error never says whether the name or the password was wrong.
        After wrong passwords in a row the next attempt must wait (``accounts.throttle``):
        before that it is refused (SignInThrottled) without the password being checked."""
        user = normalise_username(username)
        officer = officer_store.get(self.db, user)
        stored = officer_store.password_hash(self.db, user)
        self._throttle(*self._attempt(user))
        if officer is None or stored is None:
            # What was typed is not an account: it may be a password typed in the wrong
            # box, so it is not kept, only that an unknown name was tried.
            self._failed(*self._attempt(user))
            raise SignInFailed("Sai tên đăng nhập hoặc mật khẩu.")
        if not passwords.verify_password(stored, password):
            self._failed(*self._attempt(user))
            raise SignInFailed("Sai tên đăng nhập hoặc mật khẩu.")
        if not officer.active:
            self.audit(AuditAction.SIGN_IN_FAILED, user, {"reason": "disabled"}, officer=user)
            raise SignInFailed("Tài khoản này đã bị khóa. Hãy liên hệ người quản trị.")
        self._forgive(user)
        if self.officer is not None and not self.locked:
            self.audit(AuditAction.SIGN_OUT, detail={"switched_to": user})
        self.officer, self.locked, self._signer = officer, False, None
        self._quietly(self._take_key, officer, password, passwords.needs_rehash(stored))
        if self._signer and (officer_store.record(self.db, user) or {}).get("public_key") \
                != signing.public_key_of(self._signer.private):
            self._signer = None  # its key could not be stored (a full or read-only disk)
        self.audit(AuditAction.SIGN_IN)
        return officer

    def _take_key(self, _db, officer: Officer, password: str, rehash: bool) -> None:
        """At sign-in: open the officer's key (made if missing); a password hash made with
        weaker parameters is made again; an administrator signs what no one has signed."""
        now = self.clock()
        self._signer = account_records.key_at_sign_in(self.db, officer.username, password, now)
        if rehash:
            account_records.own_password(self.db, self._signer,
                                         passwords.hash_password(password), password, now)
        if Role.ADMIN in officer.roles:
            for username in account_records.endorse(self.db, self._signer, now):
                self.audit(AuditAction.OFFICER_SIGNED, username)

    def sign_out(self) -> None:
        if self.officer is not None:
            self.audit(AuditAction.SIGN_OUT)
        self.officer, self.locked, self._signer = None, False, None

    def lock(self) -> None:
        """Hide the work until the same officer types the password (or another signs in)."""
        if self.officer is not None and not self.locked:
            self.locked = True
            self.audit(AuditAction.LOCK)

    def unlock(self, password: str) -> Officer:
        if self.officer is None:
            raise NotSignedIn("Chưa đăng nhập.", "unlock")
        user = self.officer.username
        attempt = (user, user, {"unlock": True}, None)
        self._throttle(*attempt)
        current = officer_store.get(self.db, user)
        stored = officer_store.password_hash(self.db, user)
        if current is None or not current.active or stored is None \
                or not passwords.verify_password(stored, password):
            self._failed(*attempt)
            raise SignInFailed("Sai mật khẩu.")
        self._forgive(user)
        self.officer, self.locked = current, False
        self.audit(AuditAction.UNLOCK)
        return current

    # -- accounts -----------------------------------------------------------------------
    def officer_directory(self) -> list[Officer]:
        """Active accounts (names, titles, roles; no hashes): whom to hand a dossier to."""
        self.require_officer()
        return [o for o in officer_store.all_officers(self.db) if o.active]

    def officers(self) -> list[Officer]:
        self.require(Action.MANAGE_OFFICERS)
        return officer_store.all_officers(self.db)

    def printed_names(self) -> dict[str, str]:
        """Username → 'Full name' for the forms (older events already hold full names)."""
        return {u: o.full_name for u, o in officer_store.display_names(self.db).items()}

    def add_officer(self, username: str, full_name: str, title: str, roles: object,
                    password: str) -> Officer:
        """The administrator adds an account. The very first account (first run) needs no
        sign-in but must be an administrator."""
        first = not self.has_officers()
        if not first:
            self.require(Action.MANAGE_OFFICERS)
        officer = validate_officer(username, full_name, title, roles)
        secret = check_password(password)
        if first and Role.ADMIN not in officer.roles:
            raise ValidationError({"roles": "Tài khoản đầu tiên phải là người quản trị."})
        with transaction(self.db):
            if officer_store.get(self.db, officer.username) is not None:
                raise ValidationError({"username": f"Tên đăng nhập '{officer.username}' "
                                                   "đã có."})
            account_records.new_account(self.db, officer, passwords.hash_password(secret),
                                        secret, None if first else self._signer, self.clock())
            self.audit(AuditAction.OFFICER_ADDED, officer.username,
                       {"roles": officer.to_dict()["roles"]},
                       officer=None if not first else officer.username)
        return officer

    def update_officer(self, username: str, *, full_name: str | None = None,
                       title: str | None = None, roles: object = None) -> Officer:
        self.require(Action.MANAGE_OFFICERS)
        current = self._account(username)
        officer = validate_officer(current.username,
                                   current.full_name if full_name is None else full_name,
                                   current.title if title is None else title,
                                   current.roles if roles is None else roles)
        officer = Officer(officer.username, officer.full_name, officer.title, officer.roles,
                          current.active)
        with transaction(self.db):
            if Role.ADMIN in current.roles and Role.ADMIN not in officer.roles:
                self._keep_an_admin(current.username)
            account_records.changed(self.db, officer, self._signer, self.clock())
            self.audit(AuditAction.OFFICER_CHANGED, officer.username,
                       {"roles": officer.to_dict()["roles"]})
        if self.officer and self.officer.username == officer.username:
            self.officer = officer
        return officer

    def set_officer_active(self, username: str, active: bool) -> Officer:
        self.require(Action.MANAGE_OFFICERS)
        current = self._account(username)
        with transaction(self.db):
            if not active and Role.ADMIN in current.roles:
                self._keep_an_admin(current.username)
            account_records.changed(self.db, Officer(current.username, current.full_name,
                                                     current.title, current.roles, active),
                                    self._signer, self.clock())
            if active:
                sign_in_failures.clear(self.db, current.username)
            self.audit(AuditAction.OFFICER_ENABLED if active else AuditAction.OFFICER_DISABLED,
                       current.username)
        return officer_store.get(self.db, current.username)

    def reset_password(self, username: str, new_password: str) -> None:
        self.require(Action.MANAGE_OFFICERS)
        current = self._account(username)
        secret = check_password(new_password)
        with transaction(self.db):
            account_records.password_reset(self.db, current.username,
                                           passwords.hash_password(secret), secret,
                                           self._signer, self.clock())
            sign_in_failures.clear(self.db, current.username)
            self.audit(AuditAction.PASSWORD_RESET, current.username)

    def change_password(self, old_password: str, new_password: str) -> None:
        officer = self.require_officer()
        attempt = (officer.username, officer.username, {"change_password": True}, None)
        self._throttle(*attempt)
        stored = officer_store.password_hash(self.db, officer.username)
        if stored is None or not passwords.verify_password(stored, old_password):
            self._failed(*attempt)
            raise SignInFailed("Mật khẩu hiện tại không đúng.")
        self._forgive(officer.username)
        secret = check_password(new_password, "new_password")
        with transaction(self.db):
            own = self._signer or account_records.key_at_sign_in(
                self.db, officer.username, old_password, self.clock())
            account_records.own_password(self.db, own, passwords.hash_password(secret),
                                         secret, self.clock())
            self.audit(AuditAction.PASSWORD_CHANGED, officer.username)

    # -- wrong passwords ------------------------------------------------------------------
    def _attempt(self, user: str) -> tuple[str, str, dict | None, str]:
        """(whose count, audit subject, audit detail, audit officer) of a sign-in as
        ``user``: a name that is no account counts under UNKNOWN and is not recorded."""
        if officer_store.password_hash(self.db, user) is None:
            return UNKNOWN, "", {"unknown_user": True}, UNKNOWN
        return user, user, None, user

    def _throttle(self, key: str, subject: str, detail: dict | None,
                  officer: str | None) -> None:
        failures, last = sign_in_failures.get(self.db, key)
        wait = throttle.wait_left(failures, last, self.clock())
        if wait:
            self.audit(AuditAction.SIGN_IN_FAILED, subject,
                       {**(detail or {}), "throttled": wait}, officer=officer)
            raise throttle.refuse(failures, wait)

    def _failed(self, key: str, subject: str, detail: dict | None,
                officer: str | None) -> None:
        """One more wrong password for ``key``, with its audit entry, in one transaction."""
        try:
            with transaction(self.db):
                sign_in_failures.record(self.db, key, throttle.naive(self.clock()))
                self.audit(AuditAction.SIGN_IN_FAILED, subject, detail, officer=officer)
        except _CANNOT_WRITE as exc:  # cannot be counted on this disk: still a failure
            log.warning("failed sign-in not recorded: %s", type(exc).__name__)

    def _forgive(self, key: str) -> None:
        """A right password: the count starts again."""
        if sign_in_failures.get(self.db, key)[0]:
            self._quietly(sign_in_failures.clear, key)

    def _quietly(self, write: Callable[..., object], *args: object) -> None:
        """A write that only tidies up after a sign-in; skipped when it cannot be made."""
        try:
            with transaction(self.db):
                write(self.db, *args)
        except _CANNOT_WRITE as exc:
            log.warning("left as it was after sign-in: %s", type(exc).__name__)

    def _account(self, username: str) -> Officer:
        officer = officer_store.get(self.db, normalise_username(username))
        if officer is None:
            raise NotFound(f"Không có tài khoản '{username}'.")
        return officer

    def _keep_an_admin(self, leaving: str) -> None:
        others = [o for o in officer_store.all_officers(self.db)
                  if o.active and Role.ADMIN in o.roles and o.username != leaving]
        if not others:
            raise ValidationError({"roles": "Phải còn ít nhất một người quản trị đang hoạt động."})
