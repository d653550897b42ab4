"""The lifecycle commands: each step prints the new state; a forbidden step exits 3."""

from __future__ import annotations

import datetime as dt

from openpyxl import load_workbook

from tests.cli.conftest import sign_in

CITIZEN = ["--name", "Nguyễn Thị Ngọc Ánh", "--id-number", "001303012345",
           "--phone", "0912345678"]


def receive(cli, at: str | None = "2026-11-16T09:00", procedure: str = "1.004873") -> str:
    when = ["--received-at", at] if at else []  # None: now
    result = cli("receive", "--json", "--procedure", procedure, *CITIZEN, *when)
    assert result.code == 0, result.err
    return result.json()["code"]


def step(cli, *argv) -> dict:
    result = cli(*argv, "--json")
    assert result.code == 0, result.err
    return result.json()


def test_a_dossier_from_hand_over_to_return(ready):
    code = receive(ready, at=None)  # now: the apology below is made before the deadline
    data = step(ready, "handover", code, "--to", "Công chức Tư pháp", "--to-person", "Trần Bình")
    assert data["status"] == 4 and data["progress"]["holder"] == "Công chức Tư pháp"
    assert "finish" in data["next_steps"] and "return" not in data["next_steps"]
    data = step(ready, "request-supplement", code, "--item", "Bản sao CCCD", "--item",
                "Giấy chứng sinh", "--reason", "Thiếu giấy tờ")
    assert data["status"] == 5 and data["progress"]["supplement_rounds"] == 1
    data = step(ready, "resume", code)
    assert data["status"] == 4 and data["progress"]["paused_at"] is None
    data = step(ready, "apologize", code, "--new-due", "2027-06-15T16:00", "--reason",
                "Chờ xác minh")
    assert data["progress"]["extended_due_at"] == "2027-06-15T16:00"
    assert data["due_at"] < "2027" and data["progress"]["apologized"]  # the slip's stays
    data = step(ready, "finish", code, "--result", "Giấy xác nhận tình trạng hôn nhân")
    assert data["status"] == 9 and data["progress"]["verdict"] == "early"
    data = step(ready, "return", code, "--by-post", "EMS0001VN", "--fee", "8.000",
                "--receipt", "0012", "--rating", "very_satisfied")
    assert data["status"] == 10 and data["progress"]["rating"] == "very_satisfied"
    events = step(ready, "show", code)["events"]
    assert [e["kind"] for e in events] == ["received", "handover", "request_supplement",
                                           "resume", "apologize", "finish", "return"]
    assert events[-1]["payload"]["postal_ref"] == "EMS0001VN"
    assert events[-1]["payload"]["fee_vnd"] == 8000


def test_a_forbidden_step_exits_3_with_the_reason_and_changes_nothing(ready):
    code = receive(ready)
    result = ready("return", code)
    assert result.code == 3
    assert result.err.startswith("counter-app: error: step not allowed: ")
    assert "chưa có kết quả" in result.err
    assert step(ready, "show", code)["status"] == 2
    step(ready, "stop", code, "--reason", "Người nộp đề nghị dừng để bổ sung giấy tờ")
    result = ready("handover", code, "--to", "Tư pháp")
    assert result.code == 3 and "đã kết thúc" in result.err


def test_bad_step_input_exits_2(ready):
    code = receive(ready)
    assert ready("stop", code).code == 2                      # --reason is required
    result = ready("refuse", code, "--reason", "Sai thẩm quyền")  # moved to reception
    assert result.code == 2 and "receive ... --refuse REASON" in result.err
    step(ready, "finish", code, "--at", "2026-11-18T10:00")
    result = ready("return", code, "--fee", "8000")
    assert result.code == 2 and "fee_receipt_no" in result.err
    result = ready("finish", "000.17.22.H56-261116-9999")
    assert result.code == 2 and "Không tìm thấy" in result.err


def test_finish_time_given_decides_the_verdict(ready):
    code = receive(ready)  # Mon 16/11 09:00 + 3 working days -> Thu 19/11 17:00
    data = step(ready, "finish", code, "--at", "2026-11-18T10:00")
    assert data["progress"]["verdict"] == "early"
    assert data["progress"]["finished_at"] == "2026-11-18T10:00:00"


def test_find_and_worklists(ready):
    first = receive(ready)
    second = receive(ready, at="2026-11-17T09:00", procedure="1.001193")
    found = step(ready, "find", "ngoc", "anh")
    assert [d["code"] for d in found["dossiers"]] == [second, first]
    assert found["truncated"] is False
    found = step(ready, "find", "--procedure", "1.001193")
    assert [d["code"] for d in found["dossiers"]] == [second]
    found = step(ready, "find", "--from", "2026-11-17", "--to", "17/11/2026")
    assert [d["code"] for d in found["dossiers"]] == [second]
    step(ready, "finish", second)
    assert [d["code"] for d in step(ready, "find", "--status", "9")["dossiers"]] == [second]
    counts = step(ready, "worklist", "counts")
    assert counts["ready_to_return"] == 1 and set(counts) >= {"overdue", "due_today"}
    assert [d["code"] for d in step(ready, "worklist", "ready_to_return")] == [second]
    assert ready("worklist", "everything").code == 2
    text = ready("find", "khong", "co", "ai")
    assert text.code == 0 and "no dossier matches" in text.out


