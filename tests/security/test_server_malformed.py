"""Malformed pushes and district queries: a 400 with a clear English message, never a 500.

Attack held here: a push with ``"waiting": null`` (or none) crashed the server (500), and so
did ``/v1/district/counts?to=9999-12-31`` (the day after it overflows). Every field of a push
is now tried as null, missing and of the wrong type: the request is refused with 400 naming
the field, and nothing is written (an optional list may be missing or null: then it is
empty). A received or step event whose *payload* is malformed is the desk's record, kept
and quarantined (200), never a 500.
"""

from __future__ import annotations

import copy
import json
import uuid

import pytest
from sqlalchemy import text

from counter_app.domain.lifecycle import Step
from counter_app.server.chain import event_values
from counter_app.store.hash_chain import link_hash
from tests.server.conftest import (  # noqa: F401 - fixtures
    client,
    clock,
    communes,
    count,
    enrolled,
    make_request,
    open_desk,
    server_db,
    viewer_token,
)

MISSING = object()
WRONG = {"string": 7, "integer": "7", "list": {"a": 1}, "object": [1], "boolean": "yes",
         "uuid": 7, "moment": 20260309}
#: (where, key, kind, optional): the push's fields (PROTOCOL.md §Push) and their types.
TOP = [("desk_id", "uuid", False), ("client_schema", "integer", False),
       ("desk_time", "moment", False), ("waiting", "integer", False),
       ("events", "list", True), ("audit", "list", True), ("officers", "list", True),
       ("resolutions", "list", True), ("procedure_versions", "object", True)]
EVENT = [("id", "uuid"), ("dossier_id", "uuid"), ("desk_id", "uuid"), ("desk_seq", "integer"),
         ("at", "moment"), ("officer", "string"), ("kind", "string"), ("payload", "object"),
         ("prev_hash", "string"), ("hash", "string")]
AUDIT = [("id", "uuid"), ("desk_id", "uuid"), ("desk_seq", "integer"), ("at", "moment"),
         ("officer", "string"), ("action", "string"), ("subject", "string"),
         ("detail", "object"), ("prev_hash", "string"), ("hash", "string")]
OFFICER = [("username", "string"), ("full_name", "string"), ("title", "string"),
           ("roles", "list"), ("password_hash", "string"), ("active", "boolean"),
           ("updated_at", "moment")]
RESOLUTION = [("conflict_id", "uuid"), ("resolved_by", "string"), ("resolution", "string"),
              ("resolved_at", "moment")]


def _cases() -> list[tuple[str, list, object, bool]]:
    """(label, path, value, optional) for every field as null, missing and wrong; an
    optional field may be missing or null (then 200, or 400 naming it)."""
    cases = []

    def add(path: list, kind: str, optional: bool = False) -> None:
        for label, value in (("null", None), ("missing", MISSING), ("wrong", WRONG[kind])):
            cases.append((f"{'.'.join(map(str, path))}={label}", path, value,
                          optional and label != "wrong"))

    for key, kind, optional in TOP:
        add([key], kind, optional)
    for where, fields in (("events", EVENT), ("audit", AUDIT), ("officers", OFFICER),
                          ("resolutions", RESOLUTION)):
        for key, kind in fields:
            add([where, 0, key], kind)
        cases.append((f"{where}[0]=null", [where, 0], None, False))
        cases.append((f"{where}[0]=text", [where, 0], "x", False))
    return cases


def _set(body: dict, path: list, value) -> dict:
    body = copy.deepcopy(body)
    target = body
    for step in path[:-1]:
        target = target[step]
    if value is MISSING:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return body


def _full_body(d, make_request) -> dict:  # noqa: F811
    """A push holding one of each: event, audit entry, account, resolution."""
    d.counter.receive(make_request())
    audit = d.audit()
    assert audit, "the desk writes audit entries"
    officer = {"username": "can.bo", "full_name": "Cán Bộ", "title": "", "roles": ["reception"],
               "password_hash": "$argon2id$v=19$m=8,t=1,p=1$x$y", "active": True,
               "updated_at": "2026-03-09T09:00:00+07:00"}
    resolution = {"conflict_id": str(uuid.uuid4()), "resolved_by": "Cán Bộ",
                  "resolution": "giữ bản của máy 1", "resolved_at": "2026-03-09T09:00:00+07:00"}
    return d.body(audit=audit, officers=[officer], resolutions=[resolution])


