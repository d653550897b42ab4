"""Alembic brings an empty database to the schema in counter_app/server/schema.py."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from counter_app.server import database
from counter_app.server.schema import metadata


def test_migrated_schema_matches_the_tables(server_db):
    assert database.current_revision(server_db) == "0003"
    with server_db.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), metadata) == []


def test_downgrade_and_upgrade_again(server_db):
    from alembic import command

    with server_db.begin() as conn:
        command.downgrade(database.alembic_config(conn), "base")
    assert database.current_revision(server_db) is None
    database.migrate(server_db)
    assert database.current_revision(server_db) == "0003"


def test_upgrade_fills_the_report_columns_from_stored_rows(server_db):
    """Dossiers pushed before revision 0003 get the columns the reports count by."""
    import json

    from alembic import command
    from sqlalchemy import text

    with server_db.begin() as conn:
        command.downgrade(database.alembic_config(conn), "0002")
        row = {"code": "X", "procedure_code": "2.001035", "channel": 2,
               "status_at": "2026-10-05T09:00", "paused_at": None, "rating": "satisfied"}
        conn.execute(text("INSERT INTO communes (code, name) VALUES ('C1', 'Xã A')"))
        conn.execute(text(
            "INSERT INTO dossiers (id, commune_id, code, status, received_at, search, row_json, "
            "updated_seq) VALUES ('d1', 1, 'X', 10, '2026-10-01T09:00', '', :row, 1)"),
            {"row": json.dumps(row)})
    database.migrate(server_db)
    with server_db.connect() as conn:
        got = conn.execute(text("SELECT procedure_code, channel, status_at, paused_at, rating "
                                "FROM dossiers WHERE id = 'd1'")).one()
    assert tuple(got) == ("2.001035", 2, "2026-10-05T09:00", None, "satisfied")


def test_default_url(monkeypatch, tmp_path):
    monkeypatch.delenv("COUNTER_SERVER_DB", raising=False)
    assert database.default_url().endswith("/counter-server.db")
    monkeypatch.setenv("COUNTER_SERVER_DB", "postgresql://u@h/db")
    assert database.default_url() == "postgresql+psycopg://u@h/db"
    monkeypatch.setenv("COUNTER_SERVER_DB", str(tmp_path / "x.db"))
    assert database.default_url() == f"sqlite:///{tmp_path / 'x.db'}"
