"""Randomized sync (docs/sync.md §2.12): a Hypothesis state machine with three desks of one commune
(A), one desk of another commune (B) and one of a provincial body (P), a real server in-process
(starlette's TestClient over an embedded SQLite file; a shorter run over PostgreSQL), random
work on random desks, random syncs with random faults, and the invariants of
tests/sync/invariants.py after every step.

Rules: receive a dossier on a desk, for the desk's own unit or, for a boundary-free
procedure, for another unit that decides it (docs/sync.md §2.11: A or B for a commune's
procedure, P for a provincial one); take a random step with valid fields on a dossier the
desk sees, among those its desk allows now (``steps_allowed_now`` and ``may_step``: the
competent side processes, the receiving side sends the paper, takes the supplement and
returns; its view may be stale: that is how two desks, or the two units, come to disagree);
attempt a step of the other side (or a paper step on a commune's own dossier): the desk
must refuse it (WrongSide) with nothing written but its audit entry; take such a step
anyway, as a desk without the rule would (``why_not_side`` switched off): the server must
quarantine it ("wrong_side: ...") and put the desk's row back;
sync a desk with a fault: none, the connection refused before anything is sent, the reply
lost after the server committed (once: the client's own retry resends; three times: the
round fails and the next resends), a reply of a pull lost, or only half a round (push only,
pull only); and quiesce: every desk does a full round twice, then the desks must equal the
server. Every desk's acknowledgement and pull cursor only move forward.

The invariants add, for the two units: no step from the wrong side ever applied on the
server, a shared dossier converged at the desks of both units, and no desk ever holding a
dossier its unit neither received nor decides (with three units, each is the third of the
dossiers the two others share).

All desks share one clock that only moves forward (a step's time is checked against the
dossier's last handover, made on whichever desk); tests/fault/test_sync_faults.py skews it.

How long it runs: every example starts from the same first state (the five desks set up,
enrolled and synced once), made once per backend and copied (``Backend.first_state``).
The suite runs 15 examples of up to 50 steps on SQLite and 5 of up to 30 on PostgreSQL
(about 20 s in all); the run is derandomized, so the same every time for the same code, and
the SQLite test checks that it did exercise every kind of work (conflicts, faults, shared
dossiers through their whole round, wrong-side steps refused and quarantined).
COUNTER_DEEP=1 runs the deeper one (before a release, after a change to sync or the
lifecycle): 100 examples on SQLite and 20 on PostgreSQL, some two and a half minutes.
"""

from __future__ import annotations

import datetime as dt
import os
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
from sqlalchemy import event, select

from counter_app.domain import lifecycle
from counter_app.domain.lifecycle import Step
from counter_app.domain.reception import ReceptionRequest
from counter_app.domain.units import PROVINCIAL
from counter_app.errors import WrongSide
from counter_app.server import admin, database, enrolment
from counter_app.server import reference as server_reference
from counter_app.server.app import create_app
from counter_app.server.schema import inbox
from counter_app.service.counter import Counter
from counter_app.store.catalogue_files import read_file
from counter_app.store.dossier_store import DossierRow
from counter_app.sync import desk_state, token_store
from counter_app.sync.enrolment import enrol
from counter_app.sync.errors import ServerUnreachable
from counter_app.sync.pull import pull
from counter_app.sync.push import push
from counter_app.sync.sync_round import sync_once
from counter_app.sync.transport import Channel
from tests.core.conftest import AGENCY, AGENCY_CODE, OFFICER, PASSWORD
from tests.loopback import copy_db
from tests.settable_clock import Clock
from tests.sync import invariants
from tests.sync.test_transfer_between_units import PROVINCE_LIST

with warnings.catch_warnings():  # starlette suggests httpx2; httpx is what the desk uses
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

OTHER_CODE = "000.17.22.H99"  # commune B
PROVINCE_CODE = "000.00.17.H56"  # P, a provincial body
#: The desks: (unit, desk number); A's three first (the forks are theirs).
DESKS = ((AGENCY_CODE, 1), (AGENCY_CODE, 2), (AGENCY_CODE, 3), (OTHER_CODE, 1),
         (PROVINCE_CODE, 1))
