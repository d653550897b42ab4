"""The desks' files (issue "Digitising", part 3): one row per stored blob, named by the
SHA-256 of its bytes; the bytes are in the blob backend (server/blob_backends.py) under
``key``. Partial uploads are the backend's alone (no rows). Which dossiers name a blob
(an applied ``attach`` event): ``blob_refs``, so a download is allowed without reading the
events.

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "blobs",
        sa.Column("sha256", sa.String(64), primary_key=True),
        sa.Column("size", sa.BigInteger, nullable=False),
        sa.Column("created_at", sa.String(40), nullable=False),
        sa.Column("backend", sa.String(16), nullable=False),
        sa.Column("key", sa.Text, nullable=False),
        sa.Column("desk_id", sa.String(36)),
    )
    op.create_table(
        "blob_refs",
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("dossier_id", sa.String(36), nullable=False),
        sa.PrimaryKeyConstraint("sha256", "dossier_id"),
    )


def downgrade() -> None:
    op.drop_table("blob_refs")
    op.drop_table("blobs")
