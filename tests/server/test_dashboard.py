"""The district leaders' web dashboard, through the real app (Starlette TestClient) on
SQLite and PostgreSQL: signing in and out, throttling, the numbers each page shows for
dossiers pushed by real desks, what the pages must never show, headers and page sizes."""

from __future__ import annotations

import datetime as dt
import io
import re
import uuid

import pytest
from sqlalchemy import insert, select, update

from counter_app.domain.lifecycle import Step
from counter_app.server import admin, database, leaders
from counter_app.server import clock as server_clock
from counter_app.server.cli import main as server_cli
from counter_app.server.schema import communes as commune_table
from counter_app.server.schema import devices, dossiers, web_sessions
from tests.core.conftest import CITIZEN_ID
from tests.server.conftest import COMMUNE_NAME, OTHER_CODE

VN = dt.timezone(dt.timedelta(hours=7))
NOW = dt.datetime(2026, 10, 20, 10, 0, tzinfo=VN)  # the server's clock: Tuesday 20/10/2026
HOTICH_15 = "2.001023"  # 15 working days: every appointment below is earlier (allowed)
USER, PASSWORD, NAME = "lanhdao", "mat-khau-huyen", "Nguyễn Văn Lãnh"
PAGES = ("/dashboard", "/dashboard/overdue", "/dashboard/desks", "/dashboard/report")


@pytest.fixture
def server_now(monkeypatch):
    """The server's clock, settable: server_now.at = ..."""
    class Now:
        at = NOW
    monkeypatch.setattr(server_clock, "now", lambda: Now.at)
    return Now


@pytest.fixture
def leader(server_db):
    with database.writing(server_db) as conn:
        leaders.add_leader(conn, USER, NAME, PASSWORD)
    return USER


def _csrf(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html)[1]


def sign_in(client, username: str = USER, password: str = PASSWORD, next_url: str = ""):
    form = client.get("/dashboard/sign-in")
    assert form.status_code == 200
    return client.post("/dashboard/sign-in", follow_redirects=False, data={
        "username": username, "password": password, "csrf": _csrf(form.text),
        "next": next_url})


def _signed_in(client):
    reply = sign_in(client)
    assert reply.status_code == 303 and reply.headers["location"] == "/dashboard", reply.text
    return client


def _t(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def _life(desk, clock, make_request, received: str, due: str, steps=(), **applicant):
    clock.now = _t(received)
    row = desk.counter.receive(make_request(HOTICH_15, applicant=applicant,
                                            received_at=_t(received), due_at=_t(due)))
    for moment, step, fields in steps:
        clock.now = _t(moment)
        desk.counter.step(row.code, step, fields)
    return row.code


HANDOVER = (Step.HANDOVER, {"to_unit": "Công chức Tư pháp – Hộ tịch", "to_person": "Trần Văn Bình"})


@pytest.fixture
def pushed(server_now, enrolled, make_request, clock):
    """October 2026. Commune A: 3 finished (early, on time, late), 1 overdue since 09/10,
    1 open within its deadline. Commune B: 1 finished on time."""
    a, b = enrolled("a.db"), enrolled("b.db", commune=OTHER_CODE)
    finish = (Step.FINISH, {"result": "Giấy khai sinh"})
    _life(a, clock, make_request, "2026-10-01T09:00", "2026-10-05T17:00",
          [("2026-10-02T09:00", *finish)])
    _life(a, clock, make_request, "2026-10-01T09:30", "2026-10-05T17:00",
          [("2026-10-05T15:00", *finish)])
    _life(a, clock, make_request, "2026-10-01T10:00", "2026-10-05T17:00",
          [("2026-10-08T09:00", *finish)])
    late = _life(a, clock, make_request, "2026-10-05T09:00", "2026-10-09T17:00",
                 [("2026-10-05T10:00", *HANDOVER)], full_name="Phạm Thị Quá Hạn",
                 phone="0987654321")
    _life(a, clock, make_request, "2026-10-15T09:00", "2026-10-28T17:00")
    _life(b, clock, make_request, "2026-10-02T09:00", "2026-10-06T17:00",
          [("2026-10-06T09:00", *finish)])
    desk_time = "2026-10-20T09:58:00+07:00"  # 2 minutes behind the server
    assert a.push(desk_time=desk_time).status_code == 200
    assert b.push(desk_time=desk_time).status_code == 200
    return {"a": a, "b": b, "late": late}


def _cells(html: str, first: str) -> list[str]:
    """The text of each cell of the table row whose first cell contains ``first``."""
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", html, re.S):
        cells = [re.sub(r"<[^>]+>", " ", c) for c in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>",
                                                                   row, re.S)]
        cells = [" ".join(c.split()) for c in cells]
        if cells and first in cells[0]:
            return cells
    raise AssertionError(f"no row for {first!r}")


