"""Password hashing with argon2id (argon2-cffi): slow, salted, parameters kept in the hash.

Only the hash is stored. The same hashes come down from the district server so officers can
sign in offline at any desk of their commune.
"""

from __future__ import annotations

import unicodedata

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

#: argon2-cffi's defaults (RFC 9106 low-memory profile: 64 MiB, 3 passes), about 0.1 s on
#: this machine; tests swap in a cheaper hasher (tests/conftest.py).
HASHER = PasswordHasher()


def _nfc(password: str) -> str:
    """The same password whether the keyboard sent composed or decomposed Vietnamese."""
    return unicodedata.normalize("NFC", password)


def hash_password(password: str) -> str:
    return HASHER.hash(_nfc(password))


def verify_password(stored_hash: str, password: str) -> bool:
    try:
        return HASHER.verify(stored_hash, _nfc(password))
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    """True when the hash was made with weaker parameters than the current ones."""
    try:
        return HASHER.check_needs_rehash(stored_hash)
    except InvalidHashError:
        return True


def seal_cost() -> tuple[int, int, int]:
    """argon2id's cost (passes, KiB, lanes) of the hashes made now: that of sealing an
    officer's private key with their password too (domain.account_signing)."""
    return HASHER.time_cost, HASHER.memory_cost, HASHER.parallelism
