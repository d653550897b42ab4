"""Over a real uvicorn on loopback with TLS: a self-signed certificate pinned at enrolment
by its SHA-256 fingerprint; another certificate is refused, and so is an unpinned one."""

from __future__ import annotations

import hashlib
import shutil
import ssl
import subprocess
import threading
import time

import pytest

from counter_app.sync import desk_state
from counter_app.sync.enrolment import enrol
from counter_app.sync.errors import CertificateMismatch
from counter_app.sync.status import sync_status
from counter_app.sync.sync_round import sync_once
from tests.loopback import free_port
from tests.sync.conftest import PROCEDURE

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="needs openssl")


def _certificate(folder, name: str) -> tuple[str, str, str]:
    """(cert file, key file, SHA-256 fingerprint as 'AB:CD:...') of a new self-signed cert."""
    cert, key = folder / f"{name}.crt", folder / f"{name}.key"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", str(key), "-out",
                    str(cert), "-days", "2", "-subj", "/CN=counter-server"],
                   check=True, capture_output=True)
    digest = hashlib.sha256(ssl.PEM_cert_to_DER_cert(cert.read_text())).hexdigest().upper()
    return str(cert), str(key), ":".join(digest[i:i + 2] for i in range(0, 64, 2))


class Running:
    """uvicorn serving ``app`` on loopback in a thread (TLS with a certificate and key)."""

    def __init__(self, app, cert: str | None = None, key: str | None = None):
        import uvicorn

        self.port = free_port()
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, ssl_certfile=cert,
                                ssl_keyfile=key, log_level="warning", lifespan="off")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started and time.monotonic() < deadline:
            time.sleep(0.02)
        assert self.server.started, "uvicorn did not start"
        self.url = f"{'https' if cert else 'http'}://127.0.0.1:{self.port}"

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(10)


@pytest.fixture
def tls_servers(server, tmp_path):
    pytest.importorskip("uvicorn")
    first, second = _certificate(tmp_path, "one"), _certificate(tmp_path, "two")
    running = [Running(server.app, *first[:2]), Running(server.app, *second[:2])]
    yield running, first[2], second[2]
    for r in running:
        r.stop()


def test_a_pinned_certificate_carries_the_sync_and_another_is_refused(
        tls_servers, server, open_desk, make_request):
    (one, two), fingerprint, other = tls_servers
    a, b = open_desk("a.db", desk=1), open_desk("b.db", desk=2)
    with pytest.raises(CertificateMismatch):  # a fingerprint that is not this server's
        enrol(a.db, one.url, server.code(1), fingerprint=other)
    assert not sync_status(a.db).enrolled
    result = enrol(a.db, one.url, server.code(1), fingerprint=fingerprint.lower())
    assert result.pinned and desk_state.get(a.db, desk_state.PINNED_CERT).startswith(
        "-----BEGIN CERTIFICATE-----")
    enrol(b.db, one.url, server.code(2), fingerprint=fingerprint.replace(":", ""))
    code = a.receive(make_request(PROCEDURE)).code
    assert sync_once(a.db).pushed.to_dict()["applied"] == 1  # real httpx over TLS
    assert sync_once(b.db).pulled.dossiers == 1
    assert b.dossier(code).code == code
    # the same address now presents another certificate: nothing is sent
    a.receive(make_request(PROCEDURE, applicant={"id_number": "001303010999"}))
    with a.db.conn:
        desk_state.put(a.db, desk_state.SERVER_URL, two.url)
    with pytest.raises(CertificateMismatch) as err:
        sync_once(a.db)
    assert "Chứng chỉ của máy chủ không khớp" in str(err.value)
    assert sync_status(a.db).waiting_events == 1


def test_without_a_fingerprint_a_self_signed_certificate_is_not_trusted(tls_servers, server,
                                                                        open_desk):
    (one, _two), _fingerprint, _other = tls_servers
    a = open_desk("a.db", desk=1)
    with pytest.raises(CertificateMismatch):
        enrol(a.db, one.url, server.code(1))
    assert not sync_status(a.db).enrolled
