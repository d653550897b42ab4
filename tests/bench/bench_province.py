"""A province on one server: many desks arriving at random (open loop), replayed by light
asynchronous clients, against 1 and 2 server workers (issue 19, part 3).

    .venv/bin/python tests/bench/bench_province.py [--communes 375] [--per-commune 8]
        [--rate 50] [--duration 30] [--workers 1,2] [--repeats 3]
        [--step-up 30:10:120 | --saturate 64] [--history 40] [--events 4] [--json]
        [--postgres postgresql://user@host:port/postgres]

**Real payloads.** ``--per-commune`` real desks (``counter-cli generate``, desk numbers
1..k of one commune, cached under /tmp/bench-work/cache) are enrolled on a capture server
and synced with the desk's own code (``sync_once``); the push bodies they send are captured
on the wire. Their events become the chains of ``--communes`` x ``--per-commune`` virtual
desks: each virtual desk replays the chain of the real desk with its desk number, with its
own desk id, its own event and dossier ids, its commune's agency code in the payloads
(so the server's code-ownership check passes) and the hash chain computed again. Every
virtual desk is enrolled afresh (``POST /v1/enroll`` with a one-time code), so every round
is a new, valid push that the server applies.

**Prepared state (once, not timed).** The virtual desks' first ``--history`` events are
pushed (the province's history), each desk is at its feed's last ``server_seq`` (it has pulled
everything) and holds the current reference versions. That database is the template of
every run (PostgreSQL ``CREATE DATABASE ... TEMPLATE``), so every run starts alike.

**A run.** ``counter-server serve --workers N`` on the copy. Rounds start at the times of a
Poisson process of ``--rate`` rounds a second (open loop: a slow server does not slow the
arrivals) for ``--duration`` seconds; each takes an idle virtual desk (one round at a time
per desk, as a real desk) and does what ``sync_once`` does: ``GET /v1/reference`` with its
versions, ``POST /v1/push`` of its next ``--events`` events (gzip, as the desk sends it),
``GET /v1/pull`` from its cursor until ``has_more`` is false. Meanwhile a leader's session
fetches the dashboard's overview page (``/dashboard``) every ``--probe-every`` seconds, and
``pg_stat_activity`` is sampled for what the active server connections wait on.

Reported per configuration: the achieved rate of rounds completed without error (rounds
a second and desks a minute), round latency p50/p95/p99, request p95, errors (a non-2xx
reply, a transport error or timeout, a pushed event not ``applied``, or an arrival that
found no idle desk or ``--max-inflight`` rounds in flight), the dashboard overview's
median and worst time, and CPU as cores used: the server's processes (all workers), the
PostgreSQL cluster's (postmaster and backends; the throwaway cluster only) and this load
generator's own. ``--step-up A:S:B`` runs rates A, A+S, ... up to B for each worker count
and reports the largest rate whose round p95 stays under 1 s with no error. ``--saturate N``
measures throughput instead (closed loop: N rounds always in flight, each followed at once
by another desk's round), for the speed-up of 2 workers over 1.

The load generator is one process with one event loop: its CPU is measured and reported,
since it shares the machine's cores with the server and PostgreSQL. The throwaway
PostgreSQL runs with fsync off (tests/server/postgres.py), as every benchmark here.
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import time
import uuid
from collections import Counter, deque
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
import httpx
from sync_bench_setup import (
    BIN,
    WORK,
    PostgresBackend,
    add_communes,
    copy_db,
    enrol,
    enrol_codes,
    free_port,
    generated_desk,
    percentile,
    sync_file,
    table,
)

from counter_app.server import database, leaders  # noqa: E402
from counter_app.store.hash_chain import GENESIS, link_hash, stored_json  # noqa: E402

TEMPLATE_AGENCY = "000.17.22.H01"  # the real desks' commune (generated_desk)
LEADER, LEADER_PASSWORD = "lanh.dao.tinh", "bench-lanh-dao-1"
PUSH_BATCH = 2000
CLIENT_SCHEMA = 2
TIMEOUT = httpx.Timeout(30, connect=5)  # the desk's own (counter_app/sync/transport.py)


def agency(i: int) -> str:
    """The i-th commune's agency code (2025 style, like ``H40.007``)."""
    return f"H40.{i + 1:03d}"


