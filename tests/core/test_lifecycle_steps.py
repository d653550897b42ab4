"""Every step from every status, legal and illegal, through the real desk on a SQLite file."""

from __future__ import annotations

import datetime as dt

import pytest

from counter_app.domain import lifecycle
from counter_app.domain.lifecycle import ALLOWED_FROM, PAPER_STEPS, Step
from counter_app.domain.statuses import Status
from counter_app.errors import StepNotAllowed, ValidationError, WrongSide

PROCEDURE = "1.004873"  # 3 working days
VALID = {
    Step.HANDOVER: {"to_unit": "Lãnh đạo UBND xã"},
    Step.REQUEST_SUPPLEMENT: {"items": ["Bản sao CCCD"], "reason": "Bản sao bị mờ"},
    Step.RESUME: {},
    Step.REQUEST_PAYMENT: {"amount_vnd": "50.000", "note": "Lệ phí"},
    Step.PAYMENT_RECEIVED: {"receipt_no": "BL-0001"},
    Step.REFUSE: {"reason": "Không thuộc thẩm quyền của xã"},
    Step.WITHDRAW: {},
    Step.STOP: {"reason": "Người nộp đã chết"},
    Step.APOLOGIZE: {"reason": "Chờ xác minh", "new_due_at": "2026-03-20"},
    Step.FINISH: {"result": "Giấy xác nhận"},
    Step.REFUSE_ON_MERITS: {"decision_no": "15/TB-UBND", "decided_at": "2026-03-09",
                            "decided_by": "Chủ tịch UBND xã", "reason": "Không đủ điều kiện"},
    Step.RETURN: {"rating": "satisfied"},
}
# How to bring a fresh dossier (status 2) to each status.
PATHS = {
    Status.RECEIVED: [],
    Status.PROCESSING: [(Step.HANDOVER, {"to_unit": "Công chức Tư pháp"})],
    Status.WAITING_SUPPLEMENT: [(Step.REQUEST_SUPPLEMENT, VALID[Step.REQUEST_SUPPLEMENT])],
    Status.WAITING_PAYMENT: [(Step.HANDOVER, {"to_unit": "Công chức Tư pháp"}),
                             (Step.REQUEST_PAYMENT, VALID[Step.REQUEST_PAYMENT])],
    Status.REFUSED: None,  # refused at reception: never a step (Counter.refuse_at_reception)
    Status.WITHDRAWN: [(Step.WITHDRAW, {})],
    Status.STOPPED: [(Step.STOP, VALID[Step.STOP])],
    Status.FINISHED: [(Step.FINISH, {})],
    Status.RETURNED: [(Step.FINISH, {}), (Step.RETURN, {})],
}
TARGET = {
    Step.HANDOVER: Status.PROCESSING, Step.REQUEST_SUPPLEMENT: Status.WAITING_SUPPLEMENT,
    Step.REQUEST_PAYMENT: Status.WAITING_PAYMENT, Step.PAYMENT_RECEIVED: Status.PROCESSING,
    Step.REFUSE: Status.REFUSED, Step.WITHDRAW: Status.WITHDRAWN, Step.STOP: Status.STOPPED,
    Step.FINISH: Status.FINISHED, Step.RETURN: Status.RETURNED,
    Step.REFUSE_ON_MERITS: Status.FINISHED,
}


@pytest.fixture
def received(desk, make_request):
    return desk.receive(make_request(PROCEDURE)).code


def _event_count(desk) -> int:
    return desk.db.execute("SELECT count(*) FROM events").fetchone()[0]


@pytest.mark.parametrize("status", list(PATHS), ids=lambda s: s.name)
@pytest.mark.parametrize("step", [s for s in Step if s not in PAPER_STEPS],
                         ids=lambda s: s.value)
def test_each_step_from_each_status(desk, received, clock, step, status, make_request):
    if PATHS[status] is None:
        received = desk.refuse_at_reception(make_request(PROCEDURE, applicant={
            "full_name": "Lê Văn Bảy", "id_number": "001203012344"}), "Thiếu tờ khai").code
    for s, fields in PATHS[status] or ():
        desk.step(received, s, fields)
    assert desk.dossier(received).status is status
    before = _event_count(desk)
    clock.now += dt.timedelta(hours=1)
    if step is Step.REFUSE:  # a reception matter, never a step of a dossier
        with pytest.raises(StepNotAllowed, match="màn hình tiếp nhận"):
            desk.step(received, step, VALID[step])
        assert _event_count(desk) == before
    elif status in ALLOWED_FROM[step]:
        row = desk.step(received, step, VALID[step])
        expected = {Step.RESUME: Status.RECEIVED, Step.APOLOGIZE: status}.get(step) or TARGET[step]
        assert row.status is expected
        assert _event_count(desk) == before + 1
        assert desk.events(row)[-1].kind == step.value
    else:
        with pytest.raises(StepNotAllowed) as err:
            desk.step(received, step, VALID[step])
        assert err.value.step == step.value and err.value.status == int(status)
        assert str(err.value)  # a Vietnamese sentence the officer can read
        assert _event_count(desk) == before
        assert desk.dossier(received).status is status


