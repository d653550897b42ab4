"""Two desks of one commune through the real server (in-process): what officers see."""

from __future__ import annotations

import datetime as dt

import pytest

from counter_app.accounts import audit_trail
from counter_app.sync import desk_state, push
from counter_app.sync.conflicts import list_conflicts, resolve
from counter_app.sync.errors import (
    AlreadyEnrolled,
    NotEnrolled,
    ServerUnreachable,
    SyncRefused,
)
from counter_app.sync.status import sync_status
from counter_app.sync.sync_round import sync_once
from tests.sync.conftest import PROCEDURE


def _sync(server, *desks):
    return [sync_once(d.db, http=server.http) for d in desks]


def test_a_dossier_received_on_a_appears_on_b_with_its_chain(enrolled, server, make_request):
    a, b = enrolled("a.db", 1), enrolled("b.db", 2)
    code = a.receive(make_request(PROCEDURE)).code
    a.step(code, "handover", {"to_unit": "Công chức Tư pháp"})
    [report_a] = _sync(server, a)
    assert report_a.pushed.to_dict()["applied"] == 2 and report_a.waiting == 0
    [report_b] = _sync(server, b)
    assert report_b.pulled.events == 2 and report_b.pulled.dossiers == 1
    row_b, row_a = b.dossier(code), a.dossier(code)
    assert row_b.status == row_a.status and row_b["holder"] == row_a["holder"]
    assert [e.kind for e in b.events(row_b)] == ["received", "handover"]
    assert audit_trail.verify(b.db).ok
    # a step on B reaches A
    b.step(code, "finish", {})
    _sync(server, b, a)
    assert a.dossier(code).status.name == "FINISHED"
    assert [e.kind for e in a.events(a.dossier(code))] == ["received", "handover", "finish"]
    assert audit_trail.verify(a.db).ok
    assert sync_status(a.db).waiting_events == 0 and sync_status(b.db).waiting_events == 0


def test_two_desks_returning_the_same_dossier_make_a_conflict_on_both(enrolled, server,
                                                                      make_request):
    a, b = enrolled("a.db", 1), enrolled("b.db", 2)
    code = a.receive(make_request(PROCEDURE)).code
    a.step(code, "finish", {})
    _sync(server, a, b)
    a.step(code, "return", {"rating": "satisfied"})
    b.step(code, "return", {"rating": "satisfied"})  # both desks, offline from each other
    [ra] = _sync(server, a)
    [rb] = _sync(server, b)
    assert ra.pushed.to_dict()["applied"] == 1
    assert rb.pushed.to_dict()["conflicts"] == 1
    _sync(server, a)
    for desk in (a, b):
        [conflict] = list_conflicts(desk.db)
        assert conflict.code == code and conflict.kind == "step_not_allowed"
        assert "Trả kết quả" in conflict.lost and conflict.kept
        assert sync_status(desk.db).open_conflicts == 1
    # B's own event stays in its log; its row is the server's (returned once)
    assert b.dossier(code).status.name == "RETURNED"
    outcome = b.db.execute("SELECT result FROM event_outcomes o JOIN events e "
                           "ON e.id = o.event_id WHERE e.desk_id = ? AND e.kind = 'return'",
                           [b.desk_id]).fetchone()
    assert outcome == ("conflict",)
    # the leader settles it on A; B learns it at its next round
    resolve(a.db, conflict.id, "huong", "Đã kiểm tra: công dân nhận kết quả tại quầy 1.")
    _sync(server, a, b)
    assert list_conflicts(b.db) == []
    [settled] = list_conflicts(b.db, include_resolved=True)
    assert settled.resolution.startswith("Đã kiểm tra")


