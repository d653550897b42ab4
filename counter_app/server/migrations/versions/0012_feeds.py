"""Numbers commit-ordered per feed, not across the province (issue "a whole province on
the server", server/feeds.py): one ``feeds`` row per unit (and 0 for the shared reference
data) with the last number committed in it. On PostgreSQL the numbers come from a sequence
from now on, so pushes to different communes no longer wait on one counter row.

Every existing feed starts at the counter's present value, and the sequence goes on from
there, so every desk's cursor stays valid: nothing is pulled twice or skipped.

Revision ID: 0012
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

SEQUENCE = "server_seq_numbers"  # server/feeds.py


def upgrade() -> None:
    op.create_table(
        "feeds",
        sa.Column("unit_id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("last_seq", sa.BigInteger, nullable=False, server_default="0"),
    )
    bind = op.get_bind()
    value = bind.execute(sa.text("SELECT value FROM counters WHERE name = 'server_seq'")
                         ).scalar() or 0
    units = [0, *bind.execute(sa.text("SELECT id FROM communes")).scalars()]
    op.bulk_insert(sa.table("feeds", sa.column("unit_id", sa.Integer),
                            sa.column("last_seq", sa.BigInteger)),
                   [{"unit_id": u, "last_seq": value} for u in units])
    if bind.dialect.name == "postgresql":
        op.execute(f"CREATE SEQUENCE {SEQUENCE} AS bigint START WITH {int(value) + 1}")


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":  # the counter goes on from the sequence
        last = bind.execute(sa.text(
            f"SELECT CASE WHEN is_called THEN last_value ELSE last_value - 1 END "
            f"FROM {SEQUENCE}")).scalar()
        bind.execute(sa.text("UPDATE counters SET value = greatest(value, :v) "
                             "WHERE name = 'server_seq'"), {"v": last})
        op.execute(f"DROP SEQUENCE {SEQUENCE}")
    op.drop_table("feeds")