# -- capturing real desks' pushes --------------------------------------------------------------
def capture(per_commune: int, dossiers: int) -> dict[int, dict]:
    """Desk number -> {"events": [...], "versions": {...}}: what real desks pushed, read
    off the wire (request bodies of POST /v1/push), in order."""
    cache = WORK / "cache" / f"province-capture-k{per_commune}-d{dossiers}.json"
    if cache.exists():
        return {int(k): v for k, v in json.loads(cache.read_text()).items()}
    store = PostgresBackend()
    captured: dict[int, dict] = {}
    try:
        name = store.fresh()
        url = store.url(name)
        add_communes(url, [TEMPLATE_AGENCY])
        numbers = list(range(1, per_commune + 1))
        codes = enrol_codes(url, [(TEMPLATE_AGENCY, n) for n in numbers])
        folder = WORK / "desks" / "province-capture"
        shutil.rmtree(folder, ignore_errors=True)
        with _server(url, 1) as server:
            for n, code in zip(numbers, codes, strict=True):
                source = generated_desk(dossiers, seed=1000 + n - 1,
                                        agency_code=TEMPLATE_AGENCY, desk_number=n)
                path = copy_db(source, folder / f"desk-{n}.db")
                enrol(path, server.url, code)
                bodies: list[dict] = []

                def keep(request: httpx.Request, bodies=bodies) -> None:
                    if request.method == "POST" and request.url.path == "/v1/push":
                        raw = request.read()
                        if request.headers.get("content-encoding") == "gzip":
                            raw = gzip.decompress(raw)
                        bodies.append(json.loads(raw))

                from counter_app.sync.transport import make_client

                client = make_client(server.url)
                client.event_hooks = {"request": [keep], "response": []}
                try:
                    sync_file(path, http=client)
                finally:
                    client.close()
                events = [e for b in bodies for e in b["events"]]
                versions = {k: v for b in bodies for k, v in b["procedure_versions"].items()}
                captured[n] = {"events": events, "versions": versions}
                print(f"captured desk {n}: {len(events):,} events in {len(bodies)} pushes",
                      flush=True)
        store.drop(name)
    finally:
        store.close()
    cache.write_text(json.dumps(captured, ensure_ascii=False))
    return captured


# -- virtual desks ---------------------------------------------------------------------------
@dataclass
class VirtualDesk:
    commune: str
    number: int
    desk_id: str
    events: list[dict]            # its whole chain (history, then the rounds' events)
    versions: dict                # procedure versions its receptions name
    token: str = ""
    history: int = 0
    rounds: list[bytes] = field(default_factory=list)  # gzipped push bodies, in order
    reference: dict = field(default_factory=dict)
    start_cursor: int = 0
    # per run
    next_round: int = 0
    cursor: int = 0


def rewrite(template: list[dict], commune: str, count: int) -> tuple[str, list[dict]]:
    """The first ``count`` events of a real desk's chain as a new desk of ``commune``: new
    desk, event and dossier ids, the commune's agency code, the hash chain made again."""
    desk_id = str(uuid.uuid4())
    dossier_ids: dict[str, str] = {}
    out, prev = [], GENESIS
    for e in template[:count]:
        payload = json.loads(stored_json(e["payload"]).replace(TEMPLATE_AGENCY, commune))
        dossier = dossier_ids.setdefault(e["dossier_id"], str(uuid.uuid4()))
        new = {"id": str(uuid.uuid4()), "dossier_id": dossier, "desk_id": desk_id,
               "desk_seq": e["desk_seq"], "at": e["at"], "officer": e["officer"],
               "kind": e["kind"], "payload": payload, "prev_hash": prev}
        new["hash"] = prev = link_hash(prev, [new["id"], new["dossier_id"], desk_id,
                                              new["desk_seq"], new["at"], new["officer"],
                                              new["kind"], stored_json(payload)])
        out.append(new)
    return desk_id, out


def push_body(desk: VirtualDesk, events: list[dict], waiting: int) -> bytes:
    named = {e["payload"].get("procedure_version") for e in events if e["kind"] == "received"}
    body = {"desk_id": desk.desk_id, "client_schema": CLIENT_SCHEMA,
            "desk_time": time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime()),
            "waiting": waiting, "audit": [], "officers": [], "resolutions": [],
            "procedure_versions": {v: desk.versions[v] for v in named if v in desk.versions},
            "events": events}
    raw = json.dumps(body, ensure_ascii=False).encode()
    return gzip.compress(raw, compresslevel=3) if len(raw) > 1024 else raw


