import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402


@pytest.fixture
def tmp_db_path(tmp_path):
    """A path for a fresh SQLite database file inside the test's own temporary folder."""
    return tmp_path / "counter.db"
