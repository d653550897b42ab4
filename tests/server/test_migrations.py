"""Alembic brings an empty database to the schema in counter_app/server/schema.py."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from counter_app.server import database
from counter_app.server.schema import metadata


def test_migrated_schema_matches_the_tables(server_db):
    assert database.current_revision(server_db) == "0002"
    with server_db.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), metadata) == []


def test_downgrade_and_upgrade_again(server_db):
    from alembic import command

    with server_db.begin() as conn:
        command.downgrade(database.alembic_config(conn), "base")
    assert database.current_revision(server_db) is None
    database.migrate(server_db)
    assert database.current_revision(server_db) == "0002"


def test_default_url(monkeypatch, tmp_path):
    monkeypatch.delenv("COUNTER_SERVER_DB", raising=False)
    assert database.default_url().endswith("/counter-server.db")
    monkeypatch.setenv("COUNTER_SERVER_DB", "postgresql://u@h/db")
    assert database.default_url() == "postgresql+psycopg://u@h/db"
    monkeypatch.setenv("COUNTER_SERVER_DB", str(tmp_path / "x.db"))
    assert database.default_url() == f"sqlite:///{tmp_path / 'x.db'}"
