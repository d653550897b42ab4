"""Alembic brings an empty database to the schema in counter_app/server/schema.py."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from counter_app.server import database
from counter_app.server.schema import metadata


def test_migrated_schema_matches_the_tables(server_db):
    assert database.current_revision(server_db) == "0015"
    with server_db.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), metadata) == []


def test_downgrade_and_upgrade_again(server_db):
    from alembic import command

    with server_db.begin() as conn:
        command.downgrade(database.alembic_config(conn), "base")
    assert database.current_revision(server_db) is None
    database.migrate(server_db)
    assert database.current_revision(server_db) == "0015"


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


def test_upgrade_rebuilds_apologised_dossiers_by_the_slips_deadline(server_db, open_desk,
                                                                     clock, make_request):
    """Revision 0004: a dossier apologised for under the old rule (the apology's date as
    its deadline, judged on time against it) is rebuilt from its applied events."""
    import dataclasses
    import datetime as dt
    import json

    from alembic import command
    from sqlalchemy import text

    from counter_app.domain.lifecycle import Step
    from counter_app.sync import projection

    desk = open_desk()
    clock.now = dt.datetime(2026, 3, 9, 9, 0)  # 3 working days: due Thu 12/03 17:00
    row = desk.receive(make_request("1.004873"))
    clock.now = dt.datetime(2026, 3, 10, 9, 0)
    desk.step(row.code, Step.APOLOGIZE, {"reason": "Chờ", "new_due_at": "2026-03-18"})
    clock.now = dt.datetime(2026, 3, 16, 10, 0)
    desk.step(row.code, Step.FINISH, {"result": "Kết quả"})
    events = [dataclasses.asdict(e) for e in desk.events(row)]
    old = projection.replay(events, lambda vid: desk.dossier(row.code).procedure)
    old.update(due_at=old.pop("extended_due_at"), verdict="on_time")  # as 0003 kept it
    with server_db.begin() as conn:
        command.downgrade(database.alembic_config(conn), "0003")
        conn.execute(text("INSERT INTO communes (code, name) VALUES ('C1', 'Xã A')"))
        conn.execute(text(
            "INSERT INTO dossiers (id, commune_id, code, status, received_at, due_at, verdict, "
            "search, row_json, updated_seq) VALUES (:id, 1, :code, 9, :received, :due, "
            "'on_time', '', :row, 3)"),
            {"id": row["id"], "code": row.code, "received": old["received_at"],
             "due": old["due_at"], "row": json.dumps(old, ensure_ascii=False)})
        for seq, event in enumerate(events, start=1):
            conn.execute(text(
                "INSERT INTO inbox (desk_id, desk_seq, event_id, commune_id, dossier_id, hash, "
                "event_json, result, server_seq, received_at) VALUES (:desk, :dseq, :id, 1, "
                ":dossier, :hash, :json, 'applied', :seq, '2026-03-16T10:00')"),
                {"desk": event["desk_id"], "dseq": event["desk_seq"], "id": event["id"],
                 "dossier": row["id"], "hash": event["hash"],
                 "json": json.dumps(event, ensure_ascii=False), "seq": seq})
    database.migrate(server_db)
    with server_db.connect() as conn:
        due, verdict, text_row = conn.execute(text(
            "SELECT due_at, verdict, row_json FROM dossiers")).one()
    assert (due, verdict) == ("2026-03-12T17:00", "late")
    rebuilt = json.loads(text_row)
    assert rebuilt["extended_due_at"] == "2026-03-18T17:00" and rebuilt["apologized"] == 1
    assert rebuilt["code"] == row.code  # the rest of the row is kept


def test_0008_gives_each_existing_commune_a_kind_and_a_version(server_db):
    """Communes made before the province's units: kind 'commune', and each a server_seq
    above every earlier one, so that a desk's first refresh lists them."""
    from alembic import command
    from sqlalchemy import text

    with server_db.begin() as conn:
        command.downgrade(database.alembic_config(conn), "0007")
        before = conn.execute(text("SELECT value FROM counters WHERE name = 'server_seq'")
                              ).scalar_one()
        for code in ("C1", "C2"):
            conn.execute(text("INSERT INTO communes (code, name) VALUES (:c, 'Xã')"),
                         {"c": code})
    database.migrate(server_db)
    with server_db.connect() as conn:
        rows = conn.execute(text("SELECT code, kind, updated_seq FROM communes "
                                 "WHERE code IN ('C1', 'C2') ORDER BY code")).all()
    assert [(c, k) for c, k, _ in rows] == [("C1", "commune"), ("C2", "commune")]
    assert sorted(seq for _, _, seq in rows) == [before + 1, before + 2]
