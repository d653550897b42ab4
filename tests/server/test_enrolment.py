"""POST /v1/enroll: one-time, expiring codes bound to a commune and a desk number."""

from __future__ import annotations

import uuid

import pytest

from tests.server import accounts
from tests.server.conftest import AGENCY_CODE, OTHER_CODE, code_for, count


def _body(code: str, desk_id: str | None = None, **extra) -> dict:
    return {"code": code, "desk_id": desk_id or str(uuid.uuid4()), "agency_code": None,
            "desk_number": None, "client_schema": 1, "app_version": "0.1.0", **extra}


def test_a_code_gives_a_token_once(client, server_db, communes):
    code = code_for(server_db, desk=2)
    desk_id = str(uuid.uuid4())
    reply = client.post("/v1/enroll", json=_body(code.lower().replace("-", ""), desk_id))
    assert reply.status_code == 200, reply.text
    data = reply.json()
    assert len(data["device_token"]) == 43 and data["desk_number"] == 2
    assert data["commune"] == {"code": AGENCY_CODE, "name": "UBND xã Quảng Phú"}
    assert "server_time" in data
    # a lost reply: the same desk may repeat the code and gets a new token
    again = client.post("/v1/enroll", json=_body(code, desk_id))
    assert again.status_code == 200 and again.json()["device_token"] != data["device_token"]
    old = client.get("/v1/pull", headers={"Authorization": f"Bearer {data['device_token']}"})
    assert old.status_code == 401
    # any other desk: used
    other = client.post("/v1/enroll", json=_body(code))
    assert other.status_code == 409 and other.json()["error"] == "code_used"
    assert count(server_db, "devices") == 1


def test_expired_and_unknown_codes(client, server_db, communes, monkeypatch):
    import datetime as dt

    from counter_app.server import clock

    code = code_for(server_db, days=1)
    later = clock.now() + dt.timedelta(days=2)
    monkeypatch.setattr(clock, "now", lambda: later)
    reply = client.post("/v1/enroll", json=_body(code))
    assert reply.status_code == 400 and reply.json()["reason"] == "expired"
    reply = client.post("/v1/enroll", json=_body("AAAA-AAAA-AAAA"))
    assert reply.status_code == 400 and reply.json()["reason"] == "unknown_code"
    assert count(server_db, "devices") == 0


def test_wrong_commune_or_desk_number(client, server_db, communes):
    code = code_for(server_db, desk=1)
    reply = client.post("/v1/enroll", json=_body(code, agency_code=OTHER_CODE))
    assert reply.status_code == 400 and reply.json()["reason"] == "agency_mismatch"
    reply = client.post("/v1/enroll", json=_body(code, desk_number=3))
    assert reply.status_code == 400 and reply.json()["reason"] == "desk_number_mismatch"
    ok = client.post("/v1/enroll", json=_body(code, agency_code=AGENCY_CODE, desk_number=1))
    assert ok.status_code == 200
    # the next code defaults to the lowest free number
    assert client.post("/v1/enroll", json=_body(code_for(server_db))).json()["desk_number"] == 2


def test_an_enrolled_desk_takes_a_new_code_only_for_its_own_commune_and_number(
        client, server_db, communes):
    desk_id = str(uuid.uuid4())
    first = client.post("/v1/enroll", json=_body(code_for(server_db, desk=1), desk_id))
    assert first.status_code == 200
    other_number = client.post("/v1/enroll", json=_body(code_for(server_db, desk=2), desk_id))
    assert other_number.status_code == 409 and other_number.json()["error"] == "code_used"
    other_commune = client.post("/v1/enroll",
                                json=_body(code_for(server_db, OTHER_CODE, desk=1), desk_id))
    assert other_commune.status_code == 409
    again = client.post("/v1/enroll", json=_body(code_for(server_db, desk=1), desk_id))
    assert again.status_code == 200  # a lost token: a new one, the same desk
    old = client.get("/v1/pull", headers={"Authorization": f"Bearer {first.json()['device_token']}"})
    assert old.status_code == 401
    assert count(server_db, "devices") == 1


