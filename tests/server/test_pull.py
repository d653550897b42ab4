"""GET /v1/pull and /v1/snapshot: pages in server_seq order, a cursor that never skips."""

from __future__ import annotations

import threading

from counter_app.domain.lifecycle import Step


def _pull_all(d, cursor: int = 0, limit: int = 2) -> tuple[list[dict], int, list[dict]]:
    changes, dossiers = [], []
    while True:
        page = d.client.get(f"/v1/pull?cursor={cursor}&limit={limit}", headers=d.auth).json()
        assert page["next_cursor"] >= cursor
        changes += page["changes"]
        dossiers += page["dossiers"]
        cursor = page["next_cursor"]
        if not page["has_more"]:
            return changes, cursor, dossiers


def test_paging_sees_every_change_once_in_order(enrolled, make_request):
    a, b = enrolled("a.db", desk=1), enrolled("b.db", desk=2)
    for _ in range(3):
        a.counter.receive(make_request())
        b.counter.receive(make_request())
    code = a.counter.receive(make_request()).code
    a.counter.step(code, Step.HANDOVER, {"to_unit": "Công chức Tư pháp"})
    assert a.push().status_code == 200
    first, cursor, _ = _pull_all(b)
    assert b.push().status_code == 200  # lands after b's cursor
    rest, cursor, rows = _pull_all(b, cursor)
    seqs = [c["server_seq"] for c in first + rest]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs) == 8
    ids = {c["event"]["id"] for c in first + rest}
    assert ids == {e["id"] for e in a.events() + b.events()}
    assert {r["desk_id"] for r in rows} == {b.desk_id}
    empty = b.client.get(f"/v1/pull?cursor={cursor}", headers=b.auth).json()
    assert empty == {**empty, "changes": [], "dossiers": [], "next_cursor": cursor,
                     "has_more": False}


def test_pages_carry_the_dossier_as_it_stands(enrolled, make_request):
    d = enrolled()
    code = d.counter.receive(make_request()).code
    d.counter.step(code, Step.HANDOVER, {"to_unit": "Công chức Tư pháp"})
    d.push()
    reply = d.client.get("/v1/pull?cursor=0&limit=1", headers=d.auth)
    assert reply.headers["content-encoding"] == "gzip"  # the client accepts it
    page = reply.json()
    assert page["has_more"] and len(page["changes"]) == 1
    assert page["dossiers"][0]["status"] == 4  # processing: the row now, not at seq 1
    local = dict(next(d.counter.db.query("SELECT * FROM dossiers")))
    for key in ("status", "holder", "due_at", "search", "code"):
        assert page["dossiers"][0][key] == local[key]


def test_bad_pull_parameters(enrolled):
    d = enrolled()
    for query in ("cursor=-1", "cursor=x", "limit=0", "limit=5001"):
        reply = d.client.get(f"/v1/pull?{query}", headers=d.auth)
        assert reply.status_code == 400, query


def test_concurrent_pushes_never_make_a_pull_skip(enrolled, make_request):
    desks = [enrolled("a.db", desk=1), enrolled("b.db", desk=2)]
    for d in desks:
        for _ in range(6):
            d.counter.receive(make_request())
    batches = {d.desk_id: [d.events()[i:i + 2] for i in range(0, 6, 2)] for d in desks}
    seen: list[int] = []
    cursor = 0
    stop = threading.Event()

    def push(d):
        for batch in batches[d.desk_id]:
            assert d.push(batch).status_code == 200

    threads = [threading.Thread(target=push, args=(d,)) for d in desks]
    for t in threads:
        t.start()
    reader = desks[0]
    while not stop.is_set():
        alive = any(t.is_alive() for t in threads)
        page = reader.client.get(f"/v1/pull?cursor={cursor}&limit=3", headers=reader.auth)
        data = page.json()
        seen += [c["server_seq"] for c in data["changes"]]
        cursor = data["next_cursor"]
        if not alive and not data["has_more"]:
            stop.set()
    for t in threads:
        t.join()
    assert len(seen) == 12 and len(set(seen)) == 12 and seen == sorted(seen)


def test_snapshot_has_everything_and_its_cursor(enrolled, make_request):
    a, b = enrolled("a.db", desk=1), enrolled("b.db", desk=2)
    a.counter.receive(make_request())
    b.counter.receive(make_request())
    a.push()
    b.push()
    snap = b.client.get("/v1/snapshot", headers=b.auth).json()
    assert snap["has_more"] is False and len(snap["dossiers"]) == 2
    assert len(snap["changes"]) == 2 and snap["next_cursor"] == 2
    assert b.client.get(f"/v1/pull?cursor={snap['next_cursor']}",
                        headers=b.auth).json()["changes"] == []