def make_desks(args, captured: dict[int, dict], rounds_each: int) -> list[VirtualDesk]:
    desks = []
    need = args.history + rounds_each * args.events
    for i in range(args.communes):
        for n in range(1, args.per_commune + 1):
            template = captured[n]["events"]
            if len(template) < need:
                raise SystemExit(f"desk {n} captured {len(template)} events; {need} needed: "
                                 "raise --dossiers or lower --history/--events")
            desk_id, events = rewrite(template, agency(i), need)
            desk = VirtualDesk(agency(i), n, desk_id, events, captured[n]["versions"])
            desk.history = args.history
            for r in range(rounds_each):
                lo = args.history + r * args.events
                batch = events[lo:lo + args.events]
                desk.rounds.append(push_body(desk, batch, need - lo))
            desks.append(desk)
    return desks


# -- the server ------------------------------------------------------------------------------
class _server:
    """``counter-server serve --workers N`` on loopback; always ended."""

    def __init__(self, url: str, workers: int, log: Path = WORK / "province-server.log"):
        self.db_url, self.workers, self.log_path = url, workers, log
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> _server:
        WORK.mkdir(parents=True, exist_ok=True)
        self._log = open(self.log_path, "ab")  # noqa: SIM115 - closed in __exit__
        env = {**os.environ, "COUNTER_BLOBS": str(WORK / "province-blobs")}
        self.proc = subprocess.Popen(
            [str(BIN / "counter-server"), "--database", self.db_url, "serve", "--host",
             "127.0.0.1", "--port", str(self.port), "--workers", str(self.workers)],
            stdout=self._log, stderr=self._log, env=env)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"counter-server exited; see {self.log_path}")
            try:
                if httpx.get(self.url + "/v1/reference", timeout=1).status_code == 401:
                    # every worker up: a few more answers
                    time.sleep(0.5 * self.workers)
                    return self
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        self.__exit__()
        raise RuntimeError("counter-server did not answer within 60 s")

    def pids(self) -> list[int]:
        return [self.proc.pid, *_children(self.proc.pid)]

    def __exit__(self, *exc) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self._log.close()


def _children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return [int(x) for x in f.read().split()]
    except OSError:
        return []


_TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pids: list[int], reaped: bool = False) -> float:
    """utime + stime of these processes (+ their reaped children's, with ``reaped``)."""
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
        if reaped:
            total += int(fields[13]) + int(fields[14])  # cutime, cstime
    return total / _TICK


def postmaster_pid(store: PostgresBackend) -> int | None:
    """The PostgreSQL server's process on this machine: the parent of one of its backends
    (None for a server elsewhere)."""
    import psycopg

    try:
        with psycopg.connect(store.cluster.admin_url) as conn:
            backend = conn.execute("SELECT pg_backend_pid()").fetchone()[0]
        with open(f"/proc/{backend}/stat") as f:
            return int(f.read().rsplit(")", 1)[1].split()[1])
    except (psycopg.Error, OSError, ValueError):
        return None


def db_cpu(store: PostgresBackend) -> float | None:
    pid = store.postmaster if hasattr(store, "postmaster") else postmaster_pid(store)
    store.postmaster = pid
    return None if pid is None else cpu_seconds([pid, *_children(pid)], reaped=True)


# -- preparing the template database -----------------------------------------------------------
async def _enrol_and_load(url: str, desks: list[VirtualDesk], codes: list[str]) -> None:
    limits = httpx.Limits(max_connections=8)
    async with httpx.AsyncClient(base_url=url, timeout=60, limits=limits) as client:
        sem = asyncio.Semaphore(8)

        async def one(desk: VirtualDesk, code: str) -> None:
            async with sem:
                reply = await client.post("/v1/enroll", json={
                    "code": code, "desk_id": desk.desk_id, "agency_code": desk.commune,
                    "desk_number": desk.number, "client_schema": CLIENT_SCHEMA,
                    "app_version": "bench"})
                reply.raise_for_status()
                desk.token = reply.json()["device_token"]
                auth = {"Authorization": f"Bearer {desk.token}"}
                for lo in range(0, desk.history, PUSH_BATCH):
                    body = push_body(desk, desk.events[lo:min(lo + PUSH_BATCH, desk.history)],
                                     len(desk.events) - lo)
                    headers = {**auth, "Content-Type": "application/json"}
                    if body[:2] == b"\x1f\x8b":
                        headers["Content-Encoding"] = "gzip"
                    reply = await client.post("/v1/push", content=body, headers=headers)
                    reply.raise_for_status()
                    bad = [r for r in reply.json()["results"] if r["status"] != "applied"]
                    if bad:
                        raise RuntimeError(f"history push not applied: {bad[:2]}")

        await asyncio.gather(*(one(d, c) for d, c in zip(desks, codes, strict=True)))
        # each commune's reference versions, as its desks hold them after a round
        seen: dict[str, dict] = {}
        for desk in desks:
            if desk.commune not in seen:
                reply = await client.get("/v1/reference", params={
                    k: 0 for k in ("catalogue", "calendar", "officers", "units")},
                    headers={"Authorization": f"Bearer {desk.token}"})
                reply.raise_for_status()
                seen[desk.commune] = {k: (v or {}).get("version", 0)
                                      for k, v in reply.json().items()
                                      if k in ("catalogue", "calendar", "officers", "units")}
            desk.reference = seen[desk.commune]


