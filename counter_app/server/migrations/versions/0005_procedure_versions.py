"""Procedure versions stored once (docs/law.md §23): desks of schema 9 send each received
event with the id of its procedure version instead of a copy, and the versions of a batch
beside it; the server keeps each version once here, so that stored events can be replayed.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "procedure_versions",
        sa.Column("id", sa.String(80), primary_key=True),
        sa.Column("body", sa.Text, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("procedure_versions")
