"""`counter-server serve` as a real process: its log keeps no citizen's data."""

from __future__ import annotations

import subprocess
import sys
import time

import httpx

from counter_app.server import admin, database
from tests.loopback import free_port


def test_a_district_search_leaves_no_name_or_number_in_the_log(tmp_path):
    url = f"sqlite:///{tmp_path / 'server.db'}"
    engine = database.make_engine(url)
    database.migrate(engine)
    with database.writing(engine) as conn:
        token = admin.add_viewer(conn, "Phòng Nội vụ")
    engine.dispose()
    port = free_port()
    log = tmp_path / "serve.log"
    with log.open("w") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "counter_app.server.cli", "--database", url, "serve",
             "--port", str(port)], stdout=out, stderr=subprocess.STDOUT)
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                httpx.get(f"{base}/v1/district/communes", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        reply = httpx.get(f"{base}/v1/district/dossiers",
                          params={"q": "Nguyễn Văn An 038090012345"},
                          headers={"Authorization": f"Bearer {token}"}, timeout=5)
        assert reply.status_code == 200
    finally:
        server.terminate()
        server.wait(timeout=10)
    text = log.read_text("utf-8")
    assert "GET /v1/district/dossiers HTTP/1.1" in text  # the request is logged ...
    assert "038090012345" not in text and "Nguy" not in text  # ... without its query
    assert "Logging error" not in text and "Traceback" not in text
