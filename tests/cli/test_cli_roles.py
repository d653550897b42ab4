"""Roles through the command line, a representative subset (every case is in
tests/core/test_roles.py): refused is exit 4 with one line, and nothing is written."""

from __future__ import annotations

import datetime as dt
import sqlite3

import pytest

from counter_app.domain.working_calendar import WorkingCalendar
from tests.cli.conftest import add_user

CITIZEN = ["--name", "Nguyễn Thị Ngọc Ánh", "--id-number", "001303012345"]
ACCOUNTS = {"reception": ("tiepnhan", "Nguyễn Văn Tiếp"),
            "processing": ("xuly", "Phạm Văn Xử"),
            "leader": ("lanhdao", "Trần Văn Đạo"),
            "admin": ("quantri", "Hoàng Văn Trị")}
INIT = ["init", "--agency-code", "000.17.22.H56", "--agency-name", "UBND xã Quảng Phú",
        "--desk", "2"]


@pytest.fixture
def desk(ready, tmp_path):
    """One account per role; dossier A at the counter, B handed to xuly, C to someone else."""
    for role, (username, full_name) in ACCOUNTS.items():
        add_user(ready, username, full_name, role)
    codes = {}
    for name, to_person in (("A", None), ("B", "Phạm Văn Xử"), ("C", "Đỗ Thị Khác")):
        result = ready("receive", "--json", "--procedure", "1.004873", *CITIZEN)
        assert result.code == 0, result.err
        codes[name] = result.json()["code"]
        if to_person:
            assert ready("handover", codes[name], "--to", "Công chức Tư pháp", "--to-person",
                         to_person).code == 0
    catalogue = tmp_path / "tinh.csv"
    catalogue.write_text("ma_thu_tuc,linh_vuc,ten_thu_tuc,don_vi,thoi_han\n"
                         "1.999001,Văn hóa,Cấp phép lễ hội,ngày làm việc,5\n", encoding="utf-8")
    return ready, codes


def snapshot(db) -> dict[str, list]:
    with sqlite3.connect(db) as raw:
        tables = [r[0] for r in raw.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name != 'audit_log' "
            "AND name NOT LIKE 'dossiers_fts%' AND name NOT LIKE 'sqlite_%'")]
        return {t: raw.execute(f"SELECT * FROM {t} ORDER BY rowid").fetchall() for t in tables}


REFUSED = [
    # (role, command with {A} {B} {C} {out} {csv} filled in)
    ("reception", ["finish", "{A}"]),
    ("reception", ["refuse-on-merits", "{B}", "--decision-no", "1/TB-UBND", "--decided-at",
                   "2026-11-16", "--decided-by", "Chủ tịch UBND xã", "--reason", "Không đủ"]),
    ("reception", ["calendar", "off", "2026-12-24", "--reason", "Bão"]),
    ("reception", ["import-procedures", "{csv}"]),
    ("reception", ["user", "list"]),
    ("reception", INIT),
    ("processing", ["receive", "--procedure", "1.004873", *CITIZEN]),
    ("processing", ["show", "{A}"]),
    ("processing", ["finish", "{C}"]),
    ("processing", ["return", "{B}"]),
    ("processing", ["print", "{B}", "--form", "01", "--out", "{out}"]),
    ("processing", ["slip", "{B}", "--out", "{out}"]),
    ("processing", ["today"]),
    ("leader", ["receive", "--procedure", "1.004873", *CITIZEN]),
    ("leader", ["calendar", "work", "2026-12-26"]),
    ("leader", ["user", "disable", "tiepnhan"]),
    ("admin", ["receive", "--procedure", "1.004873", *CITIZEN]),
    ("admin", ["show", "{A}"]),
    ("admin", ["handover", "{A}", "--to", "Công chức Tư pháp"]),
    ("admin", ["stop", "{C}", "--reason", "Người nộp đề nghị dừng"]),
    ("admin", ["print", "{A}", "--form", "01", "--out", "{out}"]),
    ("admin", ["register", "--from", "2026-01-01", "--to", "2026-12-31", "--out", "{out}"]),
]


def _fill(argv: list[str], codes: dict, tmp_path) -> list[str]:
    # a working day about 40 days ahead (a weekend or holiday is refused as a new date)
    due = WorkingCalendar().working_day_on_or_after(dt.date.today() + dt.timedelta(days=40))
    values = {**codes, "out": str(tmp_path / "out.pdf"), "csv": str(tmp_path / "tinh.csv"),
              "due": due.isoformat()}
    return [a.format(**values) for a in argv]


@pytest.mark.parametrize(("role", "argv"), REFUSED,
                         ids=[f"{role}-{argv[0]}" for role, argv in REFUSED])
