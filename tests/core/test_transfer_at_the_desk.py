"""A dossier received for another body, at one desk without a server: the times the rules
set (the 15:00 edge, the paper's working day), the steps each side is offered, the roles
of the paper steps, and the work list that shows what is late."""

from __future__ import annotations

import datetime as dt

import pytest

from counter_app.domain import forwarding
from counter_app.domain.lifecycle import Step
from counter_app.domain.reception import ReceptionRequest
from counter_app.domain.sides import STEP_SIDES, Side, why_not_side
from counter_app.domain.working_calendar import CalendarOverride, OverrideKind, WorkingCalendar
from counter_app.errors import PermissionDenied, ValidationError, WrongSide
from counter_app.sync import reference
from tests.core.conftest import AGENCY_CODE, CITIZEN_ID, sign_in_as

OTHER = "000.16.22.H56"
CERTIFY = "2.001035"  # chứng thực hợp đồng: boundary-free in the bundled catalogue


@pytest.fixture
def units(desk):
    reference.apply_units(desk.db, {"version": 1, "units": [
        {"code": AGENCY_CODE, "name": "UBND xã Quảng Phú", "kind": "commune"},
        {"code": OTHER, "name": "UBND xã Đông Sơn", "kind": "commune"},
        {"code": "000.00.17.H56", "name": "Sở Tư pháp", "kind": "provincial"}]})
    return desk


def receive(desk, competent: str = OTHER):
    return desk.receive(ReceptionRequest(CERTIFY, {"full_name": "Lê Văn Tám",
                                                   "id_number": CITIZEN_ID},
                                         competent_agency=competent))


CAL = WorkingCalendar([CalendarOverride(dt.date(2026, 3, 10), OverrideKind.OFF, "Nghỉ bão")])


@pytest.mark.parametrize(("received", "forward", "paper"), [
    # Mon 09:00: at once (by the day's close); the paper by Tuesday's close
    (dt.datetime(2026, 3, 9, 9, 0), dt.datetime(2026, 3, 9, 17, 0),
     dt.datetime(2026, 3, 11, 17, 0)),  # Tue 10/3 is a local day off: Wednesday
    # Mon 15:00 sharp is not after 15:00
    (dt.datetime(2026, 3, 9, 15, 0), dt.datetime(2026, 3, 9, 17, 0),
     dt.datetime(2026, 3, 11, 17, 0)),
    # Mon 15:01: the next working morning (Wednesday, Tuesday being off)
    (dt.datetime(2026, 3, 9, 15, 1), dt.datetime(2026, 3, 11, 11, 30),
     dt.datetime(2026, 3, 11, 17, 0)),
    # Fri 16:30: Monday morning
    (dt.datetime(2026, 3, 13, 16, 30), dt.datetime(2026, 3, 16, 11, 30),
     dt.datetime(2026, 3, 16, 17, 0)),
    # Saturday: as after hours
    (dt.datetime(2026, 3, 14, 9, 0), dt.datetime(2026, 3, 16, 11, 30),
     dt.datetime(2026, 3, 17, 17, 0)),
])
def test_the_forwarding_times(received, forward, paper):
    assert forwarding.forward_due_at(received, CAL) == forward
    assert forwarding.paper_due_at(received, CAL) == paper


def test_each_step_has_a_side_and_the_rule_reads_both_ways():
    assert STEP_SIDES["finish"] == {Side.COMPETENT} and STEP_SIDES["return"] == {Side.RECEIVING}
    here, there = AGENCY_CODE, OTHER
    assert why_not_side("finish", here, here, there) is not None
    assert why_not_side("finish", there, here, there) is None
    assert why_not_side("return", there, here, there) is not None
    assert why_not_side("payment_received", there, here, there) is None  # either side
    assert why_not_side("handover", "000.15.22.H56", here, there) == \
        "Hồ sơ này không do cơ quan này tiếp nhận hay giải quyết."
    for step in STEP_SIDES:  # the commune's own dossier: every step but the paper's
        assert (why_not_side(step, here, here, here) is None) == (
            step not in ("send_paper", "receive_paper"))


def test_the_receiving_side_is_offered_only_its_own_steps(units, clock):
    row = receive(units)
    assert row.is_transfer and row["competent_name"] == "UBND xã Đông Sơn"
    assert row["forward_due_at"] == "2026-03-09T17:00"  # received Mon 09:00
    assert row.due_at == units.due_for(units.procedure(CERTIFY), row.received_at)
    offered = [s for s in units.steps_allowed_now(row) if units.may_step(row, s)]
    assert offered == [Step.WITHDRAW, Step.SEND_PAPER]
    with pytest.raises(WrongSide):
        units.step(row.code, Step.HANDOVER, {"to_unit": "Công chức Tư pháp"})
    assert units.db.execute("SELECT action FROM audit_log ORDER BY desk_seq DESC LIMIT 1"
                            ).fetchone()[0] == "permission_denied"


def test_the_paper_steps_are_the_counters_and_a_leaders(units):
    code = receive(units).code
    sign_in_as(units, "Trần Văn Xử Lý", ("processing",))
    with pytest.raises(PermissionDenied):
        units.step(code, Step.SEND_PAPER, {"by": "post"})
    sign_in_as(units, "Nguyễn Thị Tiếp Nhận", ("reception",))
    with pytest.raises(ValidationError) as refused:
        units.step(code, Step.SEND_PAPER, {"by": "fax"})
    assert "Cách gửi hồ sơ giấy không hợp lệ" in refused.value.errors["by"]
    row = units.step(code, Step.SEND_PAPER, {"by": "in_person", "note": "Anh Bình mang đi"})
    assert (row["paper_by"], row["paper_sent_at"]) == ("in_person", "2026-03-09T09:00:00")


def test_what_is_late_shows_in_the_to_forward_list(units, clock):
    clock.now = dt.datetime(2026, 3, 9, 16, 0)  # after 15:00
    code = receive(units).code
    assert [d.code for d in units.worklist("to_forward")] == [code]
    assert units.worklist("paper_incoming") == []  # that is the other body's list
    assert forwarding.late_parts(units.dossier(code).data, clock.now) == []
    clock.now = dt.datetime(2026, 3, 10, 12, 0)  # Tuesday noon: the morning has passed
    assert forwarding.late_parts(units.dossier(code).data, clock.now) == [
        "chuyển điện tử (hạn 11:30 10/03/2026)"]
    clock.now = dt.datetime(2026, 3, 11, 8, 0)  # Wednesday: the paper too
    late = forwarding.late_parts(units.dossier(code).data, clock.now)
    assert late[1] == "gửi hồ sơ giấy (hạn 17:00 10/03/2026)"
    units.step(code, Step.SEND_PAPER, {"by": "post"})
    assert len(forwarding.late_parts(units.dossier(code).data, clock.now)) == 1
    assert [d.code for d in units.worklist("to_forward")] == [code]  # still not forwarded


def test_a_refusal_at_reception_goes_nowhere(units):
    request = ReceptionRequest(CERTIFY, {"full_name": "Lê Văn Tám", "id_number": CITIZEN_ID},
                               competent_agency=OTHER)
    row = units.refuse_at_reception(request, "Thiếu hợp đồng")
    assert not row.is_transfer and row["forward_due_at"] is None
    assert units.worklist("to_forward") == []
