"""GET /v1/pull and /v1/snapshot: pages in server_seq order, a cursor that never skips."""

from __future__ import annotations

import json
import threading

from counter_app.domain.lifecycle import Step

#: The two units of the ``communes`` fixture took the first two server_seq values (each unit
#: is reference data, versioned by server_seq since revision 0008).
UNITS = 2


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
    assert len(snap["changes"]) == 2  # the cursor: the last server_seq given out
    assert snap["next_cursor"] == max(c["server_seq"] for c in snap["changes"])
    assert b.client.get(f"/v1/pull?cursor={snap['next_cursor']}",
                        headers=b.auth).json()["changes"] == []


def _snapshot_all(d, limit: int) -> tuple[list[dict], list[dict], int, int]:
    """Every snapshot page: (changes, dossiers, cursor, pages)."""
    first = d.client.get(f"/v1/snapshot?limit={limit}", headers=d.auth).json()
    cursor, changes, rows, pages, page = first["next_cursor"], [], [], 0, first
    while True:
        pages += 1
        changes += page["changes"]
        rows += page["dossiers"]
        assert page["next_cursor"] == cursor
        if not page["has_more"]:
            assert "after" not in page
            return changes, rows, cursor, pages
        page = d.client.get("/v1/snapshot", params={"limit": limit, "cursor": cursor,
                                                    "after": page["after"]},
                            headers=d.auth).json()


def test_snapshot_pages_hold_every_dossier_once_with_its_events(enrolled, make_request):
    from counter_app.store.hash_chain import link_hash

    a, b = enrolled("a.db", desk=1), enrolled("b.db", desk=2)
    codes = [a.counter.receive(make_request()).code for _ in range(4)]
    codes += [b.counter.receive(make_request()).code for _ in range(3)]
    a.counter.step(codes[0], Step.HANDOVER, {"to_unit": "Công chức Tư pháp"})
    a.push()
    b.push()
    changes, rows, cursor, pages = _snapshot_all(b, limit=2)
    assert pages == 4 and cursor == UNITS + 8
    assert sorted(r["code"] for r in rows) == sorted(codes)  # each once
    order = [(r["received_at"], r["id"]) for r in rows]
    assert order == sorted(order)
    stored = {e["id"]: e for e in a.events() + b.events()}
    assert sorted(c["event"]["id"] for c in changes) == sorted(stored)
    local = {r["id"]: r["payload"] for r in a.counter.db.query("SELECT id, payload FROM events")}
    local |= {r["id"]: r["payload"] for r in b.counter.db.query("SELECT id, payload FROM events")}
    for change in changes:
        e = change["event"]
        assert change["result"] == "applied"
        assert e["payload"] == local[e["id"]]  # the stored text, as a string
        assert json.loads(e["payload"]) == stored[e["id"]]["payload"]
        values = [e[k] for k in ("id", "dossier_id", "desk_id", "desk_seq", "at", "officer",
                                 "kind", "payload")]
        assert link_hash(e["prev_hash"], values) == e["hash"]
    whole = b.client.get("/v1/snapshot", headers=b.auth).json()  # small: one page
    assert whole["has_more"] is False and len(whole["dossiers"]) == 7
    assert len(whole["changes"]) == 8 and whole["next_cursor"] == UNITS + 8


def test_snapshot_keeps_its_cursor_and_later_changes_come_by_pull(enrolled, make_request):
    a, b = enrolled("a.db", desk=1), enrolled("b.db", desk=2)
    for _ in range(3):
        a.counter.receive(make_request())
    a.push()
    first = b.client.get("/v1/snapshot?limit=1", headers=b.auth).json()
    cursor = first["next_cursor"]
    code = a.counter.receive(make_request()).code  # after the cursor
    a.push()
    changes, rows = first["changes"], first["dossiers"]
    page = first
    while page["has_more"]:
        page = b.client.get("/v1/snapshot", params={"limit": 1, "cursor": cursor,
                                                    "after": page["after"]},
                            headers=b.auth).json()
        assert page["next_cursor"] == cursor
        changes += page["changes"]
        rows += page["dossiers"]
    later, _, later_rows = _pull_all(b, cursor)
    assert code in {r["code"] for r in rows + later_rows}
    assert {c["event"]["id"] for c in changes + later} == {e["id"] for e in a.events()}


def test_the_first_snapshot_page_has_conflicts_and_dossierless_events(enrolled, make_request):
    a, b = enrolled("a.db", desk=1), enrolled("b.db", desk=2)
    code = b.counter.receive(make_request()).code
    b.push()
    b.counter.receive(make_request())
    lost = b.events()[-1]
    lost["payload"] = {**lost["payload"], "code": code}  # its own code again: a conflict
    lost = _rehash(lost)
    reply = b.client.post("/v1/push", json=b.body([lost]), headers=b.auth).json()
    assert reply["results"][0]["status"] == "conflict", reply
    for _ in range(2):
        a.counter.receive(make_request())
    a.push()
    first = b.client.get("/v1/snapshot?limit=1", headers=b.auth).json()
    assert first["has_more"]
    kinds = [c["type"] for c in first["changes"]]
    assert kinds.count("conflict") == 1
    assert lost["id"] in {c["event"]["id"] for c in first["changes"] if c["type"] == "event"}
    assert [c for c in first["changes"] if c["type"] == "event"
            and c["event"]["id"] == lost["id"]][0]["result"] == "conflict"


def _rehash(event: dict) -> dict:
    from counter_app.store.hash_chain import GENESIS, link_hash

    text = json.dumps(event["payload"], ensure_ascii=False, sort_keys=True)
    values = [event[k] for k in ("id", "dossier_id", "desk_id", "desk_seq", "at", "officer",
                                 "kind")] + [text]
    prev = event["prev_hash"] if event["desk_seq"] > 1 else GENESIS
    return {**event, "prev_hash": prev, "hash": link_hash(prev, values)}


def test_bad_snapshot_parameters(enrolled):
    d = enrolled()
    for query in ("limit=0", "limit=5001", "cursor=x", "after=nothing", "after=%7Cx"):
        reply = d.client.get(f"/v1/snapshot?{query}", headers=d.auth)
        assert reply.status_code == 400, query
        assert reply.json()["error"] == "bad_request"


def test_large_replies_are_gzipped_small_ones_not(enrolled, make_request):
    d = enrolled()
    for _ in range(3):
        d.counter.receive(make_request())
    d.push()
    big = d.client.get("/v1/snapshot", headers=d.auth)
    assert big.headers["content-encoding"] == "gzip" and big.json()["next_cursor"] == UNITS + 3
    plain = d.client.get("/v1/snapshot", headers={**d.auth, "Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers and plain.json() == {
        **big.json(), "server_time": plain.json()["server_time"]}
    small = d.client.get(f"/v1/pull?cursor={UNITS + 3}", headers=d.auth)
    assert "content-encoding" not in small.headers and small.json()["changes"] == []
