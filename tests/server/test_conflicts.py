"""Two desks of one commune act on the same dossier: the server's arrival order decides,
the loser is kept with both sides for a person; resolutions travel to every desk."""

from __future__ import annotations

import json

from counter_app.domain.lifecycle import Step
from tests.server.conftest import count


def _copy_dossier(source, target, code: str) -> None:
    """Give desk ``target`` desk ``source``'s dossier as a pull would (events + row)."""
    from counter_app.store.database import transaction

    src, dst = source.counter.db, target.counter.db
    dossier = dict(next(src.query("SELECT * FROM dossiers WHERE code = ?", [code])))
    applicant = dict(next(src.query("SELECT * FROM applicants WHERE id = ?",
                                    [dossier["applicant_id"]])))
    with transaction(dst):
        dst["applicants"].insert(applicant, replace=True)
        dst["dossiers"].insert(dossier)
        for e in src.query("SELECT * FROM events WHERE dossier_id = ?", [dossier["id"]]):
            dst["events"].insert(dict(e))


def _two_desks_one_dossier(enrolled, make_request):
    a, b = enrolled("a.db", desk=1), enrolled("b.db", desk=2)
    code = a.counter.receive(make_request()).code
    a.counter.step(code, Step.HANDOVER, {"to_unit": "Công chức Tư pháp"})
    a.counter.step(code, Step.FINISH, {"result": "Giấy khai sinh"})
    assert a.push().status_code == 200
    _copy_dossier(a, b, code)
    return a, b, code


def test_two_desks_return_the_same_dossier(enrolled, make_request, server_db):
    a, b, code = _two_desks_one_dossier(enrolled, make_request)
    a.counter.step(code, Step.RETURN, {})
    b.counter.step(code, Step.RETURN, {})
    first = a.push(a.events(3))
    assert [r["status"] for r in first.json()["results"]] == ["applied"]
    second = b.push()
    result = second.json()["results"][0]
    assert result["status"] == "conflict" and result["conflict_id"]
    assert second.json()["acked_through"] == 1  # the queue moves on
    page = b.client.get("/v1/pull?cursor=0", headers=b.auth).json()
    conflict = next(c["conflict"] for c in page["changes"] if c["type"] == "conflict")
    assert conflict["kind"] == "step_not_allowed" and conflict["code"] == code
    detail = conflict["detail"]
    assert detail["event"]["desk_id"] == b.desk_id and detail["event"]["kind"] == "return"
    assert detail["dossier"]["status"] == 10  # as it stood: returned by desk A
    assert [e["kind"] for e in detail["winning_events"]] == [
        "received", "handover", "finish", "return"]
    statuses = {(c["event"]["desk_id"], c["event"]["kind"]): c["result"]
                for c in page["changes"] if c["type"] == "event"}
    assert statuses[(b.desk_id, "return")] == "conflict"
    assert statuses[(a.desk_id, "return")] == "applied"
    snap = b.client.get("/v1/snapshot", headers=b.auth).json()
    assert [c["conflict"]["id"] for c in snap["changes"] if c["type"] == "conflict"] == [
        result["conflict_id"]]
    assert snap["dossiers"][0]["status"] == 10


def test_stop_against_finish_and_resolution(enrolled, make_request, server_db):
    a, b = enrolled("a.db", desk=1), enrolled("b.db", desk=2)
    code = a.counter.receive(make_request()).code
    a.push()
    _copy_dossier(a, b, code)
    b.counter.step(code, Step.STOP, {"reason": "Người nộp đề nghị dừng giải quyết"})
    a.counter.step(code, Step.FINISH, {"result": "Giấy khai sinh"})
    assert b.push().json()["results"][0]["status"] == "applied"
    result = a.push(a.events(1)).json()["results"][0]
    assert result["status"] == "conflict"
    cursor = b.client.get("/v1/pull?cursor=0", headers=b.auth).json()["next_cursor"]
    resolution = {"conflict_id": result["conflict_id"], "resolved_by": "lanhdao",
                  "resolution": "Giữ việc dừng; báo lại công dân",
                  "resolved_at": "2026-03-09T10:00:00+07:00"}
    reply = b.push([], resolutions=[resolution])
    assert reply.status_code == 200, reply.text
    later = a.push([], resolutions=[{**resolution, "resolved_by": "other"}])  # ignored
    assert later.status_code == 200
    page = a.client.get(f"/v1/pull?cursor={cursor}", headers=a.auth).json()
    changes = [c for c in page["changes"] if c["type"] == "conflict"]
    assert len(changes) == 1
    assert changes[0]["conflict"]["resolved_by"] == "lanhdao"
    assert changes[0]["conflict"]["detail"]["dossier"]["status"] == 8  # stopped
    assert count(server_db, "conflicts") == 1


def test_duplicate_code_and_unknown_dossier(enrolled, open_desk, client, make_request,
                                            server_db):
    from counter_app.server import database
    from counter_app.server.admin import revoke_device
    from tests.server.conftest import Desk

    a = enrolled("a.db", desk=1)
    a.counter.receive(make_request())
    assert a.push().status_code == 200
    # desk 1 replaced by a new desk 1 (docs/sync.md §2.9) that has not pulled yet: the same
    # codes, other dossiers. (Another desk number's codes are quarantined:
    # tests/security/test_code_squatting.py.)
    with database.writing(server_db) as conn:
        revoke_device(conn, a.desk_id)
    b = Desk(open_desk("b.db", desk=1), client, server_db)
    code = b.counter.receive(make_request()).code
    b.counter.step(code, Step.HANDOVER, {"to_unit": "Công chức Tư pháp"})
    results = b.push().json()["results"]
    assert [r["status"] for r in results] == ["conflict", "quarantined"]
    assert "dossier_not_found" in results[1]["reason"]
    with server_db.connect() as conn:
        from sqlalchemy import text

        kind, detail = conn.execute(text("SELECT kind, detail_json FROM conflicts")).one()
    assert kind == "duplicate_code"
    detail = json.loads(detail)
    assert detail["dossier"]["desk_id"] == a.desk_id
    assert detail["winning_events"][0]["kind"] == "received"
    assert count(server_db, "dossiers") == 1
