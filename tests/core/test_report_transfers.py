"""Dossiers received for another unit in the desks' reports, with real desks on SQLite files
synchronising through the real server (in-process, on an SQLite file): form II.06a counts
each at the competent (deciding) unit only, and the "received for other bodies" table
(reports/transfers.py) follows the receiving counter's part, with its converse at the
competent unit; through the service, the command line (JSON, .xlsx) and the charts."""

from __future__ import annotations

import datetime as dt
import json

import openpyxl
import pytest

from counter_app.domain.lifecycle import Step
from counter_app.domain.reception import ReceptionRequest
from counter_app.domain.units import COMMUNE, PROVINCIAL
from counter_app.reports import between, ii06a, transfers, trends
from counter_app.server import admin, database
from counter_app.server import clock as server_clock
from tests.core.conftest import AGENCY, AGENCY_CODE, OFFICER, PASSWORD
from tests.province_desks import province_list, sync_all, unit_desks
from tests.sync.conftest import _quick_retries, server  # noqa: F401 - fixtures

B_CODE, P_CODE = "000.16.22.H56", "000.00.17.H56"
NAMES = {AGENCY_CODE: AGENCY["agency_name"], B_CODE: "UBND xã Đông Sơn",
         P_CODE: "Sở Tư pháp tỉnh Quảng Trị"}
CERTIFY = "2.001035"        # Chứng thực: a commune's, on the bundled boundary-free list
CRIMINAL_RECORD = "2.999901"  # a provincial body's (test data, below)
PROVINCE_LIST = ("Mã thủ tục,Lĩnh vực,Tên thủ tục,Đơn vị,Thời hạn,Cơ quan thực hiện,"
                 "Phi địa giới\r\n2.999901,Lý lịch tư pháp,Cấp Phiếu lý lịch tư pháp "
                 "(thử nghiệm),ngày làm việc,10,Sở Tư pháp,Có\r\n")
VN = dt.timezone(dt.timedelta(hours=7))
OCTOBER = between("2026-10-01", "2026-10-31")