COMMUNES = (AGENCY_CODE, OTHER_CODE)
#: 2.000815 and 2.001035: a commune's, boundary-free (received for A or B anywhere);
#: 2.999901: P's, from the province's list (received for P anywhere).
PROCEDURES = ("1.001193", "2.000815", "1.004873", "2.001035", "2.999901")
BOUNDARY_FREE, PROVINCIAL_PROCEDURE = ("2.000815", "2.001035"), "2.999901"
UNITS = ("Công chức Tư pháp - Hộ tịch", "Công chức Địa chính - Xây dựng",
         "Công chức Văn hóa - Xã hội")
PEOPLE = [("Nguyễn Thị Ánh", "001303000101"), ("Trần Văn Bình", "001203000102"),
          ("Lê Thị Cúc", "001303000103"), ("Phạm Văn Dũng", "001203000104"),
          ("Hoàng Thị Én", "001303000105")]
#: Steps that end a dossier before its result: only one step in four may be one of them.
ENDINGS = (Step.WITHDRAW, Step.STOP, Step.REFUSE_ON_MERITS)
#: (examples, steps at most) of each run: the suite's, or COUNTER_DEEP=1's (module docstring).
DEEP = os.environ.get("COUNTER_DEEP") == "1"
SQLITE_RUN = (100, 50) if DEEP else (15, 50)
POSTGRES_RUN = (20, 30) if DEEP else (5, 30)
#: The shared clock's first reading (every example starts there).
START = dt.datetime(2026, 3, 9, 7, 45)
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
    """Where the server's database lives: fresh per example, a copy of the machine's first
    state (``first_state``)."""

    def __init__(self, kind: str, template: Path | None = None, cluster=None):
        self.kind, self.template, self.cluster = kind, template, cluster
        self.first: Path | None = None  # the set-up desks' files (and the SQLite server's)
        self.first_db: str | None = None  # PostgreSQL: the set-up server database

    def fresh(self, folder: Path):
        if self.kind == "sqlite":
            path = folder / "server.db"
            copy_db(self.first / "server.db" if self.first else self.template, path)
            engine = database.make_engine(str(path))
            event.listen(engine, "connect", _no_fsync)
            return engine, None
        name = self.cluster.create(template=self.first_db or self.cluster.template)
        return database.make_engine(self.cluster.url(name)), name

    def first_state(self) -> Path:
        """The state every example starts from, made once: the province's units and list
        on the server, the five desks set up (an officer, the unit, the list), enrolled and
        synced once (``set_up_desks``). Each example copies the files (and the server
        database) and signs in again, which leaves one more sign-in in each desk's audit log
        than setting them up anew (which took about half a second an example)."""
        if self.first is None:
            folder = Path(tempfile.mkdtemp(prefix="sync-machine-first-"))
            engine, pg_name = self.fresh(folder)
            http = TestClient(create_app(engine))
            http.__enter__()
            try:
                for counter in set_up_desks(folder, engine, http, Clock(START)):
                    counter.close()
            finally:
                http.__exit__(None, None, None)
                engine.dispose()
            self.first, self.first_db = folder, pg_name
        return self.first

    def close(self) -> None:
        if self.first is not None:
            shutil.rmtree(self.first, ignore_errors=True)
        if self.first_db is not None:
            self.cluster.drop(self.first_db)
        self.first = self.first_db = None


def set_up_desks(folder: Path, engine, http, clock: Clock) -> list[Counter]:
    """The units and the province's list on the server, then each desk of DESKS set up in
    ``folder`` (deskN.db), enrolled and synced once (it learns the province's units)."""
    with database.writing(engine) as conn:
        admin.add_commune(conn, AGENCY_CODE, AGENCY["agency_name"])
        admin.add_commune(conn, OTHER_CODE, "UBND xã Khác")
        admin.add_commune(conn, PROVINCE_CODE, "Sở Tư pháp tỉnh", PROVINCIAL)
    catalogue = folder / "danh_muc_tinh.csv"
    catalogue.write_text(PROVINCE_LIST, encoding="utf-8")
    with database.writing(engine) as conn:  # the province's list, on the server too
        server_reference.import_catalogue(conn, read_file(catalogue))
    desks = []
    for i, (unit, number) in enumerate(DESKS):
        counter = Counter.open(folder / f"desk{i}.db", clock=clock)
        counter.db.execute("PRAGMA synchronous = OFF")  # speed only, as the server's
        counter.add_officer(**OFFICER, password=PASSWORD)
        counter.sign_in(OFFICER["username"], PASSWORD)
        counter.set_up(**{**AGENCY, "agency_code": unit}, desk_number=number)
        counter.import_procedures(catalogue)
        with database.writing(engine) as conn:
            code = enrolment.make_code(conn, unit, number, 7)[0]
        enrol(counter.db, "http://testserver", code, http=http, now=clock, allow_http=True)
        sync_once(counter.db, http=http, now=clock)  # the province's units
        desks.append(counter)
    return desks