@pytest.mark.parametrize("step", sorted(PAPER_STEPS))
def test_no_paper_travels_for_the_communes_own_dossier(desk, received, step):
    """The paper steps are for a dossier received for another body (tests/core/
    test_transfer_at_the_desk.py); on the commune's own they are refused and not offered."""
    before = _event_count(desk)
    with pytest.raises(WrongSide, match="không có hồ sơ giấy phải chuyển"):
        desk.step(received, step, {"by": "post"})
    assert _event_count(desk) == before
    assert step not in desk.allowed_steps(received)


def test_allowed_steps_match_the_machine(desk, received):
    assert desk.allowed_steps(received) == [
        Step.HANDOVER, Step.REQUEST_SUPPLEMENT, Step.WITHDRAW, Step.STOP,
        Step.APOLOGIZE, Step.FINISH, Step.REFUSE_ON_MERITS]
    desk.step(received, Step.FINISH)
    assert desk.allowed_steps(received) == [Step.RETURN]
    desk.step(received, Step.RETURN)
    assert desk.allowed_steps(received) == []


def test_supplement_stops_the_clock_and_moves_the_appointment(desk, received, clock):
    # Received Mon 9/3 09:00, 3 working days: due Thu 12/3 17:00.
    desk.step(received, Step.HANDOVER, {"to_unit": "Công chức Tư pháp",
                                        "step_due_at": "2026-03-11T17:00"})
    assert desk.dossier(received).due_at == dt.datetime(2026, 3, 12, 17, 0)
    clock.now = dt.datetime(2026, 3, 10, 9, 0)   # Tue 09:00
    desk.step(received, Step.REQUEST_SUPPLEMENT, VALID[Step.REQUEST_SUPPLEMENT])
    clock.now = dt.datetime(2026, 3, 13, 10, 0)  # Fri 10:00, past the old due date
    assert desk.worklist("overdue") == []         # waiting: the clock is stopped
    assert [d.code for d in desk.worklist("waiting_supplement")] == [received]
    clock.now = dt.datetime(2026, 3, 12, 9, 0)   # Thu 09:00: waited Tue 6h + Wed 8h + Thu 2h
    row = desk.step(received, Step.RESUME)
    assert row["waited_minutes"] == 16 * 60
    assert row.status is Status.PROCESSING and row["holder"] == "Công chức Tư pháp"
    assert row.due_at == dt.datetime(2026, 3, 16, 17, 0)           # two working days later
    assert row["step_due_at"] == "2026-03-13T17:00"                # the step moves too
    event = desk.events(row)[-1]
    assert event.payload["old_due_at"] == "2026-03-12T17:00"
    assert event.payload["new_due_at"] == "2026-03-16T17:00"


def test_apology_once_with_a_later_working_day(desk, received, clock):
    with pytest.raises(ValidationError) as err:
        desk.step(received, Step.APOLOGIZE, {"reason": "", "new_due_at": "2026-03-11"})
    assert set(err.value.errors) == {"reason", "new_due_at"}  # every problem at once
    with pytest.raises(ValidationError) as err:
        desk.step(received, Step.APOLOGIZE, {"reason": "Chờ", "new_due_at": "2026-03-14"})
    assert "ngày nghỉ" in err.value.errors["new_due_at"]     # a Saturday
    assert _event_count(desk) == 1
    row = desk.step(received, Step.APOLOGIZE, {"reason": "Chờ xác minh của công an",
                                               "new_due_at": "18/03/2026 16:00"})
    # The slip's deadline stays the measure of lateness; the new date is kept beside it.
    assert row.due_at == dt.datetime(2026, 3, 12, 17, 0) and row["apologized"] == 1
    assert row.progress.extended_due_at == dt.datetime(2026, 3, 18, 16, 0)
    assert row.progress.promised_at == dt.datetime(2026, 3, 18, 16, 0)
    assert Step.APOLOGIZE not in desk.allowed_steps(received)
    with pytest.raises(StepNotAllowed, match="một lần"):
        desk.step(received, Step.APOLOGIZE, {"reason": "Lần hai", "new_due_at": "2026-03-25"})