def test_print_forms_and_register(ready, tmp_path):
    code = receive(ready)
    out = tmp_path / "m05.pdf"
    data = step(ready, "print", code, "--form", "06", "--out", out)
    assert data["form"] == "06" and out.read_bytes().startswith(b"%PDF")
    result = ready("print", code, "--form", "4", "--out", tmp_path / "m04.pdf")
    assert result.code == 2 and not (tmp_path / "m04.pdf").exists()
    xlsx = tmp_path / "so.xlsx"
    today = dt.date.today().isoformat()
    data = step(ready, "register", "--from", "2026-11-01", "--to", today, "--out", xlsx)
    assert data["rows"] == 1
    sheet = load_workbook(xlsx).active
    assert any(code == c.value for row in sheet.iter_rows() for c in row)
    assert ready("register", "--from", "2026-11-01", "--to", today, "--out",
                 tmp_path / "so.txt").code == 2


def test_generate_fills_an_empty_database_and_refuses_a_used_one(cli, tmp_path, monkeypatch):
    db = tmp_path / "big.db"
    result = cli("generate", "--dossiers", "300", "--years", "1", "--end", "2026-11-20",
                 "--json", db=db)  # open to anyone: trial data into an empty database
    assert result.code == 0, result.err
    assert cli("find", "--json", db=db).code == 4  # reading the dossiers needs an account
    # the synthetic commune's accounts share one demo password, given in the summary
    stats = result.json()
    leader = next(u for u, role in stats["officers"].items() if role == "leader")
    sign_in(monkeypatch, leader, stats["password"])
    assert cli("find", "--limit", "1000", "--json", db=db).json()["dossiers"].__len__() == 300
    counts = cli("worklist", "counts", "--json", db=db).json()
    assert set(counts) == {"due_today", "due_soon", "overdue", "needs_apology",
                           "waiting_supplement", "ready_to_return", "returned_today", "mine",
                           "finished_today", "to_forward", "paper_incoming"}
    again = cli("generate", "--dossiers", "10", db=db)
    assert again.code == 2 and again.err.startswith("counter-app: error: ")
    assert cli("generate", "--dossiers", "0", db=db).code == 2


def test_the_apology_window_from_the_command_line(ready):
    assert step(ready, "apology-days")["apology_days"] == 1
    assert step(ready, "apology-days", "2")["apology_days"] == 2
    bad = ready("apology-days", "0")
    assert bad.code == 2 and "từ 1 đến 10" in bad.err
    assert step(ready, "apology-days")["apology_days"] == 2


def test_show_offers_no_apology_after_its_last_day(ready):
    """The dossier was received 16/11 (due 19/11): today its apology can no longer be made,
    so `show` does not offer it; the status machine alone still would."""
    code = receive(ready)
    data = step(ready, "show", code)
    assert "apologize" not in data["next_steps"] and "handover" in data["next_steps"]


def test_show_prints_the_apology_date_beside_the_deadline(ready):
    code = receive(ready, at=None)
    step(ready, "apologize", code, "--new-due", "2027-06-15T16:00", "--reason", "Chờ")
    text = ready("show", code).out
    assert "apologised, promised: 15/06/2027 16:00" in text


def test_refuse_at_reception_and_the_forms_of_each_family(ready, tmp_path):
    """`receive --refuse` records a refusal (status 3, never received) and writes its Mẫu 03;
    `forms` lists the family's forms and which can be printed now."""
    out = tmp_path / "m03.pdf"
    result = ready("receive", "--json", "--procedure", "1.004873", *CITIZEN,
                   "--received-at", "2026-11-16T09:00", "--refuse", "Thiếu tờ khai",
                   "--slip", str(out))
    assert result.code == 0, result.err
    refused = result.json()
    assert refused["status"] == 3 and out.read_bytes().startswith(b"%PDF")
    data = step(ready, "forms", refused["code"])
    assert data["family"] == "tt03-2025"
    assert [(f["form"], f["printable"]) for f in data["forms"]] == [
        ("01", False), ("02", False), ("03", True), ("04", False), ("05", False),
        ("06", False)]
    result = ready("print", refused["code"], "--form", "01", "--out", str(tmp_path / "x.pdf"))
    assert result.code == 2 and "chỉ có phiếu từ chối" in result.err
    code = receive(ready)
    step(ready, "stop", code, "--reason", "Người nộp đề nghị dừng")
    data = step(ready, "forms", code)
    assert [f["form"] for f in data["forms"] if f["printable"]] == ["01", "05", "06"]
    assert data["forms"][4]["title"] == "THÔNG BÁO DỪNG GIẢI QUYẾT HỒ SƠ"
    notice = tmp_path / "m05.pdf"
    assert step(ready, "print", code, "--form", "5", "--out", str(notice))["form"] == "05"
    result = ready("print", code, "--form", "07", "--out", str(tmp_path / "y.pdf"))
    assert result.code == 2 and "01, 02, 03, 04, 05, 06" in result.err
    assert not (tmp_path / "y.pdf").exists() and not (tmp_path / "x.pdf").exists()
