"""POST /v1/push: chains, replays, gaps, limits and validation; nothing written on refusal."""

from __future__ import annotations

import copy
import gzip
import json

from counter_app.domain.lifecycle import Step
from tests.server import accounts
from tests.server.conftest import count


def _tables(engine) -> tuple:
    return tuple(count(engine, t) for t in ("inbox", "dossiers", "change_log", "audit_inbox"))


def test_push_applies_and_a_replay_is_duplicate(enrolled, make_request, server_db):
    d = enrolled()
    codes = [d.counter.receive(make_request()).code for _ in range(3)]
    d.counter.step(codes[0], Step.HANDOVER, {"to_unit": "Công chức Tư pháp"})
    reply = d.push(audit=d.audit())
    assert reply.status_code == 200, reply.text
    data = reply.json()
    assert data["acked_through"] == 4 and data["audit_acked_through"] == len(d.audit())
    assert data["officers_refused"] == []
    assert [r["status"] for r in data["results"]] == ["applied"] * 4
    seqs = [r["server_seq"] for r in data["results"]]
    assert seqs == sorted(seqs)
    before = _tables(server_db)
    again = d.push(audit=d.audit())  # the reply was lost: the same batch again
    assert again.status_code == 200
    assert [r["status"] for r in again.json()["results"]] == ["duplicate"] * 4
    assert [r["server_seq"] for r in again.json()["results"]] == seqs
    assert _tables(server_db) == before == (4, 3, 4, len(d.audit()))


def test_gzip_body(enrolled, make_request):
    d = enrolled()
    d.counter.receive(make_request())
    body = gzip.compress(json.dumps(d.body(), ensure_ascii=False).encode())
    reply = d.client.post("/v1/push", content=body, headers={
        **d.auth, "Content-Encoding": "gzip", "Content-Type": "application/json"})
    assert reply.status_code == 200 and reply.json()["acked_through"] == 1
    bad = d.client.post("/v1/push", content=b"not gzip", headers={
        **d.auth, "Content-Encoding": "gzip"})
    assert bad.status_code == 400


def test_replay_with_other_content_is_refused(enrolled, make_request, server_db):
    d = enrolled()
    d.counter.receive(make_request())
    assert d.push().status_code == 200
    events = d.events()
    events[0]["at"] = "2026-03-09T10:00:00+00:00"  # rehashed: a desk restored over its id
    from counter_app.server.chain import event_values
    from counter_app.store.hash_chain import link_hash

    events[0]["hash"] = link_hash(events[0]["prev_hash"], event_values(events[0]))
    events[0].pop("_payload", None)
    reply = d.push(events)
    assert reply.status_code == 409 and reply.json()["error"] == "replay_mismatch"


def test_gap_and_broken_chain_write_nothing(enrolled, make_request, server_db):
    d = enrolled()
    for _ in range(3):
        d.counter.receive(make_request())
    events = d.events()
    reply = d.push(events[1:])
    assert reply.status_code == 409
    assert reply.json()["error"] == "gap" and reply.json()["expected_seq"] == 1
    tampered = copy.deepcopy(events)
    tampered[1]["payload"]["applicant_name"] = "Người Khác"
    reply = d.push(tampered)
    assert reply.status_code == 409 and reply.json()["error"] == "chain_broken"
    assert reply.json()["seq"] == 2
    relinked = copy.deepcopy(events)
    relinked[2]["prev_hash"] = "0" * 64  # hash recomputed, but it does not follow seq 2
    from counter_app.server.chain import event_values
    from counter_app.store.hash_chain import link_hash

    relinked[2]["hash"] = link_hash(relinked[2]["prev_hash"], event_values(relinked[2]))
    relinked[2].pop("_payload", None)
    reply = d.push(relinked)
    assert reply.status_code == 409 and reply.json()["error"] == "chain_broken"
    assert _tables(server_db) == (0, 0, 0, 0)


def test_too_large_and_newer_client(enrolled, make_request, server_db):
    d = enrolled()
    d.counter.receive(make_request())
    event = d.events()[0]
    reply = d.push([event] * 2001)
    assert reply.status_code == 413 and reply.json()["error"] == "too_large"
    reply = d.client.post("/v1/push", json={**d.body(), "client_schema": 3}, headers=d.auth)
    assert reply.status_code == 426 and reply.json()["error"] == "upgrade_required"
    assert _tables(server_db) == (0, 0, 0, 0)


def test_every_bad_field_is_400_and_nothing_is_written(enrolled, make_request, server_db):
    d = enrolled()
    d.counter.receive(make_request())
    event = d.events()[0]
    bad_events = [
        {**event, "id": "x"}, {**event, "desk_seq": "1"}, {**event, "desk_seq": 0},
        {**event, "desk_seq": True}, {**event, "at": "hôm qua"}, {**event, "payload": "{}"},
        {**event, "hash": "ABC"}, {**event, "kind": ""}, {**event, "officer": None},
        {k: v for k, v in event.items() if k != "prev_hash"}, "not an object",
    ]
    for bad in bad_events:
        reply = d.push([bad])
        assert reply.status_code == 400, (bad, reply.text)
        assert reply.json()["error"] == "bad_request" and reply.json()["message"]
    for body in ({**d.body(), "desk_time": "soon"}, {**d.body(), "events": {}},
                 {**d.body(), "waiting": -1}, {**d.body(), "officers": [{"username": "a"}]},
                 {**d.body(), "resolutions": [{"conflict_id": "x"}]},
                 {**d.body(), "audit": [{"id": 1}]}, [1, 2]):
        reply = d.client.post("/v1/push", json=body, headers=d.auth)
        assert reply.status_code == 400, (body, reply.text)
    assert _tables(server_db) == (0, 0, 0, 0)


