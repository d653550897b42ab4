"""`counter-app backup / backups / restore / backup-folder / check`, on real files.

The accounts are made through the core here (this file's own desk), and each command signs
in through the environment as the account a test names."""

from __future__ import annotations

import re
import shutil
import sqlite3

import pytest

from counter_app.backups import list_backups, make_backup
from counter_app.domain.reception import ReceptionRequest
from counter_app.service.counter import Counter

ADMIN, ADMIN_PASSWORD = "huong", "mat-khau-1"
CLERK, CLERK_PASSWORD = "lan", "mat-khau-2"
AGENCY = {"agency_code": "000.17.22.H56", "agency_name": "UBND xã Quảng Phú",
          "officer_name": "Lê Thị Hương"}


@pytest.fixture
def desk_file(tmp_db_path):
    """A set-up desk with an administrator (huong), a reception clerk (lan), 2 dossiers."""
    counter = Counter.open(tmp_db_path)
    counter.add_officer(ADMIN, "Lê Thị Hương", "", ["admin", "reception"], ADMIN_PASSWORD)
    counter.sign_in(ADMIN, ADMIN_PASSWORD)
    counter.add_officer(CLERK, "Bùi Thị Lan", "", ["reception"], CLERK_PASSWORD)
    counter.set_up(**AGENCY, desk_number=1)
    counter.close()
    receive(tmp_db_path, "Nguyễn Văn An")
    receive(tmp_db_path, "Trần Thị Bình")
    return tmp_db_path


def receive(path, name: str) -> str:
    counter = Counter.open(path)
    try:
        counter.sign_in(ADMIN, ADMIN_PASSWORD)
        request = ReceptionRequest(procedure_code="1.001193", applicant={
            "kind": "citizen", "full_name": name, "id_number": "001303012345"})
        return counter.receive(request).code
    finally:
        counter.close()


@pytest.fixture
def run_cli(cli, monkeypatch):
    """run_cli('backup', '--json', user='lan') runs `counter-app --db <tmp db> backup --json`
    signed in (through the environment) as ``user``; user=None: nobody."""

    def _run(*argv, user: str | None = ADMIN, password: str = ADMIN_PASSWORD):
        if user:
            monkeypatch.setenv("COUNTER_APP_USER", user)
            monkeypatch.setenv("COUNTER_APP_PASSWORD", password)
        else:
            monkeypatch.delenv("COUNTER_APP_USER", raising=False)
            monkeypatch.delenv("COUNTER_APP_PASSWORD", raising=False)
        return cli(*argv)

    return _run


def codes(path) -> set[str]:
    with sqlite3.connect(path) as raw:
        return {r[0] for r in raw.execute("SELECT code FROM dossiers")}


def audit(path) -> list[tuple]:
    with sqlite3.connect(path) as raw:
        return raw.execute("SELECT officer, action, subject FROM audit_log ORDER BY rowid") \
            .fetchall()


def spoil(path) -> None:
    """Random-looking bytes over the middle third of the file."""
    data = bytearray(path.read_bytes())
    third = len(data) // 4096 // 3 * 4096
    data[third:2 * third] = bytes((i * 167 + 13) % 256 for i in range(third))
    path.write_bytes(data)


# -- happy paths -------------------------------------------------------------------------
def test_backup_then_list_and_check(run_cli, desk_file):
    made = run_cli("backup", "--json")
    assert made.code == 0, made.err
    info = made.json()
    assert info["intact"] and info["reason"] == "manual" and info["warning"] == ""
    assert info["path"].startswith(str(desk_file.parent / "backups" / "counter-"))
    assert (ADMIN, "backup_made", info["path"].rsplit("/", 1)[1]) in audit(desk_file)

    listed = run_cli("backups", user=None)  # no sign-in needed
    assert listed.code == 0, listed.err
    line = listed.out.strip()
    assert re.match(r"\d{2}/\d{2}/\d{4} \d{2}:\d{2}  manual +\d+ KB  intact  ", line), line
    assert run_cli("backups", "--json", user=None).json()[0]["path"] == info["path"]

    checked = run_cli("check", user=None)
    assert checked.code == 0 and checked.out.startswith("ok: ")
    assert run_cli("check", "--json", user=None).json()["schema_version"] == info["schema_version"]


def test_backup_into_another_folder(run_cli, desk_file, tmp_path):
    made = run_cli("backup", "--to", tmp_path / "usb", "--json")
    assert made.code == 0, made.err
    assert made.json()["path"].startswith(str(tmp_path / "usb" / "counter-"))


