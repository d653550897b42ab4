"""The dashboard's failed sign-ins per client address and per unknown username move from
each server process's memory into the database (server/sign_in_throttle.py), so several
server processes count the same failures (issue "a whole province on the server").

Revision ID: 0013
Revises: 0012
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sign_in_backoff",
        sa.Column("kind", sa.String(8), primary_key=True),
        sa.Column("key", sa.String(80), primary_key=True),
        sa.Column("failures", sa.Integer, nullable=False, server_default="0"),
        sa.Column("until_at", sa.String(40)),
    )
    op.create_index("sign_in_backoff_until", "sign_in_backoff", ["kind", "until_at"])


def downgrade() -> None:
    op.drop_index("sign_in_backoff_until", "sign_in_backoff")
    op.drop_table("sign_in_backoff")