@pytest.mark.parametrize(("finished", "verdict"), [
    (dt.datetime(2026, 3, 11, 16, 0), "early"),
    (dt.datetime(2026, 3, 12, 16, 59), "on_time"),
    (dt.datetime(2026, 3, 12, 17, 30), "on_time"),  # dates are compared, not times
    (dt.datetime(2026, 3, 13, 8, 0), "late"),
])
def test_finish_time_decides_the_verdict(desk, received, clock, finished, verdict):
    clock.now = dt.datetime(2026, 3, 20, 9, 0)
    row = desk.step(received, Step.FINISH, {"finished_at": finished})
    assert row["verdict"] == verdict and row["finished_at"] == finished.isoformat()


def test_finish_time_cannot_be_in_the_future_or_before_the_hand_over(desk, received, clock):
    clock.now = dt.datetime(2026, 3, 10, 9, 0)
    desk.step(received, Step.HANDOVER, {"to_unit": "Công chức Tư pháp"})
    for bad in ("2026-03-10T10:00", "2026-03-09T10:00", "hôm qua"):
        with pytest.raises(ValidationError) as err:
            desk.step(received, Step.FINISH, {"finished_at": bad})
        assert "finished_at" in err.value.errors
    assert desk.dossier(received).status is Status.PROCESSING


def test_return_records_recipient_fee_and_rating(desk, received):
    desk.step(received, Step.FINISH)
    with pytest.raises(ValidationError) as err:
        desk.step(received, Step.RETURN, {"recipient_kind": "authorised", "method": "post",
                                          "fee_vnd": "8000", "rating": "great"})
    assert set(err.value.errors) == {"recipient_name", "recipient_id_number", "postal_ref",
                                     "fee_receipt_no", "rating"}
    row = desk.step(received, Step.RETURN, {
        "recipient_kind": "authorised", "recipient_name": "Trần  Văn Bình",
        "recipient_id_number": "038 090 001 234", "method": "post",
        "postal_ref": "EMS123456789VN", "fee_vnd": "8.000", "fee_receipt_no": "0012",
        "rating": "very_satisfied", "comment": "Nhanh"})
    assert row.status is Status.RETURNED and row["rating"] == "very_satisfied"
    payload = desk.events(row)[-1].payload
    assert payload["recipient_name"] == "Trần Văn Bình"
    assert payload["recipient_id_number"] == "038090001234"
    assert payload["fee_vnd"] == 8000 and payload["postal_ref"] == "EMS123456789VN"


def test_return_defaults_to_the_applicant_at_the_counter(desk, received):
    desk.step(received, Step.FINISH)
    row = desk.step(received, Step.RETURN)
    payload = desk.events(row)[-1].payload
    assert payload["recipient_name"] == "Nguyễn Thị Ngọc Ánh"
    assert payload["method"] == "counter" and payload["fee_vnd"] == 0 and payload["rating"] == ""


def test_handover_needs_a_unit_other_than_the_holder(desk, received, clock):
    with pytest.raises(ValidationError) as err:
        desk.step(received, Step.HANDOVER, {"to_unit": "  "})
    assert "to_unit" in err.value.errors
    with pytest.raises(ValidationError) as err:
        desk.step(received, Step.HANDOVER, {"to_unit": lifecycle.COUNTER_UNIT})
    assert "đang ở" in err.value.errors["to_unit"]
    with pytest.raises(ValidationError) as err:
        desk.step(received, Step.HANDOVER, {"to_unit": "Tư pháp", "step_due_at": "2026-03-01"})
    assert "step_due_at" in err.value.errors
    assert _event_count(desk) == 1


def test_replaying_the_log_rebuilds_the_dossier(desk, received, clock):
    steps = [(Step.HANDOVER, {"to_unit": "Công chức Tư pháp", "to_person": "Trần Bình"}),
             (Step.REQUEST_SUPPLEMENT, VALID[Step.REQUEST_SUPPLEMENT]), (Step.RESUME, {}),
             (Step.APOLOGIZE, {"reason": "Chờ", "new_due_at": "2026-03-27"}),
             (Step.HANDOVER, {"to_unit": "Lãnh đạo UBND xã"}), (Step.FINISH, {}),
             (Step.RETURN, {"rating": "satisfied"})]
    for step, fields in steps:
        clock.now += dt.timedelta(hours=20)
        desk.step(received, step, fields)
    row = desk.dossier(received)
    events = desk.events(row)
    first = events[0].payload
    state = lifecycle.initial(dt.datetime.fromisoformat(first["received_at"]),
                              dt.datetime.fromisoformat(first["due_at"]),
                              dt.datetime.fromisoformat(first["transfer_due_at"]))
    for e in events[1:]:
        state = lifecycle.evolve(state, e.kind, e.payload)
    assert state == row.progress


