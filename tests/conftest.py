import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

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
