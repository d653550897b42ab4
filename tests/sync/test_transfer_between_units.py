"""A dossier received by one commune for another body, end to end through the real server
served by uvicorn on loopback (issue "receiving for another commune"): commune A receives offline for commune B and for
a provincial body P, each side does its own steps and syncs, a third commune C never sees
anything, and a step from the wrong side is refused at the desk and quarantined at the
server."""

from __future__ import annotations

import datetime as dt
import json
import subprocess

import pytest
from sqlalchemy import select

from counter_app.accounts import audit_trail
from counter_app.domain.lifecycle import Step
from counter_app.domain.reception import ReceptionRequest
from counter_app.domain.statuses import Status
from counter_app.domain.units import COMMUNE, PROVINCIAL
from counter_app.errors import ValidationError, WrongSide
from counter_app.server import admin, database, enrolment
from counter_app.server.schema import change_log, dossiers, inbox
from counter_app.store import dossier_steps, event_log
from counter_app.store.database import transaction
from counter_app.sync.enrolment import enrol
from counter_app.sync.sync_round import sync_once
from tests.core.conftest import AGENCY, AGENCY_CODE, OFFICER, PASSWORD
from tests.province_desks import province_list, sync_all, unit_desks
from tests.sync.conftest import _quick_retries, server  # noqa: F401 - fixtures

B_CODE, C_CODE, P_CODE = "000.16.22.H56", "000.15.22.H56", "000.00.17.H56"
NAMES = {AGENCY_CODE: AGENCY["agency_name"], B_CODE: "UBND xã Đông Sơn",
         C_CODE: "UBND xã Hà Lam", P_CODE: "Sở Tư pháp tỉnh Quảng Trị"}
#: Chứng thực hợp đồng, giao dịch: on the bundled catalogue's boundary-free list, ≤ 2 days.
CERTIFY = "2.001035"
#: A provincial procedure as a province's list gives it (test data, not a real code).
PROVINCE_LIST = ("Mã thủ tục,Lĩnh vực,Tên thủ tục,Đơn vị,Thời hạn,Cơ quan thực hiện,"
                 "Phi địa giới\r\n2.999901,Lý lịch tư pháp,Cấp Phiếu lý lịch tư pháp "
                 "(thử nghiệm),ngày làm việc,10,Sở Tư pháp,Có\r\n")
CITIZEN = {"full_name": "Trần Thị Mai", "id_number": "001303012345", "phone": "0912345678"}


