"""Bad input: a non-zero exit and one `counter-app: error: ...` line, never a traceback."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tests.cli.conftest import ALL_ROLES, FULL_NAME, USERNAME, add_user, sign_in

CITIZEN = ["--name", "Nguyễn Thị Ngọc Ánh", "--id-number", "001303012345"]


def assert_one_error_line(result, *fragments: str) -> str:
    assert result.code != 0
    assert "Traceback" not in result.err
    lines = result.err.splitlines()
    assert len(lines) == 1, result.err
    assert lines[0].startswith("counter-app: error: "), lines[0]
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])
    return lines[0]


def dossier_count(db) -> int:
    with sqlite3.connect(db) as raw:
        return raw.execute("SELECT count(*) FROM dossiers").fetchone()[0]


@pytest.mark.parametrize(("id_number", "fragment"), [
    ("12345", "12 chữ số (đang có 5)"),
    ("000303012345", "Mã tỉnh"),
    ("00130301234X", "chỉ gồm chữ số"),
])
def test_bad_id_number(ready, tmp_db_path, id_number, fragment):
    result = ready("receive", "--procedure", "1.001193", "--name", "Lê Văn Tám",
                   "--id-number", id_number, "--received-at", "2026-03-09T09:00")
    assert_one_error_line(result, "id_number:", fragment)
    assert result.out == ""
    assert dossier_count(tmp_db_path) == 0


def test_several_bad_fields_on_one_line(ready):
    result = ready("receive", "--procedure", "1.001193", "--name", "", "--id-number", "1",
                   "--phone", "123", "--sets", "0", "--received-at", "2026-03-09T09:00")
    line = assert_one_error_line(result, "full_name:", "id_number:", "phone:", "sets:")
    assert "Chưa nhập họ và tên" in line


def test_unknown_procedure(ready, tmp_db_path):
    result = ready("receive", "--procedure", "9.999999", *CITIZEN,
                   "--received-at", "2026-03-09T09:00")
    assert_one_error_line(result, "procedure:", "Không tìm thấy thủ tục '9.999999'",
                          "counter-app procedures --search")
    assert dossier_count(tmp_db_path) == 0
    due = ready("due-date", "--received-at", "2026-03-09T09:00", "--procedure", "9.999999")
    assert_one_error_line(due, "Không tìm thấy thủ tục có mã '9.999999'",
                          "counter-app procedures --search")


@pytest.mark.parametrize("argv", [
    ["procedures"],
    ["calendar", "list"],
    ["due-date", "--received-at", "2026-03-09T09:00", "--procedure", "1.001193"],
    ["find", "--as", USERNAME],
    ["sync-status"],
])
def test_an_empty_database_file_is_refused_and_left_empty(cli, tmp_path, argv):
    empty = tmp_path / "empty.db"
    empty.write_bytes(b"")
    assert_one_error_line(cli(*argv, db=empty), "empty file (0 bytes)")
    assert empty.stat().st_size == 0


@pytest.mark.parametrize("option", ["--out", "--slip"])
def test_writing_into_a_missing_folder_is_one_line(ready, tmp_path, tmp_db_path, option):
    target = tmp_path / "không-có" / "giay-hen.pdf"
    argv = (["slip", "000.17.22.H56-260309-1001", "--out", target] if option == "--out" else
            ["receive", "--procedure", "1.001193", *CITIZEN, "--slip", target])
    line = assert_one_error_line(ready(*argv), "does not exist", "thư mục không tồn tại",
                                 str(target.parent))
    assert "Errno" not in line
    assert dossier_count(tmp_db_path) == 0


def test_a_file_the_system_refuses_is_one_line_without_errno(ready, tmp_path):
    target = tmp_path / "report.xlsx"
    target.mkdir()  # a folder where the file should go
    line = assert_one_error_line(ready("report", "--period", "2026-02", "--out", target))
    assert "Errno" not in line


def test_unknown_dossier(ready, tmp_path):
    assert_one_error_line(ready("show", "000.17.22.H56-260309-1001"), "Không tìm thấy hồ sơ")
    assert_one_error_line(ready("slip", "000.17.22.H56-260309-1001", "--out",
                                tmp_path / "x.pdf"), "Không tìm thấy hồ sơ")


@pytest.mark.parametrize("argv", [
    ["procedures"],
    ["show", "000.17.22.H56-260309-1001"],
    ["receive", "--procedure", "1.001193", *CITIZEN],
    ["calendar", "list"],
    ["import-procedures", "x.csv"],
    ["due-date", "--received-at", "2026-03-09T09:00", "--procedure", "1.001193"],
])
def test_missing_database(cli, tmp_db_path, argv):
    assert_one_error_line(cli(*argv), "does not exist")
    assert not tmp_db_path.exists()


@pytest.mark.parametrize(("argv", "fragment"), [
    (["due-date", "--received-at", "yesterday", "--same-day"], "is not a date-time"),
    (["calendar", "off", "ngày mai"], "is not a date"),
    (["calendar", "off", "2026-03-09T09:00"], "is not a date"),
])
def test_bad_date(ready, argv, fragment):
    assert_one_error_line(ready(*argv), fragment)


@pytest.mark.parametrize("argv", [
    ["due-date", "--received-at", "31/02/2026", "--working-days", "1"],
    ["due-date", "--received-at", "2026-02-30T09:00", "--working-days", "1"],
    ["due-date", "--received-at", "2026-03-09T24:00", "--working-days", "1"],
    ["receive", "--procedure", "1.001193", *CITIZEN, "--received-at", "2026-13-01T09:00"],
    ["calendar", "off", "2026-02-30"],
    ["calendar", "work", "30/02/2026"],
])
def test_a_well_written_date_that_does_not_exist_is_told_so(ready, tmp_db_path, argv):
    """Valid ISO 8601 (or dd/mm/yyyy) is never called badly written: the day is not there."""
    line = assert_one_error_line(ready(*argv), "does not exist", "không có thật")
    assert "ISO 8601" not in line and "is not a date" not in line
    assert dossier_count(tmp_db_path) == 0


def test_a_bad_date_and_an_empty_name_are_told_together(ready, tmp_db_path):
    result = ready("receive", "--procedure", "1.001193", "--name", "", "--id-number",
                   "001303012345", "--received-at", "2026-02-30T09:00", "--due-at", "hôm nay")
    line = assert_one_error_line(result, "full_name:", "Chưa nhập họ và tên",
                                 "received_at: '2026-02-30T09:00' does not exist",
                                 "due_at: 'hôm nay' is not a date-time")
    assert line.count("received_at") == 1
    assert dossier_count(tmp_db_path) == 0


def test_a_bad_date_alone_saves_nothing(ready, tmp_db_path):
    result = ready("receive", "--procedure", "1.001193", *CITIZEN,
                   "--received-at", "2026-02-29T09:00")  # 2026 is not a leap year
    assert_one_error_line(result, "received_at:", "does not exist")
    assert dossier_count(tmp_db_path) == 0


@pytest.mark.parametrize(("argv", "fragment"), [
    (["due-date", "--received-at", "2026-03-09T09:00", "--working-days", "0"], "between 1"),
    (["due-date", "--received-at", "2026-03-09T09:00", "--working-days", "ba"],
     "not a whole number"),
    (["due-date", "--received-at", "2026-03-09T09:00"], "required"),
    (["receive", "--procedure", "1.001193", *CITIZEN, "--sets", "hai"], "invalid int"),
    (["calendar", "off"], "needs a DATE"),
    (["calendar", "holiday", "2026-03-09"], "invalid choice"),
    (["no-such-command"], "invalid choice"),
])
def test_bad_arguments(ready, argv, fragment):
    assert_one_error_line(ready(*argv), fragment)


def test_receive_in_the_future(ready):
    result = ready("receive", "--procedure", "1.001193", *CITIZEN,
                   "--received-at", "2098-01-01T09:00")
    assert_one_error_line(result, "received_at:", "tương lai")


def test_import_of_a_bad_csv(ready, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("ma_thu_tuc,linh_vuc,ten_thu_tuc,don_vi,thoi_han\n"
                    "1.999001,Văn hóa,Cấp phép tổ chức lễ hội,ngày làm việc,5\n"
                    "1.99,Văn hóa,Thủ tục mã sai,ngày làm việc,5\n"
                    "1.999003,Văn hóa,Thủ tục đơn vị sai,tuần,5\n"
                    "1.999004,Văn hóa,Thủ tục thời hạn chữ,ngày,năm\n", encoding="utf-8")
    before = ready("procedures", "--json").json()
    result = ready("import-procedures", path)
    line = assert_one_error_line(result, "nothing imported", "row 3:", "row 4:", "row 5:")
    assert "row 2:" not in line
    assert ready("procedures", "--json").json() == before


def test_import_of_a_file_that_is_not_a_catalogue(ready, tmp_path):
    odd = tmp_path / "notes.csv"
    odd.write_text("hello\nworld\n", encoding="utf-8")
    assert_one_error_line(ready("import-procedures", odd), "nothing imported")
    assert_one_error_line(ready("import-procedures", tmp_path / "missing.xlsx"),
                          "không tìm thấy tệp")


def test_receive_before_init_is_not_set_up(cli, tmp_db_path, monkeypatch):
    # a database that exists but whose setup was never completed (init refused a bad code)
    refused = cli("init", "--agency-code", "17.22", "--agency-name", "UBND xã Quảng Phú")
    assert_one_error_line(refused, "agency_code:", "000.17.22.H56")
    assert tmp_db_path.exists()
    add_user(cli, USERNAME, FULL_NAME, ALL_ROLES)
    sign_in(monkeypatch)
    result = cli("receive", "--procedure", "1.001193", *CITIZEN,
                 "--received-at", "2026-03-09T09:00")
    assert_one_error_line(result, "Chưa khai báo thông tin cơ quan")
    assert dossier_count(tmp_db_path) == 0


def test_bad_init_fields(cli):
    result = cli("init", "--agency-code", "000.17.22.H56", "--agency-name", "UB",
                 "--desk", "10")
    assert_one_error_line(result, "agency_name:", "desk_number:", "từ 1 đến 9")


def test_a_file_that_is_not_a_database(cli, tmp_path):
    text_file = tmp_path / "notes.db"
    text_file.write_text("Sổ theo dõi hồ sơ, not a SQLite file\n" * 100, encoding="utf-8")
    assert_one_error_line(cli("procedures", db=text_file), str(text_file))
    assert_one_error_line(cli("due-date", "--received-at", "2026-03-09T09:00", "--same-day",
                              db=text_file), str(text_file))


def test_a_folder_as_database(cli, tmp_path):
    assert_one_error_line(cli("procedures", db=tmp_path), str(tmp_path))


@pytest.mark.parametrize("suffix", ["", "-wal"])
def test_a_form_is_never_written_over_the_database(ready, tmp_db_path, suffix):
    code = ready("receive", "--json", "--procedure", "1.001193", *CITIZEN).json()["code"]
    target = f"{tmp_db_path}{suffix}"
    assert_one_error_line(ready("slip", code, "--out", target), "is the database itself")
    assert_one_error_line(ready("print", code, "--form", "01", "--out", target),
                          "is the database itself")
    assert dossier_count(tmp_db_path) == 1  # still a sound database
    assert_one_error_line(ready("receive", "--procedure", "1.001193", *CITIZEN,
                                "--slip", tmp_db_path), "is the database itself")
    assert dossier_count(tmp_db_path) == 1


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs a folder no file can be made in")
def test_a_slip_that_cannot_be_written_says_the_dossier_was_saved(ready, tmp_db_path):
    """The folder exists, so the slip is only found unwritable after the dossier is saved:
    the officer is told it was saved, with its code, and how to print the slip."""
    result = ready("receive", "--procedure", "1.001193", *CITIZEN, "--slip", "/proc/slip.pdf")
    assert result.code == 10
    assert dossier_count(tmp_db_path) == 1
    code = result.out.split()[0]
    assert f"dossier {code} was received and saved" in result.err
    assert f"counter-app slip {code} --out FILE" in result.err and "Traceback" not in result.err


def test_non_ascii_digits_are_no_agency_code(cli):
    result = cli("init", "--agency-code", "H5６.٢٤٥", "--agency-name", "UBND xã Thử")
    assert_one_error_line(result, "agency_code:")


@pytest.mark.parametrize("argv", [
    ["receive", "--procedure", "1.001193", *CITIZEN, "--received-at", "9999-12-31T23:59"],
    ["due-date", "--received-at", "9999-12-31", "--working-days", "3"],
    ["calendar", "list", "--year", "99999"],
    ["calendar", "list", "--year", "-5"],
    ["find", "--from", "0001-01-01", "--to", "9999-12-31"],
])
def test_years_out_of_range_are_one_line(ready, tmp_db_path, argv):
    line = assert_one_error_line(ready(*argv), "must be between 1990 and 2099")
    assert "Traceback" not in line
    assert dossier_count(tmp_db_path) == 0


def test_an_unreadable_reception_time_raises_no_false_appointment_error(ready):
    result = ready("receive", "--procedure", "1.001193", *CITIZEN,
                   "--received-at", "2026-02-30T09:00", "--due-at", "2026-03-05T17:00")
    line = assert_one_error_line(result, "received_at:")
    assert "due_at" not in line