def prepare(args, store: PostgresBackend, desks: list[VirtualDesk]) -> str:
    name = store.fresh()
    url = store.url(name)
    communes = sorted({d.commune for d in desks})
    add_communes(url, communes)
    engine = database.make_engine(url)
    try:
        with database.writing(engine) as conn:
            leaders.add_leader(conn, LEADER, "Lãnh đạo tỉnh (thử tải)", LEADER_PASSWORD)
    finally:
        engine.dispose()
    codes = enrol_codes(url, [(d.commune, d.number) for d in desks])
    with _server(url, 2) as server:
        asyncio.run(_enrol_and_load(server.url, desks, codes))
    engine = database.make_engine(url)
    try:
        with engine.connect() as conn:
            from sqlalchemy import text

            # Each desk has pulled its unit's feed to its end (server/feeds.py).
            tops = dict(conn.execute(text(
                "SELECT c.code, f.last_seq FROM feeds f JOIN communes c ON c.id = f.unit_id"
            )).all())
            held = conn.execute(text("SELECT count(*) FROM inbox")).scalar_one()
    finally:
        engine.dispose()
    for desk in desks:
        desk.start_cursor = tops.get(desk.commune, 0)
    if held != sum(d.history for d in desks):
        raise RuntimeError(f"the template holds {held} events, not the history")
    return name


# -- one run -----------------------------------------------------------------------------------
@dataclass
class Tally:
    rounds: list[float] = field(default_factory=list)      # seconds, rounds without error
    requests: list[float] = field(default_factory=list)    # seconds, every request
    errors: Counter = field(default_factory=Counter)
    dashboard: list[float] = field(default_factory=list)
    dashboard_errors: int = 0
    waits: Counter = field(default_factory=Counter)
    wait_samples: int = 0
    pushed: int = 0
    pulled: int = 0
    retries: int = 0
    first_error: str = ""

    def error(self, kind: str, detail: str = "") -> None:
        self.errors[kind] += 1
        if not self.first_error:
            self.first_error = f"{kind}: {detail}"[:300]


async def desk_round(client: aiohttp.ClientSession, desk: VirtualDesk, tally: Tally) -> None:
    auth = {"Authorization": f"Bearer {desk.token}"}
    began = time.perf_counter()

    async def call(method: str, path: str, **kw) -> dict:
        # As the desk (sync/transport.py): a transport error, 429 or 5xx is tried again,
        # three tries in all with a short backoff; a retried request is counted, and only
        # a round that still fails is an error.
        for attempt in range(3):
            t0 = time.perf_counter()
            try:
                async with client.request(method, path, **kw) as reply:
                    status, raw = reply.status, await reply.read()
            except (aiohttp.ClientError, TimeoutError):
                if attempt == 2:
                    raise
                tally.retries += 1
                await asyncio.sleep(0.5 * 2 ** attempt)
                continue
            tally.requests.append(time.perf_counter() - t0)
            if (status == 429 or status >= 500) and attempt < 2:
                tally.retries += 1
                await asyncio.sleep(0.5 * 2 ** attempt)
                continue
            break
        if status != 200:
            raise RuntimeError(f"{method} {path} {status}: {raw[:200]!r}")
        return json.loads(raw)

    try:
        await call("GET", "/v1/reference", params=desk.reference, headers=auth)
        if desk.next_round < len(desk.rounds):
            body = desk.rounds[desk.next_round]
            headers = {**auth, "Content-Type": "application/json"}
            if body[:2] == b"\x1f\x8b":
                headers["Content-Encoding"] = "gzip"
            results = (await call("POST", "/v1/push", data=body, headers=headers))["results"]
            desk.next_round += 1
            tally.pushed += len(results)
            bad = [r for r in results if r["status"] != "applied"]
            if bad:
                tally.error("not applied", str(bad[0]))
                return
        for _ in range(20):
            page = await call("GET", "/v1/pull", params={"cursor": desk.cursor, "limit": 1000},
                              headers=auth)
            tally.pulled += len(page["changes"])
            desk.cursor = max(desk.cursor, page["next_cursor"])
            if not page["has_more"]:
                break
    except (aiohttp.ClientError, TimeoutError, RuntimeError, ValueError, KeyError) as exc:
        tally.error(type(exc).__name__, str(exc))
        return
    tally.rounds.append(time.perf_counter() - began)


