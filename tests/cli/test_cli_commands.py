"""The headless subcommands, in-process and as a real `counter-cli` process."""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from pypdf import PdfReader

from counter_app.store.database import SCHEMA_VERSION
from tests.cli.conftest import PASSWORD, add_user

CLI = Path(sys.executable).with_name("counter-cli")
CITIZEN = ["--name", "Nguyễn Thị Ngọc Ánh", "--id-number", "001303012345",
           "--phone", "0912345678"]


def receive(cli, *extra: str, procedure: str = "1.004873", at: str = "2025-01-24T10:00"):
    result = cli("receive", "--json", "--procedure", procedure, *CITIZEN, "--received-at", at,
                 *extra)
    assert result.code == 0, result.err
    return result.json()


def test_init(cli, tmp_db_path, monkeypatch):
    result = cli("init", "--agency-code", "000.17.22.h56", "--agency-name", "UBND xã Quảng Phú",
                 "--desk", "2", "--hotline", "0233 3812 345", "--json")
    assert result.code == 0, result.err
    data = result.json()
    assert data["agency"]["agency_code"] == "000.17.22.H56"
    assert data["agency"]["desk_number"] == 2
    assert data["procedures"] >= 30
    assert data["db"] == str(tmp_db_path)
    assert data["accounts"] is False
    assert tmp_db_path.is_file()
    text = cli("init", "--agency-code", "000.17.22.H56", "--agency-name", "UBND xã Quảng Phú")
    assert text.code == 0
    assert text.out.startswith("ready: UBND xã Quảng Phú (000.17.22.H56), desk 1")
    assert "no officer account yet" in text.out and "user add" in text.out
    assert cli("init", "--officer", "Lê Thị Hương", "--agency-code", "000.17.22.H56",
               "--agency-name", "UBND xã Quảng Phú").code == 2  # the signed-in account now

    # once accounts exist, init changes the setup only as an administrator
    add_user(cli, "quantri", "Hoàng Văn Trị", "admin")
    again = ["init", "--agency-code", "000.17.22.H56", "--agency-name", "UBND xã Quảng Phú",
             "--desk", "3"]
    refused = cli(*again)
    assert refused.code == 4 and "--as" in refused.err
    monkeypatch.setenv("COUNTER_APP_PASSWORD", PASSWORD)
    add_user(cli, "tiepnhan", "Nguyễn Văn Tiếp", "reception", as_user="quantri")
    refused = cli("--as", "tiepnhan", *again)
    assert refused.code == 4 and "không có quyền" in refused.err
    done = cli("--as", "quantri", *again, "--json")
    assert done.code == 0, done.err
    assert done.json()["agency"]["desk_number"] == 3 and done.json()["accounts"] is True


def test_procedures_search_json(ready):
    for query in ("chứng thực", "chung thuc"):
        result = ready("procedures", "--search", query, "--json")
        assert result.code == 0
        found = result.json()
        assert len(found) >= 9
        assert "2.000815" in [p["code"] for p in found]
    marriage = ready("procedures", "--search", "ket hon dang ky", "--json").json()
    assert {"1.000894", "1.004746"} <= {p["code"] for p in marriage}
    assert "1.001193" not in {p["code"] for p in marriage}  # Đăng ký khai sinh
    first = next(p for p in marriage if p["code"] == "1.000894")
    assert first["name"] == "Đăng ký kết hôn"
    assert first["unit"] == "same_day"
    assert first["duration"].startswith("Trong ngày")
    assert first["documents"][0]["form"] == "original"
    assert ready("procedures", "--search", "không có gì").out.strip() == "no procedure matches"


