"""A pulled page never gets a desk stuck, nor puts older rows over newer ones; an error
that is not a SyncError is shown; a new desk gives way to the commune's accounts.

From the review's reproductions (a restored desk's register numbers, rows no desk can
store, two sync processes on one desk file, a new desk's first-run account)."""

from __future__ import annotations

import json
import sqlite3

import pytest

from counter_app.domain.lifecycle import Step
from counter_app.errors import CounterError
from counter_app.service.counter import Counter
from counter_app.sync import desk_state, pull, pull_page, token_store
from counter_app.sync.enrolment import enrol
from counter_app.sync.status import sync_status
from counter_app.sync.sync_round import sync_once
from counter_app.sync.transport import Channel
from tests.core.conftest import AGENCY, PASSWORD
from tests.sync.conftest import PROCEDURE, page_of


def _receive(counter, make_request, n: int, first: int = 0) -> list[str]:
    return [counter.receive(make_request(PROCEDURE, applicant={
        "id_number": f"00130301{first + i:04d}"})).code for i in range(n)]


def _codes(db) -> set[str]:
    return {r[0] for r in db.execute("SELECT code FROM dossiers")}


def _count(db, table: str) -> int:
    return db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


# -- 1. a row this desk cannot store is left out, recorded, and the cursor moves on ------

POISONS = {
    "missing applicant_kind": lambda r: r.pop("applicant_kind"),
    "channel is null": lambda r: r.update(channel=None),
    "applicant_id_number is a list": lambda r: r.update(applicant_id_number=["001303010001"]),
    "sets overflows": lambda r: r.update(sets=10**30),
    "note is an object": lambda r: r.update(note={"x": 1}),
    "sets is NaN": lambda r: r.update(sets=float("nan")),
    "status out of range": lambda r: r.update(status=99),
    "register_no is an object": lambda r: r.update(register_no={"no": 1}),
}


@pytest.mark.parametrize("poison", list(POISONS))
def test_a_row_this_desk_cannot_store_is_left_out_and_the_cursor_moves(
        open_desk, make_request, poison):
    a, b = open_desk("a.db", desk=1), open_desk("b.db", desk=2)
    codes = _receive(a, make_request, 3)
    page = page_of(a.db)
    bad = page["dossiers"][0]  # the first row: its columns must not decide the others'
    POISONS[poison](bad)
    report = pull.apply_page(b.db, page, b.desk_id)
    assert _codes(b.db) == set(codes[1:])
    assert (report.dossiers, report.events, report.skipped) == (2, 2, 1)
    assert desk_state.get(b.db, desk_state.PULL_CURSOR) == page["next_cursor"]
    assert not b.db.execute("SELECT 1 FROM events WHERE dossier_id = ?", [bad["id"]]).fetchone()
    [note] = pull.unwritable(b.db)
    assert (note["id"], note["code"], note["kind"]) == (bad["id"], codes[0], "dossier")
    assert note["reason"]
    assert sync_status(b.db).unwritable == 1
    assert sync_status(b.db).to_dict()["unwritable"] == 1
    # the next page goes on as usual; a later good row of it is stored and leaves the list
    a.step(codes[1], Step.HANDOVER, {"to_unit": "Công chức Tư pháp"})
    fixed = page_of(a.db, first_seq=page["next_cursor"] + 1)
    report = pull.apply_page(b.db, fixed, b.desk_id)
    assert report.skipped == 0 and _codes(b.db) == set(codes)
    assert pull.unwritable(b.db) == [] and sync_status(b.db).unwritable == 0


def test_a_failed_bulk_insert_puts_the_search_trigger_back(open_desk, make_request,
                                                         monkeypatch):
    a, b = open_desk("a.db", desk=1), open_desk("b.db", desk=2)
    codes = _receive(a, make_request, 3)
    monkeypatch.setattr(pull_page, "BULK", 2)  # new rows go through _bulk_insert
    page = page_of(a.db)
    page["dossiers"][2]["channel"] = None
    assert pull.apply_page(b.db, page, b.desk_id).skipped == 1
    assert b.db.execute("SELECT 1 FROM sqlite_master WHERE type = 'trigger' "
                        "AND name = 'dossiers_fts_insert'").fetchone()
    assert [r.code for r in b.find(codes[1]).rows] == [codes[1]]
    assert _count(b.db, "dossiers_fts") == 2