def test_a_malformed_account_is_400_and_nothing_is_written(enrolled, make_request, server_db):
    """The fields of signed accounts (counter_app/domain/account_signing.py) are checked too."""
    admin = accounts.new("quantri")
    d = enrolled()
    d.counter.receive(make_request())
    record = admin.record
    for bad in ({**record, "revision": "2"}, {**record, "revision": -1},
                {**record, "revision": 2**53}, {**record, "revision": True},
                {**record, "public_key": 7}, {**record, "public_key": "k" * 101},
                {**record, "sealed_key": "sealed"}, {**record, "sealed_key": [1]},
                {**record, "sealed_key": {"box": "x" * 2000}}, {**record, "signed": "yes"},
                {**record, "signed": {**record["signed"], "sig": "s" * 201}},
                {**record, "signed": {**record["signed"], "by": None}},
                {**record, "signed": {"by": "quantri", "key": record["public_key"]}}):
        reply = d.push(officers=[bad])
        assert reply.status_code == 400, (bad, reply.text)
        assert reply.json()["error"] == "bad_request"
    assert _tables(server_db) == (0, 0, 0, 0) and count(server_db, "officers") == 0
    # a desk of an older version: no signed fields at all, still syncs its dossiers
    old = {k: record[k] for k in ("username", "full_name", "title", "roles",
                                  "password_hash", "active", "updated_at")}
    reply = d.push(officers=[old])
    assert reply.status_code == 200, reply.text
    assert [r["status"] for r in reply.json()["results"]] == ["applied"]
    assert [r["username"] for r in reply.json()["officers_refused"]] == ["quantri"]
    assert count(server_db, "officers") == 0


def test_quarantined_events_do_not_block_the_queue(enrolled, make_request, server_db):
    d = enrolled()
    code = d.counter.receive(make_request()).code
    d.counter.step(code, Step.HANDOVER, {"to_unit": "Công chức Tư pháp"})
    events = d.events()
    from counter_app.server.chain import event_values
    from counter_app.store.hash_chain import GENESIS, link_hash

    # a desk that wrote an event the server cannot understand (a newer kind), then more
    odd = copy.deepcopy(events)
    odd[1]["kind"] = "teleport"
    prev = GENESIS
    for e in odd:
        e["prev_hash"] = prev
        e["hash"] = prev = link_hash(prev, event_values(e))
        e.pop("_payload", None)
    reply = d.push(odd)
    assert reply.status_code == 200, reply.text
    results = reply.json()["results"]
    assert [r["status"] for r in results] == ["applied", "quarantined"]
    assert "unknown event kind" in results[1]["reason"]
    assert reply.json()["acked_through"] == 2


def _relink(events: list[dict]) -> list[dict]:
    """Recompute a chain after a test changed its events (as a faulty desk would write it)."""
    from counter_app.server.chain import event_values
    from counter_app.store.hash_chain import GENESIS, link_hash

    prev = GENESIS
    for e in events:
        e["prev_hash"] = prev
        e["hash"] = prev = link_hash(prev, event_values(e))
        e.pop("_payload", None)
    return events


def test_the_same_event_id_under_another_desk_is_a_duplicate(enrolled, make_request,
                                                             server_db):
    a, b = enrolled("a.db", desk=1), enrolled("b.db", desk=2)
    a.counter.receive(make_request())
    a.push()
    b.counter.receive(make_request())
    events = b.events()
    events[0]["id"] = a.events()[0]["id"]
    reply = b.push(_relink(events))
    assert reply.status_code == 200
    assert reply.json()["results"][0]["status"] == "duplicate"
    assert reply.json()["acked_through"] == 1
    assert count(server_db, "inbox") == 2 and count(server_db, "dossiers") == 1


def test_batch_out_of_order_and_audit_chain(enrolled, make_request, server_db):
    d = enrolled()
    d.counter.receive(make_request())
    d.counter.receive(make_request())
    events = d.events()
    assert d.push(events[::-1]).status_code == 400
    audit = d.audit()
    assert len(audit) >= 2
    reply = d.push([], audit=audit[1:])
    assert reply.status_code == 409
    assert reply.json() | {"error": "gap", "chain": "audit", "expected_seq": 1} == reply.json()
    assert d.push([], audit=audit).json()["audit_acked_through"] == len(audit)
    tampered = copy.deepcopy(audit)
    tampered[0]["detail"] = {"changed": True}
    reply = d.push([], audit=tampered)
    assert reply.status_code == 409 and reply.json()["error"] == "chain_broken"
    assert count(server_db, "inbox") == 0


def test_a_version_that_is_not_text_is_400(enrolled, make_request):
    """A procedure version whose text cannot be UTF-8 (a lone surrogate) is refused like any
    other bad field, never a server error; one without a code and name too."""
    d = enrolled("a.db")
    d.counter.receive(make_request())
    body = d.body()
    vid = next(iter(body["procedure_versions"]))
    broken = {**body["procedure_versions"][vid], "name": "\ud800"}
    raw = json.dumps({**body, "procedure_versions": {vid: broken}})  # "\ud800" escaped
    reply = d.client.post("/v1/push", content=raw.encode("ascii"),
                          headers={**d.auth, "Content-Type": "application/json"})
    assert reply.status_code == 400, reply.text
    reply = d.client.post("/v1/push", json={**body, "procedure_versions": {vid: {"x": 1}}},
                          headers=d.auth)
    assert reply.status_code == 400 and "code and a name" in reply.text