def test_receive_json(ready):
    data = receive(ready)
    assert data["code"] == "000.17.22.H56-250124-1001"
    # ISO 8601: Fri 24/1/2025 + 3 working days over Tết = Wed 5/2/2025 17:00
    assert dt.datetime.fromisoformat(data["received_at"]) == dt.datetime(2025, 1, 24, 10, 0)
    assert dt.datetime.fromisoformat(data["due_at"]) == dt.datetime(2025, 2, 5, 17, 0)
    assert data["due_at"] == "2025-02-05T17:00"
    assert data["applicant"]["name"] == "Nguyễn Thị Ngọc Ánh"
    assert data["status"] == 2
    assert data["officer"] == "huong"  # the signed-in account, not something typed
    add_user(ready, "binh", "Trần Văn Bình", "reception")
    second = ready("--as", "binh", "receive", "--json", "--procedure", "1.004873", *CITIZEN,
                   "--received-at", "2025-01-24T10:00")
    assert second.code == 0, second.err
    assert second.json()["code"] == "000.17.22.H56-250124-1002"
    assert second.json()["officer"] == "binh"
    events = ready("show", second.json()["code"], "--json").json()["events"]
    assert [e["officer"] for e in events] == ["binh"]


def test_receive_text_and_later_appointment_with_reason(ready):
    result = ready("receive", "--procedure", "1.004873", *CITIZEN, "--received-at",
                   "24/01/2025 10:00", "--due-at", "2025-02-06T17:00", "--due-reason",
                   "Cần xác minh tại thôn")
    assert result.code == 0, result.err
    assert result.out.strip() == ("000.17.22.H56-250124-1001  due 06/02/2025 17:00  "
                                  "Nguyễn Thị Ngọc Ánh")


def test_show_json(ready):
    code = receive(ready)["code"]
    result = ready("show", code.lower(), "--json")
    assert result.code == 0, result.err
    data = result.json()
    for key in ("code", "status", "procedure", "applicant", "received_at", "due_at", "events"):
        assert key in data
    assert data["code"] == code
    assert data["status"] == 2 and data["status_label"] == "Được tiếp nhận"
    assert data["procedure"] == {"code": "1.004873",
                                 "name": "Cấp Giấy xác nhận tình trạng hôn nhân"}
    assert data["applicant"]["id_number"] == "001303012345"
    assert data["received_at"] == "2025-01-24T10:00"
    assert data["due_at"] == "2025-02-05T17:00"
    assert [(e["kind"], e["desk_seq"]) for e in data["events"]] == [("received", 1)]
    assert data["events"][0]["payload"]["code"] == code
    text = ready("show", code)
    assert "event 1:" in text.out and "received by Lê Thị Hương (huong)" in text.out
    assert "due: 05/02/2025 17:00" in text.out


def test_slip_out_writes_a_pdf(ready, tmp_path):
    code = receive(ready)["code"]
    out = tmp_path / "slip.pdf"
    result = ready("slip", code, "--out", out, "--json")
    assert result.code == 0, result.err
    assert result.json() == {"code": code, "out": str(out)}
    assert len(PdfReader(out).pages) == 2
    text = subprocess.run(["pdftotext", str(out), "-"], check=True, capture_output=True,
                          text=True).stdout
    assert code in text and "Nguyễn Thị Ngọc Ánh" in text


def test_receive_with_slip(ready, tmp_path):
    out = tmp_path / "with-receive.pdf"
    data = receive(ready, "--slip", str(out))
    assert data["code"] in PdfReader(out).metadata.subject


@pytest.mark.parametrize(("args", "due"), [
    (["--received-at", "2026-03-09T14:59", "--same-day"], "2026-03-09T17:00"),
    (["--received-at", "2026-03-09T15:00", "--same-day"], "2026-03-09T17:00"),
    (["--received-at", "2026-03-09T15:01", "--same-day"], "2026-03-10T17:00"),
    (["--received-at", "06/03/2026 15:30", "--same-day"], "2026-03-09T17:00"),
    (["--received-at", "2025-01-24T10:00", "--working-days", "3"], "2025-02-05T17:00"),
    (["--received-at", "2026-02-13T10:00", "--working-days", "3"], "2026-02-25T17:00"),
    (["--received-at", "2026-04-24T10:00", "--working-days", "1"], "2026-04-28T17:00"),
    (["--received-at", "2026-03-06T10:00", "--calendar-days", "15"], "2026-03-23T17:00"),
])
def test_due_date_without_a_database(cli, tmp_db_path, args, due):
    result = cli("due-date", *args)
    assert result.code == 0, result.err
    assert result.out.strip() == due
    assert not tmp_db_path.exists()