def test_the_backup_folder_is_shown_and_chosen(run_cli, desk_file, tmp_path):
    shown = run_cli("backup-folder", "--json", user=None)
    assert shown.code == 0
    assert shown.json()["folder"] == str(desk_file.parent / "backups")

    usb = tmp_path / "usb" / "sao-luu"
    chosen = run_cli("backup-folder", usb)
    assert chosen.code == 0, chosen.err
    assert chosen.out.strip() == f"backup folder: {usb}"
    assert run_cli("backup", "--json").json()["path"].startswith(str(usb))

    shutil.rmtree(tmp_path / "usb")  # the stick is pulled out
    made = run_cli("backup", "--json")
    assert made.code == 0
    assert made.json()["path"].startswith(str(desk_file.parent / "backups"))
    assert "thư mục mặc định" in made.err and made.err.startswith("counter-app: warning: ")
    assert "not available now" in run_cli("backup-folder", user=None).out


def test_restore_brings_the_backup_back_and_keeps_the_replaced_database(run_cli, desk_file):
    backup = run_cli("backup", "--json").json()["path"]
    at_backup = codes(desk_file)
    later = receive(desk_file, "Lê Văn Cường")

    restored = run_cli("restore", backup, "--json")

    assert restored.code == 0, restored.err
    result = restored.json()
    assert result["signed_in_against"] == "database"
    assert codes(desk_file) == at_backup
    assert later in codes(result["kept"])
    assert audit(desk_file)[-1] == (ADMIN, "restored", backup.rsplit("/", 1)[1])
    assert run_cli("check", user=None).code == 0


# -- who may -----------------------------------------------------------------------------
def test_nobody_signed_in_may_not_back_up_restore_or_choose(run_cli, desk_file, tmp_path):
    backup = make_backup(desk_file, "manual")
    before = desk_file.read_bytes()
    for argv in (["backup"], ["restore", backup.path], ["backup-folder", tmp_path / "x"]):
        result = run_cli(*argv, user=None)
        assert result.code == 4, (argv, result.err)
        assert "--as" in result.err
    assert desk_file.read_bytes() == before
    assert len(list_backups(desk_file)) == 1 and not (tmp_path / "x").exists()


def test_a_reception_clerk_may_not_back_up_restore_or_choose(run_cli, desk_file, tmp_path):
    backup = make_backup(desk_file, "manual")
    for argv in (["backup"], ["restore", backup.path], ["backup-folder", tmp_path / "x"]):
        result = run_cli(*argv, user=CLERK, password=CLERK_PASSWORD)
        assert result.code == 4, (argv, result.err)
        assert "không có quyền sao lưu và khôi phục dữ liệu" in result.err
    assert len(list_backups(desk_file)) == 1 and not (tmp_path / "x").exists()
    assert run_cli("backup", password="sai-mat-khau").code == 5


# -- a damaged database ------------------------------------------------------------------
def test_check_finds_the_damage_and_names_the_backup_to_restore(run_cli, desk_file):
    backup = run_cli("backup", "--json").json()["path"]
    spoil(desk_file)

    checked = run_cli("check", user=None)
    assert checked.code == 7
    assert "DAMAGED: " in checked.out and "bị hỏng" in checked.out
    assert f"newest intact backup: {backup}" in checked.out
    data = run_cli("check", "--json", user=None).json()
    assert data["ok"] is False and data["restore_from"]["path"] == backup
    assert run_cli("backups", user=None).code == 0  # still lists what there is
    refused = run_cli("backup")
    assert refused.code == 7 and "Traceback" not in refused.err
    assert refused.err.startswith("counter-app: error: not backed up: ")
    assert len(list_backups(desk_file)) == 1


def test_restoring_a_damaged_database_signs_in_against_the_backup(run_cli, desk_file):
    backup = run_cli("backup", "--json").json()["path"]
    counter = Counter.open(desk_file)
    counter.sign_in(ADMIN, ADMIN_PASSWORD)
    counter.change_password(ADMIN_PASSWORD, "mat-khau-moi")  # after the backup
    counter.close()
    at_backup = codes(desk_file)
    spoil(desk_file)

    # the damaged database's accounts cannot be read; the backup's are the ones in force
    assert run_cli("restore", backup, password="mat-khau-moi").code == 5
    assert run_cli("restore", backup, user=CLERK, password=CLERK_PASSWORD).code == 4
    restored = run_cli("restore", backup, "--json", password=ADMIN_PASSWORD)

    assert restored.code == 0, restored.err
    assert restored.json()["signed_in_against"] == "backup"
    assert codes(desk_file) == at_backup
    assert audit(desk_file)[-1] == (ADMIN, "restored", backup.rsplit("/", 1)[1])
    assert run_cli("check", user=None).code == 0


def test_a_damaged_backup_is_refused(run_cli, desk_file):
    backup = make_backup(desk_file, "manual")
    spoil(backup.path)
    before = desk_file.read_bytes()
    refused = run_cli("restore", backup.path)
    assert refused.code == 7
    assert refused.err.startswith("counter-app: error: not restored") and "bị hỏng" in refused.err
    assert desk_file.read_bytes() == before
    assert [b.reason for b in list_backups(desk_file)] == ["manual"]  # nothing kept either
