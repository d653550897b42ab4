"""Digitisation at the district server, on SQLite and PostgreSQL, through the real app: each
unit's digitisation rates on the leaders' dashboard and in the district API's counts
(reports/digitisation.py, over the counts the push keeps in each dossier's row), and a signed-in leader (or a
district viewer's token) listing a dossier's digitised documents and downloading one.

Real desks (Counter) digitise real pages (tests/sample_pages.py) and push their events;
one file is then sent the way a desk sends it (PATCH /v1/blobs)."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import re
import warnings
from urllib.parse import unquote

import pytest

from counter_app.domain.lifecycle import Step
from counter_app.reports import parse_period
from counter_app.server import clock as server_clock
from counter_app.server import database, leaders
from counter_app.server import reports as server_reports
from counter_app.server.app import create_app
from counter_app.server.blob_files import FileBackend
from tests.sample_pages import jpeg, reportlab_pdf, scanned, text_page
from tests.server.conftest import COMMUNE_NAME, OTHER_CODE

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

VN = dt.timezone(dt.timedelta(hours=7))
NOW = dt.datetime(2026, 11, 3, 10, 0, tzinfo=VN)  # October is over
HOTICH = "1.004873"     # two documents to digitise, and the ID card, only shown
USER, PASSWORD, NAME = "lanhdao", "mat-khau-huyen", "Nguyễn Văn Lãnh"
SHOWN_ONLY = [{"name": "Giấy tờ tùy thân (CCCD)", "form": "present"}]


@pytest.fixture
def client(server_db, tmp_path):
    """The app with its files in the test's folder (never the working folder)."""
    with TestClient(create_app(server_db, FileBackend(tmp_path / "server-blobs"))) as c:
        yield c


@pytest.fixture
def server_now(monkeypatch):
    monkeypatch.setattr(server_clock, "now", lambda: NOW)


@pytest.fixture
def leader(server_db):
    with database.writing(server_db) as conn:
        leaders.add_leader(conn, USER, NAME, PASSWORD)


def signed_in(client):
    form = client.get("/dashboard/sign-in").text
    csrf = re.search(r'name="csrf" value="([^"]+)"', form)[1]
    reply = client.post("/dashboard/sign-in", follow_redirects=False, data={
        "username": USER, "password": PASSWORD, "csrf": csrf, "next": ""})
    assert reply.status_code == 303, reply.text
    return client


def send_file(desk, sha256: str) -> None:
    """The file as a desk sends it: one chunk (it is small), whole, hash checked."""
    data = desk.counter.blob_store().read(sha256)
    reply = desk.client.patch(f"/v1/blobs/{sha256}", content=data, headers={
        **desk.auth, "Upload-Offset": "0", "Upload-Length": str(len(data))})
    assert reply.status_code == 204 and reply.headers.get("X-Blob-Complete") == "1", reply.text


@pytest.fixture
def pushed(server_now, enrolled, make_request, clock):
    """October 2026. Commune A: a (both documents and the result scanned), b (one of two;
    finished, result not scanned), c (the same citizen back: the form linked from a, the
    other document scanned), e (only a paper shown). Commune B: x (nothing scanned,
    finished). Only a's form reaches the server as a file."""
    a, b = enrolled("a.db"), enrolled("b.db", commune=OTHER_CODE)
    scan = jpeg(scanned(text_page((827, 1170))))

    def receive(desk, moment, **extra):
        clock.now = dt.datetime.fromisoformat(moment)
        return desk.counter.receive(make_request(HOTICH, received_at=clock.now, **extra)).code

    def finish(desk, code, moment):
        clock.now = dt.datetime.fromisoformat(moment)
        desk.counter.step(code, Step.FINISH, {"result": "Giấy xác nhận"})

    da = receive(a, "2026-10-05T09:00")
    form = a.counter.attach(da, [scan], document=0)
    proof = a.counter.attach(da, [reportlab_pdf(2)], document=1)
    finish(a, da, "2026-10-08T09:00")
    a.counter.attach(da, [reportlab_pdf(1)], result=True)
    db = receive(a, "2026-10-06T09:00")
    other = a.counter.attach(db, [reportlab_pdf(3)], document=0)
    finish(a, db, "2026-10-09T09:00")
    dc = receive(a, "2026-10-12T09:00")
    a.counter.reuse(dc, 0, da, form.id)
    a.counter.attach(dc, [reportlab_pdf(4)], document=1)
    receive(a, "2026-10-07T09:00", documents=SHOWN_ONLY)
    dx = receive(b, "2026-10-06T10:00")
    finish(b, dx, "2026-10-09T10:00")
    assert a.push().status_code == 200 and b.push().status_code == 200
    send_file(a, form.sha256)
    return {"a": a, "b": b, "da": da, "db": db, "dc": dc, "dx": dx, "form": form,
            "proof": proof, "other": other}


