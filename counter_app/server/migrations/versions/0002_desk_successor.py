"""A restored desk's old chains: the desk that took them over (docs/sync.md §2.9); and this
server's identity (a random number), so a desk notices a different server at one address.

Revision ID: 0002
Revises: 0001
"""

import secrets

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("devices") as batch:
        batch.add_column(sa.Column("successor", sa.String(36)))
    counters = sa.table("counters", sa.column("name", sa.String), sa.column("value", sa.BigInteger))
    op.bulk_insert(counters, [{"name": "instance", "value": secrets.randbits(62)}])


def downgrade() -> None:
    op.execute("DELETE FROM counters WHERE name = 'instance'")
    with op.batch_alter_table("devices") as batch:
        batch.drop_column("successor")