def test_hand_over_log_gives_each_step_its_verdict(desk, received, clock):
    clock.now = dt.datetime(2026, 3, 9, 10, 0)
    desk.step(received, Step.HANDOVER, {"to_unit": "Công chức Tư pháp", "to_person": "Trần Bình",
                                        "step_due_at": "2026-03-10T17:00"})
    clock.now = dt.datetime(2026, 3, 11, 9, 0)   # a day late for its step
    desk.step(received, Step.FINISH, {"result": "Giấy xác nhận số 12"})
    clock.now = dt.datetime(2026, 3, 11, 14, 0)
    desk.step(received, Step.RETURN)
    rows = desk.transfers(received)
    assert [(r.from_unit, r.to_unit) for r in rows] == [
        (lifecycle.COUNTER_UNIT, "Công chức Tư pháp"),
        ("Công chức Tư pháp", lifecycle.COUNTER_UNIT),
        (lifecycle.COUNTER_UNIT, "Tổ chức, cá nhân")]
    assert [r.verdict.value for r in rows] == ["on_time", "late", "early"]
    assert rows[0].receiver == "Trần Bình" and rows[1].note == "Giấy xác nhận số 12"


# The status machine written out by hand from docs/law.md §3.1 (columns: statuses 2..10),
# so a change to ALLOWED_FROM has to be made twice, on purpose.
SPEC = """
                    2 3 4 5 6 7 8 9 10
handover            x . x . . . . . .
request_supplement  x . x . . . . . .
resume              . . . x . . . . .
request_payment     . . x . . . . . .
payment_received    . . . . x . . . .
refuse              x . x x . . . . .
withdraw            x . x x x . . . .
stop                x . x x x . . . .
apologize           x . x x x . . . .
finish              x . x . . . . . .
return              . . . . . . . x .
"""


def test_the_machine_is_the_written_specification():
    lines = SPEC.strip().splitlines()
    statuses = [Status(int(s)) for s in lines[0].split()]
    for line in lines[1:]:
        name, *marks = line.split()
        expected = {s for s, m in zip(statuses, marks, strict=True) if m == "x"}
        assert ALLOWED_FROM[Step(name)] == expected, name


def test_a_late_dossier_can_still_be_handed_over(desk, received, clock):
    clock.now = dt.datetime(2026, 3, 16, 9, 0)  # past the due date (Thu 12/3)
    row = desk.step(received, Step.HANDOVER, {"to_unit": "Công chức Tư pháp"})
    assert row["step_due_at"] == "2026-03-16T17:00"  # the end of today
    clock.now = dt.datetime(2026, 3, 16, 17, 30)
    row = desk.step(received, Step.HANDOVER, {"to_unit": "Lãnh đạo UBND xã"})
    assert row["step_due_at"] == "2026-03-17T17:00"  # after closing: the next working day


def test_a_deadline_years_ahead_is_a_typing_mistake(desk, received):
    for step, fields, key in [
            (Step.APOLOGIZE, {"reason": "Chờ", "new_due_at": "31/12/9999"}, "new_due_at"),
            (Step.HANDOVER, {"to_unit": "Tư pháp", "step_due_at": "2027-06-01"}, "step_due_at")]:
        with pytest.raises(ValidationError) as err:
            desk.step(received, step, fields)
        assert "quá xa" in err.value.errors[key]
    assert _event_count(desk) == 1


def test_worklist_days_are_bounded(desk):
    with pytest.raises(ValidationError):
        desk.worklist("due_soon", days=999_999_999)
    with pytest.raises(ValidationError):
        desk.worklist("due_soon", days=-3)


def test_refusals_and_stops_of_earlier_versions_keep_their_names():
    assert lifecycle.event_label("refuse", {"reason": "x"}) == "Từ chối giải quyết"
    assert lifecycle.event_label("refuse", {"at_reception": True}) == "Từ chối tiếp nhận hồ sơ"
    assert lifecycle.event_label("stop", {"reason": "x"}) == "Dừng xử lý"
    assert lifecycle.event_label("stop", {"requested_at": "2026-03-09T10:00:00"}) == \
        "Dừng giải quyết theo đề nghị của người nộp"


def test_a_stop_is_asked_for_after_reception(desk, received):
    with pytest.raises(ValidationError) as caught:
        desk.step(received, Step.STOP, {"reason": "Đề nghị dừng",
                                        "requested_at": "01/01/2020 09:00"})
    assert "sau khi tiếp nhận" in caught.value.errors["requested_at"]
