"""Run the CLI in-process (argv lists) and capture what it prints."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest

from counter_app.cli import main


@dataclass
class Result:
    code: int
    out: str
    err: str

    def json(self):
        return json.loads(self.out)


@pytest.fixture
def cli(capsys, tmp_db_path, monkeypatch):
    """cli('receive', '--json', ...) runs `counter-app --db <tmp db> receive --json ...`."""
    # never fall back to the user's real database
    monkeypatch.setenv("COUNTER_APP_DB", str(tmp_db_path.with_name("env-fallback.db")))

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


@pytest.fixture
def ready(cli):
    """A database made by `init` for UBND xã Quảng Phú, desk 1."""
    result = cli("init", "--agency-code", "000.17.22.H56", "--agency-name", "UBND xã Quảng Phú",
                 "--desk", "1", "--parent-body", "UBND tỉnh Quảng Trị", "--place", "Quảng Phú",
                 "--officer", "Lê Thị Hương", "--json")
    assert result.code == 0, result.err
    return cli
