"""The first schema: communes, devices, enrolment codes, viewers, the inboxes, dossiers,
conflicts, reference data, the change log and the server_seq counter.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

_T = sa.String(40)  # ISO 8601 moments, as text


def upgrade() -> None:
    op.create_table(
        "communes",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("code", sa.String(64), nullable=False, unique=True),
        sa.Column("name", sa.Text, nullable=False))
    op.create_table(
        "enroll_codes",
        sa.Column("code_hash", sa.String(64), primary_key=True),
        sa.Column("commune_id", sa.Integer, sa.ForeignKey("communes.id"), nullable=False),
        sa.Column("desk_number", sa.Integer, nullable=False),
        sa.Column("created_at", _T, nullable=False),
        sa.Column("expires_at", _T, nullable=False),
        sa.Column("used_at", _T),
        sa.Column("used_by_desk", sa.String(36)))
    op.create_table(
        "devices",
        sa.Column("desk_id", sa.String(36), primary_key=True),
        sa.Column("commune_id", sa.Integer, sa.ForeignKey("communes.id"), nullable=False),
        sa.Column("desk_number", sa.Integer, nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("enrolled_at", _T, nullable=False),
        sa.Column("revoked_at", _T),
        sa.Column("last_seq", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("last_hash", sa.String(64), nullable=False),
        sa.Column("last_audit_seq", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("last_audit_hash", sa.String(64), nullable=False),
        sa.Column("last_seen", _T),
        sa.Column("clock_offset_s", sa.Float),
        sa.Column("waiting", sa.Integer),
        sa.Column("app_version", sa.String(40), nullable=False, server_default=""),
        sa.Column("last_pull_cursor", sa.BigInteger, nullable=False, server_default="0"))
    op.create_index("devices_commune", "devices", ["commune_id"])
    op.create_table(
        "viewers",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", _T, nullable=False),
        sa.Column("revoked_at", _T))
    op.create_table(
        "inbox",
        sa.Column("desk_id", sa.String(36), nullable=False),
        sa.Column("desk_seq", sa.BigInteger, nullable=False),
        sa.Column("event_id", sa.String(36), unique=True),
        sa.Column("commune_id", sa.Integer, nullable=False),
        sa.Column("dossier_id", sa.String(36), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.Column("event_json", sa.Text, nullable=False),
        sa.Column("result", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text, nullable=False, server_default=""),
        sa.Column("server_seq", sa.BigInteger, nullable=False, unique=True),
        sa.Column("received_at", _T, nullable=False),
        sa.PrimaryKeyConstraint("desk_id", "desk_seq"))
    op.create_index("inbox_dossier", "inbox", ["dossier_id", "server_seq"])
    op.create_table(
        "audit_inbox",
        sa.Column("desk_id", sa.String(36), nullable=False),
        sa.Column("desk_seq", sa.BigInteger, nullable=False),
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.Column("entry_json", sa.Text, nullable=False),
        sa.Column("received_at", _T, nullable=False),
        sa.PrimaryKeyConstraint("desk_id", "desk_seq"))
    op.create_table(
        "dossiers",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("commune_id", sa.Integer, nullable=False),
        sa.Column("code", sa.String(64), nullable=False),
        sa.Column("status", sa.Integer, nullable=False),
        sa.Column("received_at", _T, nullable=False),
        sa.Column("due_at", _T),
        sa.Column("finished_at", _T),
        sa.Column("returned_at", _T),
        sa.Column("verdict", sa.String(16)),
        sa.Column("search", sa.Text, nullable=False),
        sa.Column("row_json", sa.Text, nullable=False),
        sa.Column("updated_seq", sa.BigInteger, nullable=False),
        sa.UniqueConstraint("commune_id", "code", name="dossiers_commune_code"))
    op.create_index("dossiers_commune_received", "dossiers", ["commune_id", "received_at"])
    op.create_index("dossiers_status_due", "dossiers", ["status", "due_at"])
    op.create_table(
        "conflicts",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("commune_id", sa.Integer, nullable=False),
        sa.Column("dossier_id", sa.String(36), nullable=False),
        sa.Column("code", sa.String(64), nullable=False, server_default=""),
        sa.Column("event_id", sa.String(36), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("detail_json", sa.Text, nullable=False),
        sa.Column("created_at", _T, nullable=False),
        sa.Column("created_seq", sa.BigInteger, nullable=False),
        sa.Column("resolved_at", _T),
        sa.Column("resolved_by", sa.Text, nullable=False, server_default=""),
        sa.Column("resolution", sa.Text, nullable=False, server_default=""))
    op.create_index("conflicts_commune", "conflicts", ["commune_id", "resolved_at"])
    op.create_table(
        "officers",
        sa.Column("commune_id", sa.Integer, nullable=False),
        sa.Column("username", sa.String(100), nullable=False),
        sa.Column("record_json", sa.Text, nullable=False),
        sa.Column("updated_seq", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("commune_id", "username"))
    op.create_table(
        "procedures",
        sa.Column("code", sa.String(32), primary_key=True),
        sa.Column("record_json", sa.Text, nullable=False),
        sa.Column("updated_seq", sa.BigInteger, nullable=False))
    op.create_table(
        "calendar_overrides",
        sa.Column("day", sa.String(10), primary_key=True),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("reason", sa.Text, nullable=False, server_default=""),
        sa.Column("deleted", sa.Boolean, nullable=False, server_default="0"),
        sa.Column("updated_seq", sa.BigInteger, nullable=False))
    op.create_table(
        "change_log",
        sa.Column("server_seq", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("commune_id", sa.Integer, nullable=False),
        sa.Column("type", sa.String(16), nullable=False),
        sa.Column("ref_id", sa.String(36)))
    op.create_index("change_log_commune", "change_log", ["commune_id", "server_seq"])
    counters = op.create_table(
        "counters",
        sa.Column("name", sa.String(32), primary_key=True),
        sa.Column("value", sa.BigInteger, nullable=False))
    op.bulk_insert(counters, [{"name": "server_seq", "value": 0}])
    _lz4_for_large_json()


def _lz4_for_large_json() -> None:
    """PostgreSQL 14+ built with lz4: compress the large JSON columns with it (pglz, the
    default, costs a push of 2,000 events about a quarter of its database time)."""
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    has_lz4 = bind.exec_driver_sql(
        "SELECT count(*) FROM pg_settings WHERE name = 'default_toast_compression' "
        "AND 'lz4' = ANY(enumvals)").scalar()
    if has_lz4:
        for table, column in (("inbox", "event_json"), ("dossiers", "row_json"),
                              ("conflicts", "detail_json"), ("audit_inbox", "entry_json")):
            op.execute(f"ALTER TABLE {table} ALTER COLUMN {column} SET COMPRESSION lz4")


def downgrade() -> None:
    for table in ("counters", "change_log", "calendar_overrides", "procedures", "officers",
                  "conflicts", "dossiers", "audit_inbox", "inbox", "viewers", "devices",
                  "enroll_codes", "communes"):
        op.drop_table(table)