def test_due_date_for_a_procedure(ready):
    result = ready("due-date", "--received-at", "2025-04-25T10:00", "--procedure", "1.003677",
                   "--json")
    assert result.code == 0, result.err
    assert result.json() == {"received_at": "2025-04-25T10:00", "unit": "working_days",
                             "value": 1, "due_at": "2025-04-26T17:00"}


def test_calendar_off_work_list_clear(ready):
    def due():
        r = ready("due-date", "--received-at", "2026-03-06T10:00", "--working-days", "1")
        assert r.code == 0, r.err
        return r.out.strip()

    assert due() == "2026-03-09T17:00"
    off = ready("calendar", "off", "2026-03-09", "--reason", "Nghỉ theo quyết định của tỉnh",
                "--json")
    assert off.code == 0, off.err
    assert off.json() == {"date": "2026-03-09", "working": False,
                          "reason": "Nghỉ theo quyết định của tỉnh"}
    assert due() == "2026-03-10T17:00"
    work = ready("calendar", "work", "07/03/2026")
    assert work.code == 0 and "working day" in work.out
    assert due() == "2026-03-07T17:00"

    listed = ready("calendar", "list", "--year", "2026", "--json").json()
    by_date = {row["date"]: row for row in listed}
    assert by_date["2026-03-07"]["working"] is True and by_date["2026-03-07"]["source"] == "local"
    assert by_date["2026-03-09"]["working"] is False
    assert by_date["2026-04-27"] == {"date": "2026-04-27", "working": False,
                                     "reason": by_date["2026-04-27"]["reason"],
                                     "source": "national"}
    assert "2026-03-10" not in by_date  # an ordinary Tuesday is no exception

    cleared = ready("calendar", "clear", "2026-03-07", "--json")
    assert cleared.json() == {"date": "2026-03-07", "removed": True}
    assert ready("calendar", "clear", "2026-03-07").out.strip() == "no local override on that day"
    assert due() == "2026-03-10T17:00"

    swapped = {row["date"]: row["working"]
               for row in ready("calendar", "list", "--year", "2025", "--json").json()}
    assert swapped["2025-04-26"] is True and swapped["2025-05-02"] is False


def test_import_procedures(ready, tmp_path):
    path = tmp_path / "tinh.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows([
            ["ma_thu_tuc", "linh_vuc", "ten_thu_tuc", "don_vi", "thoi_han", "giay_to"],
            ["1.999001", "Văn hóa", "Cấp phép tổ chức lễ hội cấp xã", "ngày làm việc", "5",
             "Đơn đề nghị|bản chính|1"],
            ["1.999002", "Văn hóa", "Xác nhận thôn văn hóa tiêu biểu", "ngày", "10",
             "Báo cáo|bản chính|1"]])
    result = ready("import-procedures", path, "--json")
    assert result.code == 0, result.err
    assert result.json() == {"imported": 2}
    found = ready("procedures", "--search", "le hoi", "--json").json()
    assert [p["code"] for p in found] == ["1.999001"]
    assert found[0]["duration"] == "05 ngày làm việc"


def test_today_lists_only_todays_dossiers(ready):
    now = dt.datetime.now().replace(second=0, microsecond=0)
    receive(ready, at="2025-01-24T10:00")
    today_code = receive(ready, at=now.isoformat(timespec="minutes"))["code"]
    listed = ready("today", "--json").json()
    assert [d["code"] for d in listed] == [today_code]


def test_version_and_help(cli):
    assert cli("--version").code == 0
    assert cli(db=None).code == 0


# -- a real process ---------------------------------------------------------------------------
def run(*args: str, env_db: Path | None = None, **env_vars: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("COUNTER_APP_")}
    env.update(PYTHONIOENCODING="utf-8", **env_vars)
    if env_db is not None:
        env["COUNTER_APP_DB"] = str(env_db)
    return subprocess.run([str(CLI), *args], capture_output=True, text=True, encoding="utf-8",
                          env=env, timeout=60)


