"""Applying a page of the server's changes on a desk, without a server: pages are built
from another desk's real rows (what the server relays), then applied with apply_page."""

from __future__ import annotations

import json

import pytest

from counter_app.accounts import audit_trail
from counter_app.sync import desk_state, pull, pull_page
from counter_app.sync.conflicts import list_conflicts, resolve
from tests.sync.conftest import PROCEDURE, dossier_rows, page_of


def _receive(desk, make_request, n: int, **applicant) -> list[str]:
    codes = []
    for i in range(n):
        request = make_request(PROCEDURE, applicant={"id_number": f"00130301{i:04d}",
                                                     **applicant})
        codes.append(desk.receive(request).code)
    return codes


def _comparable(rows: list[dict]) -> list[dict]:
    return sorted(({k: v for k, v in r.items() if k != "updated_at"} for r in rows),
                  key=lambda r: r["id"])


def test_a_page_brings_dossiers_events_and_its_cursor(open_desk, make_request):
    a, b = open_desk("a.db", desk=1), open_desk("b.db", desk=2)
    codes = _receive(a, make_request, 3)
    a.step(codes[0], "handover", {"to_unit": "Công chức Tư pháp"})
    report = pull.apply_page(b.db, page_of(a.db), b.desk_id)
    assert (report.events, report.dossiers) == (4, 3)
    assert _comparable(dossier_rows(b.db)) == _comparable(dossier_rows(a.db))
    assert desk_state.get(b.db, desk_state.PULL_CURSOR) == 4
    assert audit_trail.verify(b.db).ok  # A's chain is whole on B
    assert b.dossier(codes[0]).status == a.dossier(codes[0]).status
    assert [e.kind for e in b.events(b.dossier(codes[0]))] == ["received", "handover"]
    outcomes = b.db.execute("SELECT count(*) FROM event_outcomes").fetchone()[0]
    assert outcomes == 4
    # found by B's search, applicant matched on B by ID number
    assert b.find(codes[1]).rows[0].code == codes[1]
    applicant = b.db.execute("SELECT full_name FROM applicants WHERE id_number = ?",
                             ["001303010001"]).fetchone()
    assert applicant == ("Nguyễn Thị Ngọc Ánh",)


def test_applying_a_page_twice_changes_nothing(open_desk, make_request):
    a, b = open_desk("a.db", desk=1), open_desk("b.db", desk=2)
    _receive(a, make_request, 2)
    pull.apply_page(b.db, page_of(a.db), b.desk_id)
    again = pull.apply_page(b.db, page_of(a.db), b.desk_id)
    assert again.events == 0
    assert b.db.execute("SELECT count(*) FROM events").fetchone()[0] == 2


def test_an_existing_applicant_keeps_this_desks_id(open_desk, make_request):
    a, b = open_desk("a.db", desk=1), open_desk("b.db", desk=2)
    _receive(b, make_request, 1)
    local_id = b.db.execute("SELECT id FROM applicants").fetchone()[0]
    _receive(a, make_request, 1)  # the same person at desk A
    pull.apply_page(b.db, page_of(a.db), b.desk_id)
    assert b.db.execute("SELECT count(*) FROM applicants").fetchone()[0] == 1
    ids = {r[0] for r in b.db.execute("SELECT applicant_id FROM dossiers")}
    assert ids == {local_id}


def test_a_failing_page_saves_nothing_not_even_its_cursor(open_desk, make_request,
                                                         monkeypatch):
    a, b = open_desk("a.db", desk=1), open_desk("b.db", desk=2)
    _receive(a, make_request, 2)

    def broken(*args, **kwargs):
        raise RuntimeError("power cut in the middle of the page")

    monkeypatch.setattr(pull_page, "_write_conflicts", broken)
    with pytest.raises(RuntimeError):
        pull.apply_page(b.db, page_of(a.db), b.desk_id)
    assert b.db.execute("SELECT count(*) FROM dossiers").fetchone()[0] == 0
    assert b.db.execute("SELECT count(*) FROM events").fetchone()[0] == 0
    assert desk_state.get(b.db, desk_state.PULL_CURSOR) is None
    monkeypatch.undo()
    pull.apply_page(b.db, page_of(a.db), b.desk_id)  # the next round takes it whole
    assert b.db.execute("SELECT count(*) FROM dossiers").fetchone()[0] == 2


def test_a_dossier_with_unacknowledged_steps_here_is_not_overwritten(open_desk, make_request):
    a, b = open_desk("a.db", desk=1), open_desk("b.db", desk=2)
    code = _receive(a, make_request, 1)[0]
    pull.apply_page(b.db, page_of(a.db), b.desk_id)
    b.step(code, "finish", {})  # on B, not yet sent
    a.step(code, "handover", {"to_unit": "Công chức Tư pháp"})
    report = pull.apply_page(b.db, page_of(a.db, first_seq=10), b.desk_id)
    assert report.kept_local == 1
    assert b.dossier(code).status.name == "FINISHED"  # B's own step still shows
    kinds = [e.kind for e in b.events(b.dossier(code))]
    assert sorted(kinds) == ["finish", "handover", "received"]  # A's event is kept too