def test_rows_that_are_not_dossiers_are_left_out(open_desk, make_request):
    a, b = open_desk("a.db", desk=1), open_desk("b.db", desk=2)
    codes = _receive(a, make_request, 2)
    page = page_of(a.db)
    no_id = {k: v for k, v in page["dossiers"][0].items() if k != "id"}
    page["dossiers"] = ["garbage", no_id, *page["dossiers"][1:]]
    report = pull.apply_page(b.db, page, b.desk_id)
    assert _codes(b.db) == {codes[1]} and report.skipped == 2
    assert desk_state.get(b.db, desk_state.PULL_CURSOR) == page["next_cursor"]


def test_a_register_number_held_here_by_another_dossier(open_desk, make_request):
    """A restored desk received again with the register numbers it had used after its
    backup: the server holds two dossiers with one register entry."""
    a, b = open_desk("a.db", desk=1), open_desk("b.db", desk=2)
    mine = _receive(b, make_request, 1, first=50)[0]
    book, number = b.db.execute("SELECT register_book, register_no FROM dossiers").fetchone()
    codes = _receive(a, make_request, 3)
    page = page_of(a.db)
    clash = page["dossiers"][1]
    clash.update(register_book=book, register_no=number)
    report = pull.apply_page(b.db, page, b.desk_id)
    assert _codes(b.db) == {mine, codes[0], codes[2]}
    assert report.skipped == 1 and report.dossiers == 2
    [note] = pull.unwritable(b.db)
    assert note["code"] == codes[1] and "register" in note["reason"]
    assert desk_state.get(b.db, desk_state.PULL_CURSOR) == page["next_cursor"]
    # a new desk gets both in one page (its snapshot): the first is stored, not the second
    c = open_desk("c.db", desk=3)
    both = page_of(a.db)
    both["dossiers"][2].update(register_book=book, register_no=number)
    both["dossiers"][1].update(register_book=book, register_no=number)
    report = pull.apply_page(c.db, both, c.desk_id)
    assert _codes(c.db) == {codes[0], codes[1]} and report.skipped == 1
    assert desk_state.get(c.db, desk_state.PULL_CURSOR) == both["next_cursor"]


def test_a_clash_on_the_server_never_stops_any_desk(enrolled, server, make_request,
                                                   monkeypatch):
    """Through the server: desk 1's dossier comes with the register entry desk 2 holds;
    desk 2 and a new desk 3 keep syncing, round after round."""
    a, b = enrolled("a.db", 1), enrolled("b.db", 2)
    _receive(b, make_request, 1, first=50)
    sync_once(b.db, http=server.http)
    book, number = b.db.execute("SELECT register_book, register_no FROM dossiers").fetchone()
    codes = _receive(a, make_request, 2)
    sync_once(a.db, http=server.http)
    real = pull.apply_page

    def clashing(db, page, desk_id, **kwargs):  # as a restored desk's rows come
        for row in page.get("dossiers") or []:
            if row.get("code") == codes[0]:
                row.update(register_book=book, register_no=number)
        return real(db, page, desk_id, **kwargs)

    monkeypatch.setattr(pull, "apply_page", clashing)
    first = sync_once(b.db, http=server.http)
    again = sync_once(b.db, http=server.http)
    assert (first.pulled.skipped, again.pulled.skipped) == (1, 0)
    assert codes[1] in _codes(b.db) and codes[0] not in _codes(b.db)
    assert sync_status(b.db).unwritable == 1 and "1 hồ sơ" in first.summary
    c = enrolled("c.db", 3)
    snapshot = sync_once(c.db, http=server.http).pulled
    assert snapshot.snapshot and snapshot.skipped == 1 and _count(c.db, "dossiers") == 2
    assert desk_state.get(c.db, desk_state.PULL_CURSOR) >= desk_state.get(
        b.db, desk_state.PULL_CURSOR)  # saved: the next round pulls from there


# -- 2. any other error is recorded for the officer ------------------------------------------

