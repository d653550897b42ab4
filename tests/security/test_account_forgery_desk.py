"""Accounts change only through an administrator who proved it: the desks' side.

Attack held here (issue "Trust", finding 1): with a device token, a push of an ``officers``
list gave the attacker the commune's administrator (a password of their choosing, new admin
accounts), and every desk took it over at its next sync with nothing in its audit trail.
Now every account change is a record signed by an administrator's key (sealed with their
password), the server checks it (tests/security/test_account_forgery_server.py) and every
desk checks it again before applying a pulled change, whatever the server sends; each
change that arrives by sync, and each one refused, is in the receiving desk's audit trail.

Real parts: two desks on SQLite files, the real server in-process (tests/sync/conftest.py),
the real sealing (argon2id + ChaCha20-Poly1305) and Ed25519 signatures.
"""

from __future__ import annotations

import json
import shutil

import pytest
from sqlalchemy import select, update

from counter_app.domain import account_signing as signing
from counter_app.errors import SignInFailed
from counter_app.server import database
from counter_app.server.schema import officers as server_officers
from counter_app.service.counter import Counter
from counter_app.store.audit_log import AuditAction
from counter_app.sync.status import sync_status
from counter_app.sync.sync_round import sync_once
from tests.sync.conftest import (  # noqa: F401 - fixtures
    OFFICER,
    PASSWORD,
    _quick_retries,
    enrolled,
    server,
)

ADMIN = OFFICER["username"]
ATTACKER_PASSWORD = "mat-khau-ke-gian"


def _sync(server, *desks) -> None:  # noqa: F811
    for desk in (*desks, *desks):  # twice: what one pushes, the others pull
        sync_once(desk.db, http=server.http)


def _entries(desk: Counter, action: AuditAction) -> list[dict]:
    rows = desk.db.execute("SELECT officer, subject, detail FROM audit_log WHERE action = ? "
                           "ORDER BY desk_seq", [action.value]).fetchall()
    return [{"officer": o, "subject": s, "detail": json.loads(d)} for o, s, d in rows]


def _server_record(server, username: str) -> dict:  # noqa: F811
    with server.engine.connect() as conn:
        raw = conn.execute(select(server_officers.c.record_json).where(
            server_officers.c.username == username)).scalar_one()
    return json.loads(raw)


def _plant_on_server(server, record: dict) -> None:  # noqa: F811
    """What a server that let a forged record through would hold: the record, in a new
    version of the commune's accounts (the server's own check is bypassed on purpose)."""
    with database.writing(server.engine) as conn:
        conn.execute(update(server_officers).where(
            server_officers.c.username == record["username"]).values(
            record_json=json.dumps(record, ensure_ascii=False), updated_seq=10**6))


def _forged_admin(server, signer: str, key: bytes | None) -> dict:  # noqa: F811
    """The administrator's record with the attacker's password, one revision ahead."""
    current = _server_record(server, ADMIN)
    forged = {**current, "password_hash": _hash(ATTACKER_PASSWORD),
              "revision": current["revision"] + 1}
    if key is None:
        return {k: v for k, v in forged.items() if k != "signed"}
    return signing.sign(forged, signer, key)


def _hash(password: str) -> str:
    from counter_app.accounts import passwords

    return passwords.hash_password(password)


@pytest.mark.parametrize("how", ["unsigned", "own key claiming the admin",
                                 "a self-made admin"])
def test_a_forged_account_on_the_server_is_refused_by_every_desk(enrolled, server, how):  # noqa: F811
    a, b = enrolled("a.db", 1), enrolled("b.db", 2)
    _sync(server, a, b)
    attacker_key = signing.new_private_key()
    if how == "unsigned":
        forged = _forged_admin(server, ADMIN, None)
    elif how == "own key claiming the admin":
        forged = _forged_admin(server, ADMIN, attacker_key)
    else:  # an "admin" account of the attacker's, which then signs the change
        forged = _forged_admin(server, "ke.gian", attacker_key)
    _plant_on_server(server, forged)
    before = b.db.execute("SELECT password_hash, revision FROM officers WHERE username = ?",
                          [ADMIN]).fetchone()
    sync_once(b.db, http=server.http)
    after = b.db.execute("SELECT password_hash, revision FROM officers WHERE username = ?",
                         [ADMIN]).fetchone()
    assert after == before  # nothing of it applied
    assert b.sign_in(ADMIN, PASSWORD).username == ADMIN
    with pytest.raises(SignInFailed):
        b.sign_in(ADMIN, ATTACKER_PASSWORD)
    refused = _entries(b, AuditAction.OFFICER_SYNC_REFUSED)
    assert [e["subject"] for e in refused] == [ADMIN]
    assert refused[0]["detail"]["reason"]


