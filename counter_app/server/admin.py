"""Administrator commands behind the CLI: communes, devices, viewers."""

from __future__ import annotations

from sqlalchemy import Connection, insert, select, update

from counter_app.domain.text import clean
from counter_app.domain.units import UNIT_KINDS
from counter_app.server import auth, clock, feeds
from counter_app.server.enrolment import AdminError, commune_by_code
from counter_app.server.schema import communes, devices, viewers


def add_commune(conn: Connection, code: str, name: str, kind: str = "commune") -> None:
    """A unit of the province: a commune, or a provincial body (``kind="provincial"``), with
    its agency code. Desks learn the list at their next sync (reference data "units")."""
    code, name = clean(code), clean(name)
    if not code or len(code) > 64 or not name or len(name) > 200:
        raise AdminError("a unit needs a code (at most 64 characters) and a name (at most "
                         "200)")
    if kind not in UNIT_KINDS:
        raise AdminError(f"a unit's kind is one of {', '.join(UNIT_KINDS)}")
    if conn.execute(select(communes.c.id).where(communes.c.code == code)).first():
        raise AdminError(f"unit {code} already exists")
    conn.execute(insert(communes).values(code=code, name=name, kind=kind,
                                         updated_seq=feeds.reserve(conn, 1, [feeds.REFERENCE])[0]))


def list_communes(conn: Connection) -> list[dict]:
    return [dict(r) for r in conn.execute(select(communes).order_by(communes.c.code)).mappings()]


def list_devices(conn: Connection, commune: str | None = None) -> list[dict]:
    query = (select(devices, communes.c.code.label("commune"))
             .join(communes, communes.c.id == devices.c.commune_id)
             .order_by(communes.c.code, devices.c.desk_number))
    if commune:
        query = query.where(communes.c.id == commune_by_code(conn, commune)["id"])
    return [dict(r) for r in conn.execute(query).mappings()]


def revoke_device(conn: Connection, desk_id: str) -> None:
    row = conn.execute(select(devices.c.revoked_at).where(devices.c.desk_id == desk_id)).first()
    if row is None:
        raise AdminError(f"no desk with id {desk_id}")
    if row[0] is not None:
        raise AdminError(f"desk {desk_id} was already revoked at {row[0]}")
    conn.execute(update(devices).where(devices.c.desk_id == desk_id)
                 .values(revoked_at=clock.iso()))


def add_viewer(conn: Connection, name: str) -> str:
    name = clean(name)
    if not name:
        raise AdminError("a viewer needs a name")
    token = auth.new_token()
    conn.execute(insert(viewers).values(name=name, token_hash=auth.token_hash(token),
                                        created_at=clock.iso()))
    return token
