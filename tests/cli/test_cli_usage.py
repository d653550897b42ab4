"""The command line as a newcomer meets it: options where they put them, help for every one."""

from __future__ import annotations

import argparse

import pytest

from counter_app.cli.main import build_parser
from tests.cli.conftest import USERNAME


def test_global_options_are_taken_after_the_command_too(ready, tmp_db_path):
    """--db, --as and --json before the command (the fixture puts --db there) or after."""
    before = ready("--json", "--as", USERNAME, "find")
    after = ready("find", "--as", USERNAME, "--json", "--db", tmp_db_path, db=None)
    assert before.code == after.code == 0, (before.err, after.err)
    assert before.json() == after.json()


def test_an_option_after_the_command_wins_over_the_one_before(ready, tmp_db_path, tmp_path):
    other = tmp_path / "other.db"
    result = ready("procedures", "--db", other, db=tmp_db_path)  # --db x procedures --db y
    assert result.code != 0 and f"database {other} does not exist" in result.err
    assert not other.exists()


def test_an_option_given_before_is_not_reset_by_the_command(ready):
    assert ready("--json", "procedures", "--search", "khai sinh").json()  # JSON, not text


def _parsers(parser: argparse.ArgumentParser, path=("counter-app",)):
    yield path, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, child in action.choices.items():
                yield from _parsers(child, (*path, name))


def test_every_option_and_argument_has_help():
    missing = [f"{' '.join(path)} {action.option_strings or action.dest}"
               for path, parser in _parsers(build_parser())
               for action in parser._actions
               if not isinstance(action, argparse._SubParsersAction)
               and action.help in (None, "") and action.dest not in ("help", "version")]
    assert missing == []


def test_the_check_finds_an_option_without_help():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bare")
    assert [a.dest for _, p in _parsers(parser) for a in p._actions if a.help is None] == ["bare"]


def test_receive_help_says_how_to_find_a_procedure_code(cli, capsys):
    result = cli("receive", "--help")
    assert result.code == 0
    assert "procedures --search" in " ".join(result.out.split())


@pytest.mark.parametrize("argv", [["--help"], ["receive", "--help"], ["user", "add", "--help"]])
def test_help_runs_without_a_database(cli, tmp_db_path, argv):
    assert cli(*argv).code == 0
    assert not tmp_db_path.exists()


def test_options_between_a_command_group_and_its_action(ready, tmp_db_path):
    listed = ready("user", "--db", tmp_db_path, "--json", "list", db=None)
    assert listed.code == 0, listed.err
    assert USERNAME in {u["username"] for u in listed.json()}
    assert ready("audit", "--db", tmp_db_path, "verify", db=None).code == 0


def test_changing_the_apology_window_is_in_the_audit_trail(ready):
    assert ready("apology-days", "3").code == 0
    trail = ready("audit", "show", "--json").json()
    assert any(e.get("subject") == "apology_days" for e in trail), trail