async def dashboard_probe(url: str, every: float, stop: asyncio.Event, tally: Tally) -> None:
    import re

    async with httpx.AsyncClient(base_url=url, timeout=60) as client:
        form = await client.get("/dashboard/sign-in")
        csrf = re.search(r'name="csrf" value="([^"]+)"', form.text)[1]
        reply = await client.post("/dashboard/sign-in", data={
            "username": LEADER, "password": LEADER_PASSWORD, "csrf": csrf,
            "next": "/dashboard"})
        if reply.status_code != 303:
            tally.dashboard_errors += 1
            return
        while not stop.is_set():
            t0 = time.perf_counter()
            try:
                page = await client.get("/dashboard")
                ok = page.status_code == 200 and "Tổng quan" in page.text
            except httpx.HTTPError:
                ok = False
            if ok:
                tally.dashboard.append(time.perf_counter() - t0)
            else:
                tally.dashboard_errors += 1
            try:
                await asyncio.wait_for(stop.wait(), every)
            except TimeoutError:
                pass


async def wait_sampler(admin_url: str, db: str, stop: asyncio.Event, tally: Tally) -> None:
    """What the server's active connections wait on, sampled every 0.2 s."""
    import psycopg

    try:
        conn = await psycopg.AsyncConnection.connect(admin_url, autocommit=True)
    except psycopg.Error:
        return
    async with conn:
        while not stop.is_set():
            rows = await (await conn.execute(
                "SELECT coalesce(wait_event_type || ':' || wait_event, 'CPU'), "
                "left(regexp_replace(query, '\\s+', ' ', 'g'), 60) FROM pg_stat_activity "
                "WHERE datname = %s AND state = 'active' AND pid <> pg_backend_pid()",
                [db])).fetchall()
            tally.wait_samples += 1
            for wait, query in rows:
                tally.waits[(wait, query)] += 1
            try:
                await asyncio.wait_for(stop.wait(), 0.2)
            except TimeoutError:
                pass


async def load(server_url: str, desks: list[VirtualDesk], rate: float, duration: float,
               args, tally: Tally, admin_url: str, db: str) -> float:
    """Open-loop arrivals for ``duration`` s; returns the seconds from the first arrival
    to the last round's end."""
    rng = random.Random(args.seed)
    idle = deque(rng.sample(desks, len(desks)))
    stop = asyncio.Event()
    async with _client(server_url, args) as client:
        side = [asyncio.create_task(dashboard_probe(server_url, args.probe_every, stop, tally)),
                asyncio.create_task(wait_sampler(admin_url, db, stop, tally))]
        running: set[asyncio.Task] = set()

        async def one(desk: VirtualDesk) -> None:
            try:
                await desk_round(client, desk, tally)
            finally:
                idle.append(desk)

        loop = asyncio.get_running_loop()
        began = loop.time()
        if args.saturate:
            # Closed loop: ``--saturate`` rounds always in flight, each desk's round
            # followed at once by another desk's, for ``duration`` seconds: the most
            # the server gets through, whatever the latency.
            async def lane() -> None:
                while loop.time() - began < duration:
                    await one(idle.popleft())

            await asyncio.gather(*(lane() for _ in range(args.saturate)))
        else:
            at = began
            while True:
                at += rng.expovariate(rate)
                if at - began >= duration:
                    break
                delay = at - loop.time()
                if delay > 0:
                    await asyncio.sleep(delay)
                if not idle or len(running) >= args.max_inflight:
                    tally.error("overload", "no idle desk or too many rounds in flight")
                    continue
                task = asyncio.create_task(one(idle.popleft()))
                running.add(task)
                task.add_done_callback(running.discard)
            if running:
                await asyncio.wait(running, timeout=120)
        ended = loop.time()
        stop.set()
        await asyncio.gather(*side, return_exceptions=True)
    return ended - began