def test_a_lost_reply_is_resent_and_comes_back_as_duplicates(enrolled, server, make_request,
                                                             monkeypatch):
    a = enrolled("a.db", 1)
    for i in range(3):
        a.receive(make_request(PROCEDURE, applicant={"id_number": f"00130301000{i}"}))
    real = push._store_reply
    monkeypatch.setattr(push, "_store_reply", _lose_reply)
    with pytest.raises(ConnectionResetError):
        sync_once(a.db, http=server.http)
    assert sync_status(a.db).waiting_events == 3  # the server has them; the desk does not know
    monkeypatch.setattr(push, "_store_reply", real)
    [report] = _sync(server, a)
    assert report.pushed.to_dict()["duplicates"] == 3
    assert sync_status(a.db).waiting_events == 0
    assert server.count("dossiers") == 3 and server.count("inbox") == 3


def _lose_reply(*args, **kwargs):
    raise ConnectionResetError("the reply was lost on the way")


def test_a_revoked_desk_is_refused_and_keeps_its_events_waiting(enrolled, server,
                                                                make_request):
    a = enrolled("a.db", 1)
    a.receive(make_request(PROCEDURE))
    server.revoke(a.desk_id)
    with pytest.raises(SyncRefused) as err:
        sync_once(a.db, http=server.http)
    assert err.value.code == "unauthorized" and err.value.status == 401
    assert "thu hồi" in str(err.value)
    status = sync_status(a.db)
    assert status.waiting_events == 1 and status.last_error_kind == "refused"
    assert status.last_error == str(err.value) and status.last_success is None


def test_offline_loses_nothing(open_desk, enrolled, server, make_request, tmp_path):
    import httpx

    a = enrolled("a.db", 1)
    a.receive(make_request(PROCEDURE))
    dead = httpx.Client(base_url="http://127.0.0.1:9", timeout=httpx.Timeout(2, connect=1))
    with pytest.raises(ServerUnreachable) as err:
        sync_once(a.db, http=dead)
    assert "Không kết nối được máy chủ" in str(err.value)
    status = sync_status(a.db)
    assert status.waiting_events == 1 and status.last_error_kind == "offline"
    [report] = _sync(server, a)  # back online
    assert report.pushed.to_dict()["applied"] == 1 and sync_status(a.db).last_error == ""


def test_not_enrolled(open_desk):
    a = open_desk("a.db")
    with pytest.raises(NotEnrolled):
        sync_once(a.db)
    assert not sync_status(a.db).enrolled


def test_enrolling_twice_needs_asking(enrolled, server):
    from counter_app.sync.enrolment import enrol

    a = enrolled("a.db", 1)
    with pytest.raises(AlreadyEnrolled):
        enrol(a.db, server.url, server.code(1), http=server.http, allow_http=True)


def test_a_new_desk_takes_its_setup_from_the_server(open_desk, server):
    from counter_app.sync.enrolment import enrol

    fresh = open_desk("new.db", setup=False)
    result = enrol(fresh.db, server.url, server.code(3).lower(), http=server.http, allow_http=True)
    assert (result.desk_number, result.commune_code) == (3, "000.17.22.H56")
    assert (fresh.agency.agency_code, fresh.agency.desk_number) == ("000.17.22.H56", 3)
    assert fresh.agency.agency_name == "UBND xã Quảng Phú"


def test_a_desk_clock_three_days_off_gets_a_warning(enrolled, server):
    a = enrolled("a.db", 1)
    slow = lambda: dt.datetime.now().astimezone() - dt.timedelta(days=3)  # noqa: E731
    report = sync_once(a.db, http=server.http, now=slow)
    assert 3 * 86400 - 60 < report.clock_offset_seconds < 3 * 86400 + 60
    assert "chậm khoảng 3 ngày" in report.clock_warning
    assert "chậm khoảng 3 ngày" in sync_status(a.db).clock_warning


