"""Every change of an account at this desk, as a signed record (domain.account_signing): built
from the stored record, its revision one higher, signed with the signed-in officer's key,
stored by ``officer_store.put_record`` (it goes up at the next sync). The caller holds the
transaction and has checked the officer's right to make the change.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

import sqlite_utils

from counter_app.accounts.passwords import seal_cost
from counter_app.domain import account_signing as signing
from counter_app.domain.officers import Officer
from counter_app.domain.roles import Role
from counter_app.store import officer_store

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Signer:
    """The signed-in officer's key, unsealed at sign-in, kept in memory only."""
    username: str
    private: bytes


def _stamp(now: dt.datetime) -> str:
    return now.isoformat(timespec="seconds")


def _fields(officer: Officer) -> dict:
    return {"username": officer.username, "full_name": officer.full_name,
            "title": officer.title, "roles": [r.value for r in Role if r in officer.roles],
            "active": officer.active}


def save(db: sqlite_utils.Database, record: dict, signer: Signer | None,
         now: dt.datetime) -> dict:
    """``record`` (changed fields in place) as the next revision of its account, signed by
    ``signer``; without one it waits unsigned for an administrator (``endorse``)."""
    current = officer_store.record(db, record["username"])
    record = {**record, "updated_at": _stamp(now),
              "revision": int((current or {}).get("revision") or 0) + 1}
    record = signing.sign(record, signer.username, signer.private) if signer else \
        {**record, "signed": None}
    officer_store.put_record(db, record)
    return record


def new_account(db: sqlite_utils.Database, officer: Officer, password_hash: str,
                password: str, signer: Signer | None, now: dt.datetime) -> Signer:
    """A new account with its own key pair sealed with its first password. The very first
    account of a desk signs itself (it becomes the commune's anchor at enrolment)."""
    private, public, sealed = signing.new_account_keys(password, officer.username, seal_cost())
    own = Signer(officer.username, private)
    save(db, {**_fields(officer), "password_hash": password_hash, "public_key": public,
              "sealed_key": sealed}, signer or own, now)
    return own


def changed(db: sqlite_utils.Database, officer: Officer, signer: Signer | None,
            now: dt.datetime) -> None:
    """Name, title, roles or enabled changed by an administrator."""
    save(db, {**officer_store.record(db, officer.username), **_fields(officer)}, signer, now)


def password_reset(db: sqlite_utils.Database, username: str, password_hash: str,
                   password: str, signer: Signer | None, now: dt.datetime) -> None:
    """An administrator set a new password: a new key pair, sealed with it (the old
    private key cannot be opened without the old password)."""
    _, public, sealed = signing.new_account_keys(password, username, seal_cost())
    save(db, {**officer_store.record(db, username), "password_hash": password_hash,
              "public_key": public, "sealed_key": sealed}, signer, now)


def own_password(db: sqlite_utils.Database, own: Signer, password_hash: str, password: str,
                 now: dt.datetime) -> None:
    """The officer's own new password: the same key, sealed again with it, signed by the
    officer (allowed by the rule) once an administrator has signed the key; before that it
    waits for one, as the key does."""
    current = officer_store.record(db, own.username)
    record = {**current, "password_hash": password_hash,
              "sealed_key": signing.seal(own.private, password, own.username, seal_cost())}
    save(db, record, own if current.get("signed") else None, now)


def key_at_sign_in(db: sqlite_utils.Database, username: str, password: str,
                   now: dt.datetime) -> Signer:
    """The officer's key, opened with the password just checked; an account without one
    (made before signatures), or whose sealed key this password does not open, gets a new
    one, to be signed by an administrator (``endorse``)."""
    current = officer_store.record(db, username)
    if current.get("public_key") and current.get("sealed_key"):
        try:
            return Signer(username, signing.unseal(current["sealed_key"], password, username))
        except signing.SealError:
            log.warning("the sealed key of %s does not open with its password: a new key",
                        username)
    private, public, sealed = signing.new_account_keys(password, username, seal_cost())
    save(db, {**current, "public_key": public, "sealed_key": sealed}, None, now)
    return Signer(username, private)


def endorse(db: sqlite_utils.Database, admin: Signer, now: dt.datetime) -> list[str]:
    """An administrator signed in: every account waiting for a signature is signed by them
    (accounts of earlier versions, keys made at a sign-in, what the server refused), each
    in the audit trail. Returns their usernames."""
    names = officer_store.to_endorse(db)
    for username in names:
        save(db, officer_store.record(db, username), admin, now)
    return names


def anchor(db: sqlite_utils.Database, admin: Signer, now: dt.datetime) -> dict:
    """The administrator's own account signed by their own key, for an enrolment: with the
    enrolment code, the server binds this key to the commune (signing.check_anchor)."""
    return save(db, officer_store.record(db, admin.username), admin, now)
