"""Sync under faults, with real processes over loopback (docs/sync.md §2.12): a ``counter-server
serve`` (uvicorn) subprocess over a real database (PostgreSQL from tests/server/postgres.py;
the cheaper scenarios also on the embedded SQLite), desks as ``counter-cli --db D sync``
subprocesses (or a ``python -c`` worker when the desk's clock must be skewed), data made by
``counter-cli generate`` or received through ``Counter``. Every scenario ends with
tests/sync/invariants.check(..., converged=True).

(a) the desk SIGKILLed 15 times at random moments of a 10k-event push (one kill in three
    aimed at the moment the server has committed a batch the desk has not yet heard of);
(b) the server SIGKILLed and restarted three times during a push, the desk retrying;
(c) replies lost after the server committed (a small HTTP-aware TCP proxy forwards the
    request, reads the server's reply, then resets the desk's connection);
(d) captured push batches replayed in another order (all duplicates), a later batch before
    an earlier one (409 gap, nothing written), a tampered replay (409 replay_mismatch);
(e) desk clocks days off: order by arrival, the clock warning shown, offsets recorded;
(f) two desks editing the same dossiers offline: the first to arrive wins, the other is a
    conflict on the server and on both desks, both desks converge to the server's rows;
(g) a desk with 10,000 waiting events syncs in one round, in well under a minute;
(h) commune A receives dossiers for commune B (docs/sync.md §2.11); the desks of both work
    offline for days (their clocks moved on), each side its own steps (paper, processing,
    supplement, payment, withdrawal, return), syncing through a slow link with desk kills
    mid-sync (15 on PostgreSQL, 4 on SQLite) and a server kill; every dossier converges at
    both communes and the server, a withdrawal crossing a decision is a conflict both see,
    a third commune sees nothing;
(i) a step of the wrong side written on a desk without the rule (an older version) and
    pushed by a real ``counter-cli sync``: quarantined ("wrong_side: ..."), the other unit
    never told, the desk's row put back by the server's.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text

from counter_app.domain.statuses import Status
from counter_app.errors import WrongSide
from counter_app.store.database import open_database
from counter_app.store.hash_chain import link_hash
from counter_app.sync import desk_state
from tests.core.conftest import AGENCY_CODE
from tests.fault.sync_processes import (
    B_CODE,
    BATCH,
    BIN,
    C_CODE,
    SEED,
    UNIT_NAMES,
    Proxy,
    SlowLink,
    add_units,
    copy_db,
    desk_batch,
    desk_count,
    desk_sync,
    desk_token,
    desk_value,
    enrol_desk,
    interrupted_syncs,
    new_desk,
    quiesce,
    receive,
    receive_for,
    start_desk_sync,
)
from tests.settable_clock import Clock

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL (POSIX)")

BOTH = pytest.mark.parametrize("kind", ["sqlite", "postgres"])
POSTGRES = pytest.mark.parametrize("kind", ["postgres"])


def _report(capsys, line: str) -> None:
    with capsys.disabled():
        print(f"\n{line}")


# -- (a) the desk killed mid-push ----------------------------------------------------------------
@POSTGRES
def test_a_desk_killed_15_times_during_a_10k_push_loses_and_doubles_nothing(
        kind, site, big_desk, tmp_path, capsys):
    s = site(kind)
    desk = copy_db(big_desk, tmp_path / "desk.db")
    s.desks.append(desk)
    desk_id = desk_value(desk, "desk_id", "settings")
    total = desk_count(desk, "SELECT count(*) FROM events")
    # The desk reaches the server through a slow link (a push takes 0.8 s to upload, its
    # reply 0.3 s to come back): a whole 10k push takes some 15 s, long enough for the kills
    # to land in it, and a kill aimed at the moment the server commits lands before the
    # desk knows.
    proxy = Proxy(s.server.port, lambda m, p, n: (0.8, 0.3) if p == "/v1/push" else "pass")
    enrol_desk(desk, proxy.url, s.code(1))
    rng = random.Random(SEED)
    began = time.monotonic()
    acked = last = aimed = during_push = 0
    landed = {"before any progress": 0, "server ahead of the desk": 0, "mid-push": 0,
              "after the push": 0}
    for kill in range(15):
        pushes = len(proxy.push_started)
        proc = start_desk_sync(desk)
        give_up = time.monotonic() + 20
        if kill % 3 == 2 and last < total:  # aimed: the moment the server commits a batch
            aimed += 1
            while (s.scalar("SELECT last_seq FROM devices WHERE desk_id = :d", d=desk_id)
                   == last and proc.poll() is None and time.monotonic() < give_up):
                time.sleep(0.005)
        else:  # a random moment once this run has started pushing
            while (len(proxy.push_started) == pushes and proc.poll() is None
                   and time.monotonic() < give_up):
                time.sleep(0.01)
            time.sleep(rng.uniform(0.0, 1.8))
        during_push += last < total
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        proc.stderr.close()
        time.sleep(0.05)  # let a batch the server is still writing finish (or not)
        server_last = s.scalar("SELECT last_seq FROM devices WHERE desk_id = :d", d=desk_id)
        now_acked = int(desk_value(desk, "acked_through") or 0)
        assert now_acked >= acked and server_last >= last  # only forward
        assert now_acked <= server_last  # never acknowledged what the server lacks
        assert s.scalar("SELECT count(*) FROM inbox") == server_last  # each event once
        landed["before any progress" if server_last == last and now_acked == acked else
               "server ahead of the desk" if server_last > now_acked else
               "after the push" if server_last == total else "mid-push"] += 1
        acked, last = now_acked, server_last
        if kill % 5 == 4:
            s.check(converged=False)
    proxy.close()
    assert during_push >= 10, landed  # most kills did land in the push
    assert landed["server ahead of the desk"] >= aimed >= 3, landed  # replies lost
    db = open_database(desk)  # the clean rounds go straight to the server
    desk_state.put(db, desk_state.SERVER_URL, s.server.url)
    db.conn.close()
    code, report, err = desk_sync(desk)  # the clean round
    assert code == 0, err
    assert report["waiting"] == 0
    quiesce([desk])
    summary = s.check()
    assert summary["inbox"] == total and summary["results"] == {"applied": total}
    assert s.scalar("SELECT count(*) FROM dossiers") == desk_count(
        desk, "SELECT count(*) FROM dossiers")
    _report(capsys, f"(a) {total} events, 15 desk kills ({during_push} during the push, "
                    f"{aimed} aimed) in {time.monotonic() - began:.1f} s; landed: {landed}")


# -- (b) the server killed mid-push ----------------------------------------------------------------
@POSTGRES
def test_b_the_server_killed_and_restarted_mid_push_the_desk_completes(
        kind, site, big_desk, tmp_path, capsys):
    s = site(kind)
    desk = copy_db(big_desk, tmp_path / "desk.db")
    s.desks.append(desk)
    total = desk_count(desk, "SELECT count(*) FROM events")
    enrol_desk(desk, s.server.url, s.code(1))
    rng = random.Random(SEED + 2)
    began = time.monotonic()
    kills, runs, offline, recoveries = 0, 0, 0, []
    while True:  # the desk's runs (the GUI's timer would do the same)
        runs += 1
        assert runs < 20, "the desk never completed"
        proc = start_desk_sync(desk)
        while kills < 3 and proc.poll() is None:
            # Soon enough that three kills land before a fast machine finishes the push
            # (10,000 events take about 3 s); 1-2 s apart, the third one sometimes came late.
            time.sleep(rng.uniform(0.5, 1.2))
            if proc.poll() is None:  # still at work: pull the server's plug
                s.server.kill()
                kills += 1
                time.sleep(rng.uniform(0.2, 1.0))
                recoveries.append(s.server.start())
        _, err = proc.communicate(timeout=120)
        assert proc.returncode in (0, 8), err.decode()  # 8: offline, try again later
        offline += proc.returncode == 8
        if proc.returncode == 0 and int(desk_value(desk, "acked_through") or 0) == total:
            break
    assert kills == 3
    quiesce([desk])
    summary = s.check()
    assert summary["inbox"] == total and summary["results"] == {"applied": total}
    _report(capsys, f"(b) {total} events, 3 server kills, {runs} desk runs ({offline} ended "
                    "offline), "
                    f"{time.monotonic() - began:.1f} s; restarts took "
                    f"{', '.join(f'{r:.1f}' for r in recoveries)} s")


# -- (c) replies lost after the server committed -------------------------------------------------
@BOTH
def test_c_replies_lost_after_commit_come_back_as_duplicates(kind, site, small_desk, tmp_path,
                                                             capsys):
    s = site(kind)
    desk = copy_db(small_desk, tmp_path / "desk.db")
    s.desks.append(desk)
    total = desk_count(desk, "SELECT count(*) FROM events")
    assert total > 2 * BATCH
    # push 1 lost (the client's retry resends it), 2 passes (duplicates), 3-5 lost (the
    # second batch, three times: the round fails offline), then everything passes; the
    # first snapshot reply is lost too. The desk's retries wait milliseconds, not seconds.
    drops = {("/v1/push", 1), ("/v1/push", 3), ("/v1/push", 4), ("/v1/push", 5),
             ("/v1/snapshot", 1)}
    proxy = Proxy(s.server.port, lambda m, p, n: "drop" if (p, n) in drops else "pass")
    try:
        enrol_desk(desk, proxy.url, s.code(1))
        code, _, err = desk_sync(desk, quick_retries=True)
        assert code == 8, err  # offline: the second batch's replies were all lost
        assert int(desk_value(desk, "acked_through")) == BATCH
        assert s.scalar("SELECT last_seq FROM devices") == 2 * BATCH  # the server has it
        s.check(converged=False)
        code, report, err = desk_sync(desk, quick_retries=True)
        assert code == 0, err
        assert report["pushed"]["duplicates"] == BATCH  # the lost batch, once more
        assert report["pushed"]["applied"] == total - 2 * BATCH
        assert report["waiting"] == 0 and report["pulled"]["snapshot"]
        quiesce([desk])
    finally:
        proxy.close()
    assert sorted(proxy.dropped) == sorted(drops)
    summary = s.check()
    assert summary["inbox"] == total and summary["results"] == {"applied": total}
    _report(capsys, f"(c/{kind}) {total} events; {len(proxy.dropped)} replies lost; "
                    f"requests {proxy.counts}")


# -- (d) batches replayed and reordered ----------------------------------------------------------
@BOTH
def test_d_replayed_batches_are_duplicates_and_a_gap_is_refused(kind, site, small_desk,
                                                                tmp_path, capsys):
    s = site(kind)
    desk = copy_db(small_desk, tmp_path / "desk.db")
    s.desks.append(desk)
    total = desk_count(desk, "SELECT count(*) FROM events")
    proxy = Proxy(s.server.port, lambda m, p, n: "pass")
    try:
        enrol_desk(desk, proxy.url, s.code(1))
        desk_id = desk_value(desk, "desk_id", "settings")
        token = desk_token(desk)
        later = desk_batch(desk, desk_id, BATCH)  # the second batch
        api = httpx.Client(base_url=s.server.url, timeout=60,
                           headers={"Authorization": f"Bearer {token}"})

        def post(events: list[dict]) -> httpx.Response:
            return api.post("/v1/push", json={
                "desk_id": desk_id, "client_schema": 1, "desk_time": "2026-11-20T09:00:00+07:00",
                "waiting": len(events), "events": events, "audit": [], "officers": [],
                "resolutions": []})

        refused = post(later)  # a later batch before the earlier one
        assert refused.status_code == 409 and refused.json()["error"] == "gap", refused.text
        assert refused.json()["expected_seq"] == 1
        assert s.scalar("SELECT count(*) FROM inbox") == 0  # nothing written
        code, report, err = desk_sync(desk)  # the normal push completes
        assert code == 0, err
        assert report["pushed"]["applied"] == total and report["waiting"] == 0
        captured = list(proxy.pushes)
        assert len(captured) == -(-total // BATCH)
        log_before = s.scalar("SELECT count(*) FROM change_log")
        original = {e["desk_seq"]: e for e in later}
        for body in reversed(captured):  # every batch again, last first
            reply = api.post("/v1/push", content=body,
                             headers={"Content-Type": "application/json"})
            assert reply.status_code == 200, reply.text
            results = reply.json()["results"]
            assert results and {r["status"] for r in results} == {"duplicate"}
            assert reply.json()["acked_through"] == total
        third = desk_batch(desk, desk_id, 2 * BATCH, 300)
        overlap = post(later[500:] + third)  # straddling two batches already sent
        assert overlap.status_code == 200
        assert {r["status"] for r in overlap.json()["results"]} == {"duplicate"}
        tampered = dict(original[BATCH + 1])
        tampered["payload"] = {**tampered["payload"], "note": "sửa sau khi gửi"}
        tampered["hash"] = link_hash(tampered["prev_hash"], [
            tampered[k] for k in ("id", "dossier_id", "desk_id", "desk_seq", "at", "officer",
                                  "kind")] + [json.dumps(tampered["payload"], ensure_ascii=False,
                                                         sort_keys=True)])
        mismatch = post([tampered])
        assert mismatch.status_code == 409 and mismatch.json()["error"] == "replay_mismatch"
        api.close()
        # no event stored or logged again (the first batch's accounts are upserted again:
        # the server's counter may move for the officers dataset, see the report)
        assert s.scalar("SELECT count(*) FROM change_log") == log_before
        assert s.scalar("SELECT count(*) FROM inbox") == total
        quiesce([desk])
    finally:
        proxy.close()
    summary = s.check()
    assert summary["inbox"] == total and summary["results"] == {"applied": total}
    _report(capsys, f"(d/{kind}) {len(captured)} captured batches replayed: all duplicates; "
                    "gap and tampered replay refused")


# -- (e) desk clocks days off ----------------------------------------------------------------
SKEWED_SYNC = """
import datetime as dt, json, sys
from counter_app.backups import desk_database
from counter_app.sync.sync_round import sync_once
skew = dt.timedelta(seconds=float(sys.argv[2]))
with desk_database(sys.argv[1]) as db:
    report = sync_once(db, now=lambda: dt.datetime.now().astimezone() + skew)