def test_desk_numbers_stop_at_nine(server_db, communes):
    from counter_app.server.enrolment import AdminError

    with pytest.raises(AdminError, match="1..9"):
        code_for(server_db, desk=10)


def test_bad_enrolment_requests(client, server_db, communes):
    code = code_for(server_db)
    for body in ([], {"code": code}, _body(code, desk_id="not-a-uuid"),
                 _body(code, desk_number="2"), _body(code, client_schema="1"),
                 _body(code, anchor="quantri"), _body(code, anchor={"username": "quantri"}),
                 _body(code, anchor={**accounts.new("quantri").record, "revision": "1"})):
        reply = client.post("/v1/enroll", json=body)
        assert reply.status_code == 400, body
        assert reply.json()["error"] == "bad_request"
    reply = client.post("/v1/enroll", json=_body(code, client_schema=3))
    assert reply.status_code == 426 and reply.json()["error"] == "upgrade_required"
    reply = client.post("/v1/enroll", content=b"{not json", headers={"Content-Type": "x"})
    assert reply.status_code == 400
    assert count(server_db, "devices") == 0
    assert count(server_db, "commune_anchors") == count(server_db, "officers") == 0


def test_an_anchor_becomes_the_communes_administrator(client, server_db, communes):
    """The enrolment code binds the desk's self-signed administrator to the commune: its
    key is an anchor, and its record replaces an unsigned one from before signed accounts
    (never a signed one the server holds)."""
    import json

    from sqlalchemy import text

    with server_db.begin() as conn:  # an account pushed by a desk of an older version
        conn.execute(text("INSERT INTO officers (commune_id, username, record_json, "
                          "updated_seq) VALUES (1, 'quantri', :r, 1)"),
                     {"r": json.dumps({"username": "quantri", "roles": ["admin"]})})
        conn.execute(text("UPDATE counters SET value = 1 WHERE name = 'server_seq'"))
    plain = client.post("/v1/enroll", json=_body(code_for(server_db, desk=2)))
    assert plain.status_code == 200 and plain.json()["anchors"] == []
    admin = accounts.new("quantri")
    desk_id = str(uuid.uuid4())
    code = code_for(server_db, desk=1)
    reply = client.post("/v1/enroll", json=_body(code, desk_id, anchor=admin.record))
    assert reply.status_code == 200, reply.text
    anchors = [{"username": "quantri", "public_key": admin.public_key}]
    assert reply.json()["anchors"] == anchors
    assert reply.json()["officer_usernames"] == ["quantri"]

    def held() -> tuple[dict, int]:
        with server_db.connect() as conn:
            row = conn.execute(text("SELECT record_json, updated_seq FROM officers")).one()
        return json.loads(row[0]), row[1]

    record, seq = held()
    assert record == admin.record and seq > 1
    with server_db.connect() as conn:
        row = conn.execute(text("SELECT commune_id, username, desk_id FROM commune_anchors")
                           ).one()
    assert tuple(row) == (1, "quantri", desk_id)
    # the reply was lost: the same desk, code and anchor again; nothing new
    again = client.post("/v1/enroll", json=_body(code, desk_id, anchor=admin.record))
    assert again.status_code == 200 and again.json()["anchors"] == anchors
    assert held() == (record, seq) and count(server_db, "commune_anchors") == 1
    # another commune's desk learns none of this commune's anchors
    other = client.post("/v1/enroll", json=_body(code_for(server_db, OTHER_CODE)))
    assert other.status_code == 200 and other.json()["anchors"] == []


def test_a_code_cannot_take_over_a_working_desk(client, server_db, communes):
    """Only a desk the administrator revoked can be taken over by a restored one."""
    working = str(uuid.uuid4())
    first = client.post("/v1/enroll", json=_body(code_for(server_db, desk=1), working))
    assert first.status_code == 200
    intruder = client.post("/v1/enroll", json={**_body(code_for(server_db, desk=2)),
                                               "retired_desk_ids": [working]})
    assert intruder.status_code == 200 and intruder.json()["retired"] == {}
    still = client.get("/v1/pull", headers={"Authorization": f"Bearer {first.json()['device_token']}"})
    assert still.status_code == 200
