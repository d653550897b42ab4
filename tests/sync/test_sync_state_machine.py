"""Randomized sync (docs/sync.md §2.12): a Hypothesis state machine with three desks of one commune
and one desk of another, a real server in-process (starlette's TestClient over an embedded
SQLite file; a shorter run over PostgreSQL), random work on random desks, random syncs with
random faults, and the invariants of tests/sync/invariants.py after every step.

Rules: receive a dossier on a desk; take a random allowed step with valid fields on a
dossier the desk sees (its view may be stale: that is how two desks come to disagree);
sync a desk with a fault: none, the connection refused before anything is sent, the reply
lost after the server committed (once: the client's own retry resends; three times: the
round fails and the next resends), a reply of a pull lost, or only half a round (push only,
pull only); and quiesce: every desk does a full round twice, then the desks must equal the
server. Every desk's acknowledgement and pull cursor only move forward.

All desks share one clock that only moves forward (a step's time is checked against the
dossier's last handover, made on whichever desk); tests/fault/test_sync_faults.py skews it.
"""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
import warnings
from pathlib import Path

import httpx
import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import event

from counter_app.domain.lifecycle import Progress, Step, allowed_steps
from counter_app.domain.reception import ReceptionRequest
from counter_app.server import admin, database, enrolment
from counter_app.server.app import create_app
from counter_app.service.counter import Counter
from counter_app.sync import desk_state, token_store
from counter_app.sync.enrolment import enrol
from counter_app.sync.errors import ServerUnreachable
from counter_app.sync.pull import pull
from counter_app.sync.push import push
from counter_app.sync.sync_round import sync_once
from counter_app.sync.transport import Channel
from tests.core.conftest import AGENCY, AGENCY_CODE, OFFICER, PASSWORD
from tests.server.conftest import pg_cluster  # noqa: F401 - the PostgreSQL fixture
from tests.settable_clock import Clock
from tests.sync import invariants

with warnings.catch_warnings():  # starlette suggests httpx2; httpx is what the desk uses
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

OTHER_CODE = "000.17.22.H99"
PROCEDURES = ("1.001193", "2.000815", "1.004873")
UNITS = ("Công chức Tư pháp - Hộ tịch", "Công chức Địa chính - Xây dựng",
         "Công chức Văn hóa - Xã hội")
PEOPLE = [("Nguyễn Thị Ánh", "001303000101"), ("Trần Văn Bình", "001203000102"),
          ("Lê Thị Cúc", "001303000103"), ("Phạm Văn Dũng", "001203000104"),
          ("Hoàng Thị Én", "001303000105")]
FAULTS = ("none", "none", "refused", "lost_once", "lost_thrice", "lost_pull", "push_only",
          "pull_only")


class Faulty(httpx.BaseTransport):
    """The TestClient's transport with a fault: refuse every connection, or run the request
    (the server commits) and then lose its reply ``drops`` times on ``path``."""

    def __init__(self, inner: httpx.BaseTransport, refuse: bool = False, path: str = "",
                 drops: int = 0):
        self.inner, self.refuse, self.path, self.drops = inner, refuse, path, drops
        self.lost = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if self.refuse:
            raise httpx.ConnectError("connection refused", request=request)
        response = self.inner.handle_request(request)
        if request.url.path == self.path and self.drops:
            response.read()
            self.drops -= 1
            self.lost += 1
            raise httpx.ReadError("connection reset: the reply was lost", request=request)
        return response


def _no_fsync(dbapi_connection, _record) -> None:
    """Speed only: power loss is tests/fault's business, not this machine's."""
    dbapi_connection.execute("PRAGMA synchronous = OFF")


class Backend:
    """Where the server's database lives: fresh per example."""

    def __init__(self, kind: str, template: Path | None = None, cluster=None):
        self.kind, self.template, self.cluster = kind, template, cluster

    def fresh(self, folder: Path):
        if self.kind == "sqlite":
            path = folder / "server.db"
            shutil.copyfile(self.template, path)
            engine = database.make_engine(str(path))
            event.listen(engine, "connect", _no_fsync)
            return engine, None
        name = self.cluster.create(template=self.cluster.template)
        return database.make_engine(self.cluster.url(name)), name


