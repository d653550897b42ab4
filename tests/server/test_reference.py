"""GET /v1/reference: whole datasets, versioned by server_seq; null when unchanged."""

from __future__ import annotations

import datetime as dt

from counter_app.server import database, reference
from counter_app.store import catalogue_files

OFFICER = {"username": "lan", "full_name": "Trần Thị Lan", "title": "Công chức Tư pháp",
           "roles": ["processing"], "password_hash": "$argon2id$v=19$x", "active": True,
           "updated_at": "2026-03-09T09:00:00+07:00"}


def _get(d, **versions):
    query = "&".join(f"{k}={v}" for k, v in versions.items())
    reply = d.client.get(f"/v1/reference?{query}", headers=d.auth)
    assert reply.status_code == 200, reply.text
    return reply.json()


def test_catalogue_and_calendar_versions(enrolled, server_db):
    d = enrolled()
    first = _get(d)
    assert first == {**first, "catalogue": None, "calendar": None, "officers": None}
    with database.writing(server_db) as conn:
        reference.import_catalogue(conn, catalogue_files.bundled()[:5])
        reference.set_day(conn, dt.date(2026, 4, 30), "off", "Ngày Giải phóng")
        reference.set_day(conn, dt.date(2026, 5, 9), "work", "Làm bù")
    data = _get(d)
    catalogue, calendar = data["catalogue"], data["calendar"]
    assert len(catalogue["procedures"]) == 5 and catalogue["procedures"][0]["code"]
    assert [o["day"] for o in calendar["overrides"]] == ["2026-04-30", "2026-05-09"]
    same = _get(d, catalogue=catalogue["version"], calendar=calendar["version"])
    assert same["catalogue"] is None and same["calendar"] is None
    with database.writing(server_db) as conn:
        assert reference.clear_day(conn, dt.date(2026, 5, 9))
    newer = _get(d, catalogue=catalogue["version"], calendar=calendar["version"])
    assert newer["catalogue"] is None
    assert newer["calendar"]["version"] > calendar["version"]
    assert [o["day"] for o in newer["calendar"]["overrides"]] == ["2026-04-30"]


def test_officers_last_arrival_wins_per_commune(enrolled):
    a, b = enrolled("a.db", desk=1), enrolled("b.db", desk=2)
    assert a.push([], officers=[OFFICER]).status_code == 200
    changed = {**OFFICER, "active": False, "updated_at": "2026-03-01T09:00:00+07:00"}
    assert b.push([], officers=[changed]).status_code == 200  # older stamp, later arrival
    data = _get(a)["officers"]
    assert data["officers"] == [changed]
    assert _get(a, officers=data["version"])["officers"] is None
    bad = {**OFFICER, "roles": ["king"]}
    assert a.push([], officers=[bad]).status_code == 400


def test_bad_versions(enrolled):
    d = enrolled()
    assert d.client.get("/v1/reference?catalogue=abc", headers=d.auth).status_code == 400


def test_an_account_sent_again_unchanged_makes_no_new_version(enrolled):
    """A replayed push (its reply was lost) must not make a stale account win again."""
    a, b = enrolled("a.db", desk=1), enrolled("b.db", desk=2)
    assert a.push([], officers=[OFFICER]).status_code == 200
    version = _get(a)["officers"]["version"]
    assert a.push([], officers=[OFFICER]).status_code == 200  # the same batch again
    assert _get(a, officers=version)["officers"] is None
    changed = {**OFFICER, "title": "Phó Chủ tịch"}
    assert b.push([], officers=[changed]).status_code == 200
    assert a.push([], officers=[changed]).status_code == 200
    assert _get(a)["officers"]["officers"] == [changed]
