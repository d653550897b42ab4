"""A new desk takes the snapshot page by page through the real server (in-process): the
same result as one page, the cursor saved with the last page only, and an interrupted
snapshot taken again whole at the next round."""

from __future__ import annotations

import pytest

from counter_app.accounts import audit_trail
from counter_app.sync import desk_state, pull
from counter_app.sync.errors import ServerUnreachable
from counter_app.sync.sync_round import sync_once
from tests.sync.conftest import PROCEDURE, dossier_rows


def _comparable(db) -> list[dict]:
    return sorted(({k: v for k, v in r.items() if k not in ("updated_at", "applicant_id")}
                   for r in dossier_rows(db)), key=lambda r: r["id"])


def _server_seq(server) -> int:
    from sqlalchemy import text

    with server.engine.connect() as conn:
        return conn.execute(text("SELECT value FROM counters WHERE name = 'server_seq'")
                            ).scalar_one()


def _fill(a, b, server, make_request) -> list[str]:
    codes = [a.receive(make_request(PROCEDURE)).code for _ in range(5)]
    a.step(codes[0], "handover", {"to_unit": "Công chức Tư pháp"})
    codes += [b.receive(make_request(PROCEDURE)).code for _ in range(2)]
    sync_once(a.db, http=server.http)
    sync_once(b.db, http=server.http)
    return codes


def test_a_snapshot_in_pages_gives_the_same_desk(enrolled, server, make_request, monkeypatch):
    a, b = enrolled("a.db", 1), enrolled("b.db", 2)
    codes = _fill(a, b, server, make_request)
    monkeypatch.setattr(pull, "SNAPSHOT_PAGE", 2)
    c = enrolled("c.db", 3)
    report = sync_once(c.db, http=server.http).pulled
    assert report.snapshot and report.pages == 4 + 1  # 4 snapshot pages, then one pull
    assert report.events == 8 and report.dossiers == 7
    assert _comparable(c.db) == _comparable(b.db)
    assert desk_state.get(c.db, desk_state.PULL_CURSOR) == _server_seq(server)
    assert audit_trail.verify(c.db).ok  # every chain whole, payloads stored as hashed
    assert c.db.execute("SELECT count(*) FROM event_outcomes").fetchone()[0] == 8
    assert {r[0] for r in c.db.execute("SELECT code FROM dossiers")} == set(codes)
    # the search index was filled, and the rows went in in received order
    assert c.find(codes[3]).rows[0].code == codes[3]
    received = [r[0] for r in c.db.execute("SELECT received_at FROM dossiers ORDER BY rowid")]
    assert received == sorted(received)


def test_an_interrupted_snapshot_saves_no_cursor_and_is_taken_again(enrolled, server,
                                                                    make_request, monkeypatch):
    a, b = enrolled("a.db", 1), enrolled("b.db", 2)
    _fill(a, b, server, make_request)
    monkeypatch.setattr(pull, "SNAPSHOT_PAGE", 2)
    c = enrolled("c.db", 3)
    real, calls = pull.apply_page, []

    def third_fails(*args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise ServerUnreachable("the link dropped")
        return real(*args, **kwargs)

    monkeypatch.setattr(pull, "apply_page", third_fails)
    with pytest.raises(ServerUnreachable):
        sync_once(c.db, http=server.http)
    assert desk_state.get(c.db, desk_state.PULL_CURSOR, 0) == 0  # not saved mid-snapshot
    assert c.db.execute("SELECT count(*) FROM dossiers").fetchone()[0] == 4  # two pages in
    held = c.db.execute("SELECT count(*) FROM events").fetchone()[0]
    assert 4 <= held < 8
    monkeypatch.setattr(pull, "apply_page", real)
    report = sync_once(c.db, http=server.http).pulled
    assert report.snapshot and report.events == 8 - held  # the first pages' were there
    assert _comparable(c.db) == _comparable(b.db)
    assert desk_state.get(c.db, desk_state.PULL_CURSOR) == _server_seq(server)


def test_a_snapshot_page_with_more_but_no_after_is_refused(enrolled, server, monkeypatch):
    c = enrolled("c.db", 3)

    class Channel:
        def call(self, method, path, body=None, params=None):
            return {"changes": [], "dossiers": [], "next_cursor": 5, "has_more": True}

    with pytest.raises(ServerUnreachable):
        pull.pull(c.db, Channel(), c.desk_id)
    assert desk_state.get(c.db, desk_state.PULL_CURSOR, 0) == 0
