"""Per-feed ordering on PostgreSQL (server/feeds.py, docs/sync.md §2.5): many pushes to
several communes commit in parallel, some of them into another unit's feed (a dossier one
commune received for the next), while pullers of every feed pull small pages all along.
Each puller must see every change of its feed exactly once, never a gap: a cursor never
skips a change that commits later with a smaller number.

Each reservation is followed by a short random pause before the push commits, which
widens the window a wrong ordering would fall into. The control test proves the check
has teeth: with numbers taken without the feeds' locks, the same run loses changes.
"""

from __future__ import annotations

import json
import random
import threading
import time

import pytest
from sqlalchemy import select

from counter_app.domain.reception import ReceptionRequest
from counter_app.server import database, feeds, pull, push
from counter_app.server.admin import add_commune
from counter_app.server.schema import change_log
from counter_app.sync.reference import apply_units
from tests.server.conftest import Desk, TestClient

COMMUNES = [f"000.{n:02d}.22.H56" for n in range(11, 17)]   # six communes
CERTIFY = "2.001035"   # a procedure any commune of the province may receive (boundary-free)
BIRTH = "1.001193"
DOSSIERS = 12          # per commune; every third one is received for the next commune
PUSH_BATCH = 3
PAGE = 5


NAMES = ["Nguyễn Văn An", "Trần Thị Bình", "Lê Văn Cường", "Phạm Thị Dung", "Hoàng Văn Em",
         "Vũ Thị Giang"]


@pytest.fixture
def pg_engine(pg_cluster):
    name = pg_cluster.create(template=pg_cluster.template)
    engine = database.make_engine(pg_cluster.url(name))
    with database.writing(engine) as conn:
        for code in COMMUNES:
            add_commune(conn, code, f"UBND xã {code}")
    yield engine
    engine.dispose()
    pg_cluster.drop(name)


@pytest.fixture
def pg_client(pg_engine):
    from counter_app.server.app import create_app

    with TestClient(create_app(pg_engine)) as c:
        yield c


def _desks(open_desk, client, engine) -> list[Desk]:
    units = {"version": 1, "units": [{"code": c, "name": f"UBND xã {c}", "kind": "commune"}
                                     for c in COMMUNES]}
    desks = []
    for i, code in enumerate(COMMUNES):
        counter = open_desk(f"d{i}.db", 1, code)
        apply_units(counter.db, units)
        nxt = COMMUNES[(i + 1) % len(COMMUNES)]
        for n in range(DOSSIERS):
            transfer = n % 3 == 0
            counter.receive(ReceptionRequest(
                CERTIFY if transfer else BIRTH,
                {"full_name": NAMES[i], "id_number": f"0013030{i:02d}{n:03d}",
                 "phone": "0912345678"}, competent_agency=nxt if transfer else ""))
        desks.append(Desk(counter, client, engine, code))
    return desks


def _run(engine, desks: list[Desk], hold: float) -> dict[int, tuple[list[int], list[int]]]:
    """Push every desk's events in small batches from one thread per desk while one puller
    per commune pulls; returns, per unit id, (numbers pulled in order, numbers logged)."""
    bodies = []
    for d in desks:
        events = d.events()
        bodies.append([d.body(events[i:i + PUSH_BATCH])
                       for i in range(0, len(events), PUSH_BATCH)])
    with database.reading(engine) as conn:
        devices = [push.auth.device(conn, d.token) for d in desks]
    done = threading.Event()
    errors: list[BaseException] = []
    seen: dict[int, list[int]] = {dev["commune_id"]: [] for dev in devices}

    def pusher(desk: Desk, batches: list[dict]) -> None:
        try:
            for body in batches:
                with database.writing(engine) as conn:
                    push.push(conn, desk.token, json.loads(json.dumps(body)))
                    time.sleep(random.uniform(0, hold))  # the commit comes a little later
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    def puller(device: dict) -> None:
        cursor, mine = 0, seen[device["commune_id"]]
        try:
            while True:
                finished = done.is_set()  # read before the page: the last one is complete
                with database.reading(engine) as conn:
                    page = json.loads(pull.pull(conn, device, cursor, PAGE).finish("x"))
                mine += [c["server_seq"] for c in page["changes"]]
                cursor = page["next_cursor"]
                if finished and not page["has_more"]:
                    return
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    pushers = [threading.Thread(target=pusher, args=a) for a in zip(desks, bodies, strict=True)]
    pullers = [threading.Thread(target=puller, args=(dev,)) for dev in devices]
    for t in pullers + pushers:
        t.start()
    for t in pushers:
        t.join(120)
    done.set()
    for t in pullers:
        t.join(120)
    assert not errors, errors
    with database.reading(engine) as conn:
        logged = {unit: sorted(conn.execute(select(change_log.c.server_seq).where(
            (change_log.c.commune_id == unit) | (change_log.c.party_id == unit))).scalars())
                  for unit in seen}
    return {unit: (seen[unit], logged[unit]) for unit in seen}


def test_every_puller_sees_its_feed_exactly_once(pg_engine, open_desk, pg_client, monkeypatch):
    real = feeds.reserve

    def reserve_then_wait(conn, n, into):  # the pause after the numbers, inside the lock
        numbers = real(conn, n, into)
        time.sleep(random.uniform(0, 0.01))
        return numbers

    monkeypatch.setattr(feeds, "reserve", reserve_then_wait)
    desks = _desks(open_desk, pg_client, pg_engine)
    result = _run(pg_engine, desks, hold=0.01)
    shared = 0
    for unit, (pulled, logged) in result.items():
        assert len(pulled) == len(set(pulled)), f"unit {unit}: a change pulled twice"
        assert pulled == sorted(pulled), f"unit {unit}: out of order"
        assert sorted(pulled) == logged, f"unit {unit}: {set(logged) - set(pulled)} skipped"
        shared += len(logged)
    # every commune's own events, and the next commune's transfers into its feed
    assert shared > len(COMMUNES) * DOSSIERS


def test_the_check_catches_numbers_taken_without_the_feed_locks(
        pg_engine, open_desk, pg_client, monkeypatch):
    """The control: numbers from the sequence with no lock (as a naive design would take
    them) let a later commit carry a smaller number, and some puller skips it."""
    from sqlalchemy import text

    def unlocked(conn, n, into):
        numbers = sorted(conn.execute(text(
            f"SELECT nextval('{feeds.SEQUENCE}') FROM generate_series(1, :n)"), {"n": n}
        ).scalars())
        time.sleep(random.uniform(0, 0.03))
        return numbers

    monkeypatch.setattr(feeds, "reserve", unlocked)
    desks = _desks(open_desk, pg_client, pg_engine)
    result = _run(pg_engine, desks, hold=0.03)
    skipped = sum(len(set(logged) - set(pulled)) for pulled, logged in result.values())
    assert skipped > 0
