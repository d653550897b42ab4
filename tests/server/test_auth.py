"""Tokens: unknown or revoked → 401 and nothing written; a desk stays in its own lane."""

from __future__ import annotations

from counter_app.server import database
from counter_app.server.admin import revoke_device
from tests.server.conftest import OTHER_CODE, count


def test_unknown_or_revoked_token_writes_nothing(enrolled, make_request, server_db):
    d = enrolled()
    d.counter.receive(make_request())
    for headers in ({}, {"Authorization": "Bearer nope"}, {"Authorization": "Basic abc"}):
        reply = d.client.post("/v1/push", json=d.body(), headers=headers)
        assert reply.status_code == 401 and reply.json()["error"] == "unauthorized"
        assert d.client.get("/v1/pull", headers=headers).status_code == 401
    with database.writing(server_db) as conn:
        revoke_device(conn, d.desk_id)
    assert d.push().status_code == 401
    assert d.client.get("/v1/reference", headers=d.auth).status_code == 401
    assert count(server_db, "inbox") == 0 and count(server_db, "change_log") == 0


def test_a_desk_cannot_push_another_desks_events(enrolled, make_request, server_db):
    a, b = enrolled("a.db", desk=1), enrolled("b.db", desk=2)
    b.counter.receive(make_request())
    reply = a.client.post("/v1/push", json={**a.body(b.events())}, headers=a.auth)
    assert reply.status_code == 403 and reply.json()["error"] == "forbidden"
    reply = a.client.post("/v1/push", json={**b.body(), "desk_id": b.desk_id}, headers=a.auth)
    assert reply.status_code == 403
    assert count(server_db, "inbox") == 0


def test_a_desk_reads_only_its_own_commune(enrolled, make_request, server_db):
    mine, other = enrolled("a.db"), enrolled("b.db", commune=OTHER_CODE)
    mine.counter.receive(make_request())
    assert mine.push().status_code == 200
    page = other.client.get("/v1/pull?cursor=0", headers=other.auth).json()
    assert page["changes"] == [] and page["dossiers"] == []
    snap = other.client.get("/v1/snapshot", headers=other.auth).json()
    assert snap["changes"] == [] and snap["dossiers"] == []


def test_tokens_keep_to_their_api(enrolled, viewer_token):
    d = enrolled()
    viewer = {"Authorization": f"Bearer {viewer_token}"}
    assert d.client.get("/v1/district/communes", headers=d.auth).status_code == 403
    assert d.client.get("/v1/district/communes", headers=viewer).status_code == 200
    assert d.client.get("/v1/pull", headers=viewer).status_code == 403
    assert d.client.post("/v1/push", json=d.body([]), headers=viewer).status_code == 403
    reply = d.client.get("/v1/district/counts", headers={"Authorization": "Bearer x"})
    assert reply.status_code == 401


def test_unknown_endpoint_is_json_404(client):
    reply = client.get("/v1/nothing")
    assert reply.status_code == 404 and reply.json()["error"] == "not_found"
