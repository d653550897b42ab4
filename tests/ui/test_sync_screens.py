"""The sync screens: the status-bar indicator (not connected, synced, offline, refused), the
clock banner, "Đồng bộ ngay" against a real server on a loopback port, the enrolment dialog,
and the leader's conflicts screen."""

from __future__ import annotations

import datetime as dt
import http.server
import json
import re
import socket
import sqlite3
import threading
import time

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from counter_app.domain.reception import ReceptionRequest
from counter_app.store.database import transaction
from counter_app.sync import desk_state, token_store, transport
from tests.ui import driving
from tests.ui.conftest import AGENCY, NOW
from ui.main_window import MainWindow
from ui.sync.conflicts_dialog import NOTE_REQUIRED, ConflictsDialog
from ui.sync.enrol_dialog import EnrolDialog, check_enrolment


@pytest.fixture(autouse=True)
def quick_retries(monkeypatch):
    """One try per call: a closed port is 'offline' at once, not after the backoff."""
    monkeypatch.setattr(transport, "RETRY_ATTEMPTS", 1)
    monkeypatch.setattr(transport, "RETRY_MAX_DELAY", 0.5)


def closed_port_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def pretend_enrolled(counter, url: str, **state) -> None:
    """The sync state enrolment leaves (token, server, commune), written straight in."""
    with transaction(counter.db):
        desk_state.put(counter.db, desk_state.SERVER_URL, url)
        desk_state.put(counter.db, desk_state.DEVICE_TOKEN, "t" * 43)
        desk_state.put(counter.db, desk_state.COMMUNE, {"code": AGENCY["agency_code"],
                                                        "name": AGENCY["agency_name"]})
        desk_state.put(counter.db, desk_state.DESK_NUMBER, 1)
        for key, value in state.items():
            desk_state.put(counter.db, key, value)


def open_window(qtbot, counter) -> MainWindow:
    window = MainWindow(counter)
    qtbot.addWidget(window)
    with qtbot.waitActive(window):
        window.show()
        window.activateWindow()
    qtbot.waitUntil(lambda: window.worker.idle)
    return window


def settled(window) -> bool:
    """The schedule has read the status and no round nor read is under way."""
    return window.sync_status is not None and not window.sync.busy


def receive(counter, name: str, id_number: str) -> str:
    return counter.receive(ReceptionRequest("2.000815", {
        "full_name": name, "id_number": id_number})).code


class Refusing(http.server.BaseHTTPRequestHandler):
    """A server that knows no desk: 401 to everything (as after a token is revoked)."""
    calls: list[str] = []

    def _refuse(self):
        Refusing.calls.append(self.path)
        body = json.dumps({"error": "unauthorized", "message": "unknown token",
                           "server_time": dt.datetime.now().astimezone().isoformat()}).encode()
        self.send_response(401)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = _refuse

    def log_message(self, *args):
        pass


@pytest.fixture
def refusing_server():
    Refusing.calls = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Refusing)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


# -- the indicator ------------------------------------------------------------------------
def test_a_desk_not_enrolled_says_so_and_never_syncs(qtbot, counter, monkeypatch):
    rounds = []
    monkeypatch.setattr("ui.sync.schedule.run_round", rounds.append)
    window = open_window(qtbot, counter)
    qtbot.waitUntil(lambda: settled(window))
    assert window.sync_indicator.text() == "Chưa kết nối máy chủ"
    assert not window.sync_indicator.sync_button.isVisible()
    assert not window.sync_action.isEnabled()
    assert not window.clock_banner.isVisible()
    assert window.sync.next_in_ms is None        # no timer work
    assert not window.sync.sync_now()            # nothing to sync with
    qtbot.wait(200)
    assert rounds == []
    assert "Kết nối máy chủ" in window.sync_indicator.label.toolTip()


