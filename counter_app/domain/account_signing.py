"""Signed account records: a change to an officer's account (password, roles, name, enabled)
is valid only when an administrator of the commune signed it, so a device token, a copy of
the desk file or a backup cannot change an account anywhere (docs/security.md §1).

Keys. Every account has an Ed25519 key pair. Its private key is sealed with a key derived
from the officer's password (argon2id, the cost of the desk's password hashes; then
ChaCha20-Poly1305, the username as associated data) and travels with the account, so the
officer can sign at any desk of the commune once signed in. The desk unseals it at sign-in
and keeps it in memory only (``Session``).

Records. An account as the desks and the server exchange it: the fields of ``SIGNED`` plus
``signed = {"by", "key", "sig"}``, an Ed25519 signature by ``by``'s key over the canonical
JSON of those fields (sorted keys, no spaces, UTF-8). ``revision`` grows by one at every
change of the account, so an older signed record can never be replayed over a newer one.

Who may sign (``check_change``, the same rule at the server and at every desk):
- an active administrator of the commune, with the key the trusted accounts hold for them;
- the officer themself, for a password change only (the same key, re-sealed);
- an anchor: a key the server bound to an administrator through an enrolment code (the
  province's proof), while that account is not known otherwise or still agrees with it.
Records of older versions (no signature) stay as they are but can sign nothing and be
replaced by nothing unsigned.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import unicodedata
from collections.abc import Mapping

from argon2.low_level import Type, hash_secret_raw
from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

from counter_app.domain.roles import Role

#: The fields a signature covers (every field of a record but ``signed``).
SIGNED = ("username", "full_name", "title", "roles", "password_hash", "active", "updated_at",
          "revision", "public_key", "sealed_key")
#: What an officer may change in their own record, with their own key.
OWN_PASSWORD = frozenset({"password_hash", "sealed_key", "updated_at", "revision"})
ADMIN = "admin"
KEY_BYTES = 32
#: A change raises ``revision`` by at least one and at most this much: a desk makes at most
#: that many changes of one account between two syncs (only the last goes up), and nobody
#: can push an account's revision out of reach of the next change.
REVISION_STEP = 1000
MAX_REVISION = 2**53 - 1  # an integer every JSON reader keeps exactly
ROLE_NAMES = frozenset(r.value for r in Role)


class SealError(ValueError):
    """A sealed key that this password does not open (or that is not a sealed key)."""


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def unb64(text: object, size: int | None = None) -> bytes:
    if not isinstance(text, str) or len(text) > 200:
        raise ValueError("not base64")
    try:
        data = base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError):
        raise ValueError("not base64") from None
    if size is not None and len(data) != size:
        raise ValueError(f"expected {size} bytes")
    return data


# -- keys ------------------------------------------------------------------------------------
def new_private_key() -> bytes:
    return Ed25519PrivateKey.generate().private_bytes_raw()


def public_key_of(private: bytes) -> str:
    return b64(Ed25519PrivateKey.from_private_bytes(private).public_key().public_bytes_raw())


def _derive(password: str, salt: bytes, t: int, m: int, p: int) -> bytes:
    return hash_secret_raw(unicodedata.normalize("NFC", password).encode("utf-8"), salt, time_cost=t,
                           memory_cost=m, parallelism=p, hash_len=32, type=Type.ID)


#: argon2id's cost of a seal: (passes, KiB of memory, lanes). The desk passes those of its
#: password hashes (accounts.passwords.HASHER), so the sealed key is no easier to attack.
Cost = tuple[int, int, int]


def seal(private: bytes, password: str, username: str, cost: Cost) -> dict:
    t, m, p = cost
    salt, nonce = os.urandom(16), os.urandom(12)
    key = _derive(password, salt, t, m, p)
    box = ChaCha20Poly1305(key).encrypt(nonce, private, username.encode("utf-8"))
    return {"kdf": "argon2id", "t": t, "m": m, "p": p,
            "salt": b64(salt), "nonce": b64(nonce), "box": b64(box)}


def unseal(sealed: object, password: str, username: str) -> bytes:
    if not isinstance(sealed, dict) or sealed.get("kdf") != "argon2id":
        raise SealError("not a sealed key")
    try:
        t, m, p = (int(sealed[k]) for k in ("t", "m", "p"))
        if not (1 <= t <= 20 and 8 <= m <= 1 << 21 and 1 <= p <= 16):
            raise SealError("argon2 parameters out of range")
        key = _derive(password, unb64(sealed["salt"], 16), t, m, p)
        return ChaCha20Poly1305(key).decrypt(unb64(sealed["nonce"], 12),
                                             unb64(sealed["box"], KEY_BYTES + 16),
                                             username.encode("utf-8"))
    except (KeyError, TypeError, ValueError, InvalidTag):
        raise SealError("this password does not open the sealed key") from None


# -- records ---------------------------------------------------------------------------------
def canonical(record: Mapping) -> bytes:
    body = {k: record.get(k) for k in SIGNED}
    body["roles"] = sorted(body["roles"] or [])
    return json.dumps(body, sort_keys=True, ensure_ascii=False,
                      separators=(",", ":")).encode("utf-8")


def sign(record: dict, signer: str, private: bytes) -> dict:
    """``record`` with its ``signed`` block by ``signer`` (whose private key this is)."""
    key = Ed25519PrivateKey.from_private_bytes(private)
    signature = key.sign(canonical(record))
    return {**{k: record.get(k) for k in SIGNED},
            "signed": {"by": signer, "key": public_key_of(private), "sig": b64(signature)}}


def _signature_holds(record: Mapping) -> bool:
    signed = record.get("signed")
    if not isinstance(signed, dict):
        return False
    try:
        key = Ed25519PublicKey.from_public_bytes(unb64(signed.get("key"), KEY_BYTES))
        key.verify(unb64(signed.get("sig"), 64), canonical(record))
    except (ValueError, InvalidSignature):
        return False
    return True


def _text(value: object, most: int, empty: bool = False) -> bool:
    return (isinstance(value, str) and (empty or value != "") and len(value) <= most
            and "\x00" not in value)


def malformed(record: object) -> str | None:
    """What is wrong with the shape of ``record`` (None when every field has its type and
    size), before any signature is looked at: a record from the network or the server."""
    if not isinstance(record, Mapping):
        return "không phải một tài khoản"
    r = record
    roles = r.get("roles")
    signed = r.get("signed")
    sealed = r.get("sealed_key")
    revision = r.get("revision")
    problems = {
        "username": _text(r.get("username"), 100),
        "full_name": _text(r.get("full_name"), 200),
        "title": r.get("title") is None or _text(r.get("title"), 200, empty=True),
        "roles": isinstance(roles, list) and len(roles) <= len(ROLE_NAMES)
        and all(isinstance(x, str) and x in ROLE_NAMES for x in roles),
        "password_hash": _text(r.get("password_hash"), 500),
        "active": isinstance(r.get("active"), bool),
        "updated_at": _text(r.get("updated_at"), 40),
        "revision": isinstance(revision, int) and not isinstance(revision, bool)
        and 0 <= revision <= MAX_REVISION,
        "public_key": r.get("public_key") is None or _text(r.get("public_key"), 100),
        "sealed_key": sealed is None or (isinstance(sealed, dict) and len(json.dumps(
            sealed, default=str)) <= 2000),
        "signed": signed is None or (isinstance(signed, dict) and _text(signed.get("by"), 100)
                                     and _text(signed.get("key"), 100)
                                     and _text(signed.get("sig"), 200)),
    }
    bad = [name for name, ok in problems.items() if not ok]
    return f"trường không hợp lệ: {', '.join(bad)}" if bad else None


def _same(a: object, b: object) -> bool:
    """Equal as JSON (so 0 is not False, nor 1 True)."""
    return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


def _is_admin_with(account: Mapping | None, key: str) -> bool:
    return bool(account and account.get("active") and ADMIN in (account.get("roles") or [])
                and account.get("public_key") == key)


def check_change(new: Mapping, current: Mapping | None, accounts: Mapping[str, Mapping],
                 anchors: Mapping[str, str]) -> str | None:
    """Why ``new`` may not replace ``current`` (the trusted record of that username, None
    for a new account), or None when it may. ``accounts``: the trusted records by username;
    ``anchors``: public key → username, the keys bound by an enrolment code."""
    if why := malformed(new):
        return f"bản ghi không hợp lệ ({why})"
    signed = new.get("signed")
    if not isinstance(signed, dict) or not _signature_holds(new):
        return "chữ ký không hợp lệ hoặc không có chữ ký"
    revision = new["revision"]
    before = (current or {}).get("revision")
    before = before if isinstance(before, int) and not isinstance(before, bool) else 0
    if revision <= before:
        return f"bản cũ (lần sửa {revision}, đã có lần sửa {before})"
    if revision > before + REVISION_STEP:
        return f"lần sửa {revision} vượt quá xa lần sửa đã có ({before})"
    by, key = signed["by"], signed["key"]
    if (current is not None and by == new["username"] and current.get("active") is True
            and current.get("public_key") == key == new["public_key"]
            and {k for k in SIGNED if not _same(new.get(k), current.get(k))} <= OWN_PASSWORD):
        return None  # an active officer changed their own password
    signer = current if by == new.get("username") else accounts.get(by)
    if _is_admin_with(signer, key):
        return None
    if anchors.get(key) == by and (signer is None or (
            signer.get("active") and ADMIN in (signer.get("roles") or [])
            and signer.get("public_key") in (None, key))):
        return None
    return f"người ký ({by}) không phải người quản trị của xã với khóa đã biết"


def check_batch(records: list[Mapping], accounts: Mapping[str, Mapping],
                anchors: Mapping[str, str]) -> tuple[list[Mapping], dict[str, str]]:
    """The records that may be applied, in an order that applies (an administrator added in
    the batch may sign later records of it), and why each other one may not. ``accounts``
    is not changed."""
    trusted = dict(accounts)
    refused: dict[str, str] = {}
    waiting: dict[str, Mapping] = {}
    for record in records:
        if why := malformed(record):
            name = record.get("username") if isinstance(record, Mapping) else None
            refused[name if isinstance(name, str) else "?"] = f"bản ghi không hợp lệ ({why})"
        else:
            waiting[record["username"]] = record
    accepted: list[Mapping] = []
    progress = True
    while waiting and progress:
        progress = False
        # Who may sign is judged on the accounts held before the batch (a demotion in the
        # batch does not depend on where it stands in it); an account the batch adds signs
        # by what the batch made it.
        authority = {**trusted, **accounts}
        for username in sorted(waiting):
            record = waiting[username]
            if check_change(record, trusted.get(username), authority, anchors) is None:
                trusted[username] = record
                accepted.append(record)
                del waiting[username]
                progress = True
    authority = {**trusted, **accounts}
    refused.update({u: check_change(r, trusted.get(u), authority, anchors) or "" for u, r in
                    waiting.items()})
    return accepted, refused


def check_anchor(record: Mapping) -> str | None:
    """Why ``record`` cannot be an anchor (None when it can): an active administrator's
    account signed by its own key, as a desk sends it with its enrolment code."""
    if not _signature_holds(record):
        return "chữ ký không hợp lệ hoặc không có chữ ký"
    signed = record["signed"]
    if signed.get("by") != record.get("username") or signed.get("key") != record.get(
            "public_key"):
        return "không phải tài khoản tự ký bằng khóa của mình"
    if not record.get("active") or ADMIN not in (record.get("roles") or []):
        return "không phải người quản trị đang hoạt động"
    return None


def new_account_keys(password: str, username: str, cost: Cost) -> tuple[bytes, str, dict]:
    """A new key pair for ``username``: (private key, public key, the private key sealed
    with ``password``)."""
    private = new_private_key()
    return private, public_key_of(private), seal(private, password, username, cost)