BACKEND: Backend | None = None  # set by each test before it runs the machine
TOTALS: dict[str, int] = {}  # what the examples did, summed (the test checks it did enough)


class SyncMachine(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self.folder = Path(tempfile.mkdtemp(prefix="sync-machine-"))
        self.engine, self.pg_name = BACKEND.fresh(self.folder)
        with database.writing(self.engine) as conn:
            admin.add_commune(conn, AGENCY_CODE, AGENCY["agency_name"])
            admin.add_commune(conn, OTHER_CODE, "UBND xã Khác")
        self.http = TestClient(create_app(self.engine))
        self.http.__enter__()  # one event loop for every request (much faster)
        self.clock = Clock(dt.datetime(2026, 3, 9, 7, 45))
        self.desks: list[Counter] = []
        self.paths: list[Path] = []
        for i, (commune, number) in enumerate([(AGENCY_CODE, 1), (AGENCY_CODE, 2),
                                               (AGENCY_CODE, 3), (OTHER_CODE, 1)]):
            path = self.folder / f"desk{i}.db"
            counter = Counter.open(path, clock=self.clock)
            counter.db.execute("PRAGMA synchronous = OFF")  # speed only, as the server's
            counter.add_officer(**OFFICER, password=PASSWORD)
            counter.sign_in(OFFICER["username"], PASSWORD)
            counter.set_up(**{**AGENCY, "agency_code": commune}, desk_number=number)
            with database.writing(self.engine) as conn:
                code = enrolment.make_code(conn, commune, number, 7)[0]
            enrol(counter.db, "http://testserver", code, http=self.http, now=self.clock, allow_http=True)
            self.desks.append(counter)
            self.paths.append(path)
        self.marks = [(0, 0)] * len(self.desks)  # (acked_through, pull_cursor) last seen
        self.stats = {"received": 0, "steps": 0, "forks": 0, "syncs": 0, "faults": 0,
                      "quiesced": 0}
        self.since_quiesce = 0

    # -- helpers ---------------------------------------------------------------------------
    def tick(self, minutes: int = 7) -> None:
        self.clock.now += dt.timedelta(minutes=minutes)

    def client(self, fault: str) -> tuple[httpx.Client, Faulty | None]:
        inner = self.http._transport
        faulty = {"refused": Faulty(inner, refuse=True),
                  "lost_once": Faulty(inner, path="/v1/push", drops=1),
                  "lost_thrice": Faulty(inner, path="/v1/push", drops=3),
                  "lost_pull": Faulty(inner, path="/v1/pull", drops=3)}.get(fault)
        if faulty is None:
            return self.http, None
        return httpx.Client(base_url="http://testserver", transport=faulty), faulty

    def round(self, i: int, fault: str = "none") -> None:
        counter = self.desks[i]
        http, faulty = self.client(fault)
        if fault in ("push_only", "pull_only"):
            token = token_store.load(counter.db)
            channel = Channel(http, token, self.clock)
            (push if fault == "push_only" else pull)(counter.db, channel, counter.desk_id)
            return
        try:
            sync_once(counter.db, http=http, now=self.clock)
        except ServerUnreachable:
            assert fault in ("refused", "lost_thrice", "lost_pull"), fault
            self.stats["faults"] += 1
        else:
            assert fault not in ("refused", "lost_pull"), fault
        counter.after_sync()

    def _open_work(self, desks) -> list[tuple[int, str]]:
        """(desk, code) pairs where the desk sees the dossier and a step is allowed."""
        pairs = []
        for i in desks:
            for row in self.desks[i].db.query("SELECT * FROM dossiers ORDER BY code"):
                if allowed_steps(Progress.from_row(row)):
                    pairs.append((i, row["code"]))
        return pairs

    def _take_step(self, data, i: int, code: str) -> None:
        counter = self.desks[i]
        step = data.draw(st.sampled_from(counter.allowed_steps(code)), label="step")
        self.tick()
        counter.step(code, step, self._fields(data, counter, code, step))
        self.stats["steps"] += 1
        self.since_quiesce += 1

    def _fields(self, data, counter: Counter, code: str, step: Step) -> dict:
        row = counter.dossier(code)
        if step is Step.HANDOVER:
            units = [u for u in UNITS if u != row["holder"]]
            return {"to_unit": data.draw(st.sampled_from(units), label="unit"),
                    "to_person": data.draw(st.sampled_from(["", "Trần Văn Hải"]))}
        if step is Step.REQUEST_SUPPLEMENT:
            return {"items": ["Bản sao giấy khai sinh"], "reason": "Thiếu giấy tờ"}
        if step is Step.REQUEST_PAYMENT:
            return {"amount_vnd": "8000", "note": "Lệ phí cấp bản sao"}
        if step is Step.PAYMENT_RECEIVED:
            return {"receipt_no": "BL-0001"}
        if step is Step.STOP:
            return {"reason": "Người nộp đề nghị dừng giải quyết"}
        if step is Step.REFUSE_ON_MERITS:
            return {"decision_no": "12/TB-UBND", "decided_at": self.clock.now,
                    "decided_by": "Chủ tịch UBND xã", "reason": "Không đủ điều kiện"}
        if step is Step.WITHDRAW:
            return {}
        if step is Step.APOLOGIZE:
            calendar, due = counter.calendar, row["due_at"]
            due = dt.datetime.fromisoformat(due) if isinstance(due, str) else due
            start = max(due.date(), self.clock.now.date())
            return {"reason": "Cần xác minh thêm",
                    "new_due_at": calendar.closing(calendar.next_working_day(start))}
        if step is Step.FINISH:
            return {"result": data.draw(st.sampled_from(["", "Đã cấp bản sao"]))}
        if step is Step.RETURN:
            fields = {"rating": data.draw(st.sampled_from(["", "satisfied", "very_satisfied"]))}
            if row["return_method"] == "post":
                fields["postal_ref"] = "EMS0001"
            return fields
        return {}  # RESUME

    # -- rules -----------------------------------------------------------------------------
    @initialize()
    def start(self):
        invariants.check(self.engine, self.paths, converged=True)

    @rule(i=st.integers(0, 3), procedure=st.sampled_from(PROCEDURES),
          person=st.integers(0, len(PEOPLE) - 1))
    def receive(self, i, procedure, person):
        self.tick()
        name, number = PEOPLE[person]
        self.desks[i].receive(ReceptionRequest(procedure_code=procedure, applicant={
            "kind": "citizen", "full_name": name, "id_number": number,
            "phone": f"09123{number[-5:]}", "address": "Thôn Phú Lộc, xã Quảng Phú",
            "email": ""}))
        self.stats["received"] += 1
        self.since_quiesce += 1

    @rule(data=st.data())
    def step(self, data):
        work = self._open_work(range(len(self.desks)))
        if work:
            self._take_step(data, *data.draw(st.sampled_from(work), label="desk, dossier"))

    @rule(data=st.data())
    def fork(self, data):
        """Two desks of the commune each take a step on the same dossier, neither having
        seen the other's: the server keeps the first to arrive, the other is a conflict
        (or both apply, when the second is still allowed after the first)."""
        work = self._open_work(range(3))
        shared = sorted({c for _, c in work if sum(1 for _, o in work if o == c) > 1})
        if not shared:
            return
        code = data.draw(st.sampled_from(shared), label="shared dossier")
        first, second = data.draw(st.permutations([i for i, c in work if c == code]))[:2]
        self._take_step(data, first, code)
        self._take_step(data, second, code)
        self.stats["forks"] += 1

    @rule(i=st.integers(0, 3), fault=st.sampled_from(FAULTS))
    def sync(self, i, fault):
        self.tick(1)
        self.round(i, fault)
        self.stats["syncs"] += 1

    @rule(i=st.integers(0, 2))
    def sync_cleanly(self, i):
        self.tick(1)
        self.round(i)
        self.stats["syncs"] += 1

    @precondition(lambda self: self.since_quiesce >= 6)
    @rule()
    def quiesce(self):
        self._quiesce()

    def _quiesce(self) -> dict:
        for _ in range(2):
            for i in range(len(self.desks)):
                self.tick(1)
                self.round(i)
        summary = invariants.check(self.engine, self.paths, converged=True)
        self.stats["quiesced"] += 1
        self.since_quiesce = 0
        return summary

    @invariant()
    def invariants_hold(self):
        invariants.check(self.engine, self.paths, converged=False)

    @invariant()
    def cursors_only_move_forward(self):
        for i, counter in enumerate(self.desks):
            mark = (int(desk_state.get(counter.db, desk_state.ACKED_THROUGH, 0)),
                    int(desk_state.get(counter.db, desk_state.PULL_CURSOR, 0)))
            before = self.marks[i]
            assert mark[0] >= before[0] and mark[1] >= before[1], (i, before, mark)
            self.marks[i] = mark

    def teardown(self):
        try:
            if hasattr(self, "desks") and len(self.desks) == 4:
                summary = self._quiesce()
                for key, value in [*self.stats.items(), *summary["results"].items(),
                                   ("conflicts", summary["conflicts"])]:
                    TOTALS[key] = TOTALS.get(key, 0) + value
        finally:
            for counter in getattr(self, "desks", []):
                counter.close()
            self.http.__exit__(None, None, None)
            self.engine.dispose()
            if self.pg_name:
                BACKEND.cluster.drop(self.pg_name)
            shutil.rmtree(self.folder, ignore_errors=True)


def _run(backend: Backend, examples: int, steps: int) -> dict[str, int]:
    global BACKEND
    BACKEND = backend
    TOTALS.clear()
    try:
        run_state_machine_as_test(SyncMachine, settings=settings(
            max_examples=examples, stateful_step_count=steps, deadline=None,
            derandomize=True, database=None, print_blob=True,
            suppress_health_check=list(HealthCheck)))
    finally:
        BACKEND = None
    print(f"\nsync state machine ({backend.kind}): {TOTALS}")
    return dict(TOTALS)


def test_random_work_syncs_and_faults_on_sqlite(tmp_path):
    template = tmp_path / "template.db"
    engine = database.make_engine(str(template))
    database.migrate(engine)
    engine.dispose()
    totals = _run(Backend("sqlite", template=template), examples=25, steps=40)
    # the run did exercise what it is for (derandomized: the same every time)
    assert totals["conflict"] > 0 and totals["faults"] > 0 and totals["applied"] > 50, totals


def test_random_work_syncs_and_faults_on_postgres(pg_cluster):  # noqa: F811
    _run(Backend("postgres", cluster=pg_cluster), examples=8, steps=30)


def test_the_faulty_transport_loses_replies_after_the_server_committed(tmp_path):
    """The fault itself: a lost push reply means the server has the events."""
    template = tmp_path / "template.db"
    engine = database.make_engine(str(template))
    database.migrate(engine)
    engine.dispose()
    global BACKEND
    BACKEND = Backend("sqlite", template=template)
    machine = SyncMachine()
    try:
        machine.receive(0, PROCEDURES[0], 0)
        http, faulty = machine.client("lost_thrice")
        with pytest.raises(ServerUnreachable):
            sync_once(machine.desks[0].db, http=http, now=machine.clock)
        assert faulty.lost == 3
        assert desk_state.get(machine.desks[0].db, desk_state.ACKED_THROUGH, 0) == 0
        summary = invariants.check(machine.engine, machine.paths, converged=False)
        assert summary["inbox"] == 1 and summary["dossiers"] == 1
    finally:
        machine.teardown()
        BACKEND = None
