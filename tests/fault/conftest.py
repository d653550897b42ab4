"""Fixtures of the sync fault tests (defined with the processes they drive)."""

from tests.fault.sync_processes import big_desk, site, small_desk  # noqa: F401
from tests.server.conftest import pg_cluster  # noqa: F401 - the PostgreSQL fixture
