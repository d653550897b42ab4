"""Form II.06a at the server, per commune and for all communes, on the embedded SQLite and
on PostgreSQL: the same cells as the desk computes over the same dossiers."""

from __future__ import annotations

import pytest

from counter_app.reports import ii06a, parse_period
from counter_app.server import database, reports
from tests.core.test_report_ii06a import book  # noqa: F401 - the hand-built dossiers
from tests.server.conftest import AGENCY_CODE, OTHER_CODE

OCTOBER = parse_period("2026-10")


@pytest.fixture
def pushed(enrolled):
    return enrolled("a.db")


@pytest.fixture
def desk(pushed):
    """The desk the book fixture fills (this commune's)."""
    return pushed.counter


@pytest.fixture
def other(enrolled, make_request, clock):
    """Two dossiers at another commune, received in October, one of them finished."""
    import datetime as dt


    b = enrolled("b.db", commune=OTHER_CODE)
    clock.now = dt.datetime(2026, 10, 12, 9, 0)
    b.counter.receive(make_request("2.001035", received_at=clock.now))
    code = b.counter.receive(make_request("2.001035", received_at=clock.now)).code
    b.counter.step(code, "finish", {"result": "Bản sao"})
    return b


def _push_all(*desks):
    for d in desks:
        reply = d.push()
        assert reply.status_code == 200, reply.text


def test_per_commune_equals_the_desk_cell_by_cell(pushed, desk, book, other, server_db):  # noqa: F811
    # Online dossiers reach a desk only from the national portal; the test marked two as
    # online in the desk's table alone, which its events (what the server has) do not say.
    desk.db.execute("UPDATE dossiers SET channel = 1 WHERE channel = 2")
    _push_all(pushed, other)
    with database.reading(server_db) as conn:
        found = reports.per_commune(conn, OCTOBER, by_procedure=True)
        district = reports.all_communes(conn, OCTOBER)
        only = reports.per_commune(conn, OCTOBER, commune=OTHER_CODE)
        each, together = reports.district(conn, OCTOBER, by_procedure=True)
    assert [c.to_dict() for c in each] == [c.to_dict() for c in found]
    assert together.total.to_dict() == district.total.to_dict()
    assert [c.code for c in found] == sorted([AGENCY_CODE, OTHER_CODE])
    mine = next(c for c in found if c.code == AGENCY_CODE)
    assert mine.report.to_dict() == ii06a.compute(desk.db, OCTOBER, by_procedure=True).to_dict()
    assert mine.report.total.columns() == (14, 0, 10, 4, 7, 2, 3, 2, 7, 4, 3)
    assert only[0].report.total.columns() == (2, 0, 2, 0, 1, 1, 0, 0, 1, 0, 1)  # early; open one due 14/10
    assert [r.label for r in only[0].report.rows] == ["Chứng thực"]
    assert district.total.columns() == tuple(
        a + b for a, b in zip(mine.report.total.columns(), only[0].report.total.columns(),
                              strict=True))
    assert all(r.problems() == [] for r in [*district.rows, district.total])


def test_a_commune_without_dossiers_has_a_zero_report(pushed, server_db):
    with database.reading(server_db) as conn:
        found = reports.per_commune(conn, OCTOBER)
        with pytest.raises(LookupError):
            reports.per_commune(conn, OCTOBER, commune="000.00.00.H00")
    assert {c.code for c in found} == {AGENCY_CODE, OTHER_CODE}
    assert all(c.report.rows == [] and c.report.total.columns() == (0,) * 11 for c in found)


def test_counter_server_report(pushed, desk, book, other, server_db, capsys, tmp_path):  # noqa: F811
    import json
    import subprocess

    import openpyxl

    from counter_app.server.cli import main

    desk.db.execute("UPDATE dossiers SET channel = 1 WHERE channel = 2")
    _push_all(pushed, other)
    url = server_db.url.render_as_string(hide_password=False)

    def run(*argv):
        code = main(["--database", url, "report", *argv])
        out, err = capsys.readouterr()
        return code, out, err

    code, out, _ = run("--period", "2026-10")
    assert code == 0 and json.loads(out)["total"]["received_total"] == 16
    code, out, _ = run("--from", "01/10/2026", "--to", "31/10/2026", "--commune", OTHER_CODE)
    assert json.loads(out)["total"]["received_total"] == 2
    code, out, _ = run("--period", "2026-10", "--per-commune", "--by", "procedure")
    each = json.loads(out)["communes"]
    assert [c["commune"] for c in each] == sorted([AGENCY_CODE, OTHER_CODE])
    assert each[0]["rows"][0]["procedures"]
    xlsx, pdf = tmp_path / "d.xlsx", tmp_path / "d.pdf"
    code, out, _ = run("--period", "2026-10", "--out", str(xlsx), "--unit", "UBND huyện Thử")
    assert code == 0 and "received 16" in out
    cells = [c for row in openpyxl.load_workbook(xlsx).active.iter_rows(values_only=True)
             for c in row if c is not None]
    assert any("UBND HUYỆN THỬ" in str(c) for c in cells)
    assert run("--period", "2026-10", "--commune", AGENCY_CODE, "--out", str(pdf))[0] == 0
    text = " ".join(subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True,
                                   text=True, check=True).stdout.split())
    assert "UBND XÃ QUẢNG PHÚ" in text.upper() and "Tổng cộng" in text
    for argv, message in [(("--period", "2026-13"), "Tháng 13"),
                          (("--period", "2026-10", "--commune", "000.00.00.H00"), "unknown"),
                          (("--period", "2026-10", "--out", "x.doc"), ".xlsx or .pdf"),
                          ((), "which period"),
                          (("--period", "2026-10", "--out", str(xlsx / "x.xlsx")), "error"),
                          (("--period", "2026-10", "--out", "r.pdf", "--unit", "X" * 300),
                           "longer than 200")]:
        code, out, err = run(*argv)
        assert code == 2 and message in err and out == "", (argv, err)
