"""Fixtures for the desk side of sync: real desks on SQLite files (tests/core's fixtures),
pages of changes built from a desk's own rows, and the in-process server when present."""

from __future__ import annotations

import json

import pytest

from tests.core.conftest import (  # noqa: F401 - fixtures re-exported for tests/sync
    AGENCY,
    AGENCY_CODE,
    OFFICER,
    PASSWORD,
    clock,
    desk,
    make_request,
    open_desk,
)

PROCEDURE = "1.001193"


def dossier_rows(db) -> list[dict]:
    """The dossiers as the server would send them (no per-desk applicant id; the body of
    the procedure version in each row, as ``procedure_snapshot``)."""
    rows = []
    for row in db.query("SELECT d.*, v.body AS procedure_snapshot FROM dossiers d "
                        "LEFT JOIN procedure_versions v ON v.id = d.procedure_version "
                        "ORDER BY d.rowid"):
        row.pop("applicant_id")
        rows.append(row)
    return rows


def event_dicts(db) -> list[dict]:
    return [{**r, "payload": json.loads(r["payload"])}
            for r in db.query("SELECT id, dossier_id, desk_id, desk_seq, at, officer, kind, "
                              "payload, prev_hash, hash FROM events ORDER BY rowid")]


def page_of(db, first_seq: int = 1, has_more: bool = False, conflicts=()) -> dict:
    """A pull page (or snapshot) holding every event and dossier of ``db``."""
    changes = [{"server_seq": first_seq + i, "type": "event", "result": "applied", "event": e}
               for i, e in enumerate(event_dicts(db))]
    seq = first_seq + len(changes)
    changes += [{"server_seq": seq + i, "type": "conflict", "conflict": c}
                for i, c in enumerate(conflicts)]
    return {"changes": changes, "dossiers": dossier_rows(db),
            "next_cursor": first_seq + len(changes) - 1, "has_more": has_more,
            "server_time": "2026-03-09T09:00:00+07:00"}


class Server:
    """The real server (counter_app.server) on an SQLite file, reached in-process through
    starlette's TestClient (an httpx.Client) that the desk functions take as ``http``."""

    def __init__(self, tmp_path):
        import warnings


        with warnings.catch_warnings():  # "install httpx2": the desk's client is httpx
            warnings.simplefilter("ignore")
            from starlette.testclient import TestClient

        from counter_app.server import admin, app, database

        self.engine = database.make_engine(str(tmp_path / "server.db"))
        database.migrate(self.engine)
        with database.writing(self.engine) as conn:
            admin.add_commune(conn, AGENCY_CODE, AGENCY["agency_name"])
        from counter_app.server.blob_files import FileBackend

        # the digitised files in the test's own folder (never the working folder)
        self.app = app.create_app(self.engine, FileBackend(tmp_path / "server-blobs"))
        self.http = TestClient(self.app)
        self.url = "http://testserver"

    def code(self, desk_number: int | None = None) -> str:
        from counter_app.server import database, enrolment

        with database.writing(self.engine) as conn:
            return enrolment.make_code(conn, AGENCY_CODE, desk_number)[0]

    def revoke(self, desk_id: str) -> None:
        from sqlalchemy import update

        from counter_app.server import database
        from counter_app.server.schema import devices

        with database.writing(self.engine) as conn:
            conn.execute(update(devices).where(devices.c.desk_id == desk_id)
                         .values(revoked_at="2026-03-09T12:00:00+07:00"))

    def count(self, table: str) -> int:
        from sqlalchemy import text

        with self.engine.connect() as conn:
            return conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()


@pytest.fixture
def server(tmp_path):
    pytest.importorskip("starlette")
    pytest.importorskip("sqlalchemy")
    srv = Server(tmp_path)
    yield srv
    srv.http.close()
    srv.engine.dispose()


@pytest.fixture(autouse=True)
def _quick_retries(monkeypatch):
    """The retries keep their shape but not their seconds."""
    from counter_app.sync import transport

    monkeypatch.setattr(transport, "RETRY_MULTIPLIER", 0.01)
    monkeypatch.setattr(transport, "RETRY_MAX_WAIT", 0.05)


@pytest.fixture
def enrolled(open_desk, server):  # noqa: F811 - the fixture imported above
    """enrolled('a.db', desk=1): a set-up desk connected to the in-process server."""
    from counter_app.sync.enrolment import enrol

    def _make(name: str, number: int = 1, **kwargs):
        counter = open_desk(name, desk=number, **kwargs)
        # as the window and the command line do: the signed-in administrator's own signed
        # account goes with the code, and becomes one of the commune's anchors
        enrol(counter.db, server.url, server.code(number), http=server.http, allow_http=True,
              anchor=counter.enrolment_anchor())
        return counter

    return _make