def test_the_indicator_sentences():
    from counter_app.sync.desk_state import SyncStatus
    from ui.sync.indicator import status_text, status_tooltip

    today = dt.date(2026, 11, 21)
    at = dt.datetime(2026, 11, 21, 10, 32)
    assert status_text(SyncStatus(enrolled=False), False, today) == \
        ("Chưa kết nối máy chủ", "none")
    online = SyncStatus(enrolled=True, last_success=at, waiting_events=0)
    assert status_text(online, False, today) == ("Đã đồng bộ lúc 10:32 · 0 chờ gửi", "ok")
    assert status_text(online, False, today + dt.timedelta(days=1))[0] == \
        "Đã đồng bộ lúc 21/11/2026 10:32 · 0 chờ gửi"
    assert status_text(online, True, today) == ("Đang đồng bộ…", "busy")
    offline = SyncStatus(enrolled=True, last_success=at.astimezone(), waiting_events=12,
                         last_error="Không kết nối được", last_error_kind="offline")
    assert status_text(offline, False, today) == \
        ("Mất kết nối (lần cuối 21/11/2026 10:32) · 12 thay đổi chờ gửi", "offline")
    refused = SyncStatus(enrolled=True, last_error="Cần phiên bản mới.",
                         last_error_kind="refused")
    assert status_text(refused, False, today) == \
        ("Máy chủ từ chối: Cần phiên bản mới.", "refused")
    failed = SyncStatus(enrolled=True, waiting_events=3, last_error_kind="error",
                        last_error="Đồng bộ gặp lỗi không mong đợi: IntegrityError.",
                        unwritable=1)
    assert status_text(failed, False, today) == \
        ("Lỗi đồng bộ (sẽ tự thử lại) · 3 thay đổi chờ gửi", "offline")
    tip = status_tooltip(failed)
    assert "IntegrityError" in tip and "1 hồ sơ của máy chủ không lưu được" in tip


def test_offline_is_said_in_the_status_bar_never_in_a_dialog(qtbot, counter):
    last = dt.datetime(2026, 11, 21, 10, 32).astimezone().isoformat()
    pretend_enrolled(counter, closed_port_url(), **{
        desk_state.LAST_SUCCESS: last, desk_state.CLOCK_OFFSET: -3 * 3600})
    receive(counter, "Phạm Văn Lộc", "038190054321")  # 2 dossiers received, none sent
    window = open_window(qtbot, counter)
    qtbot.waitUntil(lambda: settled(window) and bool(window.sync_status.last_error_kind))
    assert window.sync_indicator.text() == \
        "Mất kết nối (lần cuối 21/11/2026 10:32) · 2 thay đổi chờ gửi"
    assert QApplication.activeModalWidget() is None and window.notice_box is None
    # It tries again, less often: every 5 minutes instead of every minute.
    assert 4 * 60_000 < window.sync.next_in_ms <= 5 * 63_000
    assert window.sync_action.isEnabled() and window.sync_indicator.sync_button.isVisible()

    # The clock was found 3 hours fast at the last round: a banner, not a modal.
    banner = window.clock_banner
    assert banner.isVisible()
    assert "Đồng hồ máy này nhanh khoảng 3 giờ so với máy chủ" in banner.text()
    assert window.centralWidget().layout().indexOf(banner) == 0  # above the work lists
    assert QApplication.activeModalWidget() is None

    # "Đồng bộ ngay" tries at once; still offline, still no dialog.
    errors = []
    window.sync.round_done.connect(lambda report, error: errors.append(error))
    qtbot.mouseClick(window.sync_indicator.sync_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: settled(window) and len(errors) == 1)
    assert isinstance(errors[0], transport.ServerUnreachable)
    assert window.sync_indicator.text().startswith("Mất kết nối (lần cuối 21/11/2026 10:32)")
    assert window.notice_box is None


