"""Device and viewer tokens: random 256-bit tokens, stored only as their SHA-256."""

from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import Connection, select

from counter_app.server.schema import devices, viewers
from counter_app.server.validation import Refused


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def bearer(headers) -> str | None:
    value = headers.get("authorization", "")
    scheme, _, token = value.partition(" ")
    if scheme.lower() != "bearer" or not token.strip() or len(token) > 200:
        return None
    return token.strip()


def unauthorized() -> Refused:
    return Refused(401, "unauthorized", "unknown or revoked token")


def forbidden(message: str) -> Refused:
    return Refused(403, "forbidden", message)


def device(conn: Connection, token: str | None, *, lock: bool = False) -> dict:
    """The enrolled, unrevoked desk this token belongs to (a viewer's token: 403)."""
    if token is None:
        raise unauthorized()
    digest = token_hash(token)
    query = select(devices).where(devices.c.token_hash == digest)
    if lock and conn.dialect.name == "postgresql":
        query = query.with_for_update()
    row = conn.execute(query).mappings().first()
    if row is None or row["revoked_at"] is not None:
        if row is None and _viewer_row(conn, digest) is not None:
            raise forbidden("a viewer token cannot use the desk API")
        raise unauthorized()
    return dict(row)


def _viewer_row(conn: Connection, digest: str):
    return conn.execute(select(viewers).where(viewers.c.token_hash == digest,
                                              viewers.c.revoked_at.is_(None))).first()


def viewer(conn: Connection, token: str | None) -> dict:
    """The district viewer this token belongs to (a desk's token: 403)."""
    if token is None:
        raise unauthorized()
    digest = token_hash(token)
    row = _viewer_row(conn, digest)
    if row is None:
        known = conn.execute(select(devices.c.revoked_at)
                             .where(devices.c.token_hash == digest)).first()
        if known is not None and known[0] is None:
            raise forbidden("a desk token cannot use the district API")
        raise unauthorized()
    return dict(row._mapping)
