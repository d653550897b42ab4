"""Checking every field of a request. A bad field raises ``Refused`` (400 bad_request) before
anything is written; other refusals (401, 403, 409, 413, 426) use the same exception."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from counter_app.domain import account_signing as signing
from counter_app.domain.procedures import canonical_json, version_id

#: The newest desk protocol this server speaks: 2 adds procedure versions (PROTOCOL.md);
#: desks of schema 1 (a copy of the procedure in each received event) are still accepted.
CLIENT_SCHEMA = 2
MAX_BATCH = 2000
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_HEX64 = re.compile(r"^[0-9a-f]{64}$")
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class Refused(Exception):
    """A request the server will not carry out: ``{"error": code, "message": ..., **extra}``."""

    def __init__(self, status: int, code: str, message: str, **extra: Any):
        super().__init__(message)
        self.status, self.code, self.message, self.extra = status, code, message, extra


def bad(message: str) -> Refused:
    return Refused(400, "bad_request", message)


def obj(value: Any, where: str) -> dict:
    if not isinstance(value, dict):
        raise bad(f"{where} must be a JSON object")
    return value


def items(d: dict, key: str, where: str, limit: int = MAX_BATCH) -> list:
    """An optional list field (missing or null = empty); over ``limit`` = 413."""
    value = d.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise bad(f"{where}.{key} must be a list")
    if len(value) > limit:
        raise Refused(413, "too_large", f"at most {limit} {key} per request")
    return value


def string(d: dict, key: str, where: str, max_len: int = 200, *, empty: bool = True,
           null: bool = False) -> str | None:
    value = d.get(key)
    if value is None and (null and key in d):
        return None
    if not isinstance(value, str):
        raise bad(f"{where}.{key} must be a string")
    if len(value) > max_len or (not empty and not value.strip()):
        raise bad(f"{where}.{key} must be 1..{max_len} characters" if not empty
                  else f"{where}.{key} is longer than {max_len} characters")
    return value


def integer(d: dict, key: str, where: str, lo: int = 0, hi: int = 2**62, *,
            null: bool = False) -> int | None:
    value = d.get(key)
    if value is None and null and key in d:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise bad(f"{where}.{key} must be an integer in {lo}..{hi}")
    return value


def boolean(d: dict, key: str, where: str) -> bool:
    value = d.get(key)
    if not isinstance(value, bool):
        raise bad(f"{where}.{key} must be true or false")
    return value


def uuid(d: dict, key: str, where: str) -> str:
    value = d.get(key)
    if not isinstance(value, str) or not _UUID.match(value):
        raise bad(f"{where}.{key} must be a lower-case UUID")
    return value


def hex64(d: dict, key: str, where: str) -> str:
    value = d.get(key)
    if not isinstance(value, str) or not _HEX64.match(value):
        raise bad(f"{where}.{key} must be 64 lower-case hex digits")
    return value


def moment(d: dict, key: str, where: str, *, null: bool = False) -> str | None:
    """An ISO 8601 date-time (kept as sent)."""
    value = d.get(key)
    if value is None and null and key in d:
        return None
    if not isinstance(value, str) or len(value) > 40:
        raise bad(f"{where}.{key} must be an ISO 8601 date-time")
    try:
        dt.datetime.fromisoformat(value)
    except ValueError:
        raise bad(f"{where}.{key} must be an ISO 8601 date-time") from None
    return value


#: The days a query may name (the reports' years, counter_app/reports/periods.py): a day
#: near the ends of the calendar would overflow the day after it.
FIRST_DAY, LAST_DAY = dt.date(2000, 1, 1), dt.date(2100, 12, 31)


def day(value: Any, where: str) -> dt.date:
    if not isinstance(value, str) or not _DAY.match(value):
        raise bad(f"{where} must be a date YYYY-MM-DD")
    try:
        moment = dt.date.fromisoformat(value)
    except ValueError:
        raise bad(f"{where} must be a date YYYY-MM-DD") from None
    if not FIRST_DAY <= moment <= LAST_DAY:
        raise bad(f"{where} must be a date from {FIRST_DAY} to {LAST_DAY}")
    return moment


def query_int(params, key: str, default: int, lo: int, hi: int) -> int:
    raw = params.get(key)
    if raw is None or raw == "":
        return default
    if not re.fullmatch(r"[0-9]{1,19}", raw) or not lo <= int(raw) <= hi:
        raise bad(f"{key} must be an integer in {lo}..{hi}")
    return int(raw)


def client_schema(d: dict) -> int:
    value = integer(d, "client_schema", "request", 1, 10**6)
    if value > CLIENT_SCHEMA:
        raise Refused(426, "upgrade_required",
                      f"client_schema {value} is newer than this server ({CLIENT_SCHEMA})")
    return value


def push_fields(body: Any) -> None:
    """What push.py's own checks let through: ``waiting`` is required, a count."""
    integer(obj(body, "request"), "waiting", "request", 0, 10**9)


