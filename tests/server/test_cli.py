"""counter-server, run in-process (main([...])) on both backends."""

from __future__ import annotations

import uuid

from counter_app.server.cli import main
from tests.server import accounts
from tests.server.conftest import AGENCY_CODE


def _cli(server_db, capsys, *argv: str) -> tuple[int, str, str]:
    url = server_db.url.render_as_string(hide_password=False)
    code = main(["--database", url, *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_setup_commands(server_db, capsys, client, tmp_path):
    run = lambda *a: _cli(server_db, capsys, *a)  # noqa: E731
    assert run("init")[0] == 0
    assert run("communes", "add", AGENCY_CODE, "UBND xã Quảng Phú")[0] == 0
    code, out, _ = run("communes", "list")
    assert code == 0 and AGENCY_CODE in out and "Quảng Phú" in out
    code, out, _ = run("enroll-code", AGENCY_CODE, "--desk", "3", "--days", "2")
    enrol_code = out.strip().splitlines()[-1]
    assert code == 0 and len(enrol_code) == 14 and enrol_code.count("-") == 2
    desk_id = str(uuid.uuid4())
    admin = accounts.new("quantri", full_name="Nguyễn Văn Quản")
    reply = client.post("/v1/enroll", json={
        "code": enrol_code, "desk_id": desk_id, "agency_code": AGENCY_CODE, "desk_number": None,
        "client_schema": 1, "app_version": "0.1.0", "anchor": admin.record})
    assert reply.status_code == 200 and reply.json()["desk_number"] == 3
    code, out, _ = run("devices", "list", "--commune", AGENCY_CODE)
    assert code == 0 and desk_id in out and "active" in out
    assert run("devices", "revoke", desk_id)[0] == 0
    assert "revoked" in run("devices", "list")[1]
    code, out, _ = run("viewers", "add", "Phòng Nội vụ")
    token = out.strip().splitlines()[-1]
    reply = client.get("/v1/district/communes", headers={"Authorization": f"Bearer {token}"})
    assert code == 0 and reply.status_code == 200
    assert run("calendar", "set", "2026-04-30", "off", "Ngày Giải phóng")[0] == 0
    assert run("calendar", "clear", "2026-04-30")[0] == 0
    csv = tmp_path / "catalogue.csv"
    csv.write_text("ma_thu_tuc,linh_vuc,ten_thu_tuc,don_vi,thoi_han\n"
                   "1.000001,Hộ tịch,Đăng ký khai tử,ngày làm việc,3\n", encoding="utf-8")
    code, out, _ = run("catalogue", "import", str(csv))
    assert code == 0 and "1 procedures" in out
    code, out, _ = run("officers", "list", AGENCY_CODE)  # the desk's anchor
    assert code == 0 and out == "quantri\tNguyễn Văn Quản\tadmin\tactive\n"


def test_bad_input_is_a_clear_error(server_db, capsys, tmp_path):
    run = lambda *a: _cli(server_db, capsys, *a)  # noqa: E731
    for argv in (("enroll-code", "000.00.00.X00"), ("devices", "revoke", "nope"),
                 ("calendar", "set", "30/04/2026", "off"), ("calendar", "clear", "2026-01-02"),
                 ("officers", "list", "nope"), ("catalogue", "import", str(tmp_path / "no.csv"))):
        code, out, err = run(*argv)
        assert code != 0 and err.startswith("error: ") and "Traceback" not in err, argv
    bad = tmp_path / "bad.csv"
    bad.write_text("code,name\n1,x\n", encoding="utf-8")
    code, _, err = run("catalogue", "import", str(bad))
    assert code == 2 and "rejected" in err
    assert run("communes", "add", AGENCY_CODE, "A")[0] == 0
    code, _, err = run("communes", "add", AGENCY_CODE, "A")
    assert code == 2 and "already exists" in err


def test_commands_need_a_schema(tmp_path, capsys):
    code = main(["--database", str(tmp_path / "new.db"), "communes", "list"])
    assert code == 2 and "counter-server init" in capsys.readouterr().err


def test_fingerprint_of_a_certificate(tmp_path):
    import hashlib
    import ssl
    import subprocess

    from counter_app.server.cli import fingerprint

    cert, key = tmp_path / "c.pem", tmp_path / "k.pem"
    made = subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                           "-keyout", str(key), "-out", str(cert), "-days", "1",
                           "-subj", "/CN=test"], capture_output=True)
    if made.returncode:
        import pytest

        pytest.skip("openssl is not available")
    der = ssl.PEM_cert_to_DER_cert(cert.read_text())
    assert fingerprint(str(cert)).replace(":", "") == hashlib.sha256(der).hexdigest().upper()


def test_a_provincial_body_is_a_unit_of_its_own_kind(server_db, capsys):
    run = lambda *a: _cli(server_db, capsys, *a)  # noqa: E731
    assert run("init")[0] == 0
    code, out, _ = run("communes", "add", "000.00.17.H56", "Sở Tư pháp", "--provincial")
    assert code == 0 and out.strip() == "added provincial body 000.00.17.H56"
    assert run("communes", "add", AGENCY_CODE, "UBND xã Quảng Phú")[1].startswith(
        "added commune")
    code, out, _ = run("communes", "list")
    assert "000.00.17.H56\tSở Tư pháp\tprovincial" in out
    assert f"{AGENCY_CODE}\tUBND xã Quảng Phú\tcommune" in out
    code, _, err = run("communes", "add", "000.00.17.H56", "Sở Tư pháp", "--provincial")
    assert code != 0 and "already exists" in err
