import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# No credential store for the desks' device tokens (counter_app/sync/token_store.py): they go
# to the file beside the database, as on the CI machine, in this process and in every desk
# process a test starts, and never into a developer's own keyring. It also spares each
# process keyring's search for a backend (some 50 ms a `counter-cli` run, ~200 runs).
# tests/security/test_desk_token_at_rest.py sets its own stores.
os.environ.setdefault("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")

import pytest  # noqa: E402


@pytest.fixture
def tmp_db_path(tmp_path):
    """A path for a fresh SQLite database file inside the test's own temporary folder."""
    return tmp_path / "counter.db"


@pytest.fixture(autouse=True, scope="session")
def _cheap_password_hashing():
    """argon2 at its real cost takes ~0.1 s a hash; the tests sign in hundreds of times.
    tests/core/test_officers.py checks the real parameters separately."""
    from argon2 import PasswordHasher

    from counter_app.accounts import passwords

    real = passwords.HASHER
    passwords.HASHER = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    yield
    passwords.HASHER = real


@pytest.fixture(scope="session")
def pg_cluster():
    """One throwaway PostgreSQL (tests/server/postgres.py) for the session, with a migrated
    template database (``cluster.template``) to make each test's database from. Here so
    that the folders that take it (tests/fault, tests/sync) share one cluster instead of
    starting one each (initdb, start and migrate: some 2-3 s). tests/server/conftest.py
    still has its own copy: where it is defined, that one is used."""
    from counter_app.server import database
    from tests.server.postgres import Cluster, Unavailable

    try:
        cluster = Cluster()
    except Unavailable as exc:
        if os.environ.get("COUNTER_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"PostgreSQL is required (COUNTER_REQUIRE_POSTGRES=1): {exc}")
        pytest.skip(str(exc))
    template = cluster.create()
    engine = database.make_engine(cluster.url(template))
    database.migrate(engine)
    engine.dispose()
    cluster.template = template
    yield cluster
    cluster.drop(template)
    cluster.stop()
