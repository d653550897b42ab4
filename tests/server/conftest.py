"""Server tests: every test that takes ``server_db`` runs on an embedded SQLite file and on a
real PostgreSQL (tests/server/postgres.py). Desks are real ``Counter`` desks on SQLite files;
their events table is what the tests push."""

from __future__ import annotations

import json
import warnings

import pytest
from sqlalchemy import text

from counter_app.store import procedure_versions

with warnings.catch_warnings():  # starlette suggests httpx2; httpx is what the desk uses
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

from counter_app.server import database, enrolment
from counter_app.server.admin import add_commune, add_viewer
from counter_app.server.app import create_app
from tests.core.conftest import AGENCY, AGENCY_CODE, OFFICER, PASSWORD, clock, make_request  # noqa: F401

COMMUNE_NAME = AGENCY["agency_name"]
OTHER_CODE = "000.17.22.H99"


@pytest.fixture(params=["sqlite", "postgres"])
def server_db(request, tmp_path):
    """A migrated, empty server database: the engine."""
    if request.param == "sqlite":
        engine = database.make_engine(str(tmp_path / "server.db"))
        database.migrate(engine)
        yield engine
        engine.dispose()
        return
    cluster = request.getfixturevalue("pg_cluster")
    name = cluster.create(template=cluster.template)
    engine = database.make_engine(cluster.url(name))
    yield engine
    engine.dispose()
    cluster.drop(name)


@pytest.fixture
def client(server_db):
    with TestClient(create_app(server_db)) as c:
        yield c


@pytest.fixture
def communes(server_db):
    with database.writing(server_db) as conn:
        add_commune(conn, AGENCY_CODE, COMMUNE_NAME)
        add_commune(conn, OTHER_CODE, "UBND xã Khác")


def code_for(engine, commune: str = AGENCY_CODE, desk: int | None = None, days: int = 7) -> str:
    with database.writing(engine) as conn:
        return enrolment.make_code(conn, commune, desk, days)[0]


@pytest.fixture
def viewer_token(server_db) -> str:
    with database.writing(server_db) as conn:
        return add_viewer(conn, "Phòng Nội vụ huyện")


def count(engine, table: str) -> int:
    with engine.connect() as conn:
        return conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()


class Desk:
    """A desk program (Counter) enrolled on the test server, with helpers to push its log."""

    def __init__(self, counter, client, engine, commune: str = AGENCY_CODE,
                 anchor: dict | None = None):
        self.counter, self.client, self.engine = counter, client, engine
        self.desk_id = counter.desk_id
        reply = client.post("/v1/enroll", json={
            "code": code_for(engine, commune, counter.agency.desk_number), "desk_id": self.desk_id,
            "agency_code": None, "desk_number": None, "client_schema": 1, "app_version": "0.1.0",
            **({"anchor": anchor} if anchor is not None else {})})
        assert reply.status_code == 200, reply.text
        self.enrolment = reply.json()
        self.token = self.enrolment["device_token"]

    @property
    def auth(self) -> dict:
        return {"Authorization": f"Bearer {self.token}"}

    def events(self, after: int = 0) -> list[dict]:
        rows = self.counter.db.query("SELECT * FROM events WHERE desk_id = ? AND desk_seq > ? "
                                     "ORDER BY desk_seq", [self.desk_id, after])
        return [{**r, "payload": json.loads(r["payload"])} for r in rows]

    def audit(self, after: int = 0) -> list[dict]:
        rows = self.counter.db.query("SELECT * FROM audit_log WHERE desk_id = ? AND desk_seq > ? "
                                     "ORDER BY desk_seq", [self.desk_id, after])
        return [{**r, "detail": json.loads(r["detail"])} for r in rows]

    def body(self, events=None, **extra) -> dict:
        """A push of ``events`` with the procedure versions they name, as the desk sends."""
        events = self.events() if events is None else events
        named = {e["payload"].get("procedure_version") for e in events
                 if isinstance(e, dict) and e.get("kind") == "received"
                 and isinstance(e.get("payload"), dict)}
        versions = procedure_versions.bodies(self.counter.db, {v for v in named if v})
        return {"desk_id": self.desk_id, "client_schema": 2,
                "desk_time": "2026-03-09T09:00:00+07:00", "waiting": len(events),
                "events": events, "procedure_versions": versions, **extra}

    def push(self, events=None, **extra):
        return self.client.post("/v1/push", json=self.body(events, **extra), headers=self.auth)


@pytest.fixture
def open_desk(tmp_path, clock):  # noqa: F811
    """A desk (Counter) set up for a commune: open_desk('a.db', desk=2)."""
    from counter_app.service.counter import Counter

    opened = []

    def _open(name: str = "desk.db", desk: int = 1, agency_code: str = AGENCY_CODE):
        counter = Counter.open(tmp_path / name, clock=clock)
        counter.add_officer(**OFFICER, password=PASSWORD)
        counter.sign_in(OFFICER["username"], PASSWORD)
        counter.set_up(**{**AGENCY, "agency_code": agency_code}, desk_number=desk)
        opened.append(counter)
        return counter

    yield _open
    for counter in opened:
        counter.close()


@pytest.fixture
def enrolled(open_desk, client, server_db, communes):
    """enrolled(name, desk=N, commune=..., anchor=record) -> Desk, enrolled on the test
    server (with ``anchor``, an administrator's self-signed record: tests/server/accounts.py)."""
    def _make(name: str = "desk.db", desk: int = 1, commune: str = AGENCY_CODE,
              anchor: dict | None = None) -> Desk:
        return Desk(open_desk(name, desk, commune), client, server_db, commune, anchor)
    return _make