def test_refused_exits_4_and_writes_nothing(desk, tmp_db_path, tmp_path, role, argv):
    cli, codes = desk
    before = snapshot(tmp_db_path)
    result = cli("--as", ACCOUNTS[role][0], *_fill(argv, codes, tmp_path))
    assert result.code == 4, result.err
    assert result.out == ""
    assert result.err.startswith("counter-app: error: not allowed: ")
    assert len(result.err.splitlines()) == 1 and "Traceback" not in result.err
    assert snapshot(tmp_db_path) == before
    assert not (tmp_path / "out.pdf").exists()


ALLOWED = [
    ("processing", ["finish", "{B}", "--result", "Giấy xác nhận"]),
    ("processing", ["show", "{B}"]),
    ("reception", ["handover", "{A}", "--to", "Công chức Tư pháp"]),
    ("reception", ["print", "{C}", "--form", "06", "--out", "{out}"]),
    ("leader", ["apologize", "{C}", "--new-due", "{due}", "--reason", "Chờ xác minh"]),
    ("admin", ["calendar", "off", "2026-12-24", "--reason", "Bão"]),
    ("admin", ["import-procedures", "{csv}"]),
    ("admin", INIT),
]


@pytest.mark.parametrize(("role", "argv"), ALLOWED,
                         ids=[f"{role}-{argv[0]}" for role, argv in ALLOWED])
def test_the_same_commands_for_the_roles_that_may(desk, tmp_path, role, argv):
    cli, codes = desk
    result = cli("--as", ACCOUNTS[role][0], *_fill(argv, codes, tmp_path))
    assert result.code == 0, result.err


def test_a_processing_officer_finds_only_their_own(desk):
    cli, codes = desk
    found = cli("--as", "xuly", "find", "--json").json()["dossiers"]
    assert [d["code"] for d in found] == [codes["B"]]
    assert [d["code"] for d in cli("--as", "tiepnhan", "find", "--json").json()["dossiers"]
            ] == [codes["C"], codes["B"], codes["A"]]
    assert cli("--as", "quantri", "find", "--json").json()["dossiers"] == []
    counts = cli("--as", "xuly", "worklist", "counts", "--json").json()
    assert sum(counts.values()) <= 1


@pytest.mark.parametrize("argv", [
    ["receive", "--procedure", "1.004873", *CITIZEN],
    ["show", "{A}"],
    ["find", "anh"],
    ["worklist", "overdue"],
    ["today"],
    ["handover", "{A}", "--to", "Công chức Tư pháp"],
    ["print", "{A}", "--form", "01", "--out", "{out}"],
    ["calendar", "off", "2026-12-24"],
    ["user", "list"],
    ["audit", "verify"],
    INIT,
], ids=lambda argv: argv[0])
def test_not_signed_in(desk, tmp_db_path, tmp_path, monkeypatch, argv):
    cli, codes = desk
    monkeypatch.delenv("COUNTER_APP_USER")
    before = snapshot(tmp_db_path)
    result = cli(*_fill(argv, codes, tmp_path))
    assert result.code == 4
    assert result.err.startswith("counter-app: error: sign in first with --as USER")
    assert snapshot(tmp_db_path) == before


@pytest.mark.parametrize("argv", [
    ["procedures", "--search", "khai sinh"],
    ["due-date", "--received-at", "2026-03-09T09:00", "--working-days", "3"],
    ["calendar", "list", "--year", "2026"],
], ids=lambda argv: argv[0])
def test_open_to_anyone(desk, monkeypatch, argv):
    cli, _ = desk
    monkeypatch.delenv("COUNTER_APP_USER")
    monkeypatch.delenv("COUNTER_APP_PASSWORD")
    result = cli(*argv)
    assert result.code == 0, result.err
    assert result.out.strip()


def test_the_help_says_which_commands_need_a_sign_in(cli):
    import argparse

    from counter_app.cli.main import build_parser

    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    helps = {a.dest: a.help for a in sub._choices_actions}
    needs = {"receive", "slip", "show", "today", "find", "worklist", "print", "register",
             "import-procedures", "user", "audit", "handover", "request-supplement", "resume",
             "request-payment", "payment-received", "refuse-on-merits", "withdraw", "stop",
             "apologize", "finish", "return", "forms"}
    for name in needs:
        assert helps[name].endswith("[--as]"), name
    for name in ("procedures", "due-date", "generate"):
        assert "[--as]" not in helps[name], name
    assert "list is open" in helps["calendar"] and "[--as]" in helps["calendar"]
    assert "administrator" in helps["init"]
    text = cli("--help", db=None).out
    assert "signing in:" in text and "Open to anyone: procedures, due-date, calendar list" in text
