"""Dossiers received for another body (issue "receiving for another commune"): a dossier
names the unit that decides it when that is not the commune that received it, and every
change of such a dossier is logged for that unit too, so its desks pull it.

Existing dossiers are their own commune's (competent_id NULL); existing log rows have no
party.

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("dossiers", sa.Column("competent_id", sa.Integer, nullable=True))
    op.add_column("change_log", sa.Column("party_id", sa.Integer, nullable=True))
    op.create_index("dossiers_competent_received", "dossiers",
                    ["competent_id", "received_at"])
    op.create_index("change_log_party", "change_log", ["party_id", "server_seq"])


def downgrade() -> None:
    op.drop_index("change_log_party", "change_log")
    op.drop_index("dossiers_competent_received", "dossiers")
    op.execute("ALTER TABLE change_log DROP COLUMN party_id")  # SQLite 3.35+, PostgreSQL
    op.execute("ALTER TABLE dossiers DROP COLUMN competent_id")