def test_an_unexpected_error_is_recorded_without_its_text(enrolled, server, monkeypatch):
    from counter_app.sync import sync_round

    a = enrolled("a.db", 1)

    def broken(*args, **kwargs):
        raise sqlite3.IntegrityError("NOT NULL constraint failed: Nguyễn Thị Ngọc Ánh")

    monkeypatch.setattr(sync_round, "pull", broken)
    with pytest.raises(sqlite3.IntegrityError):
        sync_once(a.db, http=server.http)
    status = sync_status(a.db)
    assert status.last_error_kind == "error"
    assert status.last_error.startswith("Đồng bộ gặp lỗi không mong đợi: IntegrityError")
    assert "Nguyễn" not in status.last_error and status.last_attempt is not None
    monkeypatch.undo()
    sync_once(a.db, http=server.http)
    status = sync_status(a.db)
    assert (status.last_error, status.last_error_kind) == ("", "")


# -- 3. a new desk gives way to the commune's accounts ---------------------------------------

def test_a_new_desk_never_overwrites_the_communes_accounts(enrolled, server, tmp_path, clock):
    a = enrolled("a.db", 1)
    sync_once(a.db, http=server.http)  # huong (four roles, PASSWORD) is on the server
    b = Counter.open(tmp_path / "b.db", clock=clock)  # a desk installed later
    b.add_officer(username="huong", full_name="Lê Thị Hương", title="",
                  roles=["admin"], password="mat-khau-cua-quay-2")
    b.sign_in("huong", "mat-khau-cua-quay-2")
    b.add_officer(username="tuan", full_name="Trần Văn Tuấn", title="",
                  roles=["reception"], password="mat-khau-cua-tuan")
    b.set_up(**AGENCY, desk_number=2)
    try:
        enrol(b.db, server.url, server.code(2), http=server.http, allow_http=True)
        sync_once(b.db, http=server.http)
        sync_once(a.db, http=server.http)
        roles = "SELECT roles FROM officers WHERE username = 'huong'"
        four = ["reception", "processing", "leader", "admin"]
        assert json.loads(a.db.execute(roles).fetchone()[0]) == four
        assert json.loads(b.db.execute(roles).fetchone()[0]) == four  # the commune's came down
        a.sign_in("huong", PASSWORD)
        b.sign_in("huong", PASSWORD)
        with pytest.raises(CounterError):
            b.sign_in("huong", "mat-khau-cua-quay-2")
        # b's own account tuan was signed by b's first-run huong, a key the commune does not
        # know: the server refused it, and it stays on b only...
        with pytest.raises(CounterError):
            a.sign_in("tuan", "mat-khau-cua-tuan")
        b.sign_in("huong", PASSWORD)  # ...until the commune's administrator signs it at b
        sync_once(b.db, http=server.http)
        sync_once(a.db, http=server.http)
        a.sign_in("tuan", "mat-khau-cua-tuan")
    finally:
        b.close()


# -- 4. two sync processes of one desk never apply a stale page ------------------------------

def _status(db, code: str) -> int:
    return db.execute("SELECT status FROM dossiers WHERE code = ?", [code]).fetchone()[0]


def test_a_page_asked_before_another_process_pulled_is_dropped(enrolled, server, make_request):
    a, b = enrolled("a.db", 1), enrolled("b.db", 2)
    code = _receive(a, make_request, 1)[0]
    sync_once(a.db, http=server.http)
    sync_once(b.db, http=server.http)
    a.step(code, Step.HANDOVER, {"to_unit": "Công chức Tư pháp"})
    sync_once(a.db, http=server.http)
    # process 2 of desk B asks for its page now ...
    since = desk_state.get(b.db, desk_state.PULL_CURSOR)
    ch = Channel(server.http, token_store.load(b.db))
    stale = ch.call("GET", "/v1/pull", params={"cursor": since})
    a.step(code, Step.STOP, {"reason": "Người nộp đề nghị dừng"})
    sync_once(a.db, http=server.http)
    sync_once(b.db, http=server.http)  # process 1 of desk B: up to date
    truth, cursor = _status(a.db, code), desk_state.get(b.db, desk_state.PULL_CURSOR)
    events = _count(b.db, "events")
    assert _status(b.db, code) == truth
    report = pull.apply_page(b.db, stale, b.desk_id, since=since)  # ... and applies it now
    assert report.discarded == 1 and report.pages == 0 and report.dossiers == 0
    assert _status(b.db, code) == truth and _count(b.db, "events") == events
    assert desk_state.get(b.db, desk_state.PULL_CURSOR) == cursor
    # without saying where it was asked from, a page wholly behind the cursor is dropped too
    assert pull.apply_page(b.db, stale, b.desk_id).discarded == 1
    assert _status(b.db, code) == truth


