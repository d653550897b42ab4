"""`counter-app report`: the October 2026 of tests/core/test_report_ii06a.py through the
command line, as JSON, .xlsx and .pdf; and every way of asking wrongly."""

from __future__ import annotations

import subprocess

import openpyxl
import pytest

from tests.cli.conftest import sign_in
from tests.core.conftest import clock, desk, make_request, open_desk  # noqa: F401
from tests.core.test_report_ii06a import book  # noqa: F401

TOTAL = [14, 2, 8, 4, 7, 2, 3, 2, 7, 4, 3]


@pytest.fixture
def filled(cli, desk, book, monkeypatch):  # noqa: F811 - fixtures imported above
    """The hand-built dossiers in the CLI's database, signed in as their officer."""
    sign_in(monkeypatch)
    return cli


def test_json_on_stdout(filled):
    result = filled("report", "--period", "2026-10")
    assert result.code == 0, result.err
    data = result.json()
    assert data["form"] == "II.06a/VPCP/KSTT"
    assert data["period"] == {"label": "Tháng 10/2026", "start": "2026-10-01",
                              "end": "2026-10-31"}
    assert [data["total"][k] for k in data["columns"]] == TOTAL
    assert [r["label"] for r in data["rows"]] == ["Bảo trợ xã hội", "Chứng thực", "Đất đai",
                                                  "Hộ tịch"]
    by_proc = filled("report", "--period", "2026-10", "--by", "procedure", "--out", "-").json()
    assert all(r["procedures"] for r in by_proc["rows"])


def test_date_range_and_quarter(filled):
    same = filled("report", "--from", "01/10/2026", "--to", "2026-10-31").json()
    assert [same["total"][k] for k in same["columns"]] == TOTAL
    quarter = filled("report", "--period", "2026-q4").json()
    assert quarter["period"]["label"] == "Quý IV/2026"
    assert quarter["total"]["received_total"] == quarter["total"]["resolved_total"] + \
        quarter["total"]["open_total"]


def test_xlsx_and_pdf_files(filled, tmp_path):
    xlsx, pdf = tmp_path / "ii06a.xlsx", tmp_path / "ii06a.pdf"
    result = filled("report", "--period", "2026-10", "--out", xlsx)
    assert result.code == 0, result.err
    assert "received 14, resolved 7, open 7" in result.out
    sheet = openpyxl.load_workbook(xlsx).active
    rows = [[c for c in row] for row in sheet.iter_rows(values_only=True)]
    total = next(r for r in rows if "Tổng cộng" in [str(c) for c in r if c is not None])
    assert [c for c in total if isinstance(c, int)][-11:] == TOTAL
    assert filled("report", "--period", "2026-10", "--out", pdf, "--json").code == 0
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout
    assert "II.06a" in text and "Tổng cộng" in text


def test_evaluation_in_the_json(filled):
    data = filled("report", "--period", "2026-10", "--evaluation").json()
    assert "evaluation" in data


@pytest.mark.parametrize(("argv", "message"), [
    ((), "which period?"),
    (("--period", "2026-13"), "Tháng 13 không hợp lệ"),
    (("--period", "2026-10", "--from", "2026-10-01"), "not both"),
    (("--from", "2026-10-01"), "both --from and --to"),
    (("--from", "2026-10-31", "--to", "2026-10-01"), "phải không sớm hơn"),
    (("--period", "2026-10", "--out", "report.docx"), "must end in .xlsx or .pdf"),
    (("--period", "2026-10", "--out", "r.pdf", "--evaluation"), "JSON only"),
])
def test_bad_requests_are_one_line_errors(filled, argv, message, tmp_path):
    result = filled("report", *argv)
    assert result.code == 2 and message in result.err, result.err
    assert "Traceback" not in result.err and result.out == ""


def test_needs_an_officer_who_may_see_reports(filled, monkeypatch):
    from tests.cli.conftest import add_user

    add_user(filled, "xuly", "Trần Văn Xử", "processing", as_user="huong")
    sign_in(monkeypatch, "xuly")
    result = filled("report", "--period", "2026-10")
    assert result.code == 4 and "not allowed" in result.err


def test_report_settings_change_the_period_and_the_form(filled, tmp_path):
    shown = filled("report-settings", "--json").json()
    assert shown["cutoff_day"] is None and shown["head_title"] == "CHỦ TỊCH"
    changed = filled("report-settings", "--cutoff-day", "15", "--receiving-unit",
                     "Văn phòng UBND tỉnh Quảng Trị", "--head-name", "Nguyễn Văn Bình", "--json")
    assert changed.code == 0, changed.err
    assert changed.json()["cutoff_day"] == 15
    data = filled("report", "--period", "2026-10").json()
    assert data["period"]["start"] == "2026-09-15" and data["period"]["end"] == "2026-10-14"
    pdf = tmp_path / "r.pdf"
    assert filled("report", "--period", "2026-10", "--out", pdf).code == 0
    text = " ".join(subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True,
                                   text=True, check=True).stdout.split())
    assert "Văn phòng UBND tỉnh Quảng Trị" in text and "Nguyễn Văn Bình" in text
    assert "15/09/2026" in text
    bad = filled("report-settings", "--cutoff-day", "31")
    assert bad.code == 2 and "Ngày chốt số liệu" in bad.err
    assert filled("report-settings", "--cutoff-day", "0", "--json").json()["cutoff_day"] is None