def test_every_page_but_sign_in_needs_a_session(client, leader):
    for path in PAGES:
        reply = client.get(f"{path}?period=2026-10", follow_redirects=False)
        assert reply.status_code == 303
        assert reply.headers["location"].startswith("/dashboard/sign-in?next=%2Fdashboard")
    form = client.get("/dashboard/overdue?commune=X", follow_redirects=True)
    assert form.status_code == 200 and 'name="password"' in form.text
    reply = sign_in(client, next_url="/dashboard/overdue?commune=X")
    assert reply.headers["location"] == "/dashboard/overdue?commune=X"  # back where asked
    client.cookies.clear()
    for bad in ("https://evil.example/", "//evil.example/dashboard", "/v1/pull", "/dashboard\\x"):
        assert sign_in(client, next_url=bad).headers["location"] == "/dashboard"
        client.cookies.clear()
    assert client.get("/dashboard/static/dashboard.css").status_code == 200  # no session


def test_wrong_passwords_make_the_next_try_wait_but_never_long(client, leader, server_now):
    """The whole rule (per account and per client address, doubling, bounded) is in
    tests/security/test_dashboard_throttle.py; here, on both databases, what a leader sees."""
    wrong = sign_in(client, password="khong-dung")
    assert wrong.status_code == 401
    assert "Tên đăng nhập hoặc mật khẩu không đúng." in wrong.text
    assert "dashboard_session" not in wrong.headers.get("set-cookie", "")
    unknown = sign_in(client, username="khong.co.ai")
    assert unknown.status_code == 401 and _message(unknown.text) == _message(wrong.text)
    assert sign_in(client, password="khong-dung").status_code == 401
    fourth = sign_in(client, password="khong-dung")  # this address's fourth failure
    assert fourth.status_code == 429 and fourth.headers["retry-after"] == "1"
    assert "vui lòng đợi 1 giây (đến 10:00:01) rồi thử lại" in _message(fourth.text)
    refused = sign_in(client)  # the right password, but within the wait
    assert refused.status_code == 429 and "dashboard_session" not in refused.headers.get(
        "set-cookie", "")
    server_now.at = NOW + dt.timedelta(seconds=2)
    assert sign_in(client).status_code == 303
    assert client.get("/dashboard").status_code == 200


def _message(html: str) -> str:
    return re.search(r'<p class="msg error" role="alert">(.*?)</p>', html, re.S)[1]


def test_a_forged_sign_in_form_is_refused(client, leader):
    client.get("/dashboard/sign-in")
    reply = client.post("/dashboard/sign-in", follow_redirects=False,
                        data={"username": USER, "password": PASSWORD, "csrf": "x" * 43})
    assert reply.status_code == 400 and "dashboard_session" not in reply.headers.get(
        "set-cookie", "")
    for token in ("é", "đ" * 43):  # not ASCII: refused the same way, never a 500
        reply = client.post("/dashboard/sign-in", follow_redirects=False,
                            data={"username": USER, "password": PASSWORD, "csrf": token})
        assert reply.status_code == 400
    _signed_in(client)
    forged = client.post("/dashboard/sign-out", data={"csrf": "đ"}, follow_redirects=False)
    assert forged.status_code == 303 and forged.headers["location"].endswith("/dashboard")
    assert client.get("/dashboard", follow_redirects=False).status_code == 200  # still in


