"""The device token at rest: never in the desk's database, so never on the USB stick.

Attack held here: the token sat in plain text in the SQLite file and in every backup of it;
whoever copied either could push for the commune. Now it lives in the OS credential store
(keyring), else in a user-only file beside the database that no backup copies, keyed by the
desk's id, and an earlier version's token is moved out and overwritten on opening.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import stat

import keyring
import pytest
from keyring.backend import KeyringBackend

from counter_app.backups.making import make_backup
from counter_app.backups.restoring import restore
from counter_app.service.counter import Counter
from counter_app.store.database import transaction
from counter_app.sync import desk_state, token_store
from counter_app.sync.sync_round import sync_once
from tests.sync.conftest import (  # noqa: F401 - fixtures
    AGENCY,
    OFFICER,
    PASSWORD,
    _quick_retries,
    clock,
    desk,
    enrolled,
    make_request,
    open_desk,
    server,
)

T = dt.datetime(2026, 3, 9, 12, 0)


def raw(path) -> bytes:
    """Every byte SQLite keeps for the database: the file and its journals."""
    return b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*")
                    if not p.name.endswith(token_store.FILE_SUFFIX))


@pytest.fixture
def no_credential_store():
    """This machine has no Secret Service; say so explicitly, whatever the environment."""
    from keyring.backends import fail

    before = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    yield
    keyring.set_keyring(before)


def test_enrolment_keeps_the_token_out_of_the_database_and_its_backups(
        no_credential_store, enrolled, server, make_request, tmp_path):  # noqa: F811
    a = enrolled("a.db", 1)
    token = token_store.load(a.db)
    assert token and len(token) >= 32
    assert desk_state.get(a.db, desk_state.DEVICE_TOKEN) is None
    assert token.encode() not in raw(tmp_path / "a.db")
    # the private file beside the database holds it, readable by the user only
    kept = tmp_path / ("a.db" + token_store.FILE_SUFFIX)
    assert token.encode() in kept.read_bytes()
    if os.name == "posix":
        assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    # the desk still syncs with it: a reception reaches the server
    assert a.sync_status().enrolled
    a.receive(make_request())
    assert sync_once(a.db, http=server.http).waiting == 0
    # a backup carries no token, and no backup copies the token file
    backup = make_backup(tmp_path / "a.db", "manual", now=T)
    assert token.encode() not in backup.path.read_bytes()
    assert not list(backup.path.parent.glob("*" + token_store.FILE_SUFFIX))


def test_a_stolen_copy_of_the_file_is_not_enrolled(no_credential_store, enrolled,  # noqa: F811
                                                   tmp_path):
    a = enrolled("a.db", 1)
    a.close()
    elsewhere = tmp_path / "usb"
    elsewhere.mkdir()
    shutil.copy(tmp_path / "a.db", elsewhere / "a.db")
    thief = Counter.open(elsewhere / "a.db")
    try:
        assert token_store.load(thief.db) is None
        assert not thief.sync_status().enrolled
    finally:
        thief.close()


def test_an_earlier_versions_token_is_moved_out_and_overwritten(
        no_credential_store, open_desk, tmp_path):  # noqa: F811
    old = open_desk("old.db")
    secret = "legacy-token-" + "x" * 40
    with transaction(old.db):  # as versions before this one kept it
        desk_state.put(old.db, desk_state.SERVER_URL, "https://tinh.example:8443")
        desk_state.put(old.db, desk_state.DEVICE_TOKEN, secret)
    old.close()
    assert secret.encode() in raw(tmp_path / "old.db")

    again = Counter.open(tmp_path / "old.db")
    try:
        assert desk_state.get(again.db, desk_state.DEVICE_TOKEN) is None
        assert token_store.load(again.db) == secret
        assert again.sync_status().enrolled
    finally:
        again.close()
    assert secret.encode() not in raw(tmp_path / "old.db")  # overwritten, not just unlinked


def test_a_restored_backup_enrols_again(no_credential_store, enrolled, tmp_path):  # noqa: F811
    a = enrolled("a.db", 1)
    backup = make_backup(tmp_path / "a.db", "manual", now=T)
    a.close()
    restore(tmp_path / "a.db", backup.path, now=T + dt.timedelta(hours=1))
    again = Counter.open(tmp_path / "a.db")
    try:  # the token file is still beside it, but for the old desk id
        assert (tmp_path / ("a.db" + token_store.FILE_SUFFIX)).exists()
        assert token_store.load(again.db) is None
        assert not again.sync_status().enrolled
    finally:
        again.close()


class MemoryStore(KeyringBackend):
    """A credential store kept in memory: Windows Credential Manager cannot run here, and
    this takes its place through keyring's own backend interface."""

    priority = 10
    #: keyring registers every backend class it sees: never let it pick this one by itself
    #: (it would become the default store of every later test in the process).
    viable = False

    def __init__(self):
        super().__init__()
        self.kept: dict[tuple[str, str], str] = {}

    def set_password(self, service, username, password):
        self.kept[service, username] = password

    def get_password(self, service, username):
        return self.kept.get((service, username))

    def delete_password(self, service, username):
        self.kept.pop((service, username), None)


def test_with_a_credential_store_no_file_is_written(enrolled, tmp_path):  # noqa: F811
    store = MemoryStore()
    before = keyring.get_keyring()
    keyring.set_keyring(store)
    try:
        a = enrolled("a.db", 1)
        token = store.kept[token_store.SERVICE, a.desk_id]
        assert token_store.load(a.db) == token
        assert not (tmp_path / ("a.db" + token_store.FILE_SUFFIX)).exists()
        assert token.encode() not in raw(tmp_path / "a.db")
        token_store.forget(a.db)
        assert token_store.load(a.db) is None
    finally:
        keyring.set_keyring(before)
