"""Officer accounts: passwords only as argon2id hashes, sign-in and its audit, the last
administrator, rehashing, Vietnamese text."""

from __future__ import annotations

import subprocess
import sys
import unicodedata

import pytest
from argon2 import PasswordHasher

from counter_app.accounts import passwords
from counter_app.errors import NotSignedIn, SignInFailed, ValidationError
from counter_app.service.counter import Counter
from tests.core.conftest import OFFICER, PASSWORD

SECRET = "Bí-mật-rất-riêng-7391"  # Vietnamese letters: NFC and NFD differ


def _audit(desk, action: str) -> list[tuple[str, str, str]]:
    return desk.db.execute("SELECT officer, subject, detail FROM audit_log WHERE action = ? "
                           "ORDER BY desk_seq", [action]).fetchall()


def _file_bytes(path) -> bytes:
    """The database file and its write-ahead log, as they lie on disk."""
    data = path.read_bytes()
    wal = path.with_name(path.name + "-wal")
    return data + (wal.read_bytes() if wal.exists() else b"")


def test_a_password_is_never_stored_in_clear(open_desk, tmp_path):
    desk = open_desk()
    desk.add_officer("tiepnhan", "Nguyễn Văn Tiếp", "", ["reception"], SECRET)
    desk.sign_in("tiepnhan", SECRET)
    with pytest.raises(SignInFailed):
        desk.sign_in("tiepnhan", SECRET + "x")  # a failed attempt is audited, not its text
    desk.change_password(SECRET, SECRET + "-2")
    desk.sign_in(OFFICER["username"], PASSWORD)
    desk.reset_password("tiepnhan", SECRET + "-3")
    rows = desk.db.execute("SELECT * FROM officers").fetchall()
    audit = desk.db.execute("SELECT * FROM audit_log").fetchall()
    desk.close()
    raw = _file_bytes(tmp_path / "counter.db")
    for secret in (SECRET, SECRET + "x", SECRET + "-2", SECRET + "-3", PASSWORD):
        for form in ("NFC", "NFD"):
            text = unicodedata.normalize(form, secret)
            for encoding in ("utf-8", "utf-16-le", "utf-16-be"):
                assert text.encode(encoding) not in raw, (secret, form, encoding)
            assert not any(text in str(value) for row in rows + audit for value in row)
    hashes = [row[4] for row in rows]
    assert all(h.startswith("$argon2id$") for h in hashes)
    assert len(set(hashes)) == len(hashes)  # salted: no two the same


def test_real_argon2_parameters_by_default(open_desk, monkeypatch):
    # the module's own default, in a fresh interpreter (tests swap in a cheap hasher)
    made = subprocess.run([sys.executable, "-c", "from counter_app.accounts import passwords; "
                           "print(passwords.hash_password('thu-nghiem-1'))"],
                          capture_output=True, text=True, check=True, timeout=60).stdout.strip()
    assert made.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    # and an account made with the real PasswordHasher() carries those parameters
    monkeypatch.setattr(passwords, "HASHER", PasswordHasher())
    desk = open_desk()
    desk.add_officer("tiepnhan", "Nguyễn Văn Tiếp", "", ["reception"], SECRET)
    stored = desk.db.execute("SELECT password_hash FROM officers WHERE username = 'tiepnhan'"
                             ).fetchone()[0]
    assert stored.startswith("$argon2id$") and "m=65536,t=3" in stored
    assert desk.sign_in("tiepnhan", SECRET).username == "tiepnhan"


def test_wrong_password_and_unknown_user_say_the_same(desk):
    desk.add_officer("tiepnhan", "Nguyễn Văn Tiếp", "", ["reception"], SECRET)
    desk.sign_out()
    with pytest.raises(SignInFailed) as wrong:
        desk.sign_in("tiepnhan", "khong-dung-1")
    with pytest.raises(SignInFailed) as unknown:
        desk.sign_in("khongco", SECRET)
    assert str(wrong.value) == str(unknown.value) == "Sai tên đăng nhập hoặc mật khẩu."
    assert desk.officer is None
    with pytest.raises(NotSignedIn):
        desk.dossier("000.17.22.H56-260309-1001")


def test_sign_in_and_failed_sign_in_are_in_the_audit_log(desk):
    desk.add_officer("tiepnhan", "Nguyễn Văn Tiếp", "", ["reception"], SECRET)
    signed_before = len(_audit(desk, "sign_in"))
    desk.sign_in("tiepnhan", SECRET)
    with pytest.raises(SignInFailed):
        desk.sign_in("tiepnhan", "khong-dung-1")
    with pytest.raises(SignInFailed):
        desk.sign_in("Khongco", "khong-dung-1")
    with pytest.raises(SignInFailed):  # a password typed into the username box
        desk.sign_in("mat-khau-bi-mat-99", "")
    assert len(_audit(desk, "sign_in")) == signed_before + 1
    assert _audit(desk, "sign_in")[-1][0] == "tiepnhan"
    failed = _audit(desk, "sign_in_failed")
    assert [(who, subject) for who, subject, _ in failed[-3:]] == [
        ("tiepnhan", "tiepnhan"), ("(không rõ)", ""), ("(không rõ)", "")]
    assert not any("khong-dung" in detail or "bi-mat" in detail or "khongco" in detail
                   for _, _, detail in failed)


