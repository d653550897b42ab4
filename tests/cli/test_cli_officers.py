"""`counter-app user ...`: accounts from the command line; passwords never as arguments."""

from __future__ import annotations

import json
import os
import pty
import select
import sqlite3
import sys
import time
from pathlib import Path

import pytest

from tests.cli.conftest import ALL_ROLES, FULL_NAME, PASSWORD, USERNAME, add_user, sign_in

CLI = Path(sys.executable).with_name("counter-cli")


def accounts(db) -> dict[str, tuple]:
    with sqlite3.connect(db) as raw:
        return {r[0]: r[1:] for r in raw.execute(
            "SELECT username, full_name, title, roles, active, password_hash FROM officers")}


def test_the_first_account_needs_no_sign_in_and_must_be_an_administrator(cli, tmp_db_path,
                                                                         monkeypatch):
    assert cli("init", "--agency-code", "000.17.22.H56", "--agency-name", "UBND xã Quảng Phú"
               ).code == 0
    nobody = cli("--as", "huong", "today")  # no account to sign in with yet
    assert nobody.code == 2 and "user add" in nobody.err
    monkeypatch.setenv("COUNTER_APP_NEW_PASSWORD", PASSWORD)
    refused = cli("user", "add", "tiepnhan", "--name", "Nguyễn Văn Tiếp", "--role", "reception")
    assert refused.code == 2 and "quản trị" in refused.err
    assert accounts(tmp_db_path) == {}
    # $COUNTER_APP_USER set in the shell does not get in the way of the first account
    sign_in(monkeypatch, "ai-do", "khong-biet-1")
    first = cli("user", "add", "Huong", "--name", FULL_NAME, "--title", "Công chức Văn phòng",
                "--role", "admin,reception", "--role", "leader", "--json")
    assert first.code == 0, first.err
    assert first.json() == {"username": "huong", "full_name": FULL_NAME,
                            "title": "Công chức Văn phòng",
                            "roles": ["reception", "leader", "admin"], "active": True}
    assert "$argon2" not in first.out and PASSWORD not in first.out
    # the second account needs an administrator signed in
    monkeypatch.delenv("COUNTER_APP_USER")
    second = cli("user", "add", "tiepnhan", "--name", "Nguyễn Văn Tiếp", "--role", "reception")
    assert second.code == 4 and "--as" in second.err
    sign_in(monkeypatch)
    assert cli("user", "add", "tiepnhan", "--name", "Nguyễn Văn Tiếp", "--role",
               "reception").code == 0
    assert set(accounts(tmp_db_path)) == {"huong", "tiepnhan"}
    again = cli("user", "add", "tiepnhan", "--name", "Người Khác", "--role", "reception")
    assert again.code == 2 and "đã có" in again.err


def test_the_password_is_never_an_argument(ready):
    result = ready("user", "add", "tiepnhan", "--name", "Nguyễn Văn Tiếp", "--role",
                   "reception", "--password", "mat-khau-9")
    assert result.code == 2 and "unrecognized arguments" in result.err
    # no $COUNTER_APP_NEW_PASSWORD and no terminal to type it on: refused, nothing added
    result = ready("user", "add", "tiepnhan", "--name", "Nguyễn Văn Tiếp", "--role",
                   "reception")
    assert result.code == 2 and "COUNTER_APP_NEW_PASSWORD" in result.err
    assert "tiepnhan" not in {u["username"] for u in ready("user", "list", "--json").json()}


def test_list_edit_disable_enable(ready, tmp_db_path, monkeypatch):
    add_user(ready, "tiepnhan", "Nguyễn Văn Tiếp", "reception", "--title", "Công chức")
    listed = ready("user", "list", "--json")
    assert listed.code == 0
    assert listed.json() == [
        {"username": "huong", "full_name": FULL_NAME, "title": "",
         "roles": ALL_ROLES.split(","), "active": True},
        {"username": "tiepnhan", "full_name": "Nguyễn Văn Tiếp", "title": "Công chức",
         "roles": ["reception"], "active": True}]
    text = ready("user", "list")
    for output in (listed.out, text.out):
        assert "$argon2" not in output and "hash" not in output and PASSWORD not in output
    assert "tiepnhan" in text.out and "Cán bộ tiếp nhận" in text.out

    edited = ready("user", "edit", "tiepnhan", "--role", "reception,processing", "--json")
    assert edited.code == 0 and edited.json()["roles"] == ["reception", "processing"]
    assert edited.json()["title"] == "Công chức"

    assert ready("user", "disable", "tiepnhan").code == 0
    assert "[disabled]" in ready("user", "list").out
    refused = ready("--as", "tiepnhan", "today")
    assert refused.code == 5 and "khóa" in refused.err
    assert ready("user", "enable", "tiepnhan", "--json").json()["active"] is True
    assert ready("--as", "tiepnhan", "today").code == 0

    last = ready("user", "disable", "huong")
    assert last.code == 2 and "quản trị" in last.err
    assert accounts(tmp_db_path)["huong"][3] == 1
    assert ready("user", "disable", "khongco").code == 2


