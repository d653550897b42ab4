"""Indexes that make each reference dataset's version (the largest ``updated_seq`` among
its rows, server/reference.py) one step down an index instead of a scan of the table: the
desks ask for the versions at every sync round, a province's thousands of desks every
minute, and an imported catalogue has thousands of procedures.

Revision ID: 0015
Revises: 0014
"""

from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

INDEXES = (
    ("procedures_updated", "procedures", ["updated_seq"]),
    ("calendar_overrides_updated", "calendar_overrides", ["updated_seq"]),
    ("officers_commune_updated", "officers", ["commune_id", "updated_seq"]),
    ("communes_updated", "communes", ["updated_seq"]),
)


def upgrade() -> None:
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns)


def downgrade() -> None:
    for name, table, _columns in INDEXES:
        op.drop_index(name, table)