print(json.dumps(report.to_dict(), ensure_ascii=False))
"""


def skewed_sync(path: Path, skew: dt.timedelta) -> dict:
    done = subprocess.run([sys.executable, "-c", SKEWED_SYNC, str(path),
                           str(skew.total_seconds())], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@BOTH
def test_e_desk_clocks_days_off_change_no_order_and_show_a_warning(kind, site, tmp_path,
                                                                  capsys):
    s = site(kind)
    ahead, behind = dt.timedelta(days=3, hours=2), -dt.timedelta(days=2)
    a = new_desk(tmp_path / "a.db", 1, clock=lambda: dt.datetime.now().replace(
        microsecond=0) + ahead)
    b = new_desk(tmp_path / "b.db", 2, clock=lambda: dt.datetime.now().replace(
        microsecond=0) + behind)
    s.desks += [tmp_path / "a.db", tmp_path / "b.db"]
    for path, number in ((tmp_path / "a.db", 1), (tmp_path / "b.db", 2)):
        enrol_desk(path, s.server.url, s.code(number))
    arrival = []
    for n in range(3):  # A then B, alternately: B's events are written 5 days "earlier"
        arrival.append(receive(a, n))
        skewed_sync(tmp_path / "a.db", ahead)
        arrival.append(receive(b, 100 + n))
        skewed_sync(tmp_path / "b.db", behind)
    b.after_sync()
    b.step(arrival[0], "handover", {"to_unit": "Công chức Tư pháp - Hộ tịch"})  # A's dossier
    report_b = skewed_sync(tmp_path / "b.db", behind)
    report_a = skewed_sync(tmp_path / "a.db", ahead)
    for _ in range(2):
        skewed_sync(tmp_path / "a.db", ahead)
        skewed_sync(tmp_path / "b.db", behind)
    with s.engine.connect() as conn:
        rows = conn.execute(text(
            "SELECT server_seq, event_json FROM inbox ORDER BY server_seq")).all()
    events = [json.loads(r.event_json) for r in rows]
    codes = [e["payload"]["code"] for e in events if e["kind"] == "received"]
    assert codes == arrival  # server order is arrival order, whatever the desks' clocks say
    assert [e["kind"] for e in events][-1] == "handover"
    assert events[-1]["at"] < events[0]["at"]  # written "before" the reception it follows
    with s.engine.connect() as conn:
        offsets = dict(conn.execute(text("SELECT desk_number, clock_offset_s FROM devices")).all())
    assert abs(offsets[1] + ahead.total_seconds()) < 120
    assert abs(offsets[2] + behind.total_seconds()) < 120
    assert "nhanh khoảng 3 ngày" in report_a["clock_warning"]
    assert "chậm khoảng 2 ngày" in report_b["clock_warning"]
    for path, words in ((tmp_path / "a.db", "nhanh khoảng 3 ngày"),
                        (tmp_path / "b.db", "chậm khoảng 2 ngày")):
        status = subprocess.run([str(BIN / "counter-cli"), "--db", str(path), "sync-status",
                                 "--json"], capture_output=True, text=True, check=True)
        assert words in json.loads(status.stdout)["clock_warning"]
    a.close()
    b.close()
    summary = s.check()
    assert summary["results"] == {"applied": 7} and summary["dossiers"] == 6
    _report(capsys, f"(e/{kind}) offsets recorded {offsets}; warnings: "
                    f"{report_a['clock_warning'][:45]}… / {report_b['clock_warning'][:45]}…")


# -- (f) two desks editing the same dossiers ---------------------------------------------------
@BOTH
def test_f_two_desks_editing_one_dossier_first_arrival_wins_both_see_the_conflict(
        kind, site, tmp_path, capsys):
    s = site(kind)
    paths = [tmp_path / "a.db", tmp_path / "b.db"]
    a, b = new_desk(paths[0], 1), new_desk(paths[1], 2)
    s.desks += paths
    for path, number in zip(paths, (1, 2), strict=True):
        enrol_desk(path, s.server.url, s.code(number))
    both_return, finish_or_stop, stop_first = (receive(a, n) for n in range(3))
    a.step(both_return, "finish", {})
    for code in (finish_or_stop, stop_first):
        a.step(code, "handover", {"to_unit": "Công chức Tư pháp - Hộ tịch"})
    quiesce(paths, rounds=1)
    b.after_sync()
    # offline from each other: A's edits reach the server first...
    a.step(both_return, "return", {"rating": "satisfied"})
    b.step(both_return, "return", {"rating": "very_satisfied"})
    a.step(finish_or_stop, "finish", {"result": "Đã cấp"})
    b.step(finish_or_stop, "stop", {"reason": "Người nộp đề nghị dừng"})
    assert desk_sync(paths[0])[0] == 0
    code, report_b, err = desk_sync(paths[1])
    assert code == 0, err
    assert report_b["pushed"]["conflicts"] == 2
    # ...and here B's does
    b.step(stop_first, "stop", {"reason": "Người nộp đề nghị dừng"})
    a.step(stop_first, "finish", {})
    assert desk_sync(paths[1])[0] == 0
    code, report_a, err = desk_sync(paths[0])
    assert code == 0, err
    assert report_a["pushed"]["conflicts"] == 1
    quiesce(paths)
    with s.engine.connect() as conn:
        status = dict(conn.execute(text("SELECT code, status FROM dossiers")).all())
        lost = conn.execute(text("SELECT d.code, c.kind, i.desk_id, i.event_json FROM conflicts c "
                                 "JOIN inbox i ON i.event_id = c.event_id "
                                 "JOIN dossiers d ON d.id = c.dossier_id ORDER BY d.code")).all()
    assert status == {both_return: 10, finish_or_stop: 9, stop_first: 8}  # returned, finished, stopped
    assert [(r.code, r.kind, r.desk_id, json.loads(r.event_json)["kind"]) for r in lost] == [
        (both_return, "step_not_allowed", b.desk_id, "return"),
        (finish_or_stop, "step_not_allowed", b.desk_id, "stop"),
        (stop_first, "step_not_allowed", a.desk_id, "finish")]
    for counter in (a, b):
        assert {c.code for c in counter.conflicts()} == {both_return, finish_or_stop,
                                                         stop_first}
        assert counter.dossier(stop_first).status == 8  # stopped, on A too: the server's row
    a.close()
    b.close()
    summary = s.check()
    assert summary["conflicts"] == 3 and summary["results"]["conflict"] == 3
    _report(capsys, f"(f/{kind}) {summary}")


# -- (g) a month offline with 10,000 waiting events -------------------------------------------------
@POSTGRES
def test_g_a_desk_with_10000_waiting_events_syncs_in_one_round(kind, site, big_desk, tmp_path,
                                                              capsys):
    s = site(kind)
    desk = copy_db(big_desk, tmp_path / "desk.db")
    s.desks.append(desk)
    total = desk_count(desk, "SELECT count(*) FROM events")
    assert total >= 9_500
    enrol_desk(desk, s.server.url, s.code(1))
    began = time.perf_counter()
    code, report, err = desk_sync(desk)
    seconds = time.perf_counter() - began
    assert code == 0, err
    assert report["pushed"]["applied"] == total and report["waiting"] == 0
    assert report["pushed"]["requests"] == -(-total // BATCH)
    assert seconds < 60, seconds
    quiesce([desk], rounds=1)
    s.check()
    _report(capsys, f"(g) {total} waiting events synced in one round in {seconds:.1f} s "
                    f"({total / seconds:,.0f} events/s, push + snapshot, {kind})")


# -- (h) two communes offline for days ----------------------------------------------------
def _shared_state(counter, code: str) -> tuple:
    row = counter.dossier(code)
    events = sorted(r[0] for r in counter.db.execute(
        "SELECT id FROM events WHERE dossier_id = ?", [row["id"]]).fetchall())
    return (row.status, row["paper_sent_at"], row["paper_received_at"], row["finished_at"],
            row["returned_at"], row["due_at"], tuple(events))


@BOTH
def test_h_two_communes_offline_for_days_converge_at_both_through_kills(kind, site, tmp_path,
                                                                       capsys):
    """On PostgreSQL 15 desk kills (3, 3, 2, 2, then one in each later sync) and the server
    kill. The SQLite variant runs the same six days, steps, conflict and server kill with
    half as many kills in each sync (rounded down: one in each of the first four, 4 in
    all): what the kills prove of the protocol (a killed round resent, nothing lost or
    doubled) is the same code on both databases, and PostgreSQL has it in full; SQLite
    still sees kills land mid-round and the server killed, in under half the time."""
    s = site(kind)
    add_units(s, B_CODE, C_CODE)
    monday = dt.date.today() - dt.timedelta(days=14)
    monday -= dt.timedelta(days=monday.weekday())
    day0 = dt.datetime.combine(monday, dt.time(8, 0))
    clock_a, clock_b = Clock(day0), Clock(day0)
    paths = [tmp_path / "a.db", tmp_path / "b.db", tmp_path / "c.db"]
    a = new_desk(paths[0], 1, clock_a)
    b = new_desk(paths[1], 1, clock_b, B_CODE, UNIT_NAMES[B_CODE])
    c = new_desk(paths[2], 1, Clock(day0), C_CODE, UNIT_NAMES[C_CODE])
    s.desks += paths
    # A slow link (each push and pull 0.5 s) while a kill or the server kill is to land in
    # the middle of a sync; the rounds that must complete (and quiesce) go at once.
    link = SlowLink((0.3, 0.2))
    proxy = Proxy(s.server.port, link)
    requests = lambda: sum(proxy.counts.values())  # noqa: E731
    rng = random.Random(SEED + 8)
    landed: dict[str, int] = {}
    kills_made = 0

    def sync_with_kills(path, kills: int) -> None:
        nonlocal kills_made
        kills = kills if kind == "postgres" else kills // 2  # see the docstring
        kills_made += kills
        for where, n in interrupted_syncs(path, rng, kills, requests, link).items():
            landed[where] = landed.get(where, 0) + n
        s.check(converged=False)

    def at(clock: Clock, days: int, hour: int) -> None:
        clock.now = day0 + dt.timedelta(days=days, hours=hour - 8)

    began = time.monotonic()
    try:
        for path, unit in zip(paths, (AGENCY_CODE, B_CODE, C_CODE), strict=True):
            enrol_desk(path, proxy.url, s.code(1, unit))
        link.slow = False
        quiesce(paths, rounds=1)  # each desk learns the province's units
        # Day 0, A: four dossiers for B, one of its own; the paper goes by post.
        shared = [receive_for(a, n, B_CODE) for n in range(4)]
        own = receive_for(a, 10)
        for code in shared:
            a.step(code, "send_paper", {"by": "post", "note": f"EMS {code[-4:]}"})
        sync_with_kills(paths[0], 3)
        sync_with_kills(paths[1], 3)
        b.after_sync()
        assert {d.code for d in b.worklist("paper_incoming")} == set(shared)
        # Days 1-3, both offline. B takes the paper in and decides; A takes two more and
        # the citizen of shared[2] withdraws it at A while B finishes it.
        at(clock_b, 1, 9)
        for code in shared:
            b.step(code, "receive_paper", {"note": "Bưu điện giao"})
            b.step(code, "handover", {"to_unit": "Công chức Tư pháp – Hộ tịch"})
        at(clock_b, 2, 10)
        b.step(shared[0], "request_supplement", {"items": ["Bản sao hợp đồng"],
                                                 "reason": "Thiếu chữ ký"})
        b.step(shared[1], "finish", {"result": "Đã chứng thực"})
        b.step(shared[2], "finish", {"result": "Đã chứng thực"})
        b.step(shared[3], "request_payment", {"amount_vnd": "50000", "note": "Lệ phí"})
        at(clock_a, 3, 14)
        a.step(shared[2], "withdraw", {})
        shared += [receive_for(a, n, B_CODE) for n in (4, 5)]
        for code in shared[4:]:
            a.step(code, "send_paper", {"by": "courier", "note": "Giao liên"})
        a.step(own, "handover", {"to_unit": "Công chức Tư pháp – Hộ tịch"})
        # The line is back: B first (its finish wins), A's withdrawal is the conflict; the
        # server is killed in the middle of A's first try.
        sync_with_kills(paths[1], 2)
        link.slow = True
        proc = start_desk_sync(paths[0])
        time.sleep(rng.uniform(0.8, 1.5))
        s.server.kill()
        time.sleep(0.3)
        s.server.start()
        proc.communicate(timeout=120)
        assert proc.returncode in (0, 8), proc.returncode  # done, or offline: try again
        sync_with_kills(paths[0], 2)
        sync_with_kills(paths[1], 1)
        a.after_sync()
        b.after_sync()
        assert a.dossier(shared[0]).status is Status.WAITING_SUPPLEMENT
        assert a.dossier(shared[2]).status is Status.FINISHED  # the withdrawal lost
        # Days 4-6: A takes the supplement, the fee, returns what is done; B decides.
        at(clock_a, 4, 9)
        a.step(shared[0], "resume", {"note": "Đã bổ sung"})
        a.step(shared[3], "payment_received", {"receipt_no": "BL-0007"})
        a.step(shared[1], "return", {"rating": "satisfied"})
        a.step(shared[2], "return", {})
        with pytest.raises(WrongSide):
            a.step(shared[0], "finish", {})  # not A's to decide
        at(clock_b, 4, 10)
        for code in shared[4:]:
            b.step(code, "receive_paper", {})
            b.step(code, "handover", {"to_unit": "Công chức Tư pháp – Hộ tịch"})
        sync_with_kills(paths[0], 1)
        sync_with_kills(paths[1], 1)
        b.after_sync()
        at(clock_b, 5, 9)
        for code in (shared[0], shared[3], shared[4]):
            b.step(code, "finish", {"result": "Đã chứng thực"})
        with pytest.raises(WrongSide):
            b.step(shared[1], "return", {})  # not B's to return
        sync_with_kills(paths[1], 1)
        sync_with_kills(paths[0], 1)
        a.after_sync()
        at(clock_a, 6, 9)
        for code in (shared[0], shared[3], shared[4]):
            a.step(code, "return", {"rating": "very_satisfied"})
        link.slow = False
        quiesce(paths)
    finally:
        proxy.close()
    a.after_sync()
    b.after_sync()
    summary = s.check()
    for code in shared:  # one dossier at both communes and the server
        assert _shared_state(a, code) == _shared_state(b, code), code
    with s.engine.connect() as conn:
        stored = dict(conn.execute(text("SELECT code, status FROM dossiers")).all())
        lost = conn.execute(text("SELECT d.code, c.kind FROM conflicts c JOIN dossiers d "
                                 "ON d.id = c.dossier_id")).all()
    assert {code: stored[code] for code in shared} == {
        code: int(a.dossier(code).status) for code in shared}
    assert [a.dossier(code).status for code in shared] == [Status.RETURNED] * 5 + [
        Status.PROCESSING]
    assert [(r.code, r.kind) for r in lost] == [(shared[2], "step_not_allowed")]
    assert {x.code for x in a.conflicts()} == {x.code for x in b.conflicts()} == {shared[2]}
    assert desk_count(paths[2], "SELECT count(*) FROM dossiers") == 0  # C: nothing
    assert desk_count(paths[2], "SELECT count(*) FROM events") == 0
    assert desk_count(paths[1], "SELECT count(*) FROM dossiers WHERE code = ?", [own]) == 0
    assert landed["mid-sync"] >= kills_made // 3, landed  # most kills did land in a round
    assert kills_made == (15 if kind == "postgres" else 4)
    for counter in (a, b, c):
        counter.close()
    _report(capsys, f"(h/{kind}) {len(shared)} dossiers A→B over 6 days, kills {landed}, "
                    f"{time.monotonic() - began:.1f} s; {summary['shared_events']} shared "
                    f"events, {summary['shared_conflicts']} conflict")


# -- (i) a wrong-side step through a real process --------------------------------------------
@BOTH
def test_i_a_wrong_side_step_pushed_by_a_real_process_is_quarantined(kind, site, tmp_path,
                                                                    capsys):
    s = site(kind)
    add_units(s, B_CODE)
    paths = [tmp_path / "a.db", tmp_path / "b.db"]
    a = new_desk(paths[0], 1)
    b = new_desk(paths[1], 1, unit=B_CODE, name=UNIT_NAMES[B_CODE])
    s.desks += paths
    enrol_desk(paths[0], s.server.url, s.code(1))
    enrol_desk(paths[1], s.server.url, s.code(1, B_CODE))
    quiesce(paths, rounds=1)
    code, own = receive_for(a, 1, B_CODE), receive_for(a, 2)
    quiesce(paths, rounds=1)
    b.after_sync()
    with pytest.raises(WrongSide):  # the desk's own rule
        a.step(code, "finish", {})
    # Desks without the rule (an older version, a hand-made file) take the other side's steps.
    rogue = []
    for counter, dossier, step, fields in ((a, code, "finish", {}),
                                           (a, own, "send_paper", {"by": "post"}),
                                           (b, code, "withdraw", {})):
        counter.why_not_side = lambda *_: None
        try:
            counter.step(dossier, step, fields)
        finally:
            del counter.why_not_side
        rogue.append(counter.db.execute("SELECT id FROM events WHERE desk_id = ? ORDER BY "
                                        "desk_seq DESC LIMIT 1", [counter.desk_id]).fetchone()[0])
    assert a.dossier(code).status is Status.FINISHED  # on A's file, for now
    for path in paths:
        done, report, err = desk_sync(path)  # the real desk process pushes them
        assert done == 0, err
        assert report["pushed"]["quarantined"] >= 1, report
    with s.engine.connect() as conn:
        rows = {r.event_id: r for r in conn.execute(text(
            "SELECT i.event_id, i.result, i.reason, l.party_id FROM inbox i JOIN change_log l "
            "ON l.server_seq = i.server_seq WHERE i.event_id IN (:x, :y, :z)"),
            dict(zip("xyz", rogue, strict=True)))}
    assert [rows[e].result for e in rogue] == ["quarantined"] * 3
    assert [rows[e].reason.split(" belongs")[0].split(" is only")[0] for e in rogue] == [
        "wrong_side: finish", "wrong_side: send_paper", "wrong_side: withdraw"]
    assert {rows[e].party_id for e in rogue} == {None}  # the other commune is not told
    quiesce(paths)
    a.after_sync()
    b.after_sync()
    s.check()
    assert a.dossier(code).status is b.dossier(code).status is Status.RECEIVED
    assert a.dossier(own)["paper_sent_at"] is None
    held_b = {r[0] for r in b.db.execute("SELECT id FROM events").fetchall()}
    assert not held_b & {rogue[0], rogue[1]}  # A's quarantined steps stay A's
    assert rogue[2] in held_b
    a.close()
    b.close()
    _report(capsys, f"(i/{kind}) wrong-side steps quarantined: "
                    f"{[rows[e].reason[:40] for e in rogue]}")
