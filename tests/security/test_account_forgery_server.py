"""Account forgery through the sync server.

Attack held here: any holder of a desk's device token could push ``"officers": [...]`` and
the server upserted them, last writer wins: the commune administrator's password hash set
to one the attacker knows, administrators added, everyone disabled; every desk of the
commune then pulled it. Now an account change is stored only when signed by an active
administrator of the commune with the key the server holds for them, or by the officer for
their own password, or by an anchor (a key bound by an enrolment code)
(counter_app/domain/account_signing.py, server/push.py); the others are refused one by one in
``officers_refused`` and the rest of the push goes through.

Every test runs on SQLite and on PostgreSQL (the ``server_db`` fixture), over HTTP against
the application (Starlette's TestClient).
"""

from __future__ import annotations

import json
import logging
import uuid

from sqlalchemy import text

from counter_app.accounts import passwords
from counter_app.domain import account_signing as signing
from tests.server import accounts
from tests.server.accounts import Account
from tests.server.conftest import (  # noqa: F401 - fixtures
    AGENCY_CODE,
    client,
    clock,
    code_for,
    communes,
    count,
    enrolled,
    make_request,
    open_desk,
    server_db,
)


def _held(engine) -> dict[str, dict]:
    """The accounts the server holds (what every desk of the commune pulls)."""
    with engine.connect() as conn:
        return {u: json.loads(r) for u, r in conn.execute(text(
            "SELECT username, record_json FROM officers"))}


