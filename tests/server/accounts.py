"""Signed account records for the server's tests, made with the desks' own rule
(counter_app/domain/account_signing.py). tests/conftest.py makes argon2 cheap, so keys seal fast."""

from __future__ import annotations

from dataclasses import dataclass, field

from counter_app.accounts import passwords
from counter_app.domain import account_signing as signing

STAMP = "2026-03-09T09:00:00+07:00"


@dataclass
class Account:
    """An officer: their private key and the record the server should hold of them."""
    username: str
    private: bytes
    password: str
    record: dict = field(default_factory=dict)

    @property
    def public_key(self) -> str:
        return signing.public_key_of(self.private)


def new(username: str, roles: tuple[str, ...] = ("admin",), signer: Account | None = None,
        password: str | None = None, **fields) -> Account:
    """A new account (revision 1) with its own key pair, signed by ``signer`` (by itself
    when None: an anchor, as the first account of a desk)."""
    password = password or f"mat-khau-{username}"
    private, public, sealed = signing.new_account_keys(password, username, passwords.seal_cost())
    record = {"username": username, "full_name": fields.pop("full_name", username.title()),
              "title": "", "roles": list(roles),
              "password_hash": passwords.hash_password(password), "active": True,
              "updated_at": STAMP, "revision": 1, "public_key": public, "sealed_key": sealed,
              **fields}
    account = Account(username, private, password)
    signer = signer or account
    account.record = signing.sign(record, signer.username, signer.private)
    return account


def change(record: dict, signer: Account, *, revision: int | None = None, **fields) -> dict:
    """The next revision of ``record`` with ``fields`` changed, signed by ``signer``."""
    body = {**{k: record.get(k) for k in signing.SIGNED}, **fields,
            "revision": record["revision"] + 1 if revision is None else revision}
    return signing.sign(body, signer.username, signer.private)


def new_password(account: Account, password: str) -> dict:
    """The officer's own password change: the same key, sealed again, signed by themself."""
    return change(account.record, account, password_hash=passwords.hash_password(password),
                  sealed_key=signing.seal(account.private, password, account.username,
                                                    passwords.seal_cost()),
                  updated_at="2026-03-10T09:00:00+07:00")


def unsigned(record: dict, **fields) -> dict:
    """``record`` changed without a signature (what a token holder alone can make)."""
    return {**{k: record.get(k) for k in signing.SIGNED}, **fields, "signed": None}