def _table(html: str, name: str) -> str:
    return re.search(rf'<table class="grid {name}[^"]*">(.*?)</table>', html, re.S)[1]


def _rows(table: str) -> dict[str, list[str]]:
    """Each row's cells (text, spaces folded) by its first cell's first line."""
    out = {}
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", table, re.S):
        cells = re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row, re.S)
        texts = [" ".join(re.sub(r"<[^>]+>", " ", c).split()) for c in cells]
        if texts:
            out[texts[0]] = texts
    return out


def test_the_queries_on_both_databases(server_db, pushed):
    with server_db.connect() as conn:
        found = server_reports.digitisation(conn, parse_period("2026-10"))
        ids = dict(conn.exec_driver_sql("SELECT code, id FROM communes").all())
    a = found[ids[next(c for c in ids if c != OTHER_CODE)]]
    # A on paper in October: a b c e; something to digitise: a b c; complete: a c.
    assert (a.received, a.to_digitise, a.complete) == (4, 3, 2)
    assert (a.documents, a.documents_digitised) == (6, 5)        # b's proof missing
    assert (a.reused_dossiers, a.reused_documents) == (1, 1)     # c: the form from a
    assert (a.with_result, a.results_digitised) == (2, 1)        # a b; a's scanned
    b = found[ids[OTHER_CODE]]
    assert (b.received, b.to_digitise, b.complete, b.documents) == (1, 1, 0, 2)
    assert (b.with_result, b.results_digitised, b.reused_dossiers) == (1, 0, 0)
    with server_db.connect() as conn:
        assert server_reports.digitisation(conn, parse_period("2026-09")) == {}


def test_an_upgraded_server_counts_its_earlier_dossiers(server_db, pushed):
    """Revision 0014 counts the rows pushed before it into the new columns: the same
    figures after a downgrade (the columns gone) and the upgrade."""
    from alembic import command

    period = parse_period("2026-10")
    with server_db.connect() as conn:
        before = server_reports.digitisation(conn, period)
    with server_db.begin() as conn:
        command.downgrade(database.alembic_config(conn), "0013")
    database.migrate(server_db)
    with server_db.connect() as conn:
        assert server_reports.digitisation(conn, period) == before
        assert conn.exec_driver_sql("SELECT count(*) FROM dossiers WHERE docs_reused = 1"
                                    ).scalar_one() == 1


def test_each_unit_on_the_overview(client, leader, pushed):
    html = signed_in(client).get("/dashboard?period=2026-10").text
    rows = _rows(_table(html, "digitised"))
    a = next(v for k, v in rows.items() if k.startswith(COMMUNE_NAME))
    # unit, received, complete at reception, documents, with a result, results, reuse
    assert a[1:] == ["4", "66,7% 2/3", "83,3% 5/6", "2", "50% 1/2", "25% 1/4 1 giấy tờ"], a
    b = next(v for k, v in rows.items() if k.startswith("UBND xã Khác"))
    assert b[1:] == ["1", "0% 0/1", "0% 0/2", "1", "0% 0/1", "0% 0/1"], b
    assert rows["Toàn tỉnh"][1:] == ["5", "50% 2/4", "62,5% 5/8", "3", "33,3% 1/3",
                                      "20% 1/5 1 giấy tờ"]
    assert "Số hóa hồ sơ" in html and "QĐ 766/QĐ-TTg" in html
    september = client.get("/dashboard?period=2026-09").text
    rows = _rows(_table(september, "digitised"))
    assert rows["Toàn tỉnh"][1:] == ["0", "chưa có 0/0", "chưa có 0/0", "0", "chưa có 0/0",
                                      "chưa có 0/0"]


