"""`counter-app enroll / sync / sync-status / conflicts` against a real uvicorn on loopback."""

from __future__ import annotations

import pytest

from tests.cli.conftest import USERNAME, cli, ready  # noqa: F401 - fixtures
from tests.sync.test_tls_uvicorn import Running


@pytest.fixture
def running(server):
    pytest.importorskip("uvicorn")
    r = Running(server.app)
    yield r
    r.stop()


def _receive(run):
    result = run("--as", USERNAME, "receive", "--procedure", "1.001193", "--name", "Nguyễn Văn An",
                 "--id-number", "001203012345", "--json")
    assert result.code == 0, result.err
    return result.json()["code"]


def test_enroll_sync_and_status(ready, running, server, monkeypatch):  # noqa: F811
    run = ready
    monkeypatch.delenv("COUNTER_APP_USER")
    refused = run("enroll", running.url, server.code(1))
    assert refused.code == 4  # an administrator must sign in
    plain = run("--as", USERNAME, "enroll", running.url, server.code(1))
    assert plain.code == 2 and "http:// không mã hóa" in plain.err  # never without a word
    enrolled = run("--as", USERNAME, "enroll", running.url, server.code(1), "--json",
                   "--allow-http")  # a loopback address: the local network
    assert enrolled.code == 0, enrolled.err
    assert enrolled.json()["desk_number"] == 1
    again = run("--as", USERNAME, "enroll", running.url, server.code(1), "--allow-http")
    assert again.code == 9 and "đã được kết nối" in again.err
    _receive(run)
    status = run("sync-status", "--json").json()
    assert status["enrolled"] and status["waiting_events"] == 1
    synced = run("sync", "--json")
    assert synced.code == 0, synced.err
    assert synced.json()["pushed"]["applied"] == 1 and synced.json()["waiting"] == 0
    text = run("sync")
    assert "pushed: 0 events" in text.out and "waiting: 0 events" in text.out
    status = run("sync-status", "--json").json()
    assert status["waiting_events"] == 0 and status["last_success"] and not status["last_error"]
    assert run("--as", USERNAME, "conflicts").out.strip() == "no conflicts"


def test_sync_exit_codes(ready, running, server, tmp_db_path):  # noqa: F811
    from counter_app.store import settings_store
    from counter_app.store.database import open_database
    from counter_app.sync import desk_state

    run = ready
    assert run("sync").code == 9  # not enrolled
    assert run("enroll", running.url, server.code(1), "--allow-http").code == 0
    _receive(run)
    running.stop()  # the server goes away
    offline = run("sync")
    assert offline.code == 8 and "Không kết nối được máy chủ" in offline.err
    assert run("sync-status", "--json").json()["waiting_events"] == 1
    restarted = Running(server.app)  # back, on another port, but this desk was revoked
    try:
        db = open_database(tmp_db_path)
        server.revoke(settings_store.get(db, settings_store.DESK_ID_KEY))
        desk_state.put(db, desk_state.SERVER_URL, restarted.url)
        db.conn.close()
        revoked = run("sync")
        assert revoked.code == 9 and "thu hồi" in revoked.err
        status = run("sync-status", "--json").json()
        assert status["waiting_events"] == 1 and status["last_error_kind"] == "refused"
    finally:
        restarted.stop()
