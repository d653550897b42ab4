"""The province's units (issue "receiving for another commune"): the communes, and the
provincial bodies (sở, ban, ngành) that decide the province-level procedures, in one table,
each with its kind and a server_seq so that the list reaches every desk as reference data.

Existing communes get kind 'commune' and a fresh server_seq each.

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # plain ADD COLUMN on both databases (a batch copy of the table would trip SQLite's
    # foreign keys from devices, enroll_codes...)
    op.add_column("communes", sa.Column("kind", sa.String(16), nullable=False,
                                        server_default="commune"))
    op.add_column("communes", sa.Column("updated_seq", sa.BigInteger, nullable=False,
                                        server_default="0"))
    conn = op.get_bind()
    for (commune_id,) in conn.execute(sa.text("SELECT id FROM communes ORDER BY id")).all():
        seq = conn.execute(sa.text("UPDATE counters SET value = value + 1 "
                                   "WHERE name = 'server_seq' RETURNING value")).scalar_one()
        conn.execute(sa.text("UPDATE communes SET updated_seq = :seq WHERE id = :id"),
                     {"seq": seq, "id": commune_id})


def downgrade() -> None:
    op.execute("ALTER TABLE communes DROP COLUMN updated_seq")  # SQLite 3.35+, PostgreSQL
    op.execute("ALTER TABLE communes DROP COLUMN kind")