def test_an_administrators_change_reaches_the_other_desk_with_who_made_it(enrolled, server):  # noqa: F811
    a, b = enrolled("a.db", 1), enrolled("b.db", 2)
    _sync(server, a, b)
    a.add_officer("lan.nt", "Nguyễn Thị Lan", "Công chức Tư pháp", ["processing"],
                  "mat-khau-lan-1")
    a.reset_password("lan.nt", "mat-khau-lan-2")
    a.set_officer_active("lan.nt", False)
    a.set_officer_active("lan.nt", True)
    _sync(server, a, b)
    assert b.sign_in("lan.nt", "mat-khau-lan-2").full_name == "Nguyễn Thị Lan"
    synced = [e for e in _entries(b, AuditAction.OFFICER_SYNCED) if e["subject"] == "lan.nt"]
    assert synced and synced[-1]["officer"] == ADMIN
    assert synced[-1]["detail"]["by"] == ADMIN
    assert not _entries(b, AuditAction.OFFICER_SYNC_REFUSED)
    # the officer changes her own password at b: signed by her own key, it reaches a
    b.change_password("mat-khau-lan-2", "mat-khau-lan-3")
    _sync(server, b, a)
    assert a.sign_in("lan.nt", "mat-khau-lan-3").username == "lan.nt"
    own = [e for e in _entries(a, AuditAction.OFFICER_SYNCED) if e["subject"] == "lan.nt"]
    assert own[-1]["detail"]["by"] == "lan.nt"


def test_a_stolen_copy_of_the_desk_file_with_its_token_changes_no_account(enrolled, server,  # noqa: F811
                                                                           tmp_path, clock):
    a, b = enrolled("a.db", 1), enrolled("b.db", 2)
    _sync(server, a, b)
    # The thief copies the desk file and its token file (the worst case: both).
    stolen = tmp_path / "stolen" / "a.db"
    stolen.parent.mkdir()
    a.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    shutil.copyfile(tmp_path / "a.db", stolen)
    token = tmp_path / "a.db.device-token"
    if token.exists():
        shutil.copyfile(token, stolen.with_name("a.db.device-token"))
    # The sealed key does not open without the administrator's password.
    sealed = json.loads(a.db.execute("SELECT sealed_key FROM officers WHERE username = ?",
                                     [ADMIN]).fetchone()[0])
    with pytest.raises(signing.SealError):
        signing.unseal(sealed, ATTACKER_PASSWORD, ADMIN)
    # The thief writes his own password hash into the copy, signs in as the administrator
    # there (his copy: that much he can do), and changes accounts, then syncs with the token.
    import sqlite3

    raw = sqlite3.connect(stolen)
    raw.execute("UPDATE officers SET password_hash = ? WHERE username = ?",
                [_hash(ATTACKER_PASSWORD), ADMIN])
    raw.commit()
    raw.close()
    thief = Counter.open(stolen, clock=clock)
    try:
        thief.sign_in(ADMIN, ATTACKER_PASSWORD)
        thief.add_officer("ke.gian", "Kẻ Gian", "", ["admin"], ATTACKER_PASSWORD)
        thief.reset_password(ADMIN, ATTACKER_PASSWORD)
        from counter_app.sync import token_store

        if token_store.load(thief.db) is None:  # a keyring entry: the thief has it too
            token_store.save(thief.db, token_store.load(a.db))
        sync_once(thief.db, http=server.http)
    finally:
        thief.close()
    with server.engine.connect() as conn:
        names = set(conn.execute(select(server_officers.c.username)).scalars())
    assert "ke.gian" not in names
    assert _server_record(server, ADMIN)["password_hash"] != _hash(ATTACKER_PASSWORD)
    _sync(server, a, b)
    for desk in (a, b):
        assert desk.sign_in(ADMIN, PASSWORD).username == ADMIN
        with pytest.raises(SignInFailed):
            desk.sign_in(ADMIN, ATTACKER_PASSWORD)
        with pytest.raises(SignInFailed):
            desk.sign_in("ke.gian", ATTACKER_PASSWORD)


