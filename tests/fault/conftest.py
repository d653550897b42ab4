"""Fixtures of the sync fault tests (defined with the processes they drive); the PostgreSQL
cluster (``pg_cluster``) is tests/conftest.py's."""

from tests.fault.sync_processes import big_desk, site, small_desk  # noqa: F401