#: The desks' rounds go through aiohttp, a client light enough for a load generator that
#: shares the machine's two cores with the server and PostgreSQL. httpx (the desk's own
#: client, used here for the set-up) spent about 6 ms of CPU a round, and more as rounds
#: piled up: its connection pool looks through every connection on each request.
def _client(server_url: str, args) -> aiohttp.ClientSession:
    return aiohttp.ClientSession(
        base_url=server_url,
        connector=aiohttp.TCPConnector(limit=args.max_inflight,
                                       limit_per_host=args.max_inflight),
        timeout=aiohttp.ClientTimeout(total=30, sock_connect=5),  # the desk's own
        headers={"Accept-Encoding": "gzip", "User-Agent": "bench-province"})


def run_once(args, store: PostgresBackend, template: str, desks: list[VirtualDesk],
             workers: int, rate: float) -> dict:
    name = store.fresh(template=template)
    url = store.url(name)
    for desk in desks:
        desk.next_round, desk.cursor = 0, desk.start_cursor
    tally = Tally()
    try:
        with _server(url, workers) as server:
            pids = server.pids()
            server_cpu0, db_cpu0 = cpu_seconds(pids), db_cpu(store)
            me0 = resource.getrusage(resource.RUSAGE_SELF)
            wall = asyncio.run(load(server.url, desks, rate, args.duration, args, tally,
                                    store.cluster.admin_url, name))
            me1 = resource.getrusage(resource.RUSAGE_SELF)
            server_cpu = cpu_seconds(pids) - server_cpu0
            db_used = db_cpu(store)
            db_used = None if db_used is None or db_cpu0 is None else db_used - db_cpu0
    finally:
        store.drop(name)
    gen = (me1.ru_utime + me1.ru_stime) - (me0.ru_utime + me0.ru_stime)
    ok = len(tally.rounds)
    errors = sum(tally.errors.values()) + tally.dashboard_errors
    active = sum(tally.waits.values())
    waits = Counter()
    for (wait, _query), n in tally.waits.items():
        waits[wait] += n
    return {
        "workers": workers, "target_rate": None if args.saturate else rate, "rounds_ok": ok, "errors": errors,
        "error_kinds": dict(tally.errors), "first_error": tally.first_error,
        "retries": tally.retries,
        "achieved_rate": ok / wall, "desks_per_min": ok / wall * 60,
        "round_p50_ms": percentile(tally.rounds, 50) * 1000,
        "round_p95_ms": percentile(tally.rounds, 95) * 1000,
        "round_p99_ms": percentile(tally.rounds, 99) * 1000,
        "request_p95_ms": percentile(tally.requests, 95) * 1000,
        "dashboard_p50_ms": (statistics.median(tally.dashboard) * 1000
                             if tally.dashboard else float("nan")),
        "dashboard_max_ms": max(tally.dashboard) * 1000 if tally.dashboard else float("nan"),
        "dashboard_n": len(tally.dashboard),
        "server_cores": server_cpu / wall, "db_cores": None if db_used is None else db_used / wall,
        "generator_cores": gen / wall, "pushed": tally.pushed, "pulled": tally.pulled,
        "wall_s": wall,
        "active_conns_avg": active / max(1, tally.wait_samples),
        "waits": {k: round(v / max(1, active), 3) for k, v in waits.most_common(6)},
        "wait_queries": [(w, q, round(n / max(1, active), 3))
                         for (w, q), n in tally.waits.most_common(6)],
    }


def statements(store: PostgresBackend, template: str) -> list:
    """pg_stat_statements' top statements, where the cluster preloads it (else [])."""
    import psycopg

    try:
        with psycopg.connect(store.cluster.admin_url, autocommit=True) as conn:
            conn.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
            return conn.execute(
                "SELECT calls, round(total_exec_time)::int, round(mean_exec_time::numeric, 2),"
                " left(regexp_replace(query, '\\s+', ' ', 'g'), 90) FROM pg_stat_statements "
                "ORDER BY total_exec_time DESC LIMIT 10").fetchall()
    except psycopg.Error:
        return []