def event(e: Any, i: int) -> dict:
    where = f"events[{i}]"
    e = obj(e, where)
    uuid(e, "id", where)
    uuid(e, "dossier_id", where)
    uuid(e, "desk_id", where)
    integer(e, "desk_seq", where, 1)
    moment(e, "at", where)
    string(e, "officer", where, 200)
    string(e, "kind", where, 40, empty=False)
    obj(e.get("payload"), where + ".payload")
    hex64(e, "prev_hash", where)
    hex64(e, "hash", where)
    return e


def audit_entry(a: Any, i: int) -> dict:
    where = f"audit[{i}]"
    a = obj(a, where)
    uuid(a, "id", where)
    uuid(a, "desk_id", where)
    integer(a, "desk_seq", where, 1)
    moment(a, "at", where)
    string(a, "officer", where, 200)
    string(a, "action", where, 64, empty=False)
    string(a, "subject", where, 1000)
    obj(a.get("detail"), where + ".detail")
    hex64(a, "prev_hash", where)
    hex64(a, "hash", where)
    return a


ROLES = ("reception", "processing", "leader", "admin")


#: The largest sealed private key (its JSON) an account may carry (signing.seal: ~250).
SEALED_KEY_MAX = 2000


def officer(o: Any, i: int | None = None, where: str | None = None) -> dict:
    """An account as the desks exchange it (counter_app/domain/account_signing.py: the fields of
    ``SIGNED`` and ``signed``); returns only the known fields. The fields of signed records
    are optional, so a desk of an older version still pushes: its unsigned accounts are
    refused one by one (push.py), never the whole request."""
    where = where or f"officers[{i}]"
    o = obj(o, where)
    username = string(o, "username", where, 100, empty=False)
    roles = o.get("roles")
    if (not isinstance(roles, list) or len(roles) > len(ROLES)
            or any(r not in ROLES for r in roles)):
        raise bad(f"{where}.roles must be a list of {', '.join(ROLES)}")
    return {"username": username, "full_name": string(o, "full_name", where, 200, empty=False),
            "title": string(o, "title", where, 200), "roles": list(roles),
            "password_hash": string(o, "password_hash", where, 500, empty=False),
            "active": boolean(o, "active", where), "updated_at": moment(o, "updated_at", where),
            "revision": integer(o, "revision", where, 0, signing.MAX_REVISION)
            if o.get("revision") is not None else 0,
            "public_key": string(o, "public_key", where, 100, null=True)
            if o.get("public_key") is not None else None,
            "sealed_key": _sealed_key(o, where), "signed": _signed(o, where)}


def _sealed_key(o: dict, where: str) -> dict | None:
    value = o.get("sealed_key")
    if value is None:
        return None
    if not isinstance(value, dict):
        raise bad(f"{where}.sealed_key must be an object or null")
    try:
        text = canonical_json(value)
        text.encode("utf-8")
    except (UnicodeEncodeError, TypeError, ValueError, RecursionError):
        raise bad(f"{where}.sealed_key is not valid JSON text") from None
    if len(text) > SEALED_KEY_MAX:
        raise bad(f"{where}.sealed_key is longer than {SEALED_KEY_MAX} characters")
    return value


def _signed(o: dict, where: str) -> dict | None:
    value = o.get("signed")
    if value is None:
        return None
    value = obj(value, f"{where}.signed")
    inner = f"{where}.signed"
    return {"by": string(value, "by", inner, 100), "key": string(value, "key", inner, 100),
            "sig": string(value, "sig", inner, 200)}


def resolution(r: Any, i: int) -> dict:
    where = f"resolutions[{i}]"
    r = obj(r, where)
    return {"conflict_id": uuid(r, "conflict_id", where),
            "resolved_by": string(r, "resolved_by", where, 200, empty=False),
            "resolution": string(r, "resolution", where, 4000),
            "resolved_at": moment(r, "resolved_at", where)}


#: A procedure version's text is a catalogue entry: a few kilobytes at most.
VERSION_TEXT_MAX = 64_000


def procedure_versions(d: dict) -> dict[str, dict]:
    """The push's ``procedure_versions``: id -> body, each id the hash of its body
    (``domain.procedures.version_id``), so no desk can pass off one content as another."""
    value = d.get("procedure_versions", {})
    if not isinstance(value, dict):
        raise bad("procedure_versions must be an object")
    if len(value) > MAX_BATCH:
        raise Refused(413, "too_large", f"at most {MAX_BATCH} procedure versions per request")
    out = {}
    for vid, body in value.items():
        if not isinstance(body, dict) or len(vid) > 80:
            raise bad(f"procedure_versions[{vid[:80]!r}] must be an object under a short id")
        try:
            text = canonical_json(body)
            text.encode("utf-8")
        except (UnicodeEncodeError, TypeError, ValueError):
            raise bad(f"procedure version {vid[:80]!r} is not valid JSON text") from None
        if len(text) > VERSION_TEXT_MAX:
            raise Refused(413, "too_large", f"procedure version {vid[:80]!r} is too long")
        if not isinstance(body.get("code"), str) or not isinstance(body.get("name"), str):
            raise bad(f"procedure version {vid[:80]!r} must have a code and a name")
        if version_id(body) != vid:
            raise bad(f"procedure version {vid[:80]!r} does not match its content")
        out[vid] = body
    return out
