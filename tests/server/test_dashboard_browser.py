"""The leaders' dashboard in a real browser: a real `counter-server serve` process on a
loopback port, over an SQLite file that real desks pushed to, a leader made with the real
CLI, and Debian's Chromium driven headless by Playwright. The screenshots go to the test's
tmp dir only (dashboard_*.png; keep them with ``pytest --basetemp=DIR`` to look at them).

Skipped when /usr/bin/chromium (or Playwright) is missing, unless COUNTER_REQUIRE_CHROMIUM
is set: then it fails."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import time
import warnings
from pathlib import Path

import httpx
import pytest
from sqlalchemy import update

from counter_app.domain.lifecycle import Step
from counter_app.server import admin, database
from counter_app.server.schema import devices
from tests.loopback import free_port
from tests.server.conftest import Desk

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-dev-shm-usage"]
USER, PASSWORD, NAME = "lanhdao", "Mat-khau Huyen 2026", "Nguyễn Văn Lãnh"
HOTICH_15 = "2.001023"
COMMUNES = {"000.17.22.H56": "UBND xã Quảng Phú", "000.17.22.H57": "UBND xã Hải Thượng",
            "000.17.22.H58": "UBND thị trấn Diên Sanh", "000.17.22.H59": "UBND xã Triệu Ái"}
A, B, C, NO_DESK = COMMUNES


def _need_chromium():
    why = None
    if not CHROMIUM.exists():
        why = f"{CHROMIUM} is not installed (apt-get install chromium)"
    else:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            why = "Python playwright is not installed (the [test] extra)"
    if why and os.environ.get("COUNTER_REQUIRE_CHROMIUM"):
        pytest.fail(f"COUNTER_REQUIRE_CHROMIUM is set but {why}")
    if why:
        pytest.skip(why)


def _fill(engine, open_desk, clock, make_request) -> dict:
    """Four communes; desks of three push dossiers of one month (a month that ended at
    least three weeks ago, so every step is in the past): returns what the pages show."""
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

    from counter_app.server.app import create_app

    with database.writing(engine) as conn:
        for code, name in COMMUNES.items():
            admin.add_commune(conn, code, name)
    client = TestClient(create_app(engine))
    desks = {code: Desk(open_desk(f"{code}.db", 1, code), client, engine, code)
             for code in (A, B, C)}
    spare = Desk(open_desk("spare.db", 2, A), client, engine, A)  # enrolled, never synced
    cal = desks[A].counter.calendar
    today = dt.date.today()
    month = (today - dt.timedelta(days=40)).replace(day=1)
    first = month if cal.is_working_day(month) else cal.add_working_days(month, 1)

    def at(day: dt.date, hour: int) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(hour))

    def life(code, k, due_k, finish_k=None, holder=None, applicant="Người nộp"):
        desk, received = desks[code], at(cal.add_working_days(first, k), 9)
        clock.now = received
        row = desk.counter.receive(make_request(
            HOTICH_15, received_at=received,
            due_at=at(cal.add_working_days(first, due_k), 16),
            applicant={"full_name": applicant}))
        if holder:
            clock.now = received + dt.timedelta(hours=1)
            desk.counter.step(row.code, Step.HANDOVER, {"to_unit": holder,
                                                        "to_person": "Ngô Văn Tư"})
        if finish_k is not None:
            clock.now = at(cal.add_working_days(first, finish_k), 10)
            desk.counter.step(row.code, Step.FINISH, {"result": "Giấy chứng nhận"})
        return row.code

    for k in range(4):
        life(A, k, k + 3, k + 2)                        # early
    life(A, 0, 2, 4)                                    # late
    late_a = life(A, 1, 3, holder="Công chức Tư pháp – Hộ tịch",
                  applicant="Phạm Thị Quá Hạn")        # overdue now
    life(B, 0, 3, 1)
    life(B, 1, 4, 4)                                    # early, on time
    life(C, 0, 2, 2)
    life(C, 1, 3, 5)
    life(C, 2, 4, 3)                                    # on time, late, early
    late_c = life(C, 2, 3, applicant="Lê Văn Chậm")     # overdue now, at the counter
    desk_time = dt.datetime.now().astimezone().isoformat(timespec="seconds")
    for desk in desks.values():
        assert desk.push(desk_time=desk_time).status_code == 200
    client.close()
    silent = dt.datetime.now().astimezone() - dt.timedelta(days=5)
    with database.writing(engine) as conn:
        conn.execute(update(devices).where(devices.c.desk_id == desks[C].desk_id)
                     .values(last_seen=silent.isoformat(timespec="milliseconds")))
        conn.execute(update(devices).where(devices.c.desk_id == spare.desk_id)
                     .values(last_seen=None))
    return {"period": f"{first:%Y-%m}", "late": [late_a, late_c]}


def _serve(url: str, port: int, log: Path) -> subprocess.Popen:
    with log.open("w") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "counter_app.server.cli", "--database", url, "serve",
             "--port", str(port)], stdout=out, stderr=subprocess.STDOUT)
    for _ in range(150):
        try:
            httpx.get(f"http://127.0.0.1:{port}/dashboard/sign-in", timeout=1)
            return server
        except httpx.TransportError:
            time.sleep(0.1)
    server.terminate()
    raise AssertionError(f"the server did not start: {log.read_text()}")


class Watch:
    """What the browser reports that should not happen: console errors (a CSP violation
    is one), failed requests, error replies."""

    def __init__(self, page):
        self.problems: list[str] = []
        page.on("console", lambda m: m.type == "error" and self.problems.append(
            f"console: {m.text}"))
        page.on("pageerror", lambda e: self.problems.append(f"page error: {e}"))
        page.on("requestfailed", lambda r: self.problems.append(
            f"failed: {r.url} {r.failure}"))
        page.on("response", lambda r: r.status >= 400 and self.problems.append(
            f"HTTP {r.status}: {r.url}"))


def _shot(page, folder: Path, name: str) -> None:
    path = folder / f"dashboard_{name}.png"
    page.screenshot(path=str(path), full_page=True)


def _fits(page) -> None:
    """Nothing sticks out of the window sideways: wide tables scroll inside their box."""
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], (page.url, width)
    rows = page.evaluate("[...document.querySelectorAll('tr')].map(r => getComputedStyle(r)"
                         ".display)")
    assert set(rows) <= {"table-row"}, (page.url, rows)  # no class turns a row into a box


def test_a_leader_reads_the_dashboard_in_chromium(tmp_path, open_desk, clock, make_request):
    _need_chromium()
    from playwright.sync_api import sync_playwright

    url = f"sqlite:///{tmp_path / 'server.db'}"
    engine = database.make_engine(url)
    database.migrate(engine)
    facts = _fill(engine, open_desk, clock, make_request)
    engine.dispose()
    made = subprocess.run(
        [sys.executable, "-m", "counter_app.server.cli", "--database", url, "leaders", "add",
         USER, "--name", NAME, "--password-stdin"], input=f"{PASSWORD}\n", text=True,
        capture_output=True, timeout=60)
    assert made.returncode == 0, made.stderr
    port, log = free_port(), tmp_path / "serve.log"
    server = _serve(url, port, log)
    base = f"http://127.0.0.1:{port}"
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
            try:
                _walk(browser, base, facts, tmp_path)
                _small_screens(browser, base, facts, tmp_path)
            finally:
                browser.close()
    finally:
        server.terminate()
        server.wait(timeout=10)
    text = log.read_text("utf-8")
    assert "POST /dashboard/sign-in HTTP/1.1" in text and "GET /dashboard HTTP/1.1" in text
    assert PASSWORD not in text and "dashboard_session" not in text and "Quá Hạn" not in text
    assert "Traceback" not in text and "Logging error" not in text


def _sign_in(page, base: str) -> None:
    page.goto(f"{base}/dashboard")
    assert page.url.startswith(f"{base}/dashboard/sign-in")
    page.fill("#username", USER)
    page.fill("#password", PASSWORD)
    page.click("button:has-text('Đăng nhập')")
    page.wait_for_url(f"{base}/dashboard")


def _walk(browser, base: str, facts: dict, folder: Path) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    watch = Watch(page)
    _sign_in(page, base)
    assert NAME in page.inner_text("header")
    page.fill("#period", facts["period"])
    page.click("button:has-text('Xem')")
    page.wait_for_url(f"**/dashboard?period={facts['period']}*")
    body = page.inner_text("main")
    for name in COMMUNES.values():
        assert name in body
    assert "Toàn tỉnh" in body and "66,7%" in body and "100%" in body
    assert "Quá 3 ngày chưa đồng bộ" in body and "Chưa có máy trạm" in body
    background = page.eval_on_selector(".fill.red", "e => getComputedStyle(e).backgroundColor")
    assert background == "rgb(198, 40, 40)"  # the stylesheet is applied
    _shot(page, folder, "overview")

    page.click("nav >> text=Hồ sơ quá hạn")
    page.wait_for_url("**/dashboard/overdue")
    body = page.inner_text("main")
    assert "2 hồ sơ đang giải quyết đã quá ngày hẹn trả" in body
    assert all(code in body for code in facts["late"]) and "Phạm Thị Quá Hạn" in body
    assert "Công chức Tư pháp – Hộ tịch" in body and "Số ngày quá hạn" in body
    _shot(page, folder, "overdue")

    page.click("nav >> text=Máy trạm")
    page.wait_for_url("**/dashboard/desks")
    body = page.inner_text("main")
    assert "Chưa đồng bộ lần nào" in body and "5 ngày trước" in body
    assert "2 máy trạm chưa đồng bộ quá 3 ngày" in body
    _shot(page, folder, "desks")

    page.click("nav >> text=Biểu II.06a")
    page.wait_for_url("**/dashboard/report")
    assert "Số hồ sơ nhận giải quyết" in page.inner_text("main")
    page.fill("#period", facts["period"])
    page.select_option("#commune", A)
    page.check("input[name=by]")
    page.click("button:has-text('Xem')")
    page.wait_for_url("**/dashboard/report?*by=procedure*")
    body = page.inner_text("main")
    assert "UBND XÃ QUẢNG PHÚ" in body and "Hộ tịch" in body and HOTICH_15 in body
    _shot(page, folder, "report")

    page.click("button:has-text('Đăng xuất')")
    page.wait_for_url("**/dashboard/sign-in?out=1")
    assert "Đã đăng xuất." in page.inner_text("main")
    _shot(page, folder, "sign_in")
    page.goto(f"{base}/dashboard/desks")
    assert "/dashboard/sign-in" in page.url
    assert watch.problems == []
    page.close()


def _small_screens(browser, base: str, facts: dict, folder: Path) -> None:
    for name, size in (("laptop", {"width": 1024, "height": 768}),
                       ("phone", {"width": 400, "height": 800})):
        page = browser.new_page(viewport=size)
        watch = Watch(page)
        _sign_in(page, base)
        for what, path in (("overview", f"/dashboard?period={facts['period']}"),
                           ("overdue", "/dashboard/overdue"), ("desks", "/dashboard/desks"),
                           ("report", f"/dashboard/report?period={facts['period']}"
                                      "&by=procedure")):
            page.goto(base + path)
            _fits(page)
            _shot(page, folder, f"{what}_{name}")
        assert watch.problems == []
        page.close()