def _t(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


@pytest.fixture
def province(server, tmp_path, clock, monkeypatch):  # noqa: F811 - the fixture imported
    """Desks of A (this commune), B (another commune) and P (a provincial body), enrolled
    and synced once; the server's clock follows the desks' (it stamps ``forwarded_at``)."""

    monkeypatch.setattr(server_clock, "now", lambda: clock.now.replace(tzinfo=VN))
    clock.now = _t("2026-10-01T08:00")
    with database.writing(server.engine) as conn:
        admin.add_commune(conn, B_CODE, NAMES[B_CODE], COMMUNE)
        admin.add_commune(conn, P_CODE, NAMES[P_CODE], PROVINCIAL)
    catalogue = province_list(server.engine, tmp_path, PROVINCE_LIST)
    desks = unit_desks(server.engine, server.url, server.http, tmp_path, clock,
                       {name: (code, NAMES[code]) for name, code in
                        (("a", AGENCY_CODE), ("b", B_CODE), ("p", P_CODE))}, catalogue)
    yield desks
    for desk in desks.values():
        desk.close()


def sync(server, *desks):  # noqa: F811
    sync_all(server.http, *desks)


_SERIAL = iter(range(10, 99))


def receive(desk, clock, at: str, competent: str | None, procedure: str = CERTIFY,
            name: str = "Trần Thị Mai"):
    clock.now = _t(at)
    applicant = {"full_name": name, "phone": "0912345678",
                 "id_number": f"0013030123{next(_SERIAL):02d}"}
    return desk.receive(ReceptionRequest(procedure, applicant,
                                         competent_agency=competent)).code


def step(desk, clock, at: str, code: str, which: Step, fields: dict | None = None):
    clock.now = _t(at)
    desk.step(code, which, fields or {})


@pytest.fixture
def october(province, server, clock):  # noqa: F811
    """A's October: for B, one forwarded and sent in time, decided early and returned, one
    forwarded and sent late, decided late; for P, one never synchronised (neither sent);
    one of its own; one B received for A; and one for B in November (outside)."""
    a, b = province["a"], province["b"]
    d1 = receive(a, clock, "2026-10-05T09:00", B_CODE, name="Người nộp Một")
    clock.now = _t("2026-10-05T09:20")
    sync(server, a, b)                                    # forwarded 09:20 ≤ 17:00: in time
    d2 = receive(a, clock, "2026-10-05T09:30", B_CODE, name="Người nộp Hai")
    step(a, clock, "2026-10-06T10:00", d1, Step.SEND_PAPER, {"by": "post"})   # in 1 day
    own = receive(a, clock, "2026-10-06T11:00", None, name="Người nộp Ba")
    step(b, clock, "2026-10-06T14:00", d1, Step.RECEIVE_PAPER)
    step(b, clock, "2026-10-06T14:05", d1, Step.HANDOVER, {"to_unit": "Tư pháp"})
    step(b, clock, "2026-10-06T15:00", d1, Step.FINISH, {"result": "Đã chứng thực"})
    incoming = receive(b, clock, "2026-10-12T09:00", AGENCY_CODE, name="Người nộp Bốn")
    clock.now = _t("2026-10-07T08:30")
    sync(server, a, b)                                    # d2 forwarded on 07/10: late
    step(a, clock, "2026-10-08T09:00", d2, Step.SEND_PAPER, {"by": "courier"})  # late
    step(b, clock, "2026-10-08T10:00", d2, Step.HANDOVER, {"to_unit": "Tư pháp"})
    step(b, clock, "2026-10-20T10:00", d2, Step.FINISH, {"result": "Đã chứng thực"})  # late
    clock.now = _t("2026-10-20T11:00")
    sync(server, b, a)
    step(a, clock, "2026-10-21T09:00", d1, Step.RETURN)
    d3 = receive(a, clock, "2026-10-26T09:00", P_CODE, CRIMINAL_RECORD, name="Người nộp Năm")
    later = receive(a, clock, "2026-11-02T09:00", B_CODE, name="Người nộp Sáu")
    return {"d1": d1, "d2": d2, "d3": d3, "own": own, "incoming": incoming, "later": later}


def test_ii06a_counts_a_transfer_at_the_competent_unit_only(province, october, server):  # noqa: F811
    a, b, p = province["a"], province["b"], province["p"]
    sync(server, a, b, p)
    at_a = ii06a.compute(a.db, OCTOBER)
    at_b = ii06a.compute(b.db, OCTOBER)
    at_p = ii06a.compute(p.db, OCTOBER)
    # A: its own dossier and the one B received for it; not d1, d2 (B's) nor d3 (P's).
    assert at_a.total.received_total == 2
    assert at_a.total.resolved_total == 0 and at_a.total.open_total == 2
    # B: d1 (early) and d2 (late), received at A; not the one it received for A.
    assert (at_b.total.received_total, at_b.total.resolved_total) == (2, 2)
    assert (at_b.total.resolved_early + at_b.total.resolved_on_time,
            at_b.total.resolved_late) == (1, 1)
    assert at_p.total.received_total == 1 and at_p.total.open_total == 1
    for report in (at_a, at_b, at_p):
        assert all(r.problems() == [] for r in [*report.rows, report.total])
    # Every October dossier is counted once over the three units.
    assert at_a.total.received_total + at_b.total.received_total + \
        at_p.total.received_total == 5
    # The desk's own agency code is the default; asked for another unit's code, A's file
    # counts what that unit decides of what A holds.
    assert ii06a.compute(a.db, OCTOBER, here=AGENCY_CODE).to_dict() == at_a.to_dict()
    assert ii06a.compute(a.db, OCTOBER, here=B_CODE).total.received_total == 3  # own + d1, d2
    # The service (the report screen and the CLI) gives the same.
    assert a.report_ii06a(OCTOBER).total.to_dict() == at_a.total.to_dict()


def test_trends_follow_the_same_rule(province, october, server):  # noqa: F811
    a, b = province["a"], province["b"]
    months_a = trends.on_time_by_month(a.db, dt.date(2026, 10, 1), 1)
    months_b = trends.on_time_by_month(b.db, dt.date(2026, 10, 1), 1)
    assert months_a[0].resolved == 0           # B finished d1 and d2, not A
    assert (months_b[0].resolved, months_b[0].late) == (2, 1)
    overdue_a = trends.overdue_by_procedure(a.db, dt.date(2026, 11, 30))
    assert sum(g.count for g in overdue_a) == 2  # its own and the incoming; not d3 (P's)


def test_the_receiving_counters_table(province, october, server):  # noqa: F811
    a = province["a"]
    report = transfers.compute(a.db, OCTOBER)
    assert report.direction == transfers.SENT and report.unit == AGENCY_CODE
    assert [(r.competent, r.competent_name) for r in report.rows] == [
        (P_CODE, NAMES[P_CODE]), (B_CODE, NAMES[B_CODE])]  # Vietnamese order: "Sở" < "UBND"
    to_p, to_b = report.rows
    assert to_b.columns() == (2, 1, 1, 0, 1, 1, 0, 1, 2, 1, 1)
    assert to_p.columns() == (1, 0, 0, 1, 0, 0, 1, 0, 0, 0, 0)  # never synced, paper not sent
    assert report.total.columns() == (3, 1, 1, 1, 1, 1, 1, 1, 2, 1, 1)
    assert all(r.problems() == [] for r in [*report.rows, report.total])
    assert [r.stt for r in report.rows] == ["1", "2"]
    # November's dossier, A's own and the one B received for A are not in it.
    november = transfers.compute(a.db, between("2026-11-01", "2026-11-30"))
    assert november.total.received == 1 and november.total.not_forwarded == 1
    # The converse: what other communes received for A.
    incoming = transfers.compute(a.db, OCTOBER, transfers.RECEIVED)
    assert [(r.receiving, r.receiving_name, r.competent) for r in incoming.rows] == [
        (B_CODE, NAMES[B_CODE], AGENCY_CODE)]
    assert incoming.total.received == 1 and incoming.total.not_forwarded == 0
    assert incoming.total.paper_not_sent == 1
    data = report.to_dict()
    assert data["title"] == "HỒ SƠ TIẾP NHẬN CHO CƠ QUAN KHÁC"
    assert data["period"]["start"] == "2026-10-01" and data["columns"]["received"]
    json.dumps(data, ensure_ascii=False)  # plain data


def test_both_sides_agree_after_synchronising(province, october, server):  # noqa: F811
    a, b, p = province["a"], province["b"], province["p"]
    sync(server, a, b, p)
    sent = transfers.compute(a.db, OCTOBER)
    at_b = transfers.compute(b.db, OCTOBER, transfers.RECEIVED)
    at_p = transfers.compute(p.db, OCTOBER, transfers.RECEIVED)
    by_unit = {r.competent: r.columns() for r in sent.rows}
    assert [r.columns() for r in at_b.rows] == [by_unit[B_CODE]]
    assert [r.receiving_name for r in at_b.rows] == [NAMES[AGENCY_CODE]]
    # d3 reached P with the last sync: now forwarded, late (after 17:00 on 26/10).
    assert at_p.rows[0].columns() == (1, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0)
    assert transfers.compute(a.db, OCTOBER).rows[0].forwarded_late == 1


def test_counter_app_report_transfers(province, october, tmp_path, monkeypatch, capsys):
    from counter_app.cli.main import main

    a = province["a"]
    monkeypatch.setenv("COUNTER_APP_USER", OFFICER["username"])
    monkeypatch.setenv("COUNTER_APP_PASSWORD", PASSWORD)
    db = str(tmp_path / "a.db")

    def run(*argv):
        capsys.readouterr()
        try:
            code = main(["--db", db, *argv])
        except SystemExit as exc:
            code = exc.code
        out, err = capsys.readouterr()
        return code, out, err

    code, out, err = run("report", "transfers", "--from", "01/10/2026", "--to", "31/10/2026")
    assert code == 0, err
    data = json.loads(out)
    assert data["direction"] == "sent" and data["total"]["received"] == 3
    assert data == a.report_transfers(OCTOBER).to_dict() | {"period": data["period"]}
    code, out, _ = run("report", "transfers", "--period", "2026-10", "--incoming")
    assert json.loads(out)["rows"][0]["receiving"] == B_CODE
    xlsx = tmp_path / "chuyen.xlsx"
    code, out, err = run("report", "transfers", "--period", "2026-10", "--out", str(xlsx))
    assert code == 0, err
    assert "received 3" in out and "not forwarded 1" in out
    cells = [c for row in openpyxl.load_workbook(xlsx).active.iter_rows(values_only=True)
             for c in row if c is not None]
    assert "HỒ SƠ TIẾP NHẬN CHO CƠ QUAN KHÁC TẠI UBND XÃ QUẢNG PHÚ" in cells
    assert NAMES[B_CODE] in cells and NAMES[P_CODE] in cells and "Tổng cộng" in cells
    assert "Chuyển hồ sơ điện tử trễ hạn" in cells
    exported = list(a.db.query("SELECT subject, detail FROM audit_log WHERE action = 'export'"))
    assert [e["subject"] for e in exported] == ["transfers"]
    assert json.loads(exported[0]["detail"])["file"] == "chuyen.xlsx"
    # The II.06a report is unchanged, and asking wrongly is one line.
    code, out, _ = run("report", "--period", "2026-10")
    assert code == 0 and json.loads(out)["total"]["received_total"] == 2
    for argv, message in [
            (("report", "transfers", "--period", "2026-10", "--out", "x.pdf"), ".xlsx"),
            (("report", "--period", "2026-10", "--incoming"), "--incoming"),
            (("report", "transfers"), "which period")]:
        code, out, err = run(*argv)
        assert code == 2 and message in err and out == "", (argv, err)
