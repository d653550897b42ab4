"""`counter-app audit show` and `audit verify` (tampering itself: tests/core/test_audit_chain.py)."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3

from tests.cli.conftest import FULL_NAME, add_user

CITIZEN = ["--name", "Nguyễn Thị Ngọc Ánh", "--id-number", "001303012345",
           "--phone", "0912345678", "--address", "Thôn Phú Lộc"]


def _history(ready, tmp_path) -> str:
    result = ready("receive", "--json", "--procedure", "1.004873", *CITIZEN)
    assert result.code == 0, result.err
    code = result.json()["code"]
    assert ready("handover", code, "--to", "Công chức Tư pháp").code == 0
    assert ready("print", code, "--form", "01", "--out", tmp_path / "m01.pdf").code == 0
    today = dt.date.today().isoformat()
    assert ready("register", "--from", today, "--to", today, "--out",
                 tmp_path / "so-theo-doi.xlsx").code == 0
    return code


def test_audit_show_merges_steps_and_audit_entries_newest_first(ready, tmp_path):
    code = _history(ready, tmp_path)
    result = ready("audit", "show", "--json")
    assert result.code == 0, result.err
    trail = result.json()
    assert [e["at"][:19] for e in trail] == sorted((e["at"][:19] for e in trail), reverse=True)
    by_kind = {}
    for entry in trail:
        by_kind.setdefault(entry["kind"], entry)
    assert by_kind["received"]["label"] == "Tiếp nhận hồ sơ"
    assert by_kind["received"]["subject"] == code and by_kind["received"]["source"] == "event"
    assert by_kind["handover"]["subject"] == code
    assert by_kind["print"]["label"] == "In / xem biểu mẫu"
    assert by_kind["print"]["subject"] == code and by_kind["print"]["detail"]["form"] == "01"
    assert by_kind["export"]["subject"] == "so-theo-doi.xlsx"
    assert by_kind["officer_added"]["subject"] == "huong"
    assert by_kind["sign_in"]["source"] == "audit"
    for entry in (by_kind["received"], by_kind["print"]):
        assert entry["officer"] == "huong" and entry["officer_name"] == FULL_NAME
        assert entry["desk_id"]
    # no personal data of the citizen anywhere in the trail
    for private in ("Nguyễn Thị Ngọc Ánh", "001303012345", "0912345678", "Thôn Phú Lộc"):
        assert private not in result.out
    text = ready("audit", "show")
    assert text.code == 0
    assert f"huong ({FULL_NAME})" in text.out and "Tiếp nhận hồ sơ" in text.out
    assert text.out.splitlines()[0][:2].isdigit()  # dd/mm/yyyy first


def test_audit_show_filters(ready, tmp_path, monkeypatch):
    _history(ready, tmp_path)
    add_user(ready, "lanhdao", "Trần Văn Đạo", "leader")
    assert ready("--as", "lanhdao", "audit", "show").code == 0
    mine = ready("audit", "show", "--officer", "lanhdao", "--json").json()
    assert mine and {e["officer"] for e in mine} == {"lanhdao"}
    assert {e["kind"] for e in mine} == {"sign_in"}
    today = dt.date.today()
    assert ready("audit", "show", "--from", (today + dt.timedelta(days=1)).isoformat(),
                 "--json").json() == []
    assert ready("audit", "show", "--to", (today - dt.timedelta(days=1)).isoformat()
                 ).out.strip() == "nothing recorded in that period"
    both = ready("audit", "show", "--from", today.isoformat(), "--to", today.strftime("%d/%m/%Y"),
                 "--json").json()
    assert len(both) == len(ready("audit", "show", "--json").json()) - 1  # that one's sign-in
    assert len(ready("audit", "show", "--limit", "3", "--json").json()) == 3
    assert ready("audit", "show", "--from", "hôm qua").code == 2


def test_only_leaders_and_administrators_read_or_verify_the_trail(ready, tmp_db_path):
    add_user(ready, "tiepnhan", "Nguyễn Văn Tiếp", "reception")
    add_user(ready, "xuly", "Phạm Văn Xử", "processing")
    add_user(ready, "lanhdao", "Trần Văn Đạo", "leader")
    add_user(ready, "quantri", "Hoàng Văn Trị", "admin")
    for user, allowed in (("tiepnhan", False), ("xuly", False), ("lanhdao", True),
                          ("quantri", True)):
        for command in (["audit", "show"], ["audit", "verify"]):
            result = ready("--as", user, *command)
            assert result.code == (0 if allowed else 4), (user, command, result.err)
    with sqlite3.connect(tmp_db_path) as raw:
        denied = raw.execute("SELECT officer, detail FROM audit_log WHERE action = "
                             "'permission_denied'").fetchall()
    assert sorted(denied) == sorted([(u, json.dumps({"action": "audit"})) for u in
                                     ("tiepnhan", "tiepnhan", "xuly", "xuly")])


def test_audit_verify_on_an_intact_database(ready, tmp_path):
    _history(ready, tmp_path)
    result = ready("audit", "verify", "--json")
    assert result.code == 0, result.err
    data = result.json()
    assert data["ok"] is True and data["events_checked"] == 2 and data["broken"] == []
    assert data["audit_checked"] >= 5
    assert ready("audit").code == 2  # an action is required