def test_reset_password(ready, tmp_db_path, monkeypatch):
    add_user(ready, "tiepnhan", "Nguyễn Văn Tiếp", "reception")
    before = accounts(tmp_db_path)["tiepnhan"][4]
    monkeypatch.setenv("COUNTER_APP_NEW_PASSWORD", "mat-khau-moi-2")
    result = ready("user", "reset-password", "TiepNhan")
    assert result.code == 0 and "tiepnhan" in result.out and "mat-khau-moi-2" not in result.out
    assert accounts(tmp_db_path)["tiepnhan"][4] != before
    assert ready("--as", "tiepnhan", "today").code == 5  # the old password is gone
    monkeypatch.setenv("COUNTER_APP_PASSWORD", "mat-khau-moi-2")
    assert ready("--as", "tiepnhan", "today").code == 0
    sign_in(monkeypatch)  # huong again
    monkeypatch.setenv("COUNTER_APP_NEW_PASSWORD", "ngan")
    short = ready("user", "reset-password", "tiepnhan")
    assert short.code == 2 and "8 ký tự" in short.err


def test_only_an_administrator_manages_accounts(ready, tmp_db_path, monkeypatch):
    add_user(ready, "lanhdao", "Trần Văn Đạo", "leader,reception,processing")
    before = accounts(tmp_db_path)
    monkeypatch.setenv("COUNTER_APP_NEW_PASSWORD", "mat-khau-9")
    for argv in (["user", "list"], ["user", "disable", "huong"],
                 ["user", "add", "moi.vao", "--name", "Lý Văn Mới", "--role", "reception"],
                 ["user", "edit", "lanhdao", "--role", "admin"],
                 ["user", "reset-password", "huong"]):
        result = ready("--as", "lanhdao", *argv)
        assert result.code == 4, (argv, result.err)
        assert result.err.startswith("counter-app: error: not allowed: ")
    assert accounts(tmp_db_path) == before


# -- typed on a real terminal ------------------------------------------------------------------
def in_terminal(args: list[str], answers: list[str], env: dict[str, str]) -> tuple[int, str]:
    """Run the real `counter-cli` on a pseudo-terminal, typing each answer at a prompt."""
    pid, fd = pty.fork()
    if pid == 0:  # the child: the terminal is its controlling terminal
        os.execve(str(CLI), [str(CLI), *args], env)
    output, seen, deadline = b"", 0, time.monotonic() + 60
    answers = list(answers)
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([fd], [], [], 1)
            if not ready:
                continue
            try:
                chunk = os.read(fd, 4096)
            except OSError:  # the child closed the terminal
                break
            if not chunk:
                break
            output += chunk
            if answers and output[seen:].rstrip().endswith(b":"):
                seen = len(output)
                os.write(fd, answers.pop(0).encode() + b"\n")
    finally:
        os.close(fd)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status), output.decode("utf-8", errors="replace")


@pytest.fixture
def terminal_env(tmp_path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("COUNTER_APP_")}
    env.update(PYTHONIOENCODING="utf-8", COUNTER_APP_DB=str(tmp_path / "tty.db"))
    return env


def test_passwords_typed_on_the_terminal_are_asked_twice_and_not_shown(terminal_env,
                                                                       tmp_path):
    db = tmp_path / "tty.db"
    typed = "Gõ-trên-bàn-phím-1"
    code, out = in_terminal(["init", "--agency-code", "000.17.22.H56", "--agency-name",
                             "UBND xã Quảng Phú"], [], terminal_env)
    assert code == 0, out
    code, out = in_terminal(["user", "add", "huong", "--name", FULL_NAME, "--role", "admin"],
                            [typed, typed + "x"], terminal_env)
    assert code == 2 and "differ" in out and out.count("new password for huong") == 2
    assert accounts(db) == {}
    code, out = in_terminal(["user", "add", "huong", "--name", FULL_NAME, "--role", "admin"],
                            [typed, typed], terminal_env)
    assert code == 0, out
    assert typed not in out  # no echo
    assert list(accounts(db)) == ["huong"]
    # signing in asks for the password on the terminal when none is in the environment
    code, out = in_terminal(["--as", "huong", "user", "list", "--json"], [typed], terminal_env)
    assert code == 0, out
    assert "password for huong:" in out and typed not in out
    assert json.loads(out[out.index("["):])[0]["username"] == "huong"
    code, out = in_terminal(["--as", "huong", "user", "list"], ["sai-mat-khau"], terminal_env)
    assert code == 5 and "Sai tên đăng nhập hoặc mật khẩu" in out


def test_everyone_signs_in_as_themselves(ready):
    """The `ready` fixture's account, through $COUNTER_APP_USER / _PASSWORD."""
    listed = ready("user", "list", "--json").json()
    assert [u["username"] for u in listed] == [USERNAME]