def _version(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(text("SELECT coalesce(max(updated_seq), 0) FROM officers")
                            ).scalar_one()


def _push(d, officers: list[dict], events=None) -> dict[str, str]:
    """Push ``officers`` (and ``events``, none by default): username → why refused."""
    reply = d.push([] if events is None else events, officers=officers)
    assert reply.status_code == 200, reply.text
    return {r["username"]: r["reason"] for r in reply.json()["officers_refused"]}


def _commune(enrolled, **extra) -> tuple:  # noqa: F811
    """A desk enrolled with the commune's administrator ``quantri`` as its anchor, and a
    processing officer ``lan`` the administrator added."""
    admin = accounts.new("quantri")
    d = enrolled(anchor=admin.record, **extra)
    lan = accounts.new("lan", ("processing",), signer=admin)
    assert _push(d, [lan.record]) == {}
    return d, admin, lan


def test_a_token_alone_changes_no_account(enrolled, make_request, server_db, caplog):  # noqa: F811
    d, admin, lan = _commune(enrolled)
    before, version = _held(server_db), _version(server_db)
    evil = passwords.hash_password("ke-tan-cong")
    forged = [
        accounts.unsigned(admin.record, password_hash=evil, revision=2),
        accounts.unsigned(lan.record, roles=["admin"], revision=2),
        accounts.unsigned(accounts.new("hacker").record),
    ]
    # the admin's own signature kept on a record whose content the attacker changed
    copied = {**admin.record, "password_hash": evil, "revision": 3}
    d.counter.receive(make_request())
    with caplog.at_level(logging.WARNING, logger="counter_app.server.push"):
        reply = d.push(officers=[*forged, copied])
    assert reply.status_code == 200, reply.text
    assert [r["status"] for r in reply.json()["results"]] == ["applied"]  # the dossier: kept
    assert count(server_db, "dossiers") == 1
    refused = reply.json()["officers_refused"]
    assert sorted(r["username"] for r in refused) == ["hacker", "lan", "quantri"]
    assert all(r["reason"] for r in refused)
    assert _held(server_db) == before and _version(server_db) == version
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 3 and all(d.desk_id in w and "commune id 1" in w for w in warnings)
    assert any("'quantri'" in w for w in warnings)
    assert not any(evil in w or admin.record["password_hash"] in w for w in warnings)
    # a desk of the commune pulls the accounts as they were
    reply = d.client.get("/v1/reference", headers=d.auth)
    assert reply.json()["officers"]["officers"] == [lan.record, admin.record]


def test_keys_the_attacker_made_sign_nothing(enrolled, server_db):  # noqa: F811
    d, admin, lan = _commune(enrolled)
    before = _held(server_db)
    fake = accounts.new("quantri")  # a key pair of the attacker's, under the admin's name
    attacker = Account("quantri", fake.private, fake.password)
    evil = passwords.hash_password("ke-tan-cong")
    assert set(_push(d, [
        accounts.new("hacker").record,                          # a self-signed new admin
        accounts.new("hacker2", signer=attacker).record,        # "by quantri", wrong key
        accounts.change(admin.record, attacker, password_hash=evil),  # the admin's account
        accounts.change(admin.record, attacker, public_key=attacker.public_key,
                        sealed_key=fake.record["sealed_key"]),  # the admin's key replaced
        accounts.change(lan.record, attacker, roles=["admin"]),
    ])) == {"hacker", "hacker2", "quantri", "lan"}
    assert _held(server_db) == before
    # nor with the signature block claiming the real admin's key
    forged = accounts.change(lan.record, attacker, active=False)
    forged["signed"]["key"] = admin.public_key
    assert set(_push(d, [forged])) == {"lan"}
    assert _held(server_db) == before


def test_an_older_signed_record_is_not_replayed(enrolled, server_db):  # noqa: F811
    d, admin, lan = _commune(enrolled)
    disabled = accounts.change(lan.record, admin, active=False)
    assert _push(d, [disabled]) == {}
    assert set(_push(d, [lan.record])) == {"lan"}  # revision 1, validly signed, replayed
    same = accounts.change(lan.record, admin, active=True)  # revision 2 again, other content
    assert set(_push(d, [same])) == {"lan"}
    backwards = accounts.change(lan.record, admin, revision=1, roles=["processing", "admin"])
    assert set(_push(d, [backwards])) == {"lan"}
    assert _held(server_db)["lan"] == disabled
    assert set(_push(d, [accounts.change(admin.record, admin, revision=1, title="x")])
               ) == {"quantri"}
    assert _held(server_db)["quantri"] == admin.record


def test_an_administrator_added_by_the_admin_may_sign(enrolled, server_db):  # noqa: F811
    d, admin, lan = _commune(enrolled)
    deputy = accounts.new("pho", signer=admin)
    renamed = accounts.change(lan.record, deputy, full_name="Trần Thị Lan")
    assert set(_push(d, [renamed])) == {"lan"}  # not yet an administrator the server knows
    assert _held(server_db)["lan"] == lan.record
    assert _push(d, [deputy.record]) == {}
    assert _push(d, [renamed]) == {}
    assert _held(server_db)["lan"] == renamed and _held(server_db)["pho"] == deputy.record
    # in one push, before the record that makes its signer an administrator
    clerk = accounts.new("hoa", ("reception",), signer=deputy)
    second = accounts.new("pho2", signer=admin)
    retitled = accounts.change(renamed, second, title="Công chức Tư pháp")
    assert _push(d, [clerk.record, retitled, second.record]) == {}
    held = _held(server_db)
    assert held["hoa"] == clerk.record and held["lan"] == retitled


def test_a_disabled_administrators_signature_no_longer_counts(enrolled, server_db):  # noqa: F811
    d, admin, lan = _commune(enrolled)
    deputy = accounts.new("pho", signer=admin)
    assert _push(d, [deputy.record]) == {}
    off = accounts.change(deputy.record, admin, active=False)
    assert _push(d, [off]) == {}
    assert set(_push(d, [accounts.change(lan.record, deputy, active=False),
                         accounts.change(off, deputy, active=True)])) == {"lan", "pho"}
    held = _held(server_db)
    assert held["lan"] == lan.record and held["pho"] == off
    # an administrator no longer: the anchor's key signs nothing either
    other = accounts.new("pho2", signer=admin)
    assert _push(d, [other.record]) == {}
    demoted = accounts.change(admin.record, other, roles=["processing"])
    assert _push(d, [demoted]) == {}
    assert set(_push(d, [accounts.change(lan.record, admin, active=False),
                         accounts.change(demoted, admin, roles=["admin"])])) == {"lan",
                                                                                  "quantri"}
    assert _held(server_db)["lan"] == lan.record and _held(server_db)["quantri"] == demoted


def test_an_officer_changes_only_their_own_password(enrolled, server_db):  # noqa: F811
    d, admin, lan = _commune(enrolled)
    own = accounts.new_password(lan, "mat-khau-moi-cua-lan")
    assert _push(d, [own]) == {}
    assert _held(server_db)["lan"] == own
    assert signing.unseal(own["sealed_key"], "mat-khau-moi-cua-lan", "lan") == lan.private
    lan.record = own
    for change in (accounts.change(own, lan, roles=["processing", "admin"]),
                   accounts.change(own, lan, full_name="Lan Quản Trị"),
                   {**accounts.new_password(lan, "x"), "revision": 3,
                    "public_key": accounts.new("lan").public_key}):
        assert set(_push(d, [change])) == {"lan"}, change
    new_key = accounts.new("lan")  # a new key pair, signed by the old one: no
    rotated = accounts.change(own, lan, public_key=new_key.public_key,
                              sealed_key=new_key.record["sealed_key"])
    assert set(_push(d, [rotated])) == {"lan"}
    assert _held(server_db)["lan"] == own
    # nor may an officer set another officer's password
    hoa = accounts.new("hoa", ("reception",), signer=admin)
    assert _push(d, [hoa.record]) == {}
    assert set(_push(d, [accounts.change(hoa.record, lan, password_hash=own["password_hash"])])
               ) == {"hoa"}


def _enrol(client, code: str, anchor=None, desk_id: str | None = None):  # noqa: F811
    return client.post("/v1/enroll", json={
        "code": code, "desk_id": desk_id or str(uuid.uuid4()), "agency_code": None,
        "desk_number": None, "client_schema": 2, "app_version": "0.1.0",
        **({"anchor": anchor} if anchor is not None else {})})


def test_a_bad_anchor_is_refused_and_the_code_stays_usable(client, server_db, communes):  # noqa: F811
    admin = accounts.new("quantri")
    other = accounts.new("khac")
    clerk = accounts.new("lan", ("processing",))
    stranger = Account("quantri", other.private, other.password)
    bad = {
        "unsigned": accounts.unsigned(admin.record),
        "tampered": {**admin.record, "roles": ["admin", "leader"]},
        "signed by another key": accounts.change(admin.record, stranger, revision=1),
        "signed by another account": accounts.new("quantri2", signer=other).record,
        "not an administrator": clerk.record,
        "disabled": accounts.change(admin.record, admin, active=False, revision=1),
    }
    code = code_for(server_db, desk=1)
    for name, anchor in bad.items():
        reply = _enrol(client, code, anchor)
        assert reply.status_code == 400, (name, reply.text)
        assert reply.json()["error"] == "bad_anchor" and reply.json()["reason"] == "bad_anchor"
        assert reply.json()["message"].startswith("anchor: "), name
    assert count(server_db, "devices") == count(server_db, "commune_anchors") == 0
    assert count(server_db, "officers") == 0
    with server_db.connect() as conn:
        assert conn.execute(text("SELECT used_at FROM enroll_codes")).scalar() is None
    reply = _enrol(client, code, admin.record)
    assert reply.status_code == 200, reply.text
    assert reply.json()["anchors"] == [{"username": "quantri", "public_key": admin.public_key}]


def test_the_first_anchor_holds_and_a_second_desks_key_signs_nothing(enrolled, server_db):  # noqa: F811
    admin = accounts.new("quantri")
    first = enrolled("a.db", desk=1, anchor=admin.record)
    assert first.enrolment["officer_usernames"] == ["quantri"]
    assert _held(server_db) == {"quantri": admin.record}  # the commune's first signed admin
    lan = accounts.new("lan", ("processing",), signer=admin)
    assert _push(first, [lan.record]) == {}
    # a second desk whose own first-run administrator is also "quantri", another key
    local = accounts.new("quantri", password="mat-khau-khac")
    second = enrolled("b.db", desk=2, anchor=local.record)
    # the commune's accounts are held by signature: the second code binds no anchor
    assert second.enrolment["anchors"] == [
        {"username": "quantri", "public_key": admin.public_key}]
    assert "quantri" in second.enrolment["officer_usernames"]  # the desk takes the server's
    assert _held(server_db)["quantri"] == admin.record
    evil = passwords.hash_password("ke-tan-cong")
    assert set(_push(second, [
        accounts.change(lan.record, local, password_hash=evil),
        accounts.new("pho", signer=local).record,
        local.record,                          # its own record over the server's
        accounts.change(admin.record, local, public_key=local.public_key,
                        sealed_key=local.record["sealed_key"]),
    ])) == {"lan", "pho", "quantri"}
    assert _held(server_db) == {"quantri": admin.record, "lan": lan.record}
    # the commune's administrator still signs, from either desk
    renamed = accounts.change(lan.record, admin, full_name="Trần Thị Lan")
    assert _push(second, [renamed]) == {}
    assert _held(server_db)["lan"] == renamed


# -- what a hostile review found, kept ---------------------------------------------------------
def test_an_officer_cannot_push_their_revision_out_of_reach(enrolled, server_db):  # noqa: F811
    """An officer's own password change may not jump the revision (a desk-file edit to
    999,999,999 made every later change of the account a 400 that stopped the admin's
    desk's whole push); the administrator's next change still lands."""
    d, admin, lan = _commune(enrolled)
    lan.record = accounts.change(lan.record, admin)  # lan's key, now signed (rev 2)
    assert _push(d, [lan.record]) == {}
    jump = accounts.change(lan.record, lan, revision=999_999_999,
                           password_hash=passwords.hash_password("mat-khau-moi"))
    assert "vượt quá xa" in _push(d, [jump])["lan"]
    assert _push(d, [accounts.change(lan.record, lan, revision=2**53 - 1)])  # refused, no 400
    disabled = accounts.change(lan.record, admin, active=False)
    assert _push(d, [disabled]) == {}
    assert _held(server_db)["lan"]["active"] is False


def test_a_code_does_not_make_an_administrator_in_a_signed_commune(
        enrolled, server_db, client):  # noqa: F811
    """Whoever holds a fresh enrolment code gets a desk, not the commune: once the server
    holds a signed administrator, no code binds another anchor."""
    d, admin, lan = _commune(enrolled)
    thief = accounts.new("ke.gian")
    reply = _enrol(client, code_for(server_db, AGENCY_CODE, 4), anchor=thief.record)
    assert reply.status_code == 200
    assert reply.json()["anchors"] == [{"username": "quantri", "public_key": admin.public_key}]
    assert "ke.gian" not in _held(server_db)
    reset = accounts.change(admin.record, thief,
                            password_hash=passwords.hash_password("ke-tan-cong"))
    token = reply.json()["device_token"]
    pushed = client.post("/v1/push", headers={"Authorization": f"Bearer {token}"}, json={
        "desk_id": reply.json()["desk_id"], "client_schema": 2, "waiting": 0,
        "desk_time": "2026-03-09T09:00:00+07:00", "events": [], "officers": [reset]})
    assert pushed.status_code == 200
    assert [r["username"] for r in pushed.json()["officers_refused"]] == ["quantri"]
    assert _held(server_db)["quantri"] == admin.record


def test_a_used_code_is_worth_nothing_after_its_retry_window(client, server_db, communes,  # noqa: F811
                                                             monkeypatch):
    """A used code slip beside a backup (which names the desk id) no longer re-enrols
    that desk, and so no longer takes its token, once the retry window is past."""
    import datetime as dt

    from counter_app.server import clock as server_clock
    from counter_app.server import enrolment

    code, desk_id = code_for(server_db, AGENCY_CODE, 5), str(uuid.uuid4())
    first = _enrol(client, code, desk_id=desk_id)
    assert first.status_code == 200
    assert _enrol(client, code, desk_id=desk_id).status_code == 200  # a lost reply, retried
    later = server_clock.now() + enrolment.REUSE_WINDOW + dt.timedelta(seconds=1)
    monkeypatch.setattr(server_clock, "now", lambda: later)
    again = _enrol(client, code, desk_id=desk_id)
    assert again.status_code == 409 and again.json()["error"] == "code_used"


def test_the_province_takes_back_a_commune_anchored_by_the_wrong_administrator(
        enrolled, server_db, client, capsys):  # noqa: F811
    """Someone else's code reached the server first and anchored their "quantri": the
    province resets the commune's trust, and the real administrator's enrolment anchors."""
    from counter_app.server.cli import main

    thief = accounts.new("quantri", password="mat-khau-ke-gian")
    assert _enrol(client, code_for(server_db, AGENCY_CODE, 3), anchor=thief.record
                  ).status_code == 200
    real = accounts.new("quantri")
    d = enrolled(anchor=real.record)  # too late: the thief's account is the commune's
    assert _held(server_db)["quantri"] == thief.record
    lan = accounts.new("lan", ("processing",), signer=real)
    assert set(_push(d, [lan.record])) == {"lan"}
    url = server_db.url.render_as_string(hide_password=False)
    assert main(["--database", url, "officers", "reset-trust", AGENCY_CODE]) == 0
    assert "1 anchors removed, 1 accounts unsigned" in capsys.readouterr().out
    assert set(_push(d, [lan.record])) == {"lan"}  # nobody signs until an anchor binds
    again = _enrol(client, code_for(server_db, AGENCY_CODE, 4), anchor=real.record)
    assert again.json()["anchors"] == [{"username": "quantri", "public_key": real.public_key}]
    assert _held(server_db)["quantri"] == real.record
    assert _push(d, [lan.record]) == {}
    forged = accounts.change(real.record, thief, password_hash="x")
    assert set(_push(d, [forged])) == {"quantri"}