@pytest.fixture
def loopback(server):  # noqa: F811 - the fixture imported above
    """The server's app served by uvicorn on a loopback port: the desks below speak real
    HTTP over TCP to it (``server.http`` and ``server.url`` are replaced)."""
    import socket
    import threading
    import time

    import httpx
    import uvicorn

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    web = uvicorn.Server(uvicorn.Config(server.app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=web.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not web.started and time.monotonic() < deadline:
        time.sleep(0.02)
    assert web.started
    server.http.close()
    server.url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    server.http = httpx.Client(base_url=server.url, timeout=30)
    yield server
    web.should_exit = True
    thread.join(10)
    sock.close()


@pytest.fixture
def province(loopback, tmp_path, clock):
    """Desks of A, B, C and P, each enrolled on the server (on loopback) and synced once
    (so each knows the province's units); opened on files in tmp_path."""

    srv = loopback
    with database.writing(srv.engine) as conn:
        for code in (B_CODE, C_CODE):
            admin.add_commune(conn, code, NAMES[code], COMMUNE)
        admin.add_commune(conn, P_CODE, NAMES[P_CODE], PROVINCIAL)
    catalogue = province_list(srv.engine, tmp_path, PROVINCE_LIST)
    desks = unit_desks(srv.engine, srv.url, srv.http, tmp_path, clock,
                       {name: (code, NAMES[code]) for name, code in
                        (("a", AGENCY_CODE), ("b", B_CODE), ("c", C_CODE), ("p", P_CODE))},
                       catalogue)
    yield desks
    for desk in desks.values():
        desk.close()


def sync(server, *desks):  # noqa: F811
    sync_all(server.http, *desks)


def receive_for(desk, competent: str, procedure: str = CERTIFY):
    return desk.receive(ReceptionRequest(procedure, dict(CITIZEN), competent_agency=competent))


def events_of(desk, code: str) -> list[tuple]:
    row = desk.db.execute("SELECT id FROM dossiers WHERE code = ?", [code]).fetchone()
    return desk.db.execute("SELECT id, kind FROM events WHERE dossier_id = ? "
                           "ORDER BY desk_id, desk_seq", [row[0]]).fetchall()


def test_a_receives_for_b_offline_b_decides_a_returns(province, server, clock):  # noqa: F811
    a, b, c = province["a"], province["b"], province["c"]
    # 1. A, offline, receives for B: the slip names B and says the result comes back here.
    row = receive_for(a, B_CODE)
    code = row.code
    assert code.startswith(AGENCY_CODE + "-")  # the receiving agency's code
    assert (row.receiving_agency, row.competent_agency) == (AGENCY_CODE, B_CODE)
    assert row.due_at == a.calendar.due_at(row.received_at, a.procedure(CERTIFY).unit,
                                           a.procedure(CERTIFY).value)
    slip = a.slip_pdf(code)
    text = subprocess.run(["pdftotext", "-layout", "-", "-"], input=slip, capture_output=True,
                          check=True).stdout.decode()
    flat = " ".join(text.split())
    assert "chuyển đến UBND xã Đông Sơn để giải quyết" in flat
    assert "nơi đã tiếp nhận hồ sơ, để trả cho người nộp" in flat
    assert [d.code for d in a.worklist("to_forward")] == [code]  # not yet sent anywhere
    # ... then the line comes back.
    clock.now += dt.timedelta(minutes=20)
    sync(server, a, b, c)
    forwarded = a.dossier(code)["forwarded_at"]
    assert forwarded is not None  # the server passed it on when it took it
    # 2. B finds it, takes it in hand and asks for a supplement.
    assert b.find(code).rows[0].competent_agency == B_CODE
    assert b.worklist("paper_incoming")[0].code == code
    clock.now += dt.timedelta(minutes=30)
    b.step(code, Step.HANDOVER, {"to_unit": "Công chức Tư pháp – Hộ tịch"})
    b.step(code, Step.RECEIVE_PAPER, {"note": "Bưu điện giao"})
    b.step(code, Step.REQUEST_SUPPLEMENT, {"items": ["Bản sao hợp đồng có chữ ký đủ"],
                                           "reason": "Hợp đồng thiếu chữ ký bên B"})
    sync(server, b, a)
    at_a = a.dossier(code)
    assert at_a.status is Status.WAITING_SUPPLEMENT
    assert [d.code for d in a.worklist("waiting_supplement")] == [code]
    notice = subprocess.run(["pdftotext", "-layout", "-", "-"], input=a.form_pdf(code, "02"),
                            capture_output=True, check=True).stdout.decode()
    assert "Hợp đồng thiếu chữ ký bên B" in notice
    # A sends the paper (late or not, it is recorded) and takes the citizen's supplement.
    a.step(code, Step.SEND_PAPER, {"by": "post", "note": "EMS 123"})
    clock.now += dt.timedelta(hours=2)
    a.step(code, Step.RESUME, {"note": "Đã bổ sung"})
    # 3. A may not finish it; B finishes; A returns it.
    with pytest.raises(WrongSide, match="cơ quan có thẩm quyền giải quyết"):
        a.step(code, Step.FINISH, {})
    sync(server, a, b)
    clock.now += dt.timedelta(hours=1)
    b.step(code, Step.FINISH, {"result": "Hợp đồng đã chứng thực"})
    with pytest.raises(WrongSide, match="nơi tiếp nhận"):
        b.step(code, Step.RETURN, {})
    assert code not in [d.code for d in b.worklist("ready_to_return")]
    sync(server, b, a)
    assert [d.code for d in a.worklist("ready_to_return")] == [code]
    a.step(code, Step.RETURN, {"rating": "satisfied"})
    sync(server, a, b, c)
    # 4. Every desk agrees on every step, and with the server.
    assert a.dossier(code).status is b.dossier(code).status is Status.RETURNED
    assert events_of(a, code) == events_of(b, code)
    assert [k for _, k in sorted(events_of(a, code))] == [
        "received", "handover", "receive_paper", "request_supplement", "send_paper", "resume",
        "finish", "return"]
    with server.engine.connect() as conn:
        stored = json.loads(conn.execute(select(dossiers.c.row_json)
                                         .where(dossiers.c.code == code)).scalar_one())
    for key in ("status", "due_at", "finished_at", "returned_at", "paper_sent_at",
                "paper_received_at", "forwarded_at", "competent_agency"):
        assert a.dossier(code)[key] == b.dossier(code)[key] == stored[key], key
    # Each desk's history checks out, though B holds only the part of A's chain it shares
    # (audit verify: a gap in another unit's chain is by design; each row is still checked).
    assert audit_trail.verify(a.db).ok and audit_trail.verify(b.db).ok
    own = a.receive(ReceptionRequest(CERTIFY, dict(CITIZEN)))  # A's own: never at B
    sync(server, a, b)
    assert audit_trail.verify(b.db).ok and b.db.execute(
        "SELECT count(*) FROM dossiers WHERE code = ?", [own.code]).fetchone()[0] == 0
    b.db.execute("DROP TRIGGER events_append_only_update")  # tampering with A's row at B
    b.db.execute("UPDATE events SET payload = replace(payload, 'Đã bổ sung', 'Sửa') "
                 "WHERE kind = 'resume'")
    assert [x.reason for x in audit_trail.verify(b.db).broken] == [
        "Nội dung bản ghi đã bị sửa sau khi ghi."]
    # A third commune never sees it, at the desk or in what the server sends it.
    assert c.db.execute("SELECT count(*) FROM dossiers").fetchone()[0] == 0
    assert c.db.execute("SELECT count(*) FROM events WHERE dossier_id = ?",
                        [a.dossier(code)["id"]]).fetchone()[0] == 0


def test_a_step_from_the_wrong_side_is_quarantined_at_the_server(province, server):  # noqa: F811
    """A desk that skips its own rule (an older version, a hand-made file) gets nothing
    applied: the server quarantines the step and tells the other side nothing."""
    a, b = province["a"], province["b"]
    code = receive_for(a, B_CODE).code
    sync(server, a, b)

    def finish(row):  # the store's write, without Counter.step's checks
        return {"at": "2026-03-09T10:00:00", "finished_at": "2026-03-09T10:00:00",
                "due_at": row["due_at"], "verdict": "early", "result": ""}

    dossier_steps.record(a.db, code, Step.FINISH, finish, desk_id=a.desk_id,
                         officer=OFFICER["username"], now=dt.datetime(2026, 3, 9, 10, 0))
    sync_once(a.db, http=server.http)
    with server.engine.connect() as conn:
        result, reason = conn.execute(select(inbox.c.result, inbox.c.reason)
                                      .where(inbox.c.dossier_id == a.dossier(code)["id"])
                                      .order_by(inbox.c.server_seq.desc())).first()
        assert result == "quarantined" and reason.startswith("wrong_side: finish")
        logged = conn.execute(select(change_log.c.party_id).order_by(
            change_log.c.server_seq.desc())).first()
        assert logged.party_id is None  # B is not told of it
    sync(server, a, b)
    assert b.dossier(code).status is Status.RECEIVED
    assert a.dossier(code).status is Status.RECEIVED  # the server's row replaced A's own


def test_a_third_commune_cannot_touch_it_even_with_its_id(province, server):  # noqa: F811
    a, b, c = province["a"], province["b"], province["c"]
    code = receive_for(a, B_CODE).code
    sync(server, a, b)
    # C learns the dossier's id somehow and pushes a step on it from a hand-made file
    # (its desk holds no such dossier, so the file's own rule is switched off): quarantined.
    row = a.dossier(code)
    c.db.execute("PRAGMA foreign_keys = OFF")
    with transaction(c.db):
        event_log.append(c.db, dossier_id=row["id"], desk_id=c.desk_id, kind="handover",
                         payload={"at": "2026-03-09T10:00:00", "to_unit": "Công an xã"},
                         officer="huong", at=dt.datetime(2026, 3, 9, 10, 0).astimezone())
    sync_once(c.db, http=server.http)
    with server.engine.connect() as conn:
        assert conn.execute(select(inbox.c.result, inbox.c.reason).where(
            inbox.c.desk_id == c.desk_id)).all() == [("quarantined",
                                                      "dossier_of_another_commune")]
    sync(server, b)
    assert b.dossier(code).status is Status.RECEIVED


def test_a_provincial_body_works_it_end_to_end(province, server, clock):  # noqa: F811
    a, p = province["a"], province["p"]
    row = receive_for(a, P_CODE, "2.999901")
    assert row["competent_name"] == NAMES[P_CODE]
    sync(server, a, p)
    code = row.code
    p.step(code, Step.RECEIVE_PAPER, {})
    p.step(code, Step.HANDOVER, {"to_unit": "Phòng Lý lịch tư pháp"})
    clock.now += dt.timedelta(days=1)
    p.step(code, Step.FINISH, {"result": "Phiếu lý lịch tư pháp số 1"})
    sync(server, p, a)
    a.step(code, Step.RETURN, {})
    sync(server, a, p)
    assert p.dossier(code).status is a.dossier(code).status is Status.RETURNED
    assert events_of(a, code) == events_of(p, code)


def test_reception_for_another_body_is_checked(province):
    a = province["a"]
    with pytest.raises(ValidationError) as refused:  # not on the boundary-free list
        receive_for(a, B_CODE, "1.001193")
    assert "không phụ thuộc địa giới" in refused.value.errors["competent_agency"]
    with pytest.raises(ValidationError) as refused:  # a commune's procedure, a provincial body
        receive_for(a, P_CODE)
    assert "cơ quan cấp tỉnh" in refused.value.errors["competent_agency"]
    with pytest.raises(ValidationError) as refused:  # a unit the province does not have
        receive_for(a, "000.99.22.H56")
    assert "Đồng bộ" in refused.value.errors["competent_agency"]
    assert a.db.execute("SELECT count(*) FROM dossiers").fetchone()[0] == 0
    own = receive_for(a, AGENCY_CODE)  # its own code: received for itself
    assert not own.is_transfer and own["forward_due_at"] is None


def test_the_command_line_receives_for_another_body_and_keeps_to_its_side(
        province, server, capsys, monkeypatch):  # noqa: F811
    """receive --competent, show --json, send-paper / receive-paper, and a step from the
    wrong side refused with exit 4 and nothing written."""
    from counter_app.cli.main import main

    a, b = province["a"], province["b"]
    paths = {name: province[name].db.execute("PRAGMA database_list").fetchall()[0][2]
             for name in ("a", "b")}
    monkeypatch.setenv("COUNTER_APP_PASSWORD", PASSWORD)

    def cli(desk: str, *argv: str) -> tuple[int, str, str]:
        capsys.readouterr()
        code = main(["--db", paths[desk], "--as", OFFICER["username"], *argv])
        out, err = capsys.readouterr()
        return code, out, err

    code, out, _ = cli("a", "receive", "--procedure", CERTIFY, "--name", "Trần Thị Mai",
                       "--id-number", CITIZEN["id_number"], "--competent", B_CODE, "--json")
    assert code == 0
    received = json.loads(out)
    assert (received["receiving_agency"], received["competent_agency"]) == (AGENCY_CODE, B_CODE)
    assert received["competent_name"] == NAMES[B_CODE]
    assert received["transfer"]["paper_due_at"] and received["transfer"]["paper_sent_at"] is None
    dossier = received["code"]
    code, _, err = cli("a", "receive", "--procedure", "1.001193", "--name", "Trần Thị Mai",
                       "--id-number", CITIZEN["id_number"], "--competent", B_CODE)
    assert code == 2 and "competent_agency" in err  # not on the boundary-free list
    code, _, err = cli("a", "finish", dossier)
    assert code == 4 and "cơ quan có thẩm quyền giải quyết" in err
    code, out, _ = cli("a", "send-paper", dossier, "--by", "courier", "--json")
    assert code == 0 and json.loads(out)["transfer"]["paper_by"] == "courier"
    code, _, err = cli("a", "send-paper", dossier, "--by", "courier")
    assert code == 3 and "đã được gửi" in err  # once
    code, out, _ = cli("a", "worklist", "to_forward", "--json")
    assert [d["code"] for d in json.loads(out)] == [dossier]  # not forwarded yet
    sync(server, a, b)
    code, out, _ = cli("a", "worklist", "to_forward", "--json")
    assert json.loads(out) == []  # forwarded, and its paper sent
    code, out, _ = cli("b", "show", dossier, "--json")
    shown = json.loads(out)
    assert code == 0 and shown["competent_agency"] == B_CODE
    assert shown["transfer"]["forwarded_at"] and shown["transfer"]["paper_by"] == "courier"
    code, out, _ = cli("b", "receive-paper", dossier, "--json")
    assert code == 0 and json.loads(out)["transfer"]["paper_received_at"]
    code, _, err = cli("b", "send-paper", dossier, "--by", "post")
    assert code == 4 and "nơi tiếp nhận" in err
    before = b.db.execute("SELECT count(*) FROM events").fetchone()[0]
    code, _, err = cli("b", "return", dossier)
    assert code == 4 and "nơi tiếp nhận" in err  # the side is told before the status
    assert b.db.execute("SELECT count(*) FROM events").fetchone()[0] == before


def test_a_new_desk_of_the_deciding_unit_takes_it_in_its_snapshot(
        province, server, tmp_path, clock):  # noqa: F811
    from counter_app.service.counter import Counter

    a, b = province["a"], province["b"]
    code = receive_for(a, B_CODE).code
    sync(server, a, b)
    b.step(code, Step.HANDOVER, {"to_unit": "Công chức Tư pháp – Hộ tịch"})
    sync(server, b, a)
    second = Counter.open(tmp_path / "b2.db", clock=clock)
    try:
        second.add_officer(**OFFICER, password=PASSWORD)
        second.sign_in(OFFICER["username"], PASSWORD)
        second.set_up(**{**AGENCY, "agency_code": B_CODE, "agency_name": NAMES[B_CODE]},
                      desk_number=2)
        with database.writing(server.engine) as conn:
            enrol_code = enrolment.make_code(conn, B_CODE, 2)[0]
        enrol(second.db, server.url, enrol_code, http=server.http, allow_http=True)
        sync(server, second)
        row = second.db.execute("SELECT status, register_book FROM dossiers WHERE code = ?",
                                [code]).fetchone()
        assert row is not None and row[0] == int(Status.PROCESSING)
        assert row[1].startswith(AGENCY_CODE + " ")  # A's register, named as such here
        assert events_of(second, code) == events_of(a, code)
        # its register and its own book numbers are B's alone
        today = clock.now.date()
        assert code not in [d.code for d in second.register(today, today)]
        assert code in [d.code for d in a.register(today, today)]
    finally:
        second.close()


def test_a_conflict_between_the_two_sides_reaches_both(province, server, clock):  # noqa: F811
    """Offline, A's citizen withdraws while B finishes: the first to reach the server
    wins, the other is a conflict both units see and either may settle."""
    a, b = province["a"], province["b"]
    code = receive_for(a, B_CODE).code
    sync(server, a, b)
    clock.now += dt.timedelta(hours=1)
    b.step(code, Step.FINISH, {"result": "Đã chứng thực"})
    a.step(code, Step.WITHDRAW, {"reason": "Người nộp rút hồ sơ"})
    sync(server, b, a, b)
    assert a.dossier(code).status is b.dossier(code).status is Status.FINISHED
    seen_a, seen_b = a.conflicts(), b.conflicts()
    assert [c.code for c in seen_a] == [c.code for c in seen_b] == [code]
    b.resolve_conflict(seen_b[0].id, "Đã gọi điện cho công dân: nhận kết quả tại xã Quảng Phú")
    sync(server, b, a)
    assert a.conflicts() == [] and b.conflicts() == []


def test_a_procedure_a_desk_invents_sends_nothing_anywhere(province, server, tmp_path):  # noqa: F811
    """C puts on its own list a procedure the province does not have, marked boundary-free,
    and receives it for B: the server judges by its own catalogue and quarantines it."""
    c, b = province["c"], province["b"]
    invented = tmp_path / "tu_che.csv"
    invented.write_text(PROVINCE_LIST.replace("2.999901", "2.999902").replace(
        "Sở Tư pháp", "UBND cấp xã"), encoding="utf-8")
    c.import_procedures(invented)
    row = c.receive(ReceptionRequest("2.999902", dict(CITIZEN), competent_agency=B_CODE))
    sync(server, c, b)
    with server.engine.connect() as conn:
        result, why = conn.execute(select(inbox.c.result, inbox.c.reason)
                                   .where(inbox.c.dossier_id == row["id"])).one()
    assert result == "quarantined" and why.startswith("not_listed: procedure 2.999902")
    assert b.db.execute("SELECT count(*) FROM dossiers").fetchone()[0] == 0


@pytest.mark.parametrize(("procedure", "competent", "reason"), [
    ("1.001193", B_CODE, "not_boundary_free: procedure 1.001193"),  # khai sinh: not listed
    (CERTIFY, P_CODE, "competent_wrong_kind: procedure 2.001035 is decided by a commune"),
    (CERTIFY, "000.99.22.H56", "competent_unknown: no unit with agency code"),
])
def test_the_server_judges_a_reception_for_another_body_again(
        province, server, procedure, competent, reason):  # noqa: F811
    """A desk that skips its own checks (an older version, a hand-made file) sends a
    reception for a body it may not send to: the server quarantines it, and the body's
    desks never see it."""
    import dataclasses

    from counter_app.domain.reception import validate_reception
    from counter_app.domain.units import Unit
    from counter_app.domain.working_calendar import DurationUnit
    from counter_app.store import dossier_store

    a, b, p = province["a"], province["b"], province["p"]
    valid = validate_reception(ReceptionRequest(procedure, dict(CITIZEN)),
                               a.procedure(procedure), a.calendar, a.clock())
    valid = dataclasses.replace(valid, competent=Unit(competent, "Nơi khác", COMMUNE))
    row = dossier_store.receive(a.db, valid, a.agency, a.desk_id, OFFICER["username"],
                                a.clock(), a.calendar.due_at(a.clock(), DurationUnit.SAME_DAY),
                                a.calendar)
    sync(server, a, b, p)
    with server.engine.connect() as conn:
        result, why = conn.execute(select(inbox.c.result, inbox.c.reason)
                                   .where(inbox.c.dossier_id == row["id"])).one()
    assert result == "quarantined" and why.startswith(reason), why
    for desk in (b, p):
        assert desk.db.execute("SELECT count(*) FROM dossiers").fetchone()[0] == 0