def test_a_disabled_account_cannot_sign_in(desk):
    desk.add_officer("tiepnhan", "Nguyễn Văn Tiếp", "", ["reception"], SECRET)
    desk.set_officer_active("tiepnhan", False)
    with pytest.raises(SignInFailed) as refused:
        desk.sign_in("tiepnhan", SECRET)
    assert "khóa" in str(refused.value)
    assert _audit(desk, "sign_in_failed")[-1][:2] == ("tiepnhan", "tiepnhan")
    assert _audit(desk, "officer_disabled")[-1][:2] == (OFFICER["username"], "tiepnhan")
    desk.set_officer_active("tiepnhan", True)
    assert desk.sign_in("tiepnhan", SECRET).active


def test_the_last_administrator_stays(desk):
    with pytest.raises(ValidationError) as refused:
        desk.set_officer_active(OFFICER["username"], False)
    assert "quản trị" in str(refused.value)
    with pytest.raises(ValidationError):
        desk.update_officer(OFFICER["username"], roles=["reception"])
    desk.add_officer("quantri", "Hoàng Văn Trị", "", ["admin"], SECRET)
    desk.set_officer_active(OFFICER["username"], False)  # another administrator is left
    desk.sign_in("quantri", SECRET)
    with pytest.raises(ValidationError):
        desk.set_officer_active("quantri", False)
    admins = [o for o in desk.officers() if o.active and "admin" in o.roles]
    assert [o.username for o in admins] == ["quantri"]


def test_the_first_account_must_be_an_administrator(tmp_path, clock):
    counter = Counter.open(tmp_path / "new.db", clock=clock)
    try:
        with pytest.raises(ValidationError) as refused:
            counter.add_officer("tiepnhan", "Nguyễn Văn Tiếp", "", ["reception"], SECRET)
        assert "quản trị" in str(refused.value)
        counter.add_officer("quantri", "Hoàng Văn Trị", "", ["admin"], SECRET)
        with pytest.raises(NotSignedIn):  # the second one needs the administrator
            counter.add_officer("tiepnhan", "Nguyễn Văn Tiếp", "", ["reception"], SECRET)
        assert _audit(counter, "officer_added") == [("quantri", "quantri",
                                                    '{"roles": ["admin"]}')]
    finally:
        counter.close()


def test_the_hash_is_renewed_when_the_parameters_rise(desk, monkeypatch):
    desk.add_officer("tiepnhan", "Nguyễn Văn Tiếp", "", ["reception"], SECRET)

    def stored() -> str:
        return desk.db.execute("SELECT password_hash FROM officers WHERE username = "
                               "'tiepnhan'").fetchone()[0]

    weak = stored()
    assert "m=8,t=1" in weak  # the tests' cheap hasher
    desk.sign_in("tiepnhan", SECRET)
    assert stored() == weak  # same parameters: left alone
    monkeypatch.setattr(passwords, "HASHER",
                        PasswordHasher(time_cost=2, memory_cost=16, parallelism=1))
    desk.sign_in("tiepnhan", SECRET)
    assert stored() != weak and "m=16,t=2" in stored()
    assert desk.sign_in("tiepnhan", SECRET).username == "tiepnhan"
    with pytest.raises(SignInFailed):
        desk.sign_in("tiepnhan", "khong-dung-1")
    assert "m=16,t=2" in stored()


def test_vietnamese_names_and_passwords_are_nfc(desk):
    nfd = unicodedata.normalize("NFD", "  Nguyễn   Văn Tiếp ")
    officer = desk.add_officer("TiepNhan", nfd, unicodedata.normalize("NFD", "Công chức"),
                               ["reception"], unicodedata.normalize("NFD", SECRET))
    assert officer.username == "tiepnhan"
    assert officer.full_name == "Nguyễn Văn Tiếp" == unicodedata.normalize("NFC",
                                                                           officer.full_name)
    row = desk.db.execute("SELECT full_name, title FROM officers WHERE username = 'tiepnhan'"
                          ).fetchone()
    assert row == ("Nguyễn Văn Tiếp", "Công chức")
    # typed in either form (keyboards and input methods differ), the password is the same
    assert desk.sign_in("tiepnhan", unicodedata.normalize("NFC", SECRET)).username == "tiepnhan"
    assert desk.sign_in("TIEPNHAN", unicodedata.normalize("NFD", SECRET)).username == "tiepnhan"


def test_short_passwords_and_bad_usernames_are_refused(desk):
    with pytest.raises(ValidationError) as refused:
        desk.add_officer("a b", "", "", [], "ngan")
    assert set(refused.value.errors) == {"username", "full_name", "roles"}
    with pytest.raises(ValidationError) as short:
        desk.add_officer("tiepnhan", "Nguyễn Văn Tiếp", "", ["reception"], "1234567")
    assert "8 ký tự" in str(short.value)
    assert [o.username for o in desk.officers()] == [OFFICER["username"]]
