"""Property: any sequence of steps, legal or not, at any times, keeps the dossier in a state
the status machine can reach, records exactly one event per accepted step, and the log
replays to the stored dossier."""

from __future__ import annotations

import datetime as dt

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from counter_app.domain import lifecycle
from counter_app.domain.lifecycle import ALLOWED_FROM, Step
from counter_app.domain.reception import ReceptionRequest
from counter_app.domain.statuses import Status
from counter_app.errors import StepNotAllowed, ValidationError, WrongSide
from counter_app.service.counter import Counter
from tests.core.conftest import AGENCY, CITIZEN_ID, OFFICER, PASSWORD
from tests.settable_clock import Clock

FIELDS = {
    Step.HANDOVER: st.fixed_dictionaries({"to_unit": st.sampled_from(
        ["Công chức Tư pháp", "Lãnh đạo UBND xã", "Công an xã", ""])}),
    Step.REQUEST_SUPPLEMENT: st.fixed_dictionaries({
        "items": st.lists(st.sampled_from(["CCCD", "Giấy chứng sinh"]), max_size=2),
        "reason": st.sampled_from(["Thiếu giấy tờ", ""])}),
    Step.RESUME: st.just({}),
    Step.REQUEST_PAYMENT: st.just({"amount_vnd": 10000, "note": "Lệ phí"}),
    Step.PAYMENT_RECEIVED: st.just({"receipt_no": "1"}),
    Step.REFUSE: st.fixed_dictionaries({"reason": st.sampled_from(["Sai thẩm quyền", ""])}),
    Step.WITHDRAW: st.just({}),
    Step.STOP: st.just({"reason": "Dừng"}),
    Step.APOLOGIZE: st.fixed_dictionaries({"reason": st.just("Chậm"), "new_due_at": st.sampled_from(
        ["2026-03-05", "2026-04-15", "2026-06-10", "2027-01-12"])}),
    Step.FINISH: st.just({}),
    Step.REFUSE_ON_MERITS: st.fixed_dictionaries({
        "decision_no": st.sampled_from(["15/TB-UBND", ""]), "decided_at": st.sampled_from(
            ["2026-03-09", "2026-03-20", "2030-01-01"]), "decided_by": st.just("Chủ tịch"),
        "reason": st.just("Không đủ điều kiện")}),
    Step.RETURN: st.fixed_dictionaries({"rating": st.sampled_from(["", "satisfied", "bad"])}),
    Step.SEND_PAPER: st.fixed_dictionaries({"by": st.sampled_from(["post", "fax"])}),
    Step.RECEIVE_PAPER: st.just({}),
}
moves = st.lists(st.tuples(st.sampled_from(list(Step)), st.integers(0, 3 * 24 * 60),
                           st.data()), max_size=14)


def _reachable() -> set[Status]:
    """Statuses reachable from 2 by the officer's steps (resume returns to 2 or 4); a
    refusal (3) is made only at reception, never as a step."""
    seen, todo = {Status.RECEIVED}, [Status.RECEIVED]
    targets = {Step.HANDOVER: {Status.PROCESSING}, Step.REQUEST_SUPPLEMENT: {Status.WAITING_SUPPLEMENT},
               Step.RESUME: {Status.RECEIVED, Status.PROCESSING},
               Step.REQUEST_PAYMENT: {Status.WAITING_PAYMENT},
               Step.PAYMENT_RECEIVED: {Status.PROCESSING}, Step.REFUSE: {Status.REFUSED},
               Step.WITHDRAW: {Status.WITHDRAWN}, Step.STOP: {Status.STOPPED},
               Step.APOLOGIZE: set(), Step.FINISH: {Status.FINISHED},
               Step.REFUSE_ON_MERITS: {Status.FINISHED},
               Step.RETURN: {Status.RETURNED}, Step.SEND_PAPER: set(),
               Step.RECEIVE_PAPER: set()}
    while todo:
        status = todo.pop()
        for step, sources in ALLOWED_FROM.items():
            if status in sources and step in lifecycle.OFFICER_STEPS:
                for t in targets[step] - seen:
                    seen.add(t)
                    todo.append(t)
    return seen


REACHABLE = _reachable()


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(moves)
def test_random_steps_keep_the_dossier_consistent(sequence):
    clock = Clock(dt.datetime(2026, 3, 9, 9, 0))
    desk = Counter.open(":memory:", clock=clock)
    try:
        desk.add_officer(**OFFICER, password=PASSWORD)
        desk.sign_in(OFFICER["username"], PASSWORD)
        desk.set_up(**AGENCY, desk_number=1)
        code = desk.receive(ReceptionRequest("1.004873", {
            "full_name": "Lê Văn Tám", "id_number": CITIZEN_ID})).code
        accepted = 0
        previous = Status.RECEIVED
        for step, minutes, data in sequence:
            clock.now += dt.timedelta(minutes=minutes)
            fields = data.draw(FIELDS[step])
            try:
                row = desk.step(code, step, fields)
            except (StepNotAllowed, ValidationError, WrongSide):  # no paper travels here
                row = desk.dossier(code)
                assert row.status is previous  # a refused step changes nothing
                continue
            accepted += 1
            assert previous in ALLOWED_FROM[step]
            previous = row.status
            assert row.status in REACHABLE
        row = desk.dossier(code)
        events = desk.events(row)
        assert len(events) == accepted + 1
        assert [e.desk_seq for e in events] == list(range(1, accepted + 2))
        first = events[0].payload
        state = lifecycle.initial(dt.datetime.fromisoformat(first["received_at"]),
                                  dt.datetime.fromisoformat(first["due_at"]),
                                  dt.datetime.fromisoformat(first["transfer_due_at"]))
        for e in events[1:]:
            lifecycle.check_allowed(Step(e.kind), state)  # only legal steps in the history
            state = lifecycle.evolve(state, e.kind, e.payload)
        assert state == row.progress
        assert desk.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        desk.close()