class _Interleaved:
    """A channel that lets 'the other process' run once, right after the first reply of
    ``path`` was received (before it is applied)."""

    def __init__(self, channel: Channel, path: str, other):
        self.channel, self.path, self.other, self.done = channel, path, other, False

    def call(self, method, path, body=None, params=None):
        reply = self.channel.call(method, path, body, params=params)
        if path == self.path and not self.done:
            self.done = True
            self.other()
        return reply


def test_a_pull_stops_when_another_process_got_ahead(enrolled, server, make_request):
    a, b = enrolled("a.db", 1), enrolled("b.db", 2)
    code = _receive(a, make_request, 1)[0]
    sync_once(a.db, http=server.http)
    sync_once(b.db, http=server.http)
    a.step(code, Step.HANDOVER, {"to_unit": "Công chức Tư pháp"})
    sync_once(a.db, http=server.http)

    def other():
        a.step(code, Step.STOP, {"reason": "Người nộp đề nghị dừng"})
        sync_once(a.db, http=server.http)
        sync_once(b.db, http=server.http)

    ch = Channel(server.http, token_store.load(b.db))
    report = pull.pull(b.db, _Interleaved(ch, "/v1/pull", other), b.desk_id)
    assert report.discarded == 1 and report.pages == 0
    assert _status(b.db, code) == _status(a.db, code)


def test_a_snapshot_stops_when_another_process_took_one(enrolled, server, make_request,
                                                        monkeypatch):
    a = enrolled("a.db", 1)
    codes = _receive(a, make_request, 4)
    sync_once(a.db, http=server.http)
    monkeypatch.setattr(pull, "SNAPSHOT_PAGE", 2)
    c = enrolled("c.db", 3)

    def other():
        a.step(codes[3], Step.HANDOVER, {"to_unit": "Công chức Tư pháp"})
        sync_once(a.db, http=server.http)
        sync_once(c.db, http=server.http)  # process 1 of desk C: the whole snapshot

    ch = Channel(server.http, token_store.load(c.db))
    report = pull.pull(c.db, _Interleaved(ch, "/v1/snapshot", other), c.desk_id)
    assert report.snapshot and report.discarded == 1 and report.pages == 0
    assert desk_state.get(c.db, desk_state.PULL_CURSOR) == desk_state.get(a.db, desk_state.PULL_CURSOR)
    assert _status(c.db, codes[3]) == _status(a.db, codes[3])
    assert _codes(c.db) == set(codes)


def test_a_snapshot_page_of_an_older_snapshot_is_dropped(open_desk, make_request):
    a, c = open_desk("a.db", desk=1), open_desk("c.db", desk=3)
    codes = _receive(a, make_request, 2)
    newer = page_of(a.db, first_seq=20)
    older = page_of(a.db, first_seq=10)
    older["dossiers"][0]["note"] = "an older row"
    first = pull.apply_page(c.db, newer, c.desk_id, save_cursor=False, since=0)
    assert first.dossiers == 2 and desk_state.get(c.db, desk_state.PULL_CURSOR) is None
    assert pull.apply_page(c.db, older, c.desk_id, save_cursor=False, since=0).discarded == 1
    assert c.db.execute("SELECT note FROM dossiers WHERE code = ?", [codes[0]]).fetchone() \
        != ("an older row",)
    last = pull.apply_page(c.db, newer, c.desk_id, since=0)  # the last page: the cursor
    assert last.discarded == 0
    assert desk_state.get(c.db, desk_state.PULL_CURSOR) == newer["next_cursor"]
    assert desk_state.get(c.db, pull.SNAPSHOT_AT) is None
    assert pull.apply_page(c.db, newer, c.desk_id, since=0).discarded == 1  # cursor not 0
