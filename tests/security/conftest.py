"""The desk's fixtures (tests/core: an open desk with an officer; tests/cli: the command line
with its first administrator), for the attacks on the desk in this folder."""

from tests.cli.conftest import cli, ready  # noqa: F401 - fixtures
from tests.core.conftest import clock, desk, make_request, open_desk  # noqa: F401 - fixtures