def reset_statements(store: PostgresBackend) -> None:
    import psycopg

    try:
        with psycopg.connect(store.cluster.admin_url, autocommit=True) as conn:
            conn.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
            conn.execute("SELECT pg_stat_statements_reset()")
    except psycopg.Error:
        pass


# -- reporting ----------------------------------------------------------------------------------
def _f(value, fmt: str = "{:.0f}") -> str:
    return "-" if value is None or value != value else fmt.format(value)


def row(r: dict) -> list:
    return [r["workers"], _f(r["target_rate"]), _f(r["achieved_rate"], "{:.1f}"),
            _f(r["desks_per_min"]), _f(r["round_p50_ms"]), _f(r["round_p95_ms"]),
            _f(r["round_p99_ms"]), _f(r["request_p95_ms"]), r["errors"], r["retries"],
            _f(r["dashboard_p50_ms"]), _f(r["dashboard_max_ms"]),
            _f(r["server_cores"], "{:.2f}"), _f(r["db_cores"], "{:.2f}"),
            _f(r["generator_cores"], "{:.2f}")]


HEADERS = ["workers", "target/s", "rounds/s", "desks/min", "p50 ms", "p95 ms", "p99 ms",
           "req p95", "errors", "retries", "dash p50", "dash max", "server cores", "db cores",
           "gen cores"]
KEYS = ("achieved_rate", "desks_per_min", "round_p50_ms", "round_p95_ms", "round_p99_ms",
        "request_p95_ms", "dashboard_p50_ms", "dashboard_max_ms", "server_cores", "db_cores",
        "generator_cores", "active_conns_avg")