def test_the_district_counts_carry_each_unit_s_digitisation(client, pushed, viewer_token):
    viewer = {"Authorization": f"Bearer {viewer_token}"}
    data = client.get("/v1/district/counts?from=2026-10-01&to=2026-10-31",
                      headers=viewer).json()
    by_code = {c["code"]: c["digitisation"] for c in data["communes"]}
    mine = next(v for k, v in by_code.items() if k != OTHER_CODE)
    assert (mine["received"], mine["complete"], mine["to_digitise"]) == (4, 2, 3)
    assert mine["reception_share"] == pytest.approx(2 / 3)
    assert (mine["results_digitised"], mine["with_result"], mine["reused_documents"]) == (
        1, 2, 1)
    assert by_code[OTHER_CODE]["reception_share"] == 0.0


def test_a_leader_sees_the_documents_and_downloads_one(client, leader, pushed, caplog):
    assert client.get(f"/dashboard/dossier?code={pushed['da']}",
                      follow_redirects=False).status_code == 303  # not signed in
    signed_in(client)
    page = client.get(f"/dashboard/dossier?code={pushed['da']}")
    assert page.status_code == 200
    html = page.text
    checklist = _rows(_table(html, "checklist"))
    assert [v[3] for v in checklist.values() if v[0] != "STT"] == [
        "Đã số hóa", "Đã số hóa", "Không phải số hóa"]  # the ID card is only shown
    assert "Đã số hóa <b>2/2</b> giấy tờ phải số hóa" in html
    files = [v for k, v in _rows(_table(html, "files")).items() if k != "Giấy tờ"]
    form, proof, result = pushed["form"], pushed["proof"], files[2]
    assert files[0][0] == f"{form.name} Giấy tờ số 1" and files[0][1] == "1"
    assert files[0][3].startswith("05/10/2026 09:00")
    assert files[0][5] == form.sha256 and files[0][6] == "Tải về (PDF)"
    assert files[1][1] == "2" and files[1][5] == proof.sha256
    assert files[1][6] == "Máy trạm chưa gửi tệp"            # never sent: no link
    assert result[0] == "Kết quả giải quyết Kết quả giải quyết"
    assert f"/dashboard/dossiers/{form.sha256}" not in html   # always under its dossier
    dossier_id = re.search(r'href="/dashboard/dossiers/([^/]+)/documents/', html)[1]

    url = f"/dashboard/dossiers/{dossier_id}/documents/{form.sha256}"
    with caplog.at_level(logging.INFO, logger="counter_app.server.dashboard"):
        reply = client.get(url)
    assert reply.status_code == 200
    assert reply.headers["content-type"] == "application/pdf"
    disposition = reply.headers["content-disposition"]
    assert disposition.startswith("attachment; filename=") and ".pdf" in disposition
    assert unquote(disposition.split("filename*=UTF-8''")[1]) == f"{pushed['da']} {form.name}.pdf"
    assert reply.headers["cache-control"] == "no-store"
    assert reply.content.startswith(b"%PDF") and len(reply.content) == form.bytes
    assert hashlib.sha256(reply.content).hexdigest() == form.sha256
    assert [r.getMessage() for r in caplog.records] == [
        f"leader {USER} downloaded the file {form.sha256[:16]} of dossier {pushed['da']}"]

    # c reuses the same file: served under c too; b's file is not a's to give.
    reused = client.get(f"/dashboard/dossier?code={pushed['dc']}").text
    assert _rows(_table(reused, "files"))[f"{form.name} Giấy tờ số 1"][4] == pushed["da"]
    c_id = re.search(r'href="/dashboard/dossiers/([^/]+)/documents/', reused)[1]
    assert client.get(f"/dashboard/dossiers/{c_id}/documents/{form.sha256}").content == \
        reply.content
    for bad in (f"/dashboard/dossiers/{dossier_id}/documents/{pushed['other'].sha256}",
                f"/dashboard/dossiers/{dossier_id}/documents/{proof.sha256}",  # not sent
                f"/dashboard/dossiers/{dossier_id}/documents/{'0' * 64}",
                f"/dashboard/dossiers/not-an-id/documents/{form.sha256}"):
        refused = client.get(bad)
        assert refused.status_code == 404 and "%PDF" not in refused.text, bad
    client.cookies.clear()
    signed_out = client.get(url, follow_redirects=False)
    assert signed_out.status_code == 303 and "/dashboard/sign-in" in signed_out.headers[
        "location"]


