"""One active desk per commune and desk number (docs/sync.md §3.2): a partial unique index
on ``devices (commune_id, desk_number) WHERE revoked_at IS NULL``. Two enrolment codes for
one desk number used at the same moment could both pass enrolment's check on PostgreSQL;
the two desks then issued the same dossier codes.

Existing duplicates (from that race) are settled before the index is made: of the active
desks sharing a commune and number, the one enrolled last is kept (ties: last seen, then
the larger desk id) and the others are revoked now, each named in a warning. A revoked
desk's token stops working; what it pushed stays; it needs a new desk id to enrol again
(docs/sync.md §2.9, §3.2).

Revision ID: 0006
Revises: 0005
"""

import datetime as dt
import logging

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

INDEX = "devices_active_desk_number"

_devices = sa.table("devices", sa.column("desk_id", sa.String), sa.column("commune_id", sa.Integer),
                    sa.column("desk_number", sa.Integer), sa.column("enrolled_at", sa.String),
                    sa.column("last_seen", sa.String), sa.column("revoked_at", sa.String))


def _moment(text: str | None) -> dt.datetime:
    if not text:
        return dt.datetime.min.replace(tzinfo=dt.UTC)
    moment = dt.datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.astimezone()


def _losers(conn) -> list[tuple[str, int, int, str]]:
    """(desk id, commune id, desk number, the desk kept) of each active desk to revoke."""
    groups: dict[tuple[int, int], list] = {}
    for row in conn.execute(sa.select(_devices).where(_devices.c.revoked_at.is_(None))):
        groups.setdefault((row.commune_id, row.desk_number), []).append(row)
    losers = []
    for (commune_id, number), rows in groups.items():
        if len(rows) < 2:
            continue
        rows.sort(key=lambda r: (_moment(r.enrolled_at), _moment(r.last_seen), r.desk_id))
        kept = rows[-1].desk_id
        losers += [(r.desk_id, commune_id, number, kept) for r in rows[:-1]]
    return losers


def upgrade() -> None:
    conn = op.get_bind()
    stamp = dt.datetime.now().astimezone().isoformat(timespec="milliseconds")
    log = logging.getLogger("alembic.runtime.migration")
    for desk_id, commune_id, number, kept in _losers(conn):
        log.warning("revision 0006: desk %s revoked: desk %s of commune id %s is also active "
                    "with number %s and was enrolled later (kept)", desk_id, kept, commune_id,
                    number)
        conn.execute(sa.update(_devices).where(_devices.c.desk_id == desk_id)
                     .values(revoked_at=stamp))
    active = sa.text("revoked_at IS NULL")
    op.create_index(INDEX, "devices", ["commune_id", "desk_number"], unique=True,
                    sqlite_where=active, postgresql_where=active)


def downgrade() -> None:
    op.drop_index(INDEX, table_name="devices")
