"""One-time enrolment codes (made by an administrator) exchanged by a desk for its token."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets

from sqlalchemy import Connection, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError

from counter_app.domain import account_signing as signing
from counter_app.domain.agency import MAX_DESKS
from counter_app.server import auth, clock, database, feeds, validation
from counter_app.server.schema import (
    ACTIVE_DESK_NUMBER,
    commune_anchors,
    communes,
    devices,
    enroll_codes,
    officers,
)
from counter_app.store.hash_chain import GENESIS

#: No 0/O, 1/I/L, 2/Z, 5/S, 8/B: easy to read aloud and type.
ALPHABET = "ACDEFGHJKMNPQRTUVWXY3469"
#: How long the desk that used a code may use it again (a lost reply, a retry).
REUSE_WINDOW = dt.timedelta(minutes=15)


class AdminError(Exception):
    """A bad administrator command (English message for the CLI)."""


def normalise_code(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch.isalnum())


def code_hash(code: str) -> str:
    return hashlib.sha256(normalise_code(code).encode("ascii", "replace")).hexdigest()


def commune_by_code(conn: Connection, code: str) -> dict:
    row = conn.execute(select(communes).where(communes.c.code == code)).mappings().first()
    if row is None:
        raise AdminError(f"no commune with code {code!r} (counter-server communes list)")
    return dict(row)


def free_desk_number(conn: Connection, commune_id: int) -> int:
    taken = set(conn.execute(select(devices.c.desk_number).where(
        devices.c.commune_id == commune_id, devices.c.revoked_at.is_(None))).scalars())
    free = [n for n in range(1, MAX_DESKS + 1) if n not in taken]
    if not free:
        raise AdminError(f"every desk number 1..{MAX_DESKS} of this commune is held by an "
                         "active desk (revoke one first)")
    return free[0]


def make_code(conn: Connection, commune_code: str, desk_number: int | None = None,
              days: int = 7) -> tuple[str, int]:
    """A new one-time code (grouped XXXX-XXXX-XXXX) and the desk number it binds."""
    if not 1 <= days <= 365:
        raise AdminError("--days must be 1..365")
    commune = commune_by_code(conn, commune_code)
    number = desk_number if desk_number is not None else free_desk_number(conn, commune["id"])
    if not 1 <= number <= MAX_DESKS:  # the first digit of the desk's dossier numbers
        raise AdminError(f"--desk must be 1..{MAX_DESKS}")
    raw = "".join(secrets.choice(ALPHABET) for _ in range(12))
    code = f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"
    now = clock.now()
    conn.execute(insert(enroll_codes).values(
        code_hash=code_hash(code), commune_id=commune["id"], desk_number=number,
        created_at=clock.iso(now), expires_at=clock.iso(now + dt.timedelta(days=days))))
    return code, number


def enroll(conn: Connection, body: dict) -> dict:
    """POST /v1/enroll (PROTOCOL.md §Enrolment)."""
    validation.client_schema(body)
    code = validation.string(body, "code", "request", 40, empty=False)
    desk_id = validation.uuid(body, "desk_id", "request")
    agency = validation.string(body, "agency_code", "request", 64, null=True)
    number = validation.integer(body, "desk_number", "request", 1, MAX_DESKS, null=True)
    app_version = validation.string(body, "app_version", "request", 40)
    retired = body.get("retired_desk_ids", [])
    if not isinstance(retired, list) or len(retired) > 20:
        raise validation.Refused(400, "bad_request", "retired_desk_ids: a list of at most 20")
    retired = [validation.uuid({"id": r}, "id", "retired_desk_ids") for r in retired]
    anchor = _anchor(body)

    query = select(enroll_codes).where(enroll_codes.c.code_hash == code_hash(code))
    if conn.dialect.name == "postgresql":  # two desks racing for one code: one wins
        query = query.with_for_update()
    row = conn.execute(query).mappings().first()
    now = clock.now()
    if row is None:
        raise validation.Refused(400, "bad_request", "unknown enrolment code",
                                 reason="unknown_code")
    if dt.datetime.fromisoformat(row["expires_at"]) <= now:
        raise validation.Refused(400, "bad_request", "this enrolment code has expired",
                                 reason="expired")
    if row["used_at"] is not None and (
            row["used_by_desk"] != desk_id
            or now - dt.datetime.fromisoformat(row["used_at"]) > REUSE_WINDOW):
        # The same desk may ask again for a short while (its reply was lost); after that a
        # used code, on paper beside a backup that names the desk, is worth nothing.
        raise validation.Refused(409, "code_used", "this enrolment code was already used")
    commune = conn.execute(select(communes).where(communes.c.id == row["commune_id"])
                           ).mappings().one()
    if agency and agency != commune["code"]:
        raise validation.Refused(
            400, "bad_request", f"this code is for commune {commune['code']}, "
            f"not {agency}", reason="agency_mismatch")
    if number is not None and number != row["desk_number"]:
        raise validation.Refused(
            400, "bad_request", f"this code is for desk number {row['desk_number']}, "
            f"but this desk already has dossiers as desk {number}", reason="desk_number_mismatch")
    existing = conn.execute(select(devices).where(devices.c.desk_id == desk_id)
                            ).mappings().first()
    if existing is not None and existing["revoked_at"] is not None:
        raise auth.forbidden("this desk was revoked; it must enrol as a new desk")
    if existing is not None and (existing["commune_id"] != commune["id"]
                                 or existing["desk_number"] != row["desk_number"]):
        raise validation.Refused(
            409, "code_used", "this desk is enrolled as another commune's or another "
            "number's desk; a new code must be for the same commune and desk number")
    # An enrolled desk taking a new code (its token was lost, the server moved) keeps its
    # history: its chain goes on, so a replay is still checked against what it sent.
    holder = conn.execute(select(devices.c.desk_id).where(
        devices.c.commune_id == commune["id"], devices.c.desk_number == row["desk_number"],
        devices.c.revoked_at.is_(None), devices.c.desk_id != desk_id)).first()
    if holder is not None:
        raise _number_taken(row["desk_number"])

    token = auth.new_token()
    stamp = clock.iso(now)
    if existing is None:
        try:
            conn.execute(insert(devices).values(
                desk_id=desk_id, commune_id=commune["id"], desk_number=row["desk_number"],
                token_hash=auth.token_hash(token), enrolled_at=stamp, last_seq=0,
                last_hash=GENESIS, last_audit_seq=0, last_audit_hash=GENESIS,
                app_version=app_version, last_seen=stamp))
        except IntegrityError as exc:
            # Another code for this number was used at the same moment and committed first
            # (PostgreSQL, READ COMMITTED: the check above could not see it): the index
            # ACTIVE_DESK_NUMBER refuses the second desk. The transaction is rolled back.
            if not _active_number_clash(exc):
                raise
            raise _number_taken(row["desk_number"]) from None
    else:
        conn.execute(update(devices).where(devices.c.desk_id == desk_id).values(
            token_hash=auth.token_hash(token), app_version=app_version, last_seen=stamp))
    conn.execute(update(enroll_codes).where(enroll_codes.c.code_hash == row["code_hash"])
                 .values(used_at=row["used_at"] or stamp, used_by_desk=desk_id))
    taken = _take_over(conn, desk_id, retired, commune["id"], row["desk_number"], stamp)
    if anchor is not None:
        _bind_anchor(conn, commune["id"], desk_id, anchor, stamp)
    return {"device_token": token, "desk_id": desk_id,
            "commune": {"code": commune["code"], "name": commune["name"]},
            "desk_number": row["desk_number"],
            # what the server already holds of this desk's chains: the desk pushes from there
            "last_seq": existing["last_seq"] if existing else 0,
            "last_audit_seq": existing["last_audit_seq"] if existing else 0,
            "retired": taken, "server_id": database.instance(conn),
            # the commune's accounts the server holds: the desk takes these from the server
            # rather than sending its own copies over them
            "officer_usernames": sorted(conn.execute(select(officers.c.username).where(
                officers.c.commune_id == commune["id"])).scalars()),
            # the commune's keys bound by an enrolment code, this desk's anchor among them
            "anchors": [{"username": a.username, "public_key": a.public_key}
                        for a in conn.execute(select(commune_anchors).where(
                            commune_anchors.c.commune_id == commune["id"]).order_by(
                            commune_anchors.c.created_at, commune_anchors.c.public_key))]}


def _anchor(body: dict) -> dict | None:
    """The request's ``anchor``: the desk's administrator account, signed by its own key
    (``signing.check_anchor``), that the enrolment code binds to the commune; or None."""
    if body.get("anchor") is None:
        return None
    anchor = validation.officer(body["anchor"], where="anchor")
    why = signing.check_anchor(anchor)
    if why is not None:
        raise validation.Refused(400, "bad_anchor", f"anchor: {why}", reason="bad_anchor")
    return anchor


def _bind_anchor(conn: Connection, commune_id: int, desk_id: str, anchor: dict,
                 stamp: str) -> None:
    """The anchor's key bound to its username in the commune (once). Its record becomes the
    server's for that username when the server holds none or only an unsigned one (from
    before signed accounts); a signed record the server holds stays, and the desk takes it
    (``officer_usernames``)."""
    pg = conn.dialect.name == "postgresql"
    if pg:  # one at a time with the commune's pushes, which check accounts (push.py)
        conn.execute(select(communes.c.id).where(communes.c.id == commune_id).with_for_update())
    if _has_signed_admin(conn, commune_id):
        # The commune's accounts are already held by signature: a code lets a desk in, it
        # does not make its holder an administrator. The desk takes the commune's accounts.
        return
    insert_ = (pg_insert if pg else sqlite_insert)(commune_anchors)
    conn.execute(insert_.on_conflict_do_nothing(index_elements=["commune_id", "public_key"]),
                 {"commune_id": commune_id, "public_key": anchor["public_key"],
                  "username": anchor["username"], "desk_id": desk_id, "created_at": stamp})
    held = conn.execute(select(officers.c.record_json).where(
        officers.c.commune_id == commune_id, officers.c.username == anchor["username"])
    ).scalar()
    if held is not None and json.loads(held).get("signed"):
        return
    database.upsert(conn, officers, [
        {"commune_id": commune_id, "username": anchor["username"],
         "record_json": json.dumps(anchor, ensure_ascii=False),
         "updated_seq": feeds.reserve(conn, 1, [commune_id])[0]}], ["commune_id", "username"])


def _has_signed_admin(conn: Connection, commune_id: int) -> bool:
    """Does the server hold a signed account of an active administrator of the commune,
    with a key? Then no code binds a new anchor there any more."""
    for (raw,) in conn.execute(select(officers.c.record_json).where(
            officers.c.commune_id == commune_id)):
        record = json.loads(raw)
        if (record.get("signed") and record.get("public_key") and record.get("active") is True
                and signing.ADMIN in (record.get("roles") or [])):
            return True
    return False


def _number_taken(number: int) -> validation.Refused:
    return validation.Refused(
        400, "bad_request", f"desk number {number} is held by another active desk of this "
        "commune (revoke it first)", reason="desk_number_taken")


def _active_number_clash(exc: IntegrityError) -> bool:
    """Is this the unique index of one active desk per commune and number?"""
    diag = getattr(exc.orig, "diag", None)  # psycopg: the constraint's name
    if diag is not None and getattr(diag, "constraint_name", None):
        return diag.constraint_name == ACTIVE_DESK_NUMBER
    return "devices.commune_id, devices.desk_number" in str(exc.orig)  # SQLite's message


def _take_over(conn: Connection, desk_id: str, retired: list[str], commune_id: int,
               desk_number: int, stamp: str) -> dict:
    """A restored backup names the desk ids it was before: it may push their chains from now
    on. Only a desk the administrator has revoked (``devices revoke``: one writer per
    chain, and a code alone never silences a working desk), of the same commune and desk
    number, not taken over by another desk, or an id the server never saw. Returns how far
    the server holds each chain taken over."""
    taken = {}
    for old in dict.fromkeys(r for r in retired if r != desk_id):
        row = conn.execute(select(devices).where(devices.c.desk_id == old)).mappings().first()
        if row is None:  # never enrolled: its whole history is still to come
            conn.execute(insert(devices).values(
                desk_id=old, commune_id=commune_id, desk_number=desk_number,
                token_hash=auth.token_hash(auth.new_token()), enrolled_at=stamp,
                revoked_at=stamp, last_seq=0, last_hash=GENESIS, last_audit_seq=0,
                last_audit_hash=GENESIS, successor=desk_id))
            taken[old] = {"last_seq": 0, "last_audit_seq": 0}
        elif (row["revoked_at"] is not None and row["commune_id"] == commune_id
              and row["desk_number"] == desk_number
              and (row["successor"] in (None, desk_id) or row["successor"] in retired)):
            conn.execute(update(devices).where(devices.c.desk_id == old).values(
                successor=desk_id))
            taken[old] = {"last_seq": row["last_seq"], "last_audit_seq": row["last_audit_seq"]}
    return taken