def test_a_refusal_stops_the_timer_turns_red_and_is_said_once(qtbot, counter,
                                                              refusing_server):
    pretend_enrolled(counter, refusing_server)
    window = open_window(qtbot, counter)
    refusals = []
    window.sync.refused.connect(refusals.append)
    qtbot.waitUntil(lambda: settled(window) and window.notice_box is not None)
    text = window.sync_indicator.text()
    assert text.startswith("Máy chủ từ chối: Máy chủ không chấp nhận quầy này")
    assert "#b00020" in window.sync_indicator.label.styleSheet()
    assert "không chấp nhận quầy này" in window.notice_box.text()
    assert window.notice_box.windowModality() != Qt.WindowModality.ApplicationModal
    assert window.sync.next_in_ms is None  # stopped: a person must look
    assert len(refusals) == 1
    asked = len(Refusing.calls)
    window.sync._scheduled()               # the timer would not fire; even if it did:
    qtbot.wait(300)
    assert len(Refusing.calls) == asked and len(refusals) == 1
    # The program started again (the next day, or after an update) tries once more and
    # says it once more; then waits for a person again.
    window.close()
    counter2 = type(counter).open(window.sync.db_path, clock=lambda: NOW)
    counter2.sign_in("hoa", "mat-khau-hoa")
    again = open_window(qtbot, counter2)
    qtbot.waitUntil(lambda: settled(again) and again.notice_box is not None)
    assert len(Refusing.calls) == asked + 1
    assert again.sync_indicator.text().startswith("Máy chủ từ chối:")
    assert again.sync.next_in_ms is None


def test_one_round_at_a_time_and_closing_never_waits_for_a_hung_network(qtbot, counter,
                                                                        monkeypatch):
    release = threading.Event()
    rounds = []

    def hung(db_path):
        rounds.append(db_path)
        release.wait(30)
        raise transport.ServerUnreachable("Không kết nối được máy chủ đồng bộ.")

    monkeypatch.setattr("ui.sync.schedule.run_round", hung)
    pretend_enrolled(counter, closed_port_url())
    window = open_window(qtbot, counter)
    qtbot.waitUntil(lambda: window.sync.running)
    assert window.sync_indicator.text() == "Đang đồng bộ…"
    assert not window.sync_indicator.sync_button.isEnabled()
    assert not window.sync.sync_now()  # never two at a time
    window.sync_now()
    qtbot.wait(200)
    assert len(rounds) == 1
    started = time.monotonic()
    window.close()
    assert time.monotonic() - started < 6
    release.set()