def test_the_overdue_list_and_a_typed_code_lead_to_the_dossier(client, leader, pushed):
    signed_in(client)
    missing = client.get("/dashboard/dossier?code=000.17.22.H56-261005-9999")
    assert missing.status_code == 404 and "Máy chủ không có hồ sơ mã" in missing.text
    empty = client.get("/dashboard/dossier")
    assert empty.status_code == 200 and "Nhập mã hồ sơ" in empty.text
    nothing = client.get(f"/dashboard/dossier?code={pushed['dx']}").text
    assert "Chưa có giấy tờ nào của hồ sơ này được số hóa." in nothing
    assert "Đã số hóa <b>0/2</b>" in nothing
    for secret in ("001303012345", "0912345678", "Thôn Phú Lộc", "example.vn"):
        assert secret not in nothing


def test_the_district_api_lists_and_serves_the_documents(client, pushed, viewer_token):
    viewer = {"Authorization": f"Bearer {viewer_token}"}
    found = client.get(f"/v1/district/dossiers?q={pushed['da']}", headers=viewer).json()
    dossier_id = found["dossiers"][0]["id"]
    listed = client.get(f"/v1/district/dossiers/{dossier_id}/documents", headers=viewer)
    assert listed.status_code == 200
    data = listed.json()
    assert data["dossier"]["code"] == pushed["da"] and data["dossier"]["status"] == 9
    docs = data["documents"]
    assert [(d["document"], d["pages"], d["held"]) for d in docs] == [
        (0, 1, True), (1, 2, False), (None, 1, False)]
    form = pushed["form"]
    assert (docs[0]["sha256"], docs[0]["bytes"], docs[0]["name"]) == (
        form.sha256, form.bytes, form.name)
    assert docs[0]["at"].startswith("2026-10-05T09:00")
    url = f"/v1/district/dossiers/{dossier_id}/documents/{form.sha256}"
    reply = client.get(url, headers=viewer)
    assert reply.status_code == 200 and reply.headers["content-type"] == "application/pdf"
    assert reply.headers["content-disposition"].startswith("attachment;")
    assert hashlib.sha256(reply.content).hexdigest() == form.sha256
    assert client.get(url).status_code == 401
    assert client.get(url, headers=pushed["a"].auth).status_code == 403   # a desk's token
    assert client.get(f"/v1/district/dossiers/{dossier_id}/documents",
                      headers=pushed["a"].auth).status_code == 403
    gone = client.get(f"/v1/district/dossiers/{dossier_id}/documents/{docs[1]['sha256']}",
                      headers=viewer)
    assert gone.status_code == 404 and gone.json()["error"] == "not_found"
    assert client.get("/v1/district/dossiers/00000000-0000-0000-0000-000000000000/documents",
                      headers=viewer).status_code == 404