def median_of(runs: list[dict]) -> dict:
    out = dict(runs[0])
    for key in KEYS:
        values = [r[key] for r in runs if r[key] is not None and r[key] == r[key]]
        out[key] = statistics.median(values) if values else None
    out["errors"] = sum(r["errors"] for r in runs)
    out["retries"] = sum(r["retries"] for r in runs)
    out["runs"] = len(runs)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--communes", type=int, default=375)
    parser.add_argument("--per-commune", type=int, default=8, help="desks a commune (1..9)")
    parser.add_argument("--dossiers", type=int, default=300,
                        help="dossiers of each real desk captured (about 4 events each)")
    parser.add_argument("--history", type=int, default=40,
                        help="events of each desk the server holds before the runs")
    parser.add_argument("--events", type=int, default=4, help="events pushed in one round")
    parser.add_argument("--rate", type=float, default=50, help="rounds a second (offered)")
    parser.add_argument("--duration", type=float, default=30, help="seconds of arrivals")
    parser.add_argument("--workers", default="1,2", help="worker counts, e.g. 1,2")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--step-up", metavar="A:S:B",
                        help="find the largest rate (A, A+S, .. B) with round p95 < 1 s")
    parser.add_argument("--probe-every", type=float, default=2.0,
                        help="seconds between two fetches of the dashboard's overview")
    parser.add_argument("--max-inflight", type=int, default=1000)
    parser.add_argument("--saturate", type=int, metavar="N", default=0,
                        help="closed loop instead: N rounds always in flight (throughput)")
    parser.add_argument("--seed", type=int, default=19)
    parser.add_argument("--postgres", help="an admin URL (default: a throwaway cluster)")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args()
    if not 1 <= args.per_commune <= 9:
        parser.error("--per-commune is 1..9")
    workers = [int(w) for w in args.workers.split(",")]
    rates = [args.rate]
    if args.step_up:
        a, s, b = (float(x) for x in args.step_up.split(":"))
        rates = [a + i * s for i in range(int((b - a) / s) + 1)]
    most = max(rates) * args.duration * 1.3 + 50  # Poisson: room above the mean
    if args.saturate:
        if args.step_up:
            parser.error("--saturate and --step-up are two different runs")
        most = max(most, 150 * args.duration)  # more than this machine gets through
    desks_n = args.communes * args.per_commune
    rounds_each = int(most / desks_n) + 2

    say = (lambda *a, **k: print(*a, **k, file=sys.stderr)) if args.json else print
    began = time.perf_counter()
    captured = capture(args.per_commune, args.dossiers)
    desks = make_desks(args, captured, rounds_each)
    say(f"{len(desks):,} virtual desks in {args.communes} communes, {rounds_each} rounds "
        f"each ready ({time.perf_counter() - began:.0f} s)", flush=True)
    store = PostgresBackend(args.postgres)
    results: list[dict] = []
    found: dict[int, float] = {}
    try:
        template = prepare(args, store, desks)
        say(f"template: {sum(d.history for d in desks):,} events held "
            f"({time.perf_counter() - began:.0f} s)", flush=True)
        reset_statements(store)
        if args.step_up:
            for w in workers:
                best = 0.0
                for rate in rates:
                    r = run_once(args, store, template, desks, w, rate)
                    results.append(r)
                    say(f"step-up workers {w} rate {rate:g}: " + _line(r), flush=True)
                    if r["errors"] or r["round_p95_ms"] >= 1000:
                        break
                    best = r["achieved_rate"]
                found[w] = best
        else:
            for rep in range(args.repeats):
                order = workers if rep % 2 == 0 else list(reversed(workers))
                for w in order:
                    r = run_once(args, store, template, desks, w, args.rate)
                    r["repeat"] = rep + 1
                    results.append(r)
                    say(f"repeat {rep + 1} workers {w}: " + _line(r), flush=True)
        top = statements(store, template)
        store.drop(template)
    finally:
        store.close()

    summary = {"bench": "province", "communes": args.communes,
               "per_commune": args.per_commune, "desks": desks_n, "events": args.events,
               "history": args.history, "duration_s": args.duration, "runs": results,
               "statements": top}
    if args.step_up:
        summary["largest_rate_p95_under_1s"] = found
    else:
        meds = {w: median_of([r for r in results if r["workers"] == w]) for w in workers}
        summary["medians"] = meds
        if 1 in meds and 2 in meds and meds[1]["achieved_rate"]:
            summary["speedup_2_over_1"] = meds[2]["achieved_rate"] / meds[1]["achieved_rate"]
    if args.json:
        print(json.dumps(summary, ensure_ascii=False, default=str))
        return 0 if not any(r["errors"] for r in results) or args.step_up else 1
    print()
    print(f"{desks_n:,} desks ({args.per_commune} in each of {args.communes} communes), "
          f"{args.events} events a round, {args.duration:g} s of Poisson arrivals per run; "
          "PostgreSQL over loopback")
    if args.step_up:
        print(table(HEADERS, [row(r) for r in results]))
        for w, best in found.items():
            print(f"workers {w}: largest rate with round p95 < 1 s and no error: "
                  f"{best:.1f} rounds/s = {best * 60:,.0f} desks a minute")
    else:
        print(f"medians of {args.repeats} runs (run back to back, order alternating)"
              + (f"; closed loop, {args.saturate} rounds always in flight (target/s: none)"
                 if args.saturate else ""))
        print(table(HEADERS, [row(summary["medians"][w]) for w in workers]))
        if "speedup_2_over_1" in summary:
            print(f"throughput of 2 workers over 1: {summary['speedup_2_over_1']:.2f}x")
    waits = Counter()
    for r in results:
        for k, v in r["waits"].items():
            waits[k] += v / len(results)
    print("active PostgreSQL connections, what they waited on (share of samples): "
          + ", ".join(f"{k} {v:.0%}" for k, v in waits.most_common(5)))
    queries = Counter()
    for r in results:
        for wait, query, share in r["wait_queries"]:
            queries[(wait, query)] += share / len(results)
    for (wait, query), share in queries.most_common(5):
        print(f"  {share:5.0%}  {wait:<22} {query}")
    if top:
        print("top statements by total time (pg_stat_statements):")
        print(table(["calls", "total ms", "mean ms", "statement"], [list(t) for t in top]))
    return 0 if not any(r["errors"] for r in results) or args.step_up else 1


def _line(r: dict) -> str:
    return (f"{r['achieved_rate']:.1f} rounds/s, p50 {r['round_p50_ms']:.0f} ms, p95 "
            f"{r['round_p95_ms']:.0f} ms, p99 {r['round_p99_ms']:.0f} ms, errors {r['errors']}"
            f" retries {r['retries']}"
            + (f" ({r['first_error']})" if r["errors"] else "")
            + f", dashboard {_f(r['dashboard_p50_ms'])}/{_f(r['dashboard_max_ms'])} ms, "
            f"cores server {r['server_cores']:.2f} db {_f(r['db_cores'], '{:.2f}')} "
            f"gen {r['generator_cores']:.2f}; waits {r['waits']}")


if __name__ == "__main__":
    sys.exit(main())
