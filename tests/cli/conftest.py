"""Run the CLI in-process (argv lists) and capture what it prints."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest

from counter_app.cli.main import main


@dataclass
class Result:
    code: int
    out: str
    err: str

    def json(self):
        return json.loads(self.out)


#: The account the CLI tests sign in as (all four roles; tests/cli/test_cli_roles.py and
#: tests/core/test_roles.py cover each role on its own).
USERNAME = "huong"
FULL_NAME = "Lê Thị Hương"
PASSWORD = "mat-khau-1"
ALL_ROLES = "reception,processing,leader,admin"


@pytest.fixture
def cli(capsys, tmp_db_path, monkeypatch):
    """cli('receive', '--json', ...) runs `counter-app --db <tmp db> receive --json ...`."""
    # never fall back to the user's real database, nor sign in as whoever the shell says
    monkeypatch.setenv("COUNTER_APP_DB", str(tmp_db_path.with_name("env-fallback.db")))
    for name in ("COUNTER_APP_USER", "COUNTER_APP_PASSWORD", "COUNTER_APP_NEW_PASSWORD"):
        monkeypatch.delenv(name, raising=False)

    def _run(*argv: str, db=tmp_db_path) -> Result:
        capsys.readouterr()
        args = (["--db", str(db)] if db is not None else []) + [str(a) for a in argv]
        try:
            code = main(args)
        except SystemExit as exc:  # argparse usage errors, --help, --version
            code = exc.code if isinstance(exc.code, int) else 1
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return _run


def add_user(cli, username: str, full_name: str, roles: str, *extra: str,
             password: str = PASSWORD, as_user: str | None = None, db=None) -> dict:
    """`[--as AS_USER] user add ...` with the new password in $COUNTER_APP_NEW_PASSWORD."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("COUNTER_APP_NEW_PASSWORD", password)
        kwargs = {"db": db} if db is not None else {}
        signed = ["--as", as_user] if as_user else []
        result = cli(*signed, "user", "add", username, "--name", full_name, "--role", roles,
                     *extra, "--json", **kwargs)
    assert result.code == 0, result.err
    return result.json()


def sign_in(monkeypatch, username: str = USERNAME, password: str = PASSWORD) -> None:
    """Every later command runs as this officer ($COUNTER_APP_USER / _PASSWORD)."""
    monkeypatch.setenv("COUNTER_APP_USER", username)
    monkeypatch.setenv("COUNTER_APP_PASSWORD", password)


@pytest.fixture
def ready(cli, monkeypatch):
    """A database made by `init` for UBND xã Quảng Phú, desk 1, with its first account
    (huong, administrator and every other role), signed in as huong."""
    result = cli("init", "--agency-code", "000.17.22.H56", "--agency-name", "UBND xã Quảng Phú",
                 "--desk", "1", "--parent-body", "UBND tỉnh Quảng Trị", "--place", "Quảng Phú",
                 "--json")
    assert result.code == 0, result.err
    add_user(cli, USERNAME, FULL_NAME, ALL_ROLES)
    sign_in(monkeypatch)
    return cli