def test_an_event_whose_dossier_is_not_here_is_left_out(open_desk, make_request):
    a, b = open_desk("a.db", desk=1), open_desk("b.db", desk=2)
    _receive(a, make_request, 1)
    page = page_of(a.db)
    page["dossiers"] = []  # e.g. a quarantined event of an unknown dossier
    report = pull.apply_page(b.db, page, b.desk_id)
    assert report.events == 0
    assert desk_state.get(b.db, desk_state.PULL_CURSOR) == 1


def test_conflicts_are_stored_and_a_resolution_made_here_is_kept(open_desk, make_request):
    a, b = open_desk("a.db", desk=1), open_desk("b.db", desk=2)
    code = _receive(a, make_request, 1)[0]
    dossier_id = a.dossier(code)["id"]
    event = {"id": "e-lost", "dossier_id": dossier_id, "desk_id": b.desk_id, "desk_seq": 1,
             "at": "2026-03-09T10:15:00+07:00", "officer": "huong", "kind": "return",
             "payload": {}}
    conflict = {"id": "c-1", "dossier_id": dossier_id, "code": code,
                "kind": "step_not_allowed", "created_at": "2026-03-09T10:16:00+07:00",
                "resolved_at": None, "resolved_by": "", "resolution": "",
                "detail": {"reason": "...", "event": event,
                           "dossier": {"status": 9, "id": dossier_id},
                           "winning_events": [{**event, "desk_id": a.desk_id}]}}
    pull.apply_page(b.db, page_of(a.db, conflicts=[conflict]), b.desk_id)
    [view] = list_conflicts(b.db)
    assert view.code == code and view.is_open
    assert "Trả kết quả" in view.lost and "Lê Thị Hương" in view.lost
    assert "09/03/2026" in view.lost and "Đã ghi" in view.kept
    resolve(b.db, "c-1", "huong", "  Đã gọi điện cho công dân, giữ kết quả quầy 1. ")
    pull.apply_page(b.db, page_of(a.db, first_seq=5, conflicts=[conflict]), b.desk_id)
    [view] = list_conflicts(b.db, include_resolved=True)
    assert view.resolution == "Đã gọi điện cho công dân, giữ kết quả quầy 1."
    assert not view.resolution_sent and not view.is_open
    settled = {**conflict, "resolved_at": "2026-03-09T11:00:00+07:00", "resolved_by": "lan",
               "resolution": "Quầy 2 giải quyết trước"}
    pull.apply_page(b.db, page_of(a.db, first_seq=9, conflicts=[settled]), b.desk_id)
    [view] = list_conflicts(b.db, include_resolved=True)
    assert (view.resolved_by, view.resolution_sent) == ("lan", True)  # the server's wins
    assert json.loads(b.db.execute("SELECT detail FROM sync_conflicts").fetchone()[0])


def test_resolving_needs_words(open_desk):
    from counter_app.errors import ValidationError

    b = open_desk("b.db")
    b.db.execute("INSERT INTO sync_conflicts (id, dossier_id, kind, detail, created_at) "
                 "VALUES ('c', 'd', 'duplicate_code', '{}', '2026-03-09T10:00:00+07:00')")
    with pytest.raises(ValidationError):
        resolve(b.db, "c", "huong", "   ")


def test_a_page_mixing_old_and_new_rows_keeps_each_rows_columns(open_desk, make_request):
    """A row written before a column existed (or from an older desk's events) comes first in
    a page: the rows after it keep their form family and proxy all the same."""
    a, b = open_desk("a.db", desk=1), open_desk("b.db", desk=2)
    proxy = {"name": "Trần Văn Bình", "id_number": "001203012344"}
    _receive(a, make_request, 1)
    code = a.receive(make_request(PROCEDURE, applicant={"id_number": "001303019999"},
                                  proxy=proxy)).code
    page = page_of(a.db)
    for key in ("form_family", "proxy", "outcome"):  # as an earlier version's row
        page["dossiers"][0].pop(key)
    pull.apply_page(b.db, page, b.desk_id)
    row = b.dossier(code)
    assert row["form_family"] == "tt03-2025" and row.proxy["name"] == "Trần Văn Bình"
    first = b.db.execute("SELECT form_family, proxy FROM dossiers ORDER BY rowid LIMIT 1")
    assert first.fetchone() == (None, None)  # read as the 2018 family, no proxy
