"""The server's database: engine (PostgreSQL via psycopg 3, or an embedded SQLite file),
read/write transactions and migrations (the numbers: server/feeds.py)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Connection, Engine, create_engine, event, text

DEFAULT_SQLITE = "counter-server.db"
MIGRATIONS = Path(__file__).with_name("migrations")


def default_url() -> str:
    """$COUNTER_SERVER_DB (a URL or a file path), else ./counter-server.db."""
    return as_url(os.environ.get("COUNTER_SERVER_DB") or DEFAULT_SQLITE)


def as_url(value: str) -> str:
    """A SQLAlchemy URL; a bare path means an SQLite file, postgresql:// means psycopg 3."""
    if "://" not in value:
        return f"sqlite:///{Path(value).expanduser().resolve()}"
    if value.startswith(("postgresql://", "postgres://")):
        return "postgresql+psycopg://" + value.split("://", 1)[1]
    return value


def is_sqlite(engine: Engine | Connection) -> bool:
    return engine.dialect.name == "sqlite"


def make_engine(url: str) -> Engine:
    url = as_url(url)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})
        _sqlite_hooks(engine)
        return engine
    return create_engine(url, pool_size=POOL_SIZE, max_overflow=0, pool_pre_ping=True)


#: PostgreSQL connections of one server process, all kept open; a request beyond them waits
#: for one (up to 30 s). A process runs Python on one core: ten transactions at once keep
#: it busy. Connections "overflowing" the pool were closed as soon as they were given back,
#: so under load every request opened a new one (a new PostgreSQL backend, with none of the
#: prepared statements): at saturation in the province bench, PostgreSQL spent 16.7 ms of
#: CPU a round with an overflow of 10 and 12.5 ms without (docs/deploy.md §2).
POOL_SIZE = 10


def _sqlite_hooks(engine: Engine) -> None:
    """The pysqlite recipe: SQLAlchemy emits BEGIN itself; writers take the lock up front
    (BEGIN IMMEDIATE), readers get a WAL snapshot (BEGIN)."""

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None
        cur = dbapi_connection.cursor()
        cur.execute("PRAGMA journal_mode = WAL")
        cur.execute("PRAGMA synchronous = FULL")
        cur.execute("PRAGMA busy_timeout = 30000")
        cur.execute("PRAGMA foreign_keys = ON")
        cur.close()

    @event.listens_for(engine, "begin")
    def _begin(conn):
        mode = "" if conn.get_execution_options().get("readonly") else " IMMEDIATE"
        conn.exec_driver_sql("BEGIN" + mode)


@contextmanager
def writing(engine: Engine) -> Iterator[Connection]:
    """One write transaction (SQLite: BEGIN IMMEDIATE; PostgreSQL: READ COMMITTED + row locks)."""
    with engine.begin() as conn:
        yield conn


@contextmanager
def reading(engine: Engine) -> Iterator[Connection]:
    """One consistent read (PostgreSQL: REPEATABLE READ, read only; SQLite: a WAL snapshot)."""
    if is_sqlite(engine):
        with engine.connect() as conn:
            conn = conn.execution_options(readonly=True)
            with conn.begin():
                yield conn
    else:
        with engine.connect() as conn:
            conn = conn.execution_options(isolation_level="REPEATABLE READ",
                                          postgresql_readonly=True)
            with conn.begin():
                yield conn


def instance(conn: Connection) -> str:
    """This server's identity (made by migration 0002), told to desks at enrolment."""
    value = conn.execute(text("SELECT value FROM counters WHERE name = 'instance'")).scalar()
    return f"{value:016x}" if value is not None else ""


def alembic_config(url_or_conn: str | Connection):
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if isinstance(url_or_conn, str):
        cfg.set_main_option("sqlalchemy.url", as_url(url_or_conn).replace("%", "%%"))
    else:
        cfg.attributes["connection"] = url_or_conn
    return cfg


def migrate(engine: Engine, revision: str = "head") -> None:
    """Bring the schema up to ``revision`` (Alembic, programmatically; no alembic.ini)."""
    from alembic import command

    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), revision)


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upsert(conn: Connection, table, rows: list[dict], keys: list[str]) -> None:
    """INSERT ... ON CONFLICT (keys) DO UPDATE every other column (PostgreSQL and SQLite)."""
    if not rows:
        return
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    stmt = insert(table)
    stmt = stmt.on_conflict_do_update(
        index_elements=keys,
        set_={c: stmt.excluded[c] for c in rows[0] if c not in keys})
    conn.execute(stmt, rows)


def in_(conn: Connection, column, values):
    """``column IN values``; on PostgreSQL ``= ANY(array)``: one parameter, however many."""
    values = list(values)
    if conn.dialect.name == "postgresql":
        from sqlalchemy import any_, bindparam
        from sqlalchemy.dialects.postgresql import ARRAY

        return column == any_(bindparam(None, values, type_=ARRAY(column.type)))
    return column.in_(values)


def bulk_insert(conn: Connection, table, rows: list[dict]) -> None:
    """Insert many rows: COPY on PostgreSQL, executemany on SQLite."""
    if not rows:
        return
    if conn.dialect.name != "postgresql":
        from sqlalchemy import insert

        conn.execute(insert(table), rows)
        return
    columns = list(rows[0])
    with conn.connection.driver_connection.cursor() as cur:
        with cur.copy(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row([row[c] for c in columns])
