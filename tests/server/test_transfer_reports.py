"""Dossiers received for another unit in the server's reports, on the embedded SQLite and on
PostgreSQL, with real desks (SQLite files) synchronising through the real app: form II.06a
counts each at the competent unit (coalesce(competent_id, commune_id)), the province's
flows table and each unit's sent / received tables (reports/transfers.py) agree with the
desks', `counter-server report transfers` prints and writes them, and the dashboard's
overview shows the flows."""

from __future__ import annotations

import datetime as dt
import json

import openpyxl
import pytest

from counter_app.domain.lifecycle import Step
from counter_app.domain.reception import ReceptionRequest
from counter_app.domain.units import COMMUNE, PROVINCIAL
from counter_app.reports import between, ii06a, transfers
from counter_app.server import admin, database, leaders, reports
from counter_app.server import clock as server_clock
from counter_app.server import dashboard_data as data
from tests.core.conftest import AGENCY_CODE
from tests.province_desks import province_list, sync_all, unit_desks
from tests.server.conftest import COMMUNE_NAME, OTHER_CODE

B_CODE, P_CODE = "000.16.22.H56", "000.00.17.H56"
NAMES = {AGENCY_CODE: COMMUNE_NAME, OTHER_CODE: "UBND xã Khác", B_CODE: "UBND xã Đông Sơn",
         P_CODE: "Sở Tư pháp tỉnh Quảng Trị"}
CERTIFY = "2.001035"
CRIMINAL_RECORD = "2.999901"
PROVINCE_LIST = ("Mã thủ tục,Lĩnh vực,Tên thủ tục,Đơn vị,Thời hạn,Cơ quan thực hiện,"
                 "Phi địa giới\r\n2.999901,Lý lịch tư pháp,Cấp Phiếu lý lịch tư pháp "
                 "(thử nghiệm),ngày làm việc,10,Sở Tư pháp,Có\r\n")
VN = dt.timezone(dt.timedelta(hours=7))
OCTOBER = between("2026-10-01", "2026-10-31")
USER, LEADER_PASSWORD = "lanhdao", "mat-khau-huyen"