BACKEND: Backend | None = None  # set by each test before it runs the machine
TOTALS: dict[str, int] = {}  # what the examples did, summed (the test checks it did enough)


class SyncMachine(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self.folder = Path(tempfile.mkdtemp(prefix="sync-machine-"))
        first = BACKEND.first_state()
        self.engine, self.pg_name = BACKEND.fresh(self.folder)
        self.http = TestClient(create_app(self.engine))
        self.http.__enter__()  # one event loop for every request (much faster)
        self.clock = Clock(START)
        self.desks: list[Counter] = []
        self.paths: list[Path] = []
        self.units = [unit for unit, _ in DESKS]  # each desk's unit (agency code)
        for i in range(len(DESKS)):  # the first state's desks, signed in again
            path = copy_db(first / f"desk{i}.db", self.folder / f"desk{i}.db")
            token = first / f"desk{i}.db{token_store.FILE_SUFFIX}"
            if token.exists():  # where no credential store keeps it
                shutil.copy2(token, f"{path}{token_store.FILE_SUFFIX}")
            counter = Counter.open(path, clock=self.clock)
            counter.db.execute("PRAGMA synchronous = OFF")  # speed only, as the server's
            counter.sign_in(OFFICER["username"], PASSWORD)
            self.desks.append(counter)
            self.paths.append(path)
        self.marks = [(0, 0)] * len(self.desks)  # (acked_through, pull_cursor) last seen
        self.stats = {"received": 0, "received_for_another": 0, "steps": 0, "forks": 0,
                      "syncs": 0, "faults": 0, "quiesced": 0, "wrong_side_refused": 0,
                      "wrong_side_pushed": 0}
        self.rogue: set[str] = set()  # ids of wrong-side events written without the rule
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

    def _rows(self, i: int) -> list[DossierRow]:
        return [DossierRow(r) for r in self.desks[i].db.query(
            "SELECT * FROM dossiers ORDER BY code")]

    def _steps(self, i: int, row: DossierRow) -> list[Step]:
        """What desk ``i`` offers on the dossier now: allowed, and its unit's side."""
        counter = self.desks[i]
        return [s for s in counter.steps_allowed_now(row) if counter.may_step(row, s)]

    def _open_work(self, desks) -> list[tuple[int, str]]:
        """(desk, code) pairs where the desk sees the dossier and offers a step."""
        return [(i, row.code) for i in desks for row in self._rows(i) if self._steps(i, row)]

    def _take_step(self, data, i: int, code: str) -> None:
        counter = self.desks[i]
        steps = self._steps(i, counter.dossier(code))
        assert set(steps) <= set(counter.allowed_steps(code))
        onward = [s for s in steps if s not in ENDINGS]
        if data.draw(st.integers(0, 3), label="onward"):  # mostly: the work goes on
            if not onward:
                return
            steps = onward
        step = data.draw(st.sampled_from(steps), label="step")
        self.tick()
        counter.step(code, step, self._fields(data, counter, code, step))
        self.stats["steps"] += 1
        self.stats[step.value] = self.stats.get(step.value, 0) + 1
        if counter.dossier(code).is_transfer:
            for key in ("shared_steps", f"shared_{step.value}"):
                self.stats[key] = self.stats.get(key, 0) + 1
        self.since_quiesce += 1

    def _wrong_work(self, i: int, row: DossierRow, allowed: bool) -> list[Step]:
        """Steps desk ``i`` must refuse as the wrong side's (or a paper step on a commune's
        own dossier); ``allowed``: only those the status would allow."""
        counter = self.desks[i]
        if allowed:  # as the desk offers them, with the paper steps of its own dossiers
            steps = [*counter.steps_allowed_now(row), *(
                s for s in lifecycle.allowed_steps(row.progress) if s in lifecycle.PAPER_STEPS
                and not row.is_transfer)]
        else:
            steps = lifecycle.OFFICER_STEPS
        return [s for s in steps if counter.why_not_side(s, row)]

    def _snapshot(self, i: int, code: str) -> tuple:
        db = self.desks[i].db
        row = db.execute("SELECT * FROM dossiers WHERE code = ?", [code]).fetchone()
        events = db.execute("SELECT count(*), max(rowid) FROM events").fetchone()
        audit = db.execute("SELECT count(*) FROM audit_log").fetchone()[0]
        return row, events, audit

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
        if step is Step.SEND_PAPER:
            return {"by": data.draw(st.sampled_from(["post", "courier", "in_person"])),
                    "note": "EMS 123"}
        if step is Step.RECEIVE_PAPER:
            return {"note": data.draw(st.sampled_from(["", "Bưu điện giao"]))}
        if step is Step.RETURN:
            fields = {"rating": data.draw(st.sampled_from(["", "satisfied", "very_satisfied"]))}
            if row["return_method"] == "post":
                fields["postal_ref"] = "EMS0001"
            return fields
        return {}  # RESUME

    # -- rules -----------------------------------------------------------------------------
    @initialize(person=st.integers(0, len(PEOPLE) - 1))
    def start(self, person):
        """Every example starts with three dossiers received for another unit, one at each
        unit (not synced yet), so there is shared work whatever rules it draws."""
        invariants.check(self.engine, self.paths, converged=True)
        for i, procedure, other in ((0, "2.001035", 1), (3, "2.999901", 0), (4, "2.000815", 0)):
            self.receive(i, procedure, person, other)

    def _competent(self, i: int, procedure: str, target: int) -> tuple[str, str]:
        """(procedure, the unit that decides it) for a reception at desk ``i``: its own unit
        (""), another commune for a boundary-free procedure, P for P's procedure."""
        here = self.units[i]
        if procedure == PROVINCIAL_PROCEDURE:
            return procedure, "" if here == PROVINCE_CODE else PROVINCE_CODE
        if procedure in BOUNDARY_FREE:
            if here == PROVINCE_CODE:  # P receives a commune's dossier for that commune
                return procedure, COMMUNES[target % 2]
            others = [c for c in COMMUNES if c != here]
            return procedure, ["", *others][target % 2]
        if here == PROVINCE_CODE:  # a commune's procedure: P receives its own instead
            return PROVINCIAL_PROCEDURE, ""
        return procedure, ""

    @rule(i=st.integers(0, len(DESKS) - 1), procedure=st.sampled_from(PROCEDURES),
          person=st.integers(0, len(PEOPLE) - 1), other=st.integers(0, 3))
    def receive(self, i, procedure, person, other=0):
        self.tick()
        name, number = PEOPLE[person]
        procedure, competent = self._competent(i, procedure, other)
        row = self.desks[i].receive(ReceptionRequest(procedure_code=procedure, applicant={
            "kind": "citizen", "full_name": name, "id_number": number,
            "phone": f"09123{number[-5:]}", "address": "Thôn Phú Lộc, xã Quảng Phú",
            "email": ""}, competent_agency=competent))
        assert row.competent_agency == (competent or self.units[i])
        assert row.is_transfer == bool(competent)
        self.stats["received"] += 1
        self.stats["received_for_another"] += bool(competent)
        self.since_quiesce += 1

    @rule(data=st.data())
    def step(self, data):
        work = self._open_work(range(len(self.desks)))
        if work:
            self._take_step(data, *data.draw(st.sampled_from(work), label="desk, dossier"))

    @rule(data=st.data())
    def shared_step(self, data):
        """A step on a dossier received for another unit, on either side: so that its
        supplement rounds, paper and return come round as often as its processing."""
        work = [(i, row.code) for i in range(len(self.desks)) for row in self._rows(i)
                if row.is_transfer and self._steps(i, row)]
        if not work:
            return
        i, code = data.draw(st.sampled_from(work), label="desk, dossier")
        self._take_step(data, i, code)
        if data.draw(st.integers(0, 3), label="the line is up"):  # both units hear of it
            row = self.desks[i].dossier(code)
            other = row.competent_agency if self.units[i] == row.receiving_agency \
                else row.receiving_agency
            there = [j for j, unit in enumerate(self.units) if unit == other]
            self.tick(1)
            self.round(i)
            self.round(data.draw(st.sampled_from(there), label="other unit's desk"))

    @rule(data=st.data())
    def wrong_side(self, data):
        """A desk attempts a step that is not its side's: refused, nothing written (but the
        refusal in its audit log)."""
        work = [(i, row.code, steps) for i in range(len(self.desks)) for row in self._rows(i)
                if (steps := self._wrong_work(i, row, allowed=False))]
        if not work or data.draw(st.integers(0, 1), label="skip"):  # half as often
            return
        i, code, steps = data.draw(st.sampled_from(work), label="desk, dossier")
        allowed = self._wrong_work(i, self.desks[i].dossier(code), allowed=True)
        step = data.draw(st.sampled_from(allowed or steps), label="wrong step")
        counter = self.desks[i]
        before = self._snapshot(i, code)
        self.tick()
        with pytest.raises(WrongSide):
            counter.step(code, step, self._fields(data, counter, code, step))
        row, events, audit = self._snapshot(i, code)
        assert (tuple(row), events) == (tuple(before[0]), before[1]), (code, step)
        assert audit == before[2] + 1
        last = counter.db.execute("SELECT action FROM audit_log WHERE desk_id = ? ORDER BY "
                                  "desk_seq DESC LIMIT 1", [counter.desk_id]).fetchone()[0]
        assert last == "permission_denied", last
        self.stats["wrong_side_refused"] += 1

    @rule(data=st.data())
    def wrong_side_pushed(self, data):
        """A desk without the rule (an older version, a hand-made file) takes a step of the
        other side that the status allows: the server must quarantine it."""
        work = [(i, row.code, steps) for i in range(len(self.desks)) for row in self._rows(i)
                if (steps := self._wrong_work(i, row, allowed=True))]
        if not work or data.draw(st.integers(0, 3), label="skip"):  # a quarter as often
            return
        i, code, steps = data.draw(st.sampled_from(work), label="desk, dossier")
        step = data.draw(st.sampled_from(steps), label="rogue step")
        counter = self.desks[i]
        self.tick()
        fields = self._fields(data, counter, code, step)
        counter.why_not_side = lambda *_: None  # this desk's rule switched off
        try:
            counter.step(code, step, fields)
        finally:
            del counter.why_not_side
        event_id, kind = counter.db.execute(
            "SELECT id, kind FROM events WHERE desk_id = ? ORDER BY desk_seq DESC LIMIT 1",
            [counter.desk_id]).fetchone()
        assert kind == step.value
        self.rogue.add(event_id)
        self.stats["wrong_side_pushed"] += 1
        self.since_quiesce += 1

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

    @rule(i=st.integers(0, len(DESKS) - 1), fault=st.sampled_from(FAULTS))
    def sync(self, i, fault):
        self.tick(1)
        self.round(i, fault)
        self.stats["syncs"] += 1

    @rule(i=st.integers(0, len(DESKS) - 1))
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
        self._rogue_quarantined()

    def _rogue_quarantined(self) -> None:
        """Every wrong-side step that reached the server is quarantined as such."""
        if not self.rogue:
            return
        with database.reading(self.engine) as conn:
            rows = conn.execute(select(inbox.c.event_id, inbox.c.result, inbox.c.reason)
                                .where(inbox.c.event_id.in_(sorted(self.rogue)))).all()
        for row in rows:
            assert row.result == "quarantined" and row.reason.startswith("wrong_side:"), row

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
            if hasattr(self, "desks") and len(self.desks) == len(DESKS):
                summary = self._quiesce()
                for key, value in [*self.stats.items(), *summary["results"].items(),
                                   *((k, summary[k]) for k in (
                                       "conflicts", "shared", "shared_events",
                                       "shared_conflicts", "wrong_side_quarantined"))]:
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
        backend.close()
        BACKEND = None
    print(f"\nsync state machine ({backend.kind}): {TOTALS}")
    return dict(TOTALS)


def test_random_work_syncs_and_faults_on_sqlite(tmp_path):
    template = tmp_path / "template.db"
    engine = database.make_engine(str(template))
    database.migrate(engine)
    engine.dispose()
    totals = _run(Backend("sqlite", template=template), *SQLITE_RUN)
    # the run did exercise what it is for (derandomized: the same every time)
    assert totals["conflict"] > 0 and totals["faults"] > 0 and totals["applied"] > 50, totals
    # ... and the two units' part of it: shared dossiers through their whole round
    assert totals["shared"] > 50 and totals["shared_conflicts"] > 0, totals
    assert totals["wrong_side_refused"] > 0 and totals["wrong_side_quarantined"] > 0, totals
    assert all(totals.get(f"shared_{step}", 0) > 0 for step in (
        "handover", "send_paper", "receive_paper", "request_supplement", "resume", "finish",
        "return")), totals


def test_random_work_syncs_and_faults_on_postgres(pg_cluster):  # tests/conftest.py's
    _run(Backend("postgres", cluster=pg_cluster), *POSTGRES_RUN)


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
        BACKEND.close()
        BACKEND = None