# -- a real server on a loopback port -------------------------------------------------------
@pytest.fixture
def server(tmp_path):
    """The sync server (SQLite file) served by uvicorn on a free loopback port; yields
    (url, engine). One commune: the test desk's."""
    uvicorn = pytest.importorskip("uvicorn")
    from sqlalchemy import insert

    from counter_app.server import database
    from counter_app.server.app import create_app
    from counter_app.server.schema import communes

    engine = database.make_engine(str(tmp_path / "server.db"))
    database.migrate(engine)
    with database.writing(engine) as conn:
        conn.execute(insert(communes).values(code=AGENCY["agency_code"],
                                             name=AGENCY["agency_name"]))
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    config = uvicorn.Config(create_app(engine), log_level="warning", lifespan="off")
    web = uvicorn.Server(config)
    thread = threading.Thread(target=web.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not web.started and time.monotonic() < deadline:
        time.sleep(0.02)
    assert web.started
    yield f"http://127.0.0.1:{sock.getsockname()[1]}", engine
    web.should_exit = True
    thread.join(10)
    sock.close()
    engine.dispose()


def enrolment_code(engine, desk: int | None = None) -> str:
    from counter_app.server import database, enrolment

    with database.writing(engine) as conn:
        return enrolment.make_code(conn, AGENCY["agency_code"], desk)[0]


def server_codes(engine) -> set[str]:
    from sqlalchemy import text

    with engine.connect() as conn:
        return set(conn.execute(text("SELECT code FROM dossiers")).scalars())


def test_enrol_from_the_menu_then_sync_now_sends_a_new_dossier(qtbot, counter, server):
    url, engine = server
    code = enrolment_code(engine)
    first = counter.find("Nguyễn Thị Đặng").rows[0].code
    window = open_window(qtbot, counter)
    qtbot.waitUntil(lambda: settled(window))
    assert window.sync_indicator.text() == "Chưa kết nối máy chủ"

    def dialog() -> EnrolDialog:
        return QApplication.activeModalWidget()

    def fill():
        d = dialog()
        d.url.setText(url)
        d.allow_http.setChecked(True)  # a loopback server: the local network
        driving.type_text(d.code, code.lower())  # typed in lower case: accepted
        d.connect_button.click()

    script = driving.start([
        ("the dialog", lambda: isinstance(QApplication.activeModalWidget(), EnrolDialog), fill),
        ("enrolled", lambda: dialog().enrolled is not None,
         lambda: dialog().connect_button.click()),  # "Xong"
    ], limit=30)
    window.enrol_desk()
    driving.finished(script)
    status = window.sync_status
    # The first round follows at once and sends the dossier the desk already had.
    qtbot.waitUntil(lambda: settled(window) and window.sync_status.last_success is not None,
                    timeout=20_000)
    assert first in server_codes(engine)
    now = window.sync_status.last_success.astimezone().replace(tzinfo=None)
    assert window.sync_indicator.text() == \
        f"Đã đồng bộ lúc {now:%d/%m/%Y %H:%M} · 0 chờ gửi"  # the test's desk date is 20/11
    assert status is not None

    # A dossier received now waits...
    new = window.worker.call(lambda c: receive(c, "Hoàng Thị Mai", "038190099999"))
    window.refresh_lists()
    qtbot.waitUntil(lambda: settled(window) and window.sync_status.waiting_events == 1)
    assert window.sync_indicator.text().endswith("· 1 chờ gửi")
    assert new not in server_codes(engine)
    # ...until "Đồng bộ ngay".
    qtbot.mouseClick(window.sync_indicator.sync_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: settled(window) and window.sync_status.waiting_events == 0,
                    timeout=20_000)
    assert new in server_codes(engine)
    assert window.sync_indicator.text().endswith("· 0 chờ gửi")
    assert 50_000 < window.sync.next_in_ms <= 63_000  # every minute (a coarse timer)
    assert "Đồng bộ xong" in window.statusBar().currentMessage()


# -- the enrolment dialog -------------------------------------------------------------------
def test_the_enrolment_form_says_what_is_wrong_in_vietnamese():
    assert check_enrolment("", "", "") == {
        "url": "Hãy nhập địa chỉ máy chủ, ví dụ https://dongbo.thanhhoa.gov.vn.",
        "code": "Hãy nhập mã kết nối một lần do quản trị máy chủ cấp."}
    wrong = check_enrolment("dongbo.thanhhoa.gov.vn", "AB-1", "3A:7F")
    assert wrong["url"].startswith("Địa chỉ máy chủ chưa đúng: phải bắt đầu bằng https://")
    assert wrong["code"].startswith("Mã kết nối gồm chữ và số")
    assert wrong["fingerprint"].startswith("Dấu vân tay chứng chỉ phải gồm 64 chữ số")
    fp = ":".join(["3A"] * 32)
    assert check_enrolment("http://10.0.0.5:8000", "ABCD-EFGH-JKLM", fp, True) == {
        "fingerprint": "Chỉ nhập dấu vân tay khi địa chỉ máy chủ bắt đầu bằng https://."}
    # http:// carries the token in clear: only when allowed, and only on the local network
    refused = check_enrolment("http://10.0.0.5:8000", "ABCD-EFGH-JKLM", "")
    assert refused["url"].startswith("Địa chỉ http:// không mã hóa")
    for public in ("http://dongbo.thanhhoa.gov.vn", "http://203.113.131.1:8000"):
        assert check_enrolment(public, "ABCD-EFGH-JKLM", "", True)["url"].startswith(
            "Chỉ cho phép http:// với máy chủ trong mạng nội bộ")
    for lan in ("http://192.168.1.10:8000", "http://maychu:8000", "http://127.0.0.1:8000"):
        assert check_enrolment(lan, "ABCD-EFGH-JKLM", "", True) == {}
    assert check_enrolment("https://10.0.0.5", "abcd efgh jklm", "sha256:" + fp.lower()) == {}


def test_the_enrolment_dialog_shows_errors_and_the_servers_refusal(qtbot, counter, server,
                                                                    tmp_path):
    url, engine = server
    window = open_window(qtbot, counter)
    dialog = EnrolDialog(window.worker, tmp_path / "desk.db", None, window)
    dialog.show()
    dialog.connect_button.click()
    assert dialog.error_labels["url"].isVisible() and dialog.error_labels["code"].isVisible()
    assert "border" in dialog.url.styleSheet() and dialog.focusWidget() is dialog.url
    assert not dialog.error_labels["fingerprint"].isVisible()
    driving.type_text(dialog.url, "x")  # typing clears that field's message
    assert not dialog.error_labels["url"].isVisible()

    dialog.url.setText(url)
    dialog.code.setText("ACDE-FGHJ-KMNP")  # well formed, but no such code
    dialog.connect_button.click()  # http:// without the administrator's permission
    assert dialog.error_labels["url"].text().startswith("Địa chỉ http:// không mã hóa")
    dialog.allow_http.setChecked(True)
    dialog.connect_button.click()
    assert dialog.status.text() == "Đang kết nối máy chủ…"
    qtbot.waitUntil(lambda: dialog.connect_button.isEnabled(), timeout=15_000)
    assert dialog.enrolled is None
    assert "#b71c1c" in dialog.status.styleSheet() and dialog.status.text()
    assert window.worker.call(lambda c: token_store.load(c.db)) is None

    dialog.code.setText(enrolment_code(engine, desk=1))
    dialog.connect_button.click()
    qtbot.waitUntil(lambda: dialog.enrolled is not None, timeout=15_000)
    assert dialog.status.text().startswith(f"Đã kết nối máy chủ {url}.")
    assert "Đơn vị: UBND xã Quảng Phú, quầy số 1." in dialog.status.text()
    assert dialog.connect_button.text().replace("&", "") == "Xong"
    qtbot.waitUntil(lambda: window.worker.idle)
    audit = window.worker.call(lambda c: c.db.execute(
        "SELECT subject FROM audit_log WHERE action = 'server_enrolled'").fetchall())
    assert (url,) in audit
    dialog.close()


# -- conflicts --------------------------------------------------------------------------------
def add_conflict(counter, code: str) -> str:
    """A conflict as the server reports it (written straight in: two desks racing a real
    server is the core's tests' business): another desk returned the result; this desk's
    'refuse' came after."""
    dossier_id, name = counter.db.execute(
        "SELECT id, applicant_name FROM dossiers WHERE code = ?", [code]).fetchone()
    row = {"id": dossier_id, "code": code, "applicant_name": name, "status": 10,
           "due_at": "2026-11-25T17:00:00"}
    won = {"id": "e-1", "dossier_id": dossier_id, "desk_id": "other-desk", "desk_seq": 7,
           "at": "2026-11-20T08:40:00", "officer": "huong", "kind": "return",
           "payload": {"recipient_kind": "applicant", "recipient_name": "Nguyễn Thị Đặng",
                       "method": "counter"}}
    lost = {"id": "e-2", "dossier_id": dossier_id, "desk_id": counter.desk_id, "desk_seq": 9,
            "at": "2026-11-20T08:55:00", "officer": "hoa", "kind": "refuse",
            "payload": {"reason": "Hồ sơ không đủ điều kiện"}}
    detail = {"reason": "step refuse not allowed", "event": lost, "dossier": row,
              "winning_events": [won]}
    with transaction(counter.db):
        counter.db.execute(
            "INSERT INTO sync_conflicts (id, dossier_id, code, kind, detail, created_at) "
            "VALUES ('c-1', ?, ?, 'step_not_allowed', ?, '2026-11-20T09:00:00+07:00')",
            [dossier_id, code, json.dumps(detail, ensure_ascii=False)])
    return "c-1"


def test_the_leader_reads_both_sides_and_settles_a_conflict_with_a_note(qtbot, counter,
                                                                          tmp_path):
    code = counter.find("Nguyễn Thị Đặng").rows[0].code
    add_conflict(counter, code)
    pretend_enrolled(counter, closed_port_url())
    window = open_window(qtbot, counter)
    qtbot.waitUntil(lambda: settled(window) and window.sync_status.last_attempt is not None)
    link = window.sync_indicator.conflicts
    assert link.isVisible() and "1 xung đột cần xử lý" in link.text()

    seen = {}

    def read_and_settle():
        d: ConflictsDialog = QApplication.activeModalWidget()
        seen["rows"] = [[d.table.item(r, c).text() for c in range(4)]
                        for r in range(d.table.rowCount())]
        seen["ours"] = (d.ours_box.title(), d.ours.toPlainText())
        seen["kept"] = (d.kept_box.title(), d.kept.toPlainText())
        d.resolve_button.click()  # no note yet
        seen["error"] = d.note_error.isVisible() and d.note_error.text()
        driving.type_text(d.note, "Đã gọi công dân; hồ sơ đã trả, hủy phiếu từ chối.")
        d.resolve_button.click()

    def dialog():
        return QApplication.activeModalWidget()

    script = driving.start([
        ("listed", lambda: isinstance(dialog(), ConflictsDialog)
         and dialog().table.rowCount() == 1 and window.worker.idle, read_and_settle),
        ("settled", lambda: dialog().table.rowCount() == 0 and window.worker.idle,
         lambda: dialog().show_resolved.setChecked(True)),
        ("resolved shown", lambda: dialog().table.rowCount() == 1 and window.worker.idle,
         lambda: seen.update(resolved=[dialog().table.item(0, 3).text(),
                                       dialog().resolution.text(), dialog().summary.text()])
         or dialog().reject()),
    ], limit=30)
    link.linkActivated.emit("#conflicts")  # the leader clicks the count
    driving.finished(script)

    assert seen["rows"] == [[code, "Hai quầy xử lý khác nhau", "20/11/2026 09:00",
                             "Chưa xử lý"]]
    title, ours = seen["ours"]
    assert title == "Quầy này đã làm (không được ghi nhận)"
    assert "Từ chối giải quyết" in ours and "20/11/2026 08:55" in ours
    assert "Lê Thị Hoa (hoa), quầy này" in ours and "Hồ sơ không đủ điều kiện" in ours
    title, kept = seen["kept"]
    assert title == "Máy chủ đã giữ"
    assert "Đã trả kết quả" in kept and "Trả kết quả" in kept and "quầy khác" in kept
    assert seen["error"] == NOTE_REQUIRED
    status, resolution, summary = seen["resolved"]
    assert status == "Đã xử lý" and summary == "Không có xung đột nào cần xử lý."
    assert resolution.startswith("Đã xử lý lúc 20/11/2026 09:15 bởi Lê Thị Hoa: Đã gọi")

    row = sqlite3.connect(tmp_path / "desk.db").execute(
        "SELECT resolved_by, resolution, resolution_sent FROM sync_conflicts").fetchone()
    assert row == ("hoa", "Đã gọi công dân; hồ sơ đã trả, hủy phiếu từ chối.", 0)
    # The window tried to send it at once (offline here) and the count is gone.
    qtbot.waitUntil(lambda: settled(window) and window.sync_status.open_conflicts == 0)
    assert not window.sync_indicator.conflicts.isVisible()


def test_only_a_leader_sees_conflicts_and_only_an_administrator_enrols(qtbot, counter):
    code = counter.find("Nguyễn Thị Đặng").rows[0].code
    add_conflict(counter, code)
    pretend_enrolled(counter, closed_port_url())
    counter.add_officer("tiepnhan", "Trần Thu Hà", "", ["reception"], "mat-khau-ha")
    counter.sign_in("tiepnhan", "mat-khau-ha")
    window = open_window(qtbot, counter)
    qtbot.waitUntil(lambda: settled(window) and window.sync_status.last_attempt is not None)
    texts = {a.text().replace("&", ""): a for a in window.menuBar().actions()[0].menu().actions()}
    assert not texts["Kết nối máy chủ…"].isVisible()
    assert not texts["Xung đột đồng bộ…"].isVisible()
    assert texts["Đồng bộ ngay"].isVisible()
    assert window.sync_status.open_conflicts == 1
    assert not window.sync_indicator.conflicts.isVisible()
    assert re.match(r"Mất kết nối \(chưa đồng bộ lần nào\) · \d+ thay đổi chờ gửi",
                    window.sync_indicator.text())
