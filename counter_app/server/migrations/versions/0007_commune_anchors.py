"""Signed accounts (docs/security.md §1): the commune's anchors, the keys a desk bound to an
administrator of its commune with its enrolment code (counter_app/domain/account_signing.py). A
push's account changes are applied only when signed by an administrator of the commune.

Existing officer rows are left as they are: their records, without a signature, stay until
a signed record replaces them, and they can sign nothing.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "commune_anchors",
        sa.Column("commune_id", sa.Integer, sa.ForeignKey("communes.id"), nullable=False),
        sa.Column("public_key", sa.Text, nullable=False),
        sa.Column("username", sa.Text, nullable=False),
        sa.Column("desk_id", sa.String(36), nullable=False),
        sa.Column("created_at", sa.String(40), nullable=False),
        sa.PrimaryKeyConstraint("commune_id", "public_key"),
    )


def downgrade() -> None:
    op.drop_table("commune_anchors")
