"""Input no desk program would send: refused with 400 (or the event quarantined), never a
500, never a row a desk could not store."""

from __future__ import annotations

import gzip
import json

import pytest

from tests.server.conftest import count


def test_nul_nan_and_deep_nesting_are_400_and_write_nothing(enrolled):
    d = enrolled("a.db")
    for raw in (json.dumps({**d.body(), "desk_time": "2026-03-09T09:00:00\u0000"}).encode(),
                b'{"desk_id": NaN}', b"[" * 100_000 + b"]" * 100_000):
        for body, headers in ((raw, {}), (gzip.compress(raw), {"Content-Encoding": "gzip"})):
            reply = d.client.post("/v1/push", content=body,
                                  headers={**d.auth, **headers, "Content-Type": "application/json"})
            assert reply.status_code == 400, (raw[:40], reply.text)
    assert d.client.get("/v1/snapshot?after=a%00b", headers=d.auth).status_code == 400
    assert count(d.engine, "inbox") == 0


@pytest.mark.parametrize("change", [
    {"applicant_kind": None}, {"channel": None}, {"applicant_id_number": ["x"]},
    {"sets": 10**30}, {"note": {"a": 1}}, {"procedure_code": "9" * 40}, {"code": "X" * 70}, {"received_at": "2026-03-09T09:00:00.000000+07:00:00.000000"},
])
def test_a_received_event_no_desk_could_store_is_quarantined(enrolled, make_request, change):
    from counter_app.store.hash_chain import link_hash
    from counter_app.sync import projection  # noqa: F401 - the rules the server applies

    d = enrolled("a.db")
    d.counter.receive(make_request())
    [event] = d.events()
    payload = {**event["payload"], **change}
    text = json.dumps(payload, ensure_ascii=False, sort_keys=True)
    event = {**event, "payload": payload,
             "hash": link_hash(event["prev_hash"], [event[k] for k in (
                 "id", "dossier_id", "desk_id", "desk_seq", "at", "officer", "kind")] + [text])}
    reply = d.push([event])
    assert reply.status_code == 200, reply.text
    assert reply.json()["results"][0]["status"] == "quarantined"
    assert count(d.engine, "dossiers") == 0