def test_the_pages_show_the_pushed_numbers(client, leader, pushed, server_db):
    _signed_in(client)
    html = client.get("/dashboard?period=2026-10").text
    assert NAME in html and "Đăng xuất" in html and "Số liệu đọc lúc 20/10/2026 10:00" in html
    assert "số liệu tính đến hết ngày 20/10/2026" in html
    a = _cells(html, COMMUNE_NAME)
    # name+code, received, resolved, rate, open, overdue at the period's end, overdue now
    assert a[1:7] == ["5", "3", "66,7%", "2", "1", "1"], a
    assert "20/10/2026 10:00" in a[7] and "vừa xong" in a[7]
    assert 'class="fill red w67"' in html
    b = _cells(html, "UBND xã Khác")
    assert b[1:7] == ["1", "1", "100%", "0", "0", "0"], b
    assert 'class="fill green w100"' in html
    total = _cells(html, "Toàn tỉnh")
    assert total[1:7] == ["6", "4", "75%", "2", "1", "1"], total
    assert html.index(COMMUNE_NAME) < html.index("UBND xã Khác")  # worst rate first
    by_name = client.get("/dashboard?period=2026-10&sort=name").text
    assert by_name.index("UBND xã Khác") < by_name.index(COMMUNE_NAME)

    overdue = client.get("/dashboard/overdue").text
    row = _cells(overdue, COMMUNE_NAME)
    assert row[:2] == [COMMUNE_NAME, "11"], row
    assert row[2].startswith(f"{pushed['late']} Liên thông thủ tục hành chính"), row
    assert row[3:] == ["05/10/2026", "09/10/2026", "Công chức Tư pháp – Hộ tịch Trần Văn Bình",
                       "Phạm Thị Quá Hạn"], row
    assert "1 hồ sơ đang giải quyết đã quá ngày hẹn trả" in overdue.replace("<b>", "").replace(
        "</b>", "")
    other = client.get(f"/dashboard/overdue?commune={OTHER_CODE}").text
    assert "Không có hồ sơ nào đang quá hạn." in other and pushed["late"] not in other

    report = client.get("/dashboard/report?period=2026-10").text
    rows = re.findall(r'<tr class="total">(.*?)</tr>', report, re.S)
    numbers = re.findall(r"<td>(\d+)</td>", rows[0])
    assert numbers == ["6", "0", "6", "0", "4", "1", "2", "1", "2", "1", "1"]
    assert 'colspan="4">Số hồ sơ nhận giải quyết' in report and 'rowspan="3">STT' in report
    one = client.get(f"/dashboard/report?period=2026-10&commune={OTHER_CODE}&by=procedure").text
    rows = re.findall(r'<tr class="total">(.*?)</tr>', one, re.S)
    assert re.findall(r"<td>(\d+)</td>", rows[0])[:3] == ["1", "0", "1"]
    assert 'class="proc"' in one and HOTICH_15 in one and "UBND XÃ KHÁC" in one

    desks = client.get("/dashboard/desks").text
    assert "chậm 2 phút" in desks and "Mọi máy trạm đang dùng đều đã đồng bộ" in desks

    for page in (html, overdue, report, one, desks):  # never an id number, phone, address
        for secret in (CITIZEN_ID, "0987654321", "0912345678", "Thôn Phú Lộc", "example.vn"):
            assert secret not in page
        assert "<script" not in page


def test_a_desk_silent_for_4_days_is_flagged_first(client, leader, pushed, server_db):
    with database.writing(server_db) as conn:
        conn.execute(update(devices).where(devices.c.desk_id == pushed["b"].desk_id)
                     .values(last_seen=server_clock.iso(NOW - dt.timedelta(days=4, hours=1))))
    _signed_in(client)
    desks = client.get("/dashboard/desks").text
    first = _cells(desks, "UBND xã")
    assert first[0].startswith("UBND xã Khác") and "4 ngày trước" in first[2]
    assert "Quá 3 ngày" in first[2] and '<tr class="warn">' in desks
    assert "<b>1</b> máy trạm chưa đồng bộ quá 3 ngày" in desks
    assert "Quá 3 ngày" not in client.get("/dashboard/desks?days=5").text
    overview = client.get("/dashboard?period=2026-10").text
    assert "Quá 3 ngày chưa đồng bộ" in _cells(overview, "UBND xã Khác")[7]
    assert "Quá 3 ngày chưa đồng bộ" not in _cells(overview, COMMUNE_NAME)[7]
    with database.writing(server_db) as conn:
        conn.execute(update(devices).where(devices.c.desk_id == pushed["a"].desk_id)
                     .values(last_seen=None))
    desks = client.get("/dashboard/desks").text
    assert _cells(desks, "UBND xã")[0].startswith(COMMUNE_NAME)  # never synchronised: first
    assert "Chưa đồng bộ lần nào" in desks


