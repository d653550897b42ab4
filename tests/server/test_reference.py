"""GET /v1/reference: whole datasets, versioned by server_seq; null when unchanged."""

from __future__ import annotations

import datetime as dt

from counter_app.server import database, reference
from counter_app.store import catalogue_files
from tests.server import accounts


def _lan(admin: accounts.Account) -> dict:
    """A processing officer's account, added by the commune's administrator."""
    return accounts.new("lan", ("processing",), signer=admin, full_name="Trần Thị Lan",
                        title="Công chức Tư pháp").record


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


def test_officers_signed_by_the_admin_are_shared_per_commune(enrolled):
    admin = accounts.new("quantri")
    a = enrolled("a.db", desk=1, anchor=admin.record)
    b = enrolled("b.db", desk=2)
    lan = _lan(admin)
    reply = a.push([], officers=[lan])
    assert reply.status_code == 200 and reply.json()["officers_refused"] == []
    # the revision decides, never the clock: an older stamp, a later revision, wins
    changed = accounts.change(lan, admin, active=False, updated_at="2026-03-01T09:00:00+07:00")
    reply = b.push([], officers=[changed])
    assert reply.status_code == 200 and reply.json()["officers_refused"] == []
    data = _get(a)["officers"]
    assert data["officers"] == [changed, admin.record]  # by username
    assert _get(a, officers=data["version"])["officers"] is None
    # unsigned, as a token holder alone could send it: refused, no new version
    reply = a.push([], officers=[accounts.unsigned(changed, active=True, revision=3)])
    assert reply.status_code == 200
    assert [r["username"] for r in reply.json()["officers_refused"]] == ["lan"]
    assert _get(a, officers=data["version"])["officers"] is None
    bad = {**lan, "roles": ["king"]}
    assert a.push([], officers=[bad]).status_code == 400


def test_bad_versions(enrolled):
    d = enrolled()
    assert d.client.get("/v1/reference?catalogue=abc", headers=d.auth).status_code == 400


def test_an_account_sent_again_unchanged_makes_no_new_version(enrolled):
    """A replayed push (its reply was lost) must not make a stale account win again."""
    admin = accounts.new("quantri")
    a, b = enrolled("a.db", desk=1, anchor=admin.record), enrolled("b.db", desk=2)
    lan = _lan(admin)
    assert a.push([], officers=[lan]).status_code == 200
    version = _get(a)["officers"]["version"]
    again = a.push([], officers=[lan])  # the same batch again: neither applied nor refused
    assert again.status_code == 200 and again.json()["officers_refused"] == []
    assert _get(a, officers=version)["officers"] is None
    changed = accounts.change(lan, admin, title="Phó Chủ tịch")
    assert b.push([], officers=[changed]).status_code == 200
    assert a.push([], officers=[changed]).json()["officers_refused"] == []
    assert _get(a)["officers"]["officers"] == [changed, admin.record]
    stale = a.push([], officers=[lan])  # the older revision, sent again later: refused
    assert [r["username"] for r in stale.json()["officers_refused"]] == ["lan"]
    assert _get(a)["officers"]["officers"] == [changed, admin.record]
