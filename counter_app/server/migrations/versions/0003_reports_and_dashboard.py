"""Reports and the district's dashboard: the dossier fields form II.06a and the citizen
evaluation count by (filled from each stored row), the leaders' web accounts and their
sessions.

Revision ID: 0003
Revises: 0002
"""

import json

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_T = sa.String(40)  # ISO 8601 moments, as text
#: row_json key -> new column (see counter_app.server.schema.REPORT_COLUMNS).
_FROM_ROW = {"procedure_code": "procedure_code", "channel": "channel",
             "status_at": "status_at", "paused_at": "paused_at", "rating": "rating"}
_BATCH = 2000


def _backfill() -> None:
    conn = op.get_bind()
    dossiers = sa.table("dossiers", sa.column("id", sa.String), sa.column("row_json", sa.Text),
                        *[sa.column(c) for c in _FROM_ROW.values()])
    last = ""
    while True:
        rows = conn.execute(sa.select(dossiers.c.id, dossiers.c.row_json)
                            .where(dossiers.c.id > last).order_by(dossiers.c.id)
                            .limit(_BATCH)).all()
        if not rows:
            return
        values = []
        for dossier_id, text in rows:
            row = json.loads(text)
            values.append({"b_id": dossier_id,
                           **{col: row.get(key) for key, col in _FROM_ROW.items()}})
        conn.execute(sa.update(dossiers).where(dossiers.c.id == sa.bindparam("b_id"))
                     .values({c: sa.bindparam(c) for c in _FROM_ROW.values()}), values)
        last = rows[-1][0]


def upgrade() -> None:
    with op.batch_alter_table("dossiers") as batch:
        batch.add_column(sa.Column("procedure_code", sa.String(32)))
        batch.add_column(sa.Column("channel", sa.Integer))
        batch.add_column(sa.Column("status_at", _T))
        batch.add_column(sa.Column("paused_at", _T))
        batch.add_column(sa.Column("rating", sa.String(16)))
    _backfill()
    op.create_index("dossiers_commune_procedure", "dossiers", ["commune_id", "procedure_code"])
    op.create_table(
        "leaders",
        sa.Column("username", sa.String(64), primary_key=True),
        sa.Column("full_name", sa.Text, nullable=False),
        sa.Column("password_hash", sa.Text, nullable=False),
        sa.Column("created_at", _T, nullable=False),
        sa.Column("disabled_at", _T),
        sa.Column("failed_sign_ins", sa.Integer, nullable=False, server_default="0"),
        sa.Column("locked_until", _T))
    op.create_table(
        "web_sessions",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column("username", sa.String(64), sa.ForeignKey("leaders.username"), nullable=False),
        sa.Column("created_at", _T, nullable=False),
        sa.Column("expires_at", _T, nullable=False))


def downgrade() -> None:
    op.drop_table("web_sessions")
    op.drop_table("leaders")
    op.drop_index("dossiers_commune_procedure", "dossiers")
    with op.batch_alter_table("dossiers") as batch:
        for column in ("rating", "paused_at", "status_at", "channel", "procedure_code"):
            batch.drop_column(column)