def test_a_leader_downloads_a_scan_in_chromium_from_counter_server_serve(
        tmp_path, open_desk, clock, make_request):
    """The real server process (uvicorn, `counter-server serve --blobs`), Chromium at
    1024×768 and on a phone: the overview's digitisation table and the dossier page fit,
    and the downloaded PDF is the desk's file, byte for byte."""
    import subprocess
    import sys
    import time

    import httpx

    from counter_app.server import admin
    from tests.loopback import free_port
    from tests.server.conftest import AGENCY_CODE, Desk
    from tests.server.test_dashboard_browser import ARGS, CHROMIUM, Watch, _fits, _need_chromium

    _need_chromium()
    from playwright.sync_api import sync_playwright

    url, blobs = f"sqlite:///{tmp_path / 'server.db'}", tmp_path / "server-blobs"
    engine = database.make_engine(url)
    database.migrate(engine)
    with database.writing(engine) as conn:
        admin.add_commune(conn, AGENCY_CODE, COMMUNE_NAME)
        leaders.add_leader(conn, USER, NAME, PASSWORD)
    month = (dt.date.today() - dt.timedelta(days=40)).replace(day=1)
    with TestClient(create_app(engine, FileBackend(blobs))) as http:
        desk = Desk(open_desk("a.db"), http, engine)
        cal = desk.counter.calendar
        day = month if cal.is_working_day(month) else cal.add_working_days(month, 1)
        clock.now = dt.datetime.combine(day, dt.time(9))
        code = desk.counter.receive(make_request(HOTICH, received_at=clock.now)).code
        form = desk.counter.attach(code, [jpeg(scanned(text_page((827, 1170))))], document=0)
        assert desk.push(desk_time=dt.datetime.now().astimezone().isoformat()).status_code == 200
        send_file(desk, form.sha256)
    engine.dispose()
    port, log = free_port(), tmp_path / "serve.log"
    with log.open("w") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "counter_app.server.cli", "--database", url, "serve",
             "--port", str(port), "--blobs", str(blobs)], stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(150):
            try:
                httpx.get(f"{base}/dashboard/sign-in", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
            try:
                for size in ({"width": 1024, "height": 768}, {"width": 400, "height": 800}):
                    page = browser.new_page(viewport=size, accept_downloads=True)
                    watch = Watch(page)
                    page.goto(f"{base}/dashboard")
                    page.fill("#username", USER)
                    page.fill("#password", PASSWORD)
                    page.click("button:has-text('Đăng nhập')")
                    page.wait_for_url(f"{base}/dashboard")
                    page.goto(f"{base}/dashboard?period={month:%Y-%m}")
                    text = page.inner_text("table.digitised")
                    assert "0% 0/1" in " ".join(text.split()), text  # one of two not scanned
                    _fits(page)
                    page.click("nav >> text=Tra cứu hồ sơ")
                    page.fill("#code", code)
                    page.click("button:has-text('Xem')")
                    page.wait_for_url("**/dashboard/dossier?code=*")
                    assert form.sha256 in page.inner_text("table.files")
                    _fits(page)
                    with page.expect_download() as got:
                        page.click("text=Tải về (PDF)")
                    saved = tmp_path / f"got-{size['width']}.pdf"
                    got.value.save_as(saved)
                    assert got.value.suggested_filename.endswith(".pdf")
                    assert hashlib.sha256(saved.read_bytes()).hexdigest() == form.sha256
                    assert watch.problems == []
                    page.close()
            finally:
                browser.close()
    finally:
        server.terminate()
        server.wait(timeout=10)
    served = log.read_text("utf-8")
    assert f"/documents/{form.sha256} HTTP/1.1\" 200" in served
    assert "Traceback" not in served and PASSWORD not in served


def test_a_hash_another_unit_only_knew_is_no_file_of_its_dossier(client, pushed,
                                                                 viewer_token):
    """Commune B names A's file on its own dossier without ever having the bytes (a desk
    file edited by hand): the district's view lists the record but holds no file for it,
    and will not serve A's file under B's dossier (docs/security.md §7)."""
    from tests.security.test_blob_capability import name_a_hash

    b, form = pushed["b"], pushed["form"]
    name_a_hash(b.counter, pushed["dx"], form.sha256, form.bytes)
    assert b.push(b.events()[-1:]).status_code == 200
    viewer = {"Authorization": f"Bearer {viewer_token}"}
    found = client.get(f"/v1/district/dossiers?q={pushed['dx']}", headers=viewer).json()
    dossier_id = found["dossiers"][0]["id"]
    docs = client.get(f"/v1/district/dossiers/{dossier_id}/documents",
                      headers=viewer).json()["documents"]
    assert [(d["sha256"], d["held"]) for d in docs] == [(form.sha256, False)]
    served = client.get(f"/v1/district/dossiers/{dossier_id}/documents/{form.sha256}",
                        headers=viewer)
    assert served.status_code == 404
