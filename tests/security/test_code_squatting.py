"""Code squatting: a desk pushing a reception under a dossier code that is not its own.

Attack held here: desk 2 pushed desk 1's next codes of the day; the server took them, so
desk 1's real reception came back as a ``duplicate_code`` conflict and its hand-over was
quarantined as "dossier not found". A code with another commune's agency code was taken
too. Now the reception that opens a dossier must carry the pushing desk's commune agency
code and desk number (``server/code_ownership.py``); anything else is quarantined with a
``code_not_owned`` reason, before the code is taken, so the owner's push goes through.

Every test runs on SQLite and on PostgreSQL (the ``server_db`` fixture).
"""

from __future__ import annotations

import json

import pytest
from sqlalchemy import text

from counter_app.domain.lifecycle import Step
from counter_app.domain.statuses import Status
from counter_app.errors import WrongSide
from counter_app.server import database
from counter_app.server.admin import revoke_device
from tests.server.conftest import (  # noqa: F401 - fixtures
    AGENCY_CODE,
    OTHER_CODE,
    Desk,
    client,
    clock,
    communes,
    count,
    enrolled,
    make_request,
    open_desk,
    server_db,
)

HANDOVER = {"to_unit": "Công chức Tư pháp"}


def _statuses(reply) -> list[str]:
    assert reply.status_code == 200, reply.text
    return [r["status"] for r in reply.json()["results"]]


def _server_dossier(engine, code: str) -> dict:
    with engine.connect() as conn:
        row = conn.execute(text("SELECT row_json FROM dossiers WHERE code = :c"),
                           {"c": code}).scalar_one()
    return json.loads(row)


def _inbox(engine, desk_id: str) -> list[tuple[str, str]]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(
            "SELECT result, reason FROM inbox WHERE desk_id = :d ORDER BY desk_seq"),
            {"d": desk_id})]


def _rehash(event: dict, code: str) -> dict:
    """The event with another code in its payload, its hash made again (a hostile desk)."""
    from counter_app.server.chain import event_values
    from counter_app.store.hash_chain import link_hash

    event = {**event, "payload": {**event["payload"], "code": code}}
    event.pop("_payload", None)
    return {**event, "hash": link_hash(event["prev_hash"], event_values(event))}


@pytest.mark.parametrize("how", ["receive", "refuse_at_reception"])
def test_desk_2_squatting_desk_1s_code_is_quarantined_and_desk_1_goes_through(
        enrolled, make_request, server_db, how):  # noqa: F811
    a, b = enrolled("a.db", desk=1), enrolled("b.db", desk=2)
    b.counter.set_up(desk_number=1)  # desk 2 now issues desk 1's codes
    if how == "receive":
        squatted = b.counter.receive(make_request()).code
        b.counter.step(squatted, Step.HANDOVER, HANDOVER)
    else:  # a refusal at reception: "received" then "refuse", one transaction
        squatted = b.counter.refuse_at_reception(make_request(), "Thiếu tờ khai").code
    assert squatted.startswith(f"{AGENCY_CODE}-") and squatted.endswith("-1001")

    reply = b.push()
    assert _statuses(reply) == ["quarantined", "quarantined"]
    assert reply.json()["acked_through"] == 2  # acknowledged: the desk's queue moves on
    first, then = (r["reason"] for r in reply.json()["results"])
    assert first.startswith("code_not_owned: ")
    assert f"dossier code {squatted} belongs to desk 1" in first
    assert f"desk 2 of commune {AGENCY_CODE} may only open dossier codes" in first
    assert then.startswith("dossier_not_found: ") and "code_not_owned" in then
    assert [r for r, _ in _inbox(server_db, b.desk_id)] == ["quarantined"] * 2
    assert _inbox(server_db, b.desk_id)[0][1] == first  # kept with its reason for the admin
    assert count(server_db, "dossiers") == count(server_db, "conflicts") == 0

    # Desk 1's real reception of the same code, and its next step: accepted as usual.
    if how == "receive":
        code = a.counter.receive(make_request()).code
        a.counter.step(code, Step.HANDOVER, HANDOVER)
        status = Status.PROCESSING
    else:
        code = a.counter.refuse_at_reception(make_request(), "Thiếu tờ khai").code
        status = Status.REFUSED
    assert code == squatted
    reply = a.push()
    assert _statuses(reply) == ["applied", "applied"]
    assert not any("conflict_id" in r for r in reply.json()["results"])
    assert count(server_db, "conflicts") == 0 and count(server_db, "dossiers") == 1
    row = _server_dossier(server_db, code)
    assert row["desk_id"] == a.desk_id and row["status"] == int(status)
    if how == "receive":  # the hand-over after it: applied too
        a.counter.step(code, Step.FINISH, {"result": "Giấy khai sinh"})
        assert _statuses(a.push(a.events(2))) == ["applied"]


def test_squatting_a_code_the_owner_already_pushed_is_quarantined_not_a_conflict(
        enrolled, make_request, server_db):  # noqa: F811
    a, b = enrolled("a.db", desk=1), enrolled("b.db", desk=2)
    code = a.counter.receive(make_request()).code
    assert _statuses(a.push()) == ["applied"]
    b.counter.set_up(desk_number=1)
    assert b.counter.receive(make_request()).code == code
    reply = b.push()
    assert _statuses(reply) == ["quarantined"]
    assert "belongs to desk 1" in reply.json()["results"][0]["reason"]
    assert count(server_db, "conflicts") == 0  # nothing for the leaders to settle
    assert _server_dossier(server_db, code)["desk_id"] == a.desk_id


