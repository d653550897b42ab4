"""A new desk takes the commune's history fast: 100,000 events in under 10 seconds,
HTTP transfer (gzip) included. The page is served as the server serves a snapshot, by a
minimal app, so that the desk's side alone is timed (the server's own snapshot time is
measured on the server side).

By default a smaller commune (≈10,000 events, budget scaled, at least 2 s) keeps the suite
quick; COUNTER_SYNC_BENCH_DOSSIERS=25000 runs the full 100,000-event check."""

from __future__ import annotations

import gzip
import json
import os
import time

import pytest

from counter_app.store.database import open_database
from counter_app.sync import desk_state, pull
from counter_app.sync.transport import Channel
from tests.sync.conftest import page_of

DOSSIERS = int(os.environ.get("COUNTER_SYNC_BENCH_DOSSIERS", "2500"))
SECONDS_PER_100K = 10.0


@pytest.fixture(scope="module")
def snapshot(tmp_path_factory) -> tuple[bytes, int]:
    from counter_app.synthetic.generator import generate

    path = tmp_path_factory.mktemp("commune") / "generated.db"
    generate(path, DOSSIERS, 1, seed=7)
    source = open_database(path)
    page = page_of(source)
    source.conn.close()
    body = gzip.compress(json.dumps(page, ensure_ascii=False).encode("utf-8"), 5)
    return body, len(page["changes"])


def _relay(body: bytes, cursor: int):
    from starlette.applications import Starlette
    from starlette.responses import JSONResponse, Response
    from starlette.routing import Route

    async def snapshot_route(request):
        return Response(body, media_type="application/json",
                        headers={"Content-Encoding": "gzip"})

    async def pull_route(request):
        return JSONResponse({"changes": [], "dossiers": [], "next_cursor": cursor,
                             "has_more": False, "server_time": "2026-03-09T09:00:00+07:00"})

    return Starlette(routes=[Route("/v1/snapshot", snapshot_route),
                             Route("/v1/pull", pull_route)])


def test_a_new_desk_takes_the_history_fast(snapshot, tmp_path):
    pytest.importorskip("starlette")
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from starlette.testclient import TestClient

    body, events = snapshot
    db = open_database(tmp_path / "new-desk.db")
    http = TestClient(_relay(body, events))
    started = time.monotonic()
    report = pull.pull(db, Channel(http, "token"), "new-desk")
    elapsed = time.monotonic() - started
    assert report.snapshot and report.events == events
    assert db.execute("SELECT count(*) FROM events").fetchone()[0] == events
    assert desk_state.get(db, desk_state.PULL_CURSOR) == events
    # the search index was filled: a dossier is found by its code
    code = db.execute("SELECT code FROM dossiers LIMIT 1").fetchone()[0]
    found = db.execute("SELECT count(*) FROM dossiers_fts WHERE dossiers_fts MATCH ?",
                       [f'"{code.split("-")[-1]}"']).fetchone()[0]
    assert found >= 1
    budget = max(2.0, SECONDS_PER_100K * events / 100_000)
    print(f"{events} events in {elapsed:.2f} s (budget {budget:.1f} s)")
    assert elapsed < budget