def test_counter_cli_process(tmp_path):
    db = tmp_path / "desk.db"
    assert CLI.is_file()
    init = run("--db", str(db), "init", "--agency-code", "000.17.22.H56", "--agency-name",
               "UBND xã Quảng Phú", "--json")
    assert init.returncode == 0, init.stderr
    assert json.loads(init.stdout)["agency"]["agency_name"] == "UBND xã Quảng Phú"
    # the first account, hashed with the real argon2 parameters in this process
    added = run("--db", str(db), "user", "add", "huong", "--name", "Lê Thị Hương", "--role",
                "admin,reception", COUNTER_APP_NEW_PASSWORD=PASSWORD)
    assert added.returncode == 0, added.stderr
    with sqlite3.connect(db) as raw:
        stored = raw.execute("SELECT password_hash FROM officers").fetchone()[0]
    assert stored.startswith("$argon2id$") and "m=65536,t=3" in stored
    # the database is found through $COUNTER_APP_DB, the officer through $COUNTER_APP_USER
    received = run("receive", "--json", "--procedure", "1.001193", *CITIZEN,
                   "--received-at", "2026-03-09T14:59", env_db=db,
                   COUNTER_APP_USER="huong", COUNTER_APP_PASSWORD=PASSWORD)
    assert received.returncode == 0, received.stderr
    data = json.loads(received.stdout)
    assert data["code"] == "000.17.22.H56-260309-1001"
    assert data["due_at"] == "2026-03-09T17:00"
    with sqlite3.connect(db) as raw:
        assert raw.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert raw.execute("SELECT code FROM dossiers").fetchall() == [(data["code"],)]
    bad = run("--db", str(db), "--as", "huong", "receive", "--procedure", "1.001193",
              "--name", "Lê Văn Tám", "--id-number", "12345", COUNTER_APP_PASSWORD=PASSWORD)
    assert bad.returncode != 0
    assert "Traceback" not in bad.stderr
    assert bad.stderr.splitlines() == [bad.stderr.strip()]
    assert bad.stderr.startswith("counter-app: error: id_number: ")
    # no terminal to ask the password on, and none given: refused in one line, exit 2
    asked = run("--db", str(db), "--as", "huong", "today")
    assert asked.returncode == 2 and "COUNTER_APP_PASSWORD" in asked.stderr
    wrong = run("--db", str(db), "--as", "huong", "today", COUNTER_APP_PASSWORD="sai-mat-khau")
    assert wrong.returncode == 5
    assert wrong.stderr.strip() == ("counter-app: error: sign-in failed: Sai tên đăng nhập "
                                    "hoặc mật khẩu.")


def test_receive_from_the_id_cards_qr(ready):
    """`receive --card-qr TEXT` fills the applicant from the card; explicit options win; a
    text that is not a card is one line and nothing is saved."""
    qr = ("038190012345|123456789|NGUYỄN THỊ NGỌC ÁNH|15031990|Nữ|Thôn Phú Lộc, Xã Quảng "
          "Phú|20042021")
    result = ready("receive", "--json", "--procedure", "1.004873", "--card-qr", qr,
                   "--phone", "0912345678")
    assert result.code == 0, result.err
    data = result.json()
    assert (data["applicant"]["name"], data["applicant"]["id_number"]) == (
        "Nguyễn Thị Ngọc Ánh", "038190012345")
    result = ready("receive", "--json", "--procedure", "1.004873", "--card-qr", qr,
                   "--name", "Nguyễn Thị Ánh")
    assert result.code == 0 and result.json()["applicant"]["name"] == "Nguyễn Thị Ánh"
    bad = ready("receive", "--procedure", "1.004873", "--card-qr", "H56.245-261120-1001")
    assert bad.code == 2 and "không phải mã QR của thẻ" in bad.err
    assert len(bad.err.strip().splitlines()) == 1
    missing = ready("receive", "--procedure", "1.004873", "--name", "Lê Văn Tám")
    assert missing.code == 2 and "--card-qr" in missing.err