def test_accounts_of_an_older_version_get_keys_and_an_administrators_signature(
        enrolled, server):  # noqa: F811
    a, b = enrolled("a.db", 1), enrolled("b.db", 2)
    a.add_officer("lan.nt", "Nguyễn Thị Lan", "", ["processing"], "mat-khau-lan-1")
    # as an older version left it: no key, no revision, no signature
    a.db.execute("UPDATE officers SET public_key = NULL, sealed_key = NULL, signed = NULL, "
                 "revision = 0, pushed_rev = local_rev WHERE username = 'lan.nt'")
    a.sign_in("lan.nt", "mat-khau-lan-1")  # her key is made, sealed with her password
    row = a.db.execute("SELECT public_key, sealed_key, signed FROM officers "
                       "WHERE username = 'lan.nt'").fetchone()
    assert row[0] and row[1] and row[2] is None  # waiting for an administrator
    assert sync_status(a.db).accounts_unsigned == 1  # said in the sync indicator's tooltip
    sync_once(a.db, http=server.http)
    with pytest.raises(SignInFailed):  # nothing unsigned went up
        sync_once(b.db, http=server.http)
        b.sign_in("lan.nt", "mat-khau-lan-1")
    a.sign_in(ADMIN, PASSWORD)  # the administrator's sign-in signs it
    signed = json.loads(a.db.execute("SELECT signed FROM officers WHERE username = 'lan.nt'")
                        .fetchone()[0])
    assert signed["by"] == ADMIN
    assert [e["subject"] for e in _entries(a, AuditAction.OFFICER_SIGNED)] == ["lan.nt"]
    assert sync_status(a.db).accounts_unsigned == 0
    _sync(server, a, b)
    assert b.sign_in("lan.nt", "mat-khau-lan-1").username == "lan.nt"


# -- what a hostile review found, kept ---------------------------------------------------------
def _plant_new(server, record: dict, seq: int) -> None:  # noqa: F811
    from sqlalchemy import insert

    with database.writing(server.engine) as conn:
        conn.execute(insert(server_officers).values(
            commune_id=1, username=str(record.get("username")),
            record_json=json.dumps(record, ensure_ascii=False), updated_seq=seq))


def test_malformed_accounts_from_the_server_are_refused_and_the_round_goes_on(
        enrolled, server, make_request):  # noqa: F811
    """A record of the wrong shape (a list for ``signed.by``, a revision past 2^63, a null
    name, roles given as a string...) used to crash the whole sync round, every round."""
    a, b = enrolled("a.db", 1), enrolled("b.db", 2)
    _sync(server, a, b)
    base = _server_record(server, ADMIN)
    attacker = signing.new_private_key()
    by_list = signing.sign({**base, "username": "m2", "revision": 5}, "x", attacker)
    by_list["signed"]["by"] = [ADMIN]
    bad = [{**base, "username": "m1", "roles": "xadminx"},
           by_list,
           {**base, "username": "m3", "sealed_key": "A" * 100_000},
           {**base, "username": "m4", "signed": {"by": "x", "key": "\x00" * 50, "sig": "\x00"}},
           signing.sign({**base, "username": "m5", "revision": 2**80}, "m5", attacker),
           {**base, "username": "m6", "full_name": None}]
    for seq, record in enumerate(bad, start=10**6):
        _plant_new(server, record, seq)
    a.receive(make_request())
    _sync(server, a, b)  # no exception: the round went on
    assert len(b.find("").rows) == 1  # the dossier still came
    refused = {e["subject"] for e in _entries(b, AuditAction.OFFICER_SYNC_REFUSED)}
    assert refused == {"m1", "m2", "m3", "m4", "m5", "m6"}
    assert b.db.execute("SELECT count(*) FROM officers WHERE username LIKE 'm_'"
                        ).fetchone()[0] == 0


def test_a_desk_that_holds_the_communes_accounts_never_yields_them_to_a_new_server(
        enrolled, server, tmp_path):  # noqa: F811
    """A desk re-enrolled with another server (the server moved, or a rogue one) keeps its
    accounts: the new server's come down only as changes signed by keys the desk trusts."""
    from counter_app.sync.enrolment import enrol
    from tests.sync.conftest import Server

    a = enrolled("a.db", 1)
    _sync(server, a)
    (tmp_path / "other").mkdir()
    other = Server(tmp_path / "other")
    try:
        thief = Counter.open(tmp_path / "thief.db")
        thief.add_officer(ADMIN, "Kẻ Gian", "", ["admin"], ATTACKER_PASSWORD)
        thief.sign_in(ADMIN, ATTACKER_PASSWORD)
        from tests.core.conftest import AGENCY

        thief.set_up(**AGENCY, desk_number=5)
        enrol(thief.db, other.url, other.code(5), http=other.http, allow_http=True,
              anchor=thief.enrolment_anchor())
        thief.close()
        a.sign_in(ADMIN, PASSWORD)
        enrol(a.db, other.url, other.code(1), http=other.http, allow_http=True,
              reenrol=True, anchor=a.enrolment_anchor())
        for _ in range(2):
            sync_once(a.db, http=other.http)
        assert a.sign_in(ADMIN, PASSWORD).username == ADMIN
        with pytest.raises(SignInFailed):
            a.sign_in(ADMIN, ATTACKER_PASSWORD)
        assert ADMIN in {e["subject"] for e in _entries(a, AuditAction.OFFICER_SYNC_REFUSED)}
    finally:
        other.http.close()
        other.engine.dispose()
