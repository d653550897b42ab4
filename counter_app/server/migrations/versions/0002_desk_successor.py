"""A restored desk's old chains: the desk that took them over (SYNC.md §2.9).

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("devices") as batch:
        batch.add_column(sa.Column("successor", sa.String(36)))


def downgrade() -> None:
    with op.batch_alter_table("devices") as batch:
        batch.drop_column("successor")