def test_a_code_with_another_communes_agency_code_is_quarantined(
        enrolled, make_request, server_db):  # noqa: F811
    a = enrolled("a.db", desk=1)
    other = enrolled("other.db", desk=1, commune=OTHER_CODE)
    a.counter.set_up(agency_code=OTHER_CODE)  # desk 1 of commune A writes commune B's codes
    code = a.counter.receive(make_request()).code
    assert code.startswith(f"{OTHER_CODE}-")
    reply = a.push()
    assert _statuses(reply) == ["quarantined"]
    reason = reply.json()["results"][0]["reason"]
    assert reason.startswith("code_not_owned: ")
    assert f"agency code of commune {OTHER_CODE}, not this desk's" in reason
    assert f"desk 1 of commune {AGENCY_CODE} may only open" in reason
    assert count(server_db, "dossiers") == 0
    # commune B's own desk 1 then receives under that code: accepted
    assert other.counter.receive(make_request()).code == code
    assert _statuses(other.push()) == ["applied"]
    assert count(server_db, "conflicts") == 0


@pytest.mark.parametrize("forge", [
    lambda own: own.replace("-1001", "-2001"),        # desk 2's block
    lambda own: own.replace("-1001", "-9999"),        # desk 9's block
    lambda own: own.replace(AGENCY_CODE, OTHER_CODE),  # another commune's
    lambda own: own.replace(AGENCY_CODE, "H56.242"),   # another (2025-style) agency code
    lambda own: own.lower(),                           # not as desks write codes
    lambda own: f" {own}",
    lambda own: "HS-0001",                             # not a dossier code at all
], ids=["desk2", "desk9", "other-commune", "other-agency-2025", "lowercase", "space",
        "not-a-code"])
def test_a_forged_code_in_a_reception_is_quarantined(
        enrolled, make_request, server_db, forge):  # noqa: F811
    d = enrolled("a.db", desk=1)
    own = d.counter.receive(make_request()).code
    [event] = d.events()
    reply = d.push([_rehash(event, forge(own))])
    assert _statuses(reply) == ["quarantined"]
    assert reply.json()["results"][0]["reason"].startswith("code_not_owned: ")
    assert count(server_db, "dossiers") == 0


def test_each_desks_own_codes_are_accepted_as_before(
        enrolled, make_request, server_db):  # noqa: F811
    a, b = enrolled("a.db", desk=1), enrolled("b.db", desk=2)
    codes = [d.counter.receive(make_request()).code for d in (a, b, a, b)]
    b.counter.refuse_at_reception(make_request(), "Thiếu tờ khai")
    a.counter.step(codes[0], Step.HANDOVER, HANDOVER)
    assert [c[-4:] for c in codes] == ["1001", "2001", "1002", "2002"]
    assert _statuses(a.push()) == ["applied"] * 3
    assert _statuses(b.push()) == ["applied"] * 4
    assert count(server_db, "dossiers") == 5 and count(server_db, "conflicts") == 0


def test_a_real_clash_of_one_desk_number_is_still_a_duplicate_code_conflict(
        enrolled, open_desk, client, make_request, server_db):  # noqa: F811
    """Desk 1 replaced by a new desk 1 (a restored backup, docs/sync.md §2.9) that issues a
    code the old one used: its own code, so a conflict for a leader, not a quarantine."""
    a = enrolled("a.db", desk=1)
    code = a.counter.receive(make_request()).code
    assert _statuses(a.push()) == ["applied"]
    with database.writing(server_db) as conn:
        revoke_device(conn, a.desk_id)
    c = Desk(open_desk("c.db", desk=1), client, server_db)
    assert c.counter.receive(make_request()).code == code
    reply = c.push()
    assert _statuses(reply) == ["conflict"]
    with server_db.connect() as conn:
        assert conn.execute(text("SELECT kind FROM conflicts")).scalar_one() == "duplicate_code"


def test_later_steps_of_a_dossier_need_a_desk_of_its_commune(
        enrolled, make_request, server_db):  # noqa: F811
    """Only the reception is checked against the desk's block: any desk of the commune may
    take a step, a desk of another commune may not."""
    from tests.server.test_conflicts import _copy_dossier

    a, b = enrolled("a.db", desk=1), enrolled("b.db", desk=2)
    other = enrolled("other.db", desk=3, commune=OTHER_CODE)
    code = a.counter.receive(make_request()).code
    assert _statuses(a.push()) == ["applied"]
    _copy_dossier(a, b, code)
    _copy_dossier(a, other, code)
    b.counter.step(code, Step.HANDOVER, HANDOVER)
    assert _statuses(b.push()) == ["applied"]
    with pytest.raises(WrongSide):  # the other commune's desk refuses it itself ...
        other.counter.step(code, Step.HANDOVER, HANDOVER)
    other.counter.why_not_side = lambda step, row: None  # ... an older version would not
    other.counter.step(code, Step.HANDOVER, HANDOVER)
    reply = other.push()
    assert _statuses(reply) == ["quarantined"]
    assert reply.json()["results"][0]["reason"] == "dossier_of_another_commune"