def test_officers_created_on_a_can_sign_in_on_b(enrolled, server):
    a, b = enrolled("a.db", 1), enrolled("b.db", 2)
    a.add_officer("lan.nt", "Nguyễn Thị Lan", "Công chức Tư pháp", ["processing"],
                  "mat-khau-lan-1")
    _sync(server, a, b)
    assert b.sign_in("lan.nt", "mat-khau-lan-1").full_name == "Nguyễn Thị Lan"
    dirty = b.db.execute("SELECT count(*) FROM officers WHERE local_rev > pushed_rev")
    assert dirty.fetchone()[0] == 0


def test_the_cursor_and_waiting_count_after_a_round(enrolled, server, make_request):
    a = enrolled("a.db", 1)
    a.receive(make_request(PROCEDURE))
    _sync(server, a)
    assert desk_state.get(a.db, desk_state.ACKED_THROUGH) == 1
    assert desk_state.get(a.db, desk_state.PULL_CURSOR) >= 1
    assert desk_state.get(a.db, desk_state.AUDIT_ACKED_THROUGH) >= 1


def test_catalogue_and_calendar_come_from_the_server(enrolled, server):
    from counter_app.server import database
    from counter_app.server import reference as server_reference
    from counter_app.store import catalogue_files

    a = enrolled("a.db", 1)
    bundled = catalogue_files.bundled()
    with database.writing(server.engine) as conn:
        server_reference.import_catalogue(conn, bundled[:2])
        server_reference.set_day(conn, dt.date(2026, 4, 30), "off", "Ngày Giải phóng miền Nam")
    [report] = _sync(server, a)
    assert set(report.reference_updated) >= {"catalogue", "calendar"}
    sources = dict(a.db.execute("SELECT code, source FROM procedures").fetchall())
    assert sources[bundled[0].code] == "server" and sources[bundled[2].code] == "bundled"
    assert a.db.execute("SELECT kind, reason FROM calendar_overrides").fetchall() == [
        ("off", "Ngày Giải phóng miền Nam")]
    with database.writing(server.engine) as conn:  # the province drops one procedure
        conn.exec_driver_sql("DELETE FROM procedures WHERE code = ?", (bundled[1].code,))
        server_reference.import_catalogue(conn, bundled[:1])  # a new catalogue version
    [report] = _sync(server, a)
    assert "catalogue" in report.reference_updated
    assert a.db.execute("SELECT count(*) FROM procedures WHERE code = ?",
                        [bundled[1].code]).fetchone()[0] == 0


def test_a_desk_moved_to_a_new_server_sends_its_whole_history_and_one_re_enrolled_resumes(
        enrolled, server, make_request, tmp_path):
    from counter_app.sync.enrolment import enrol
    from tests.sync.conftest import Server

    a = enrolled("a.db", 1)
    for i in range(3):
        a.receive(make_request(PROCEDURE, applicant={"id_number": f"00130301000{i}"}))
    _sync(server, a)
    assert desk_state.get(a.db, desk_state.ACKED_THROUGH) == 3

    # the same server, a new code (the token was lost): nothing is sent twice
    enrol(a.db, server.url, server.code(1), http=server.http, reenrol=True, allow_http=True)
    a.receive(make_request(PROCEDURE, applicant={"id_number": "001303010009"}))
    [report] = _sync(server, a)
    assert report.pushed.to_dict()["sent"] == 1 and server.count("inbox") == 4

    # a new, empty server: the desk starts again from its first event, with no gap
    (tmp_path / "new").mkdir()
    moved = Server(tmp_path / "new")
    try:
        assert desk_state.get(a.db, desk_state.PULL_CURSOR) > 0
        enrol(a.db, moved.url, moved.code(1), http=moved.http, reenrol=True, allow_http=True)
        assert desk_state.get(a.db, desk_state.ACKED_THROUGH) == 0
        assert desk_state.get(a.db, desk_state.PULL_CURSOR) is None  # same address, new server
        sync_once(a.db, http=moved.http)
        assert moved.count("inbox") == 4 and moved.count("dossiers") == 4
        assert sync_status(a.db).waiting_events == 0
    finally:
        moved.http.close()