def test_signing_out_ends_the_session(client, leader, server_db):
    _signed_in(client)
    cookie = client.cookies.get("dashboard_session", path="/dashboard")
    page = client.get("/dashboard")
    out = client.post("/dashboard/sign-out", data={"csrf": _csrf(page.text)},
                      follow_redirects=False)
    assert out.status_code == 303 and out.headers["location"] == "/dashboard/sign-in?out=1"
    with database.reading(server_db) as conn:
        assert conn.execute(select(web_sessions)).first() is None
    client.cookies.clear()
    client.cookies.set("dashboard_session", cookie, path="/dashboard")  # the old cookie
    assert client.get("/dashboard", follow_redirects=False).status_code == 303


def test_a_sign_out_needs_the_pages_own_token(client, leader):
    _signed_in(client)
    reply = client.post("/dashboard/sign-out", data={"csrf": "forged"}, follow_redirects=False)
    assert reply.headers["location"] == "/dashboard"
    assert client.get("/dashboard", follow_redirects=False).status_code == 200


def test_a_session_expires_after_8_hours(client, leader, server_now):
    _signed_in(client)
    server_now.at = NOW + dt.timedelta(hours=7, minutes=59)
    assert client.get("/dashboard", follow_redirects=False).status_code == 200
    server_now.at = NOW + dt.timedelta(hours=8, minutes=1)
    assert client.get("/dashboard", follow_redirects=False).status_code == 303


def test_a_disabled_leader_cannot_sign_in_and_loses_its_sessions(client, leader, server_db):
    _signed_in(client)
    with database.writing(server_db) as conn:
        leaders.disable_leader(conn, USER)
    assert client.get("/dashboard", follow_redirects=False).status_code == 303
    client.cookies.clear()
    reply = sign_in(client)
    assert reply.status_code == 403 and "ngừng hoạt động" in reply.text
    assert "dashboard_session" not in reply.headers.get("set-cookie", "")


def test_pages_carry_the_security_headers_and_write_nothing(client, leader, pushed,
                                                            server_db):
    reply = sign_in(client)
    cookie = reply.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/dashboard" in cookie
    assert "Secure" not in cookie  # plain http here; https gets Secure (see below)
    before = _state(server_db)
    for path in (*PAGES, "/dashboard/sign-in", "/dashboard/static/dashboard.css"):
        reply = client.get(path)
        h = reply.headers
        assert h["content-security-policy"] == (
            "default-src 'none'; style-src 'self'; img-src 'self' data:; "
            "form-action 'self'; frame-ancestors 'none'"), path
        assert h["x-content-type-options"] == "nosniff" and h["referrer-policy"] == "no-referrer"
        if path.endswith(".css"):
            assert "max-age=31536000" in h["cache-control"]
        else:
            assert h["cache-control"] == "no-store" and h["content-encoding"] == "gzip", path
    assert _state(server_db) == before  # reading pages changed nothing
    from starlette.testclient import TestClient

    from counter_app.server.app import create_app

    with TestClient(create_app(server_db), base_url="https://testserver") as secure:
        assert "Secure" in sign_in(secure).headers["set-cookie"]


def _state(engine) -> list:
    from counter_app.server.schema import leaders as leader_table

    with database.reading(engine) as conn:
        return [conn.execute(select(t)).all() for t in (leader_table, web_sessions, devices)]


def test_commune_names_are_escaped(client, leader, server_db):
    with database.writing(server_db) as conn:
        admin.add_commune(conn, "000.00.00.H01", 'UBND xã <script>alert("x")</script>')
    _signed_in(client)
    for path in (*PAGES, "/dashboard/report?commune=000.00.00.H01"):
        html = client.get(path).text
        assert "<script" not in html
    assert "&lt;script&gt;" in client.get("/dashboard").text


def test_bad_parameters_are_explained_not_fatal(client, leader, server_now):
    _signed_in(client)
    reply = client.get("/dashboard?period=2026-13")
    assert reply.status_code == 400 and "Tháng 13 không hợp lệ" in reply.text
    assert "Tháng 10/2026" in reply.text  # this month shown instead
    reply = client.get("/dashboard/overdue?commune=nope&page=abc")
    assert reply.status_code == 400 and "Không có xã mã “nope”" in reply.text
    assert client.get("/dashboard/desks?days=-4").status_code == 200
    for odd in ("²", "①", "١٢"):  # digits to str.isdigit, not to int()
        assert client.get(f"/dashboard/overdue?page={odd}").status_code == 200
        assert client.get(f"/dashboard/desks?days={odd}").status_code == 200
    assert client.get("/dashboard/overdue?commune=%00").status_code == 200  # NUL: ignored
    assert client.get("/dashboard/report?commune=x%00&period=2026%00").status_code == 400
    client.cookies.clear()
    assert sign_in(client, username="lanh%00dao".replace("%00", "\x00")).status_code == 401