def test_every_malformed_push_field_is_400_and_writes_nothing(enrolled, make_request):  # noqa: F811
    d = enrolled("a.db")
    body = _full_body(d, make_request)
    failures, written = [], None
    for label, path, value, optional in sorted(_cases(), key=lambda case: case[3]):
        if optional and written is None:  # every refused push before: nothing written
            written = count(d.engine, "inbox") + count(d.engine, "audit_inbox")
        reply = d.client.post("/v1/push", json=_set(body, path, value), headers=d.auth)
        if optional and reply.status_code == 200:  # an optional list left out: empty
            continue
        field = str(path[-1]) if not isinstance(path[-1], int) else str(path[0])
        if (reply.status_code != 400 or reply.json().get("error") != "bad_request"
                or field not in reply.json().get("message", "")):
            failures.append((label, reply.status_code, reply.text[:160]))
    assert not failures, failures
    assert written == 0
    for shape in (None, [], "push", 1, True):  # the body itself
        reply = d.client.post("/v1/push", json=shape, headers=d.auth)
        assert reply.status_code == 400 and reply.json()["message"], shape
    text = json.dumps(body)  # a number too large for a float: infinity to Python
    assert '"waiting": 1,' in text
    reply = d.client.post("/v1/push", content=text.replace('"waiting": 1,', '"waiting": 1e400,'),
                          headers={**d.auth, "Content-Type": "application/json"})
    assert reply.status_code == 400 and "waiting" in reply.json()["message"]
    assert d.push().status_code == 200  # and the well-formed push still goes through


def _next(events: list[dict], template: dict, payload: dict, n: int) -> dict:
    """``template`` with ``payload``, as the next event of the desk's chain (rehashed)."""
    last = events[-1]
    e = {**template, "id": str(uuid.uuid4()), "desk_seq": last["desk_seq"] + 1,
         "prev_hash": last["hash"], "payload": payload}
    if e["kind"] == "received":
        e["dossier_id"] = str(uuid.uuid4())
        if isinstance(payload.get("code"), str):
            payload["code"] = payload["code"][:-3] + f"{n:03d}"  # the desk's own block
    e["hash"] = link_hash(e["prev_hash"], event_values(e))
    e.pop("_payload", None)
    return e


def test_a_malformed_payload_is_quarantined_never_a_500(enrolled, make_request):  # noqa: F811
    d = enrolled("a.db")
    code = d.counter.receive(make_request()).code
    d.counter.step(code, Step.HANDOVER, {"to_unit": "Công chức Tư pháp"})
    events = d.events()
    assert d.push(events).status_code == 200
    received, handover = events
    n, odd = 100, []
    for template in (received, handover):
        keys = sorted(template["payload"]) + ["waited_minutes", "new_due_at", "proxy"]
        for key in keys:
            for value in (MISSING, None, 7, -1, 10**30, 1.5, 1e308, "x" * 5000, [], {"a": [1]},
                          True, "2026-13-45T99:00"):
                payload = copy.deepcopy(template["payload"])
                if value is MISSING:
                    payload.pop(key, None)
                else:
                    payload[key] = value
                n += 1
                event = _next(events, template, payload, n)
                body = {**d.body([received]), "events": [event]}  # with its procedure version
                reply = d.client.post("/v1/push", json=body, headers=d.auth)
                if reply.status_code != 200:
                    odd.append((template["kind"], key, repr(value)[:20], reply.status_code,
                                reply.text[:160]))
                    continue
                events.append(event)
    assert not odd, odd
    with d.engine.connect() as conn:
        results = set(conn.execute(text("SELECT result FROM inbox")).scalars())
    assert "quarantined" in results and "applied" in results


BAD_DAYS = ["9999-12-31", "0001-01-01", "1999-12-31", "2101-01-01", "2026-13-01", "2026-02-30",
            "2026-1-1", "26-01-01", "x", " ", "2026-01-01T00:00", "99999-01-01",
            "２０２６-01-01", "2026-01-01\n", "-2026-01-01"]


@pytest.mark.parametrize("name", ["from", "to"])
def test_bad_district_dates_are_400(client, communes, viewer_token, name):  # noqa: F811
    auth = {"Authorization": f"Bearer {viewer_token}"}
    for value in BAD_DAYS:
        reply = client.get("/v1/district/counts", params={name: value}, headers=auth)
        assert reply.status_code == 400, (name, value, reply.text)
        assert reply.json()["error"] == "bad_request" and name in reply.json()["message"]
    reply = client.get("/v1/district/counts", params={"from": "2000-01-01", "to": "2100-12-31"},
                       headers=auth)
    assert reply.status_code == 200, reply.text
    reply = client.get("/v1/district/counts", params={"from": "2026-03-02", "to": "2026-03-01"},
                       headers=auth)
    assert reply.status_code == 400


@pytest.mark.parametrize("params", [
    {"status": "0"}, {"status": "11"}, {"status": "x"}, {"status": "１"}, {"limit": "0"},
    {"limit": "501"}, {"limit": "9" * 30}, {"offset": "-1"}, {"offset": "9" * 30},
    {"q": "a" * 201}, {"cursor": "x\x00"},
])
def test_bad_district_search_parameters_are_400(client, communes, viewer_token, params):  # noqa: F811
    reply = client.get("/v1/district/dossiers", params=params,
                       headers={"Authorization": f"Bearer {viewer_token}"})
    assert reply.status_code == 400, (params, reply.text)