def _t(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


@pytest.fixture
def province(server_db, client, communes, tmp_path, clock, monkeypatch):
    """Desks of A (AGENCY_CODE), C (OTHER_CODE), B (a commune) and P (a provincial body),
    enrolled through the app and synced once; the server's clock follows the desks'."""

    monkeypatch.setattr(server_clock, "now", lambda: clock.now.replace(tzinfo=VN))
    clock.now = _t("2026-10-01T08:00")
    with database.writing(server_db) as conn:
        admin.add_commune(conn, B_CODE, NAMES[B_CODE], COMMUNE)
        admin.add_commune(conn, P_CODE, NAMES[P_CODE], PROVINCIAL)
    catalogue = province_list(server_db, tmp_path, PROVINCE_LIST)
    desks = unit_desks(server_db, "http://testserver", client, tmp_path, clock,
                       {name: (code, NAMES[code]) for name, code in
                        (("a", AGENCY_CODE), ("c", OTHER_CODE), ("b", B_CODE),
                         ("p", P_CODE))}, catalogue)
    yield desks
    for desk in desks.values():
        desk.close()


def sync(client, *desks):
    sync_all(client, *desks)


_SERIAL = iter(range(10, 99))


def receive(desk, clock, at: str, competent: str | None, procedure: str = CERTIFY) -> str:
    clock.now = _t(at)
    applicant = {"full_name": "Trần Thị Mai", "phone": "0912345678",
                 "id_number": f"0013030124{next(_SERIAL):02d}"}
    return desk.receive(ReceptionRequest(procedure, applicant,
                                         competent_agency=competent)).code


def step(desk, clock, at: str, code: str, which: Step, fields: dict | None = None):
    clock.now = _t(at)
    desk.step(code, which, fields or {})


@pytest.fixture
def october(province, client, clock):
    """A receives two for B (one in time and returned, one late and decided late) and one
    for P (forwarded late, no paper); C receives one for B (in time, still open, overdue on
    20/10); A and B one of their own each; then everyone synchronises."""
    a, b, c, p = province["a"], province["b"], province["c"], province["p"]
    d1 = receive(a, clock, "2026-10-05T09:00", B_CODE)
    d2 = receive(a, clock, "2026-10-05T09:30", B_CODE)
    clock.now = _t("2026-10-05T10:00")
    sync(client, a)                                   # d1, d2 forwarded at 10:00: in time
    clock.now = _t("2026-10-05T10:05")
    sync(client, b)
    step(a, clock, "2026-10-06T10:00", d1, Step.SEND_PAPER, {"by": "post"})
    step(b, clock, "2026-10-06T14:00", d1, Step.HANDOVER, {"to_unit": "Tư pháp"})
    step(b, clock, "2026-10-06T14:10", d1, Step.RECEIVE_PAPER)
    step(b, clock, "2026-10-06T14:20", d1, Step.FINISH, {"result": "Đã chứng thực"})
    step(a, clock, "2026-10-08T10:00", d2, Step.SEND_PAPER, {"by": "in_person"})  # late
    from_c = receive(c, clock, "2026-10-07T09:00", B_CODE)
    clock.now = _t("2026-10-07T09:10")
    sync(client, c)
    receive(a, clock, "2026-10-07T10:00", None)
    receive(b, clock, "2026-10-07T11:00", None)
    to_p = receive(a, clock, "2026-10-12T16:00", P_CODE, CRIMINAL_RECORD)
    clock.now = _t("2026-10-14T09:00")
    sync(client, a, b)                                # to_p forwarded on 14/10: late
    step(b, clock, "2026-10-15T10:00", d2, Step.HANDOVER, {"to_unit": "Tư pháp"})
    step(b, clock, "2026-10-16T10:00", d2, Step.FINISH, {"result": "Đã chứng thực"})
    clock.now = _t("2026-10-16T11:00")
    sync(client, b, a)
    step(a, clock, "2026-10-19T09:00", d1, Step.RETURN)
    clock.now = _t("2026-10-20T09:00")
    sync(client, a, b, c, p)
    return {"d1": d1, "d2": d2, "from_c": from_c, "to_p": to_p}


def test_ii06a_counts_at_the_competent_unit(province, october, server_db):
    a, b, c, p = province["a"], province["b"], province["c"], province["p"]
    with database.reading(server_db) as conn:
        each, together = reports.district(conn, OCTOBER)
        only_b = reports.per_commune(conn, OCTOBER, commune=B_CODE)[0]
        only_a = reports.per_commune(conn, OCTOBER, commune=AGENCY_CODE)[0]
    by_code = {x.code: x.report.total for x in each}
    assert by_code[AGENCY_CODE].received_total == 1     # its own only
    assert by_code[OTHER_CODE].received_total == 0      # it received one, for B
    assert by_code[B_CODE].received_total == 4          # its own, d1, d2 and C's
    assert by_code[P_CODE].received_total == 1          # the provincial body's
    assert (by_code[B_CODE].resolved_total, by_code[B_CODE].resolved_late) == (2, 1)
    assert together.total.received_total == 6 == sum(t.received_total for t in by_code.values())
    assert only_b.report.to_dict() == next(x for x in each if x.code == B_CODE).report.to_dict()
    assert only_a.report.total.received_total == 1
    # Each unit's desk counts exactly what the server counts for it.
    for desk, code in ((a, AGENCY_CODE), (b, B_CODE), (c, OTHER_CODE), (p, P_CODE)):
        assert ii06a.compute(desk.db, OCTOBER).total.to_dict() == by_code[code].to_dict(), code


def test_flows_and_each_units_tables(province, october, server_db):
    a, b = province["a"], province["b"]
    with database.reading(server_db) as conn:
        flows = reports.transfers(conn, OCTOBER)
        sent_a = reports.transfers(conn, OCTOBER, AGENCY_CODE, transfers.SENT)
        got_b = reports.transfers(conn, OCTOBER, B_CODE, transfers.RECEIVED)
        with pytest.raises(LookupError):
            reports.transfers(conn, OCTOBER, "000.00.00.H00", transfers.SENT)
    pairs = [(r.receiving, r.competent) for r in flows.rows]
    # by the receiving unit's name, then the competent's, in Vietnamese order
    assert pairs == [(OTHER_CODE, B_CODE), (AGENCY_CODE, P_CODE), (AGENCY_CODE, B_CODE)]
    c_to_b, a_to_p, a_to_b = flows.rows
    assert a_to_b.columns() == (2, 2, 0, 0, 1, 1, 0, 1, 2, 1, 1)
    assert a_to_p.columns() == (1, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0)
    assert c_to_b.columns() == (1, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0)
    assert (a_to_b.receiving_name, a_to_b.competent_name) == (COMMUNE_NAME, NAMES[B_CODE])
    assert flows.total.received == 4 and flows.total.late == 3
    assert all(r.problems() == [] for r in [*flows.rows, flows.total])
    # One unit's tables: the same rows; and the same as its desk's.
    assert [r.columns() for r in sent_a.rows] == [a_to_p.columns(), a_to_b.columns()]
    assert [r.columns() for r in transfers.compute(a.db, OCTOBER).rows] == \
        [r.columns() for r in sent_a.rows]
    assert [r.receiving for r in got_b.rows] == [OTHER_CODE, AGENCY_CODE]
    at_b = transfers.compute(b.db, OCTOBER, transfers.RECEIVED)
    assert {r.receiving: r.columns() for r in at_b.rows} == \
        {r.receiving: r.columns() for r in got_b.rows}
    # Another period: nothing.
    with database.reading(server_db) as conn:
        assert reports.transfers(conn, between("2026-09-01", "2026-09-30")).rows == []


def test_counter_server_report_transfers(province, october, server_db, capsys, tmp_path):
    from counter_app.server.cli import main

    url = server_db.url.render_as_string(hide_password=False)

    def run(*argv):
        code = main(["--database", url, "report", *argv])
        out, err = capsys.readouterr()
        return code, out, err

    code, out, err = run("transfers", "--from", "01/10/2026", "--to", "31/10/2026")
    assert code == 0, err
    flows = json.loads(out)
    assert flows["direction"] == "flows" and flows["total"]["received"] == 4
    assert len(flows["rows"]) == 3
    code, out, _ = run("transfers", "--period", "2026-10", "--commune", B_CODE, "--incoming")
    got = json.loads(out)
    assert got["direction"] == "received" and got["unit"] == B_CODE
    assert got["total"]["received"] == 3
    code, out, _ = run("transfers", "--period", "2026-10", "--commune", AGENCY_CODE)
    assert json.loads(out)["total"]["received"] == 3
    xlsx = tmp_path / "luong.xlsx"
    code, out, err = run("transfers", "--period", "2026-10", "--out", str(xlsx))
    assert code == 0 and "received 4" in out, err
    cells = [c for row in openpyxl.load_workbook(xlsx).active.iter_rows(values_only=True)
             for c in row if c is not None]
    assert f"{COMMUNE_NAME} → {NAMES[B_CODE]}" in cells and "Tổng cộng" in cells
    # II.06a by the same command is counted at the competent unit.
    code, out, _ = run("--period", "2026-10", "--commune", B_CODE)
    assert json.loads(out)["total"]["received_total"] == 4
    for argv, message in [(("transfers", "--period", "2026-10", "--out", "x.pdf"), ".xlsx"),
                          (("transfers", "--period", "2026-10", "--incoming"), "--commune"),
                          (("transfers", "--period", "2026-10", "--commune", "X"), "unknown"),
                          (("--period", "2026-10", "--incoming"), "--incoming")]:
        code, out, err = run(*argv)
        assert code == 2 and message in err and out == "", (argv, err)


def test_the_dashboard_shows_the_flows(province, october, server_db, client):
    import re

    with database.writing(server_db) as conn:
        leaders.add_leader(conn, USER, "Nguyễn Văn Lãnh", LEADER_PASSWORD)
    form = client.get("/dashboard/sign-in")
    csrf = re.search(r'name="csrf" value="([^"]+)"', form.text)[1]
    reply = client.post("/dashboard/sign-in", follow_redirects=False, data={
        "username": USER, "password": LEADER_PASSWORD, "csrf": csrf, "next": ""})
    assert reply.status_code == 303
    page = client.get("/dashboard?period=2026-10")
    assert page.status_code == 200
    html = page.text
    assert "Hồ sơ tiếp nhận không phụ thuộc địa giới hành chính" in html
    table = html[html.index('class="grid flows"'):]
    table = table[:table.index("</table>")]
    rows = [[" ".join(re.sub(r"<[^>]+>", " ", c).split())
             for c in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", r, re.S)]
            for r in re.findall(r"<tr[^>]*>(.*?)</tr>", table, re.S)]
    body = [r for r in rows[1:] if r and not r[0].startswith("Tổng cộng")]
    assert [(r[0], r[1]) for r in body] == [
        (f"{NAMES[OTHER_CODE]} {OTHER_CODE}", f"{NAMES[B_CODE]} {B_CODE}"),
        (f"{COMMUNE_NAME} {AGENCY_CODE}", f"{NAMES[P_CODE]} {P_CODE}"),
        (f"{COMMUNE_NAME} {AGENCY_CODE}", f"{NAMES[B_CODE]} {B_CODE}")]
    # A → B: 2 received; forwarded late 0, not 0; paper late 1, not sent 0; results 2,
    # of which late 1; returned 1.
    assert body[2][2:] == ["2", "0", "0", "1", "0", "2", "1", "1"]
    total = next(r for r in rows if r and r[0].startswith("Tổng cộng"))
    assert total[0] == "Tổng cộng 3 luồng" and total[1] == "4"
    # The overview's line for B counts the dossiers received for it (II.06a's rule), and
    # the empty state is a sentence, not an empty table.
    assert "Không có hồ sơ nào tiếp nhận cho đơn vị khác trong kỳ." in client.get(
        "/dashboard?period=2026-09").text
    with database.reading(server_db) as conn:
        lines, district = data.overview(conn, OCTOBER, _t("2026-10-20T10:00").replace(
            tzinfo=VN))
        overdue = data.overdue_counts(conn, dt.date(2026, 10, 20))
    line = {x.code: x for x in lines}
    assert line[B_CODE].total.received_total == 4 and line[OTHER_CODE].total.received_total == 0
    # C's dossier for B (due 09/10, open) is overdue at B, the unit that must decide it.
    assert overdue.get(B_CODE, 0) >= 1 and OTHER_CODE not in overdue