def test_pages_stay_small_for_30_communes(client, leader, pushed, server_db):
    """30 communes with 2 desks each, and a full page (50) of overdue dossiers."""
    with database.writing(server_db) as conn:
        for i in range(28):
            code = f"000.17.22.H{i:02d}"
            admin.add_commune(conn, code, f"UBND xã Thượng Trạch Số {i}")
            commune_id = conn.execute(select(commune_table.c.id).where(commune_table.c.code == code)
                                      ).scalar_one()
            conn.execute(insert(devices), [{
                "desk_id": str(uuid.uuid4()), "commune_id": commune_id, "desk_number": n,
                "token_hash": uuid.uuid4().hex * 2, "enrolled_at": server_clock.iso(NOW),
                "last_hash": "", "last_audit_hash": "", "last_seen": server_clock.iso(NOW),
                "waiting": 12, "clock_offset_s": 3.5, "app_version": "0.1.0"}
                for n in (1, 2)])
        late = dict(conn.execute(select(dossiers).where(dossiers.c.code == pushed["late"]))
                    .mappings().one())
        conn.execute(insert(dossiers), [
            {**late, "id": str(uuid.uuid4()), "code": f"{late['code']}-{i}"} for i in range(60)])
    _signed_in(client)
    for path in (*PAGES, "/dashboard/report?by=procedure&period=2026-10"):
        reply = client.get(path)
        assert reply.status_code == 200
        assert len(reply.content) < 30_000, (path, len(reply.content))
    assert client.get("/dashboard/desks").text.count("<tr") == 1 + 58
    overdue = client.get("/dashboard/overdue").text
    assert overdue.count("<tr") == 1 + 50 and "trang 1/2" in overdue
    second = client.get("/dashboard/overdue?page=2").text
    assert second.count("<tr") == 1 + 11 and "Trang trước" in second
    assert client.get("/dashboard/overdue?page=99").text == second  # past the last: the last


def test_leaders_cli(server_db, capsys, monkeypatch, client):
    url = server_db.url.render_as_string(hide_password=False)

    def run(*argv, stdin: str | None = None):
        if stdin is not None:
            monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
        code = server_cli(["--database", url, "leaders", *argv])
        out, err = capsys.readouterr()
        return code, out, err

    name = "Nguye\u0302\u0303n Thi\u0323 Ha\u0300"  # decomposed: stored composed (NFC)
    assert run("add", "Truong.Phong", "--name", name, "--password-stdin",
               stdin="mat-khau-1\n")[0] == 0
    code, out, _ = run("list")
    assert code == 0 and "truong.phong\tNguyễn Thị Hà\tactive" in out
    assert sign_in(client, "truong.phong", "mat-khau-1").status_code == 303
    code, _, err = run("add", "ngan", "--name", "A", "--password-stdin", stdin="ngan\n")
    assert code == 2 and "at least 8" in err
    code, _, err = run("add", "truong.phong", "--name", "B", "--password-stdin",
                       stdin="mat-khau-2\n")
    assert code == 2 and "already exists" in err
    code, _, err = run("add", "x", "--name", "B", "--password-stdin", stdin="mat-khau-2\n")
    assert code == 2 and "username" in err
    assert run("password", "truong.phong", "--password-stdin", stdin="mat-khau-moi\n")[0] == 0
    assert client.get("/dashboard", follow_redirects=False).status_code == 303  # session ended
    client.cookies.clear()
    assert sign_in(client, "truong.phong", "mat-khau-1").status_code == 401
    assert sign_in(client, "truong.phong", "mat-khau-moi").status_code == 303
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    code, _, err = run("password", "truong.phong")  # no terminal, no --password-stdin
    assert code == 2 and "--password-stdin" in err
    assert run("disable", "truong.phong")[0] == 0
    assert "disabled" in run("list")[1]
    code, _, err = run("disable", "nobody")
    assert code == 2 and "no leader nobody" in err
