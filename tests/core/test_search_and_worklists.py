"""Finding any dossier, and the work lists the officer starts the day with."""

from __future__ import annotations

import datetime as dt

import pytest

from counter_app.domain.lifecycle import Step
from counter_app.store.dossier_queries import DossierQuery, Worklist, fts_query

PEOPLE = [("Nguyễn Văn An", "038090001234", "0912345001", "1.004873"),
          ("Trần Thị Bích Ngọc", "038190002345", "0987654002", "1.001193"),
          ("Đặng Đức Anh", "038085003456", "0345678003", "1.004222"),
          ("Nguyễn Thị Ánh", "038195004567", "0912000004", "1.004873")]


@pytest.fixture
def codes(desk, make_request, clock):
    out = []
    for i, (name, id_number, phone, procedure) in enumerate(PEOPLE):
        clock.now = dt.datetime(2026, 3, 2 + i, 9, 0)  # Mon 2/3 .. Thu 5/3
        out.append(desk.receive(make_request(procedure, applicant={
            "full_name": name, "id_number": id_number, "phone": phone})).code)
    return out


def _codes(found) -> list[str]:
    return [d.code for d in found.rows]


def test_fts_query_folds_and_prefixes():
    assert fts_query("Đặng  ĐỨC") == '"dang"* "duc"*'
    assert fts_query('a"b') == '"a"* "b"*'
    assert fts_query("...") == ""


@pytest.mark.parametrize(("text", "expected"), [
    ("nguyen an", [3, 0]), ("an nguyen", [3, 0]), ("Nguyễn Văn An", [0]),  # words are prefixes
    ("dang duc", [2]), ("ĐẶNG ĐỨC ANH", [2]), ("dang", [2, 1]), ("nguyen", [3, 0]),       # newest first
    ("038190002345", [1]), ("0987654002", [1]), ("09120", [3]),  # ID, phone, phone prefix
    ("khai sinh", [1]), ("xyz", []),
])
def test_find_by_text(desk, codes, text, expected):
    assert _codes(desk.find(text)) == [codes[i] for i in expected]


def test_find_by_code_typed_in_lower_case(desk, codes):
    assert _codes(desk.find(codes[2].lower())) == [codes[2]]


def test_filters_combine(desk, codes):
    desk.step(codes[0], Step.FINISH)
    q = DossierQuery(text="nguyen", procedure_code="1.004873")
    assert _codes(desk.find(q)) == [codes[3], codes[0]]
    assert _codes(desk.find(DossierQuery(text="nguyen", status=9))) == [codes[0]]
    q = DossierQuery(received_from=dt.date(2026, 3, 3), received_to=dt.date(2026, 3, 4))
    assert _codes(desk.find(q)) == [codes[2], codes[1]]
    found = desk.find(DossierQuery(limit=2))
    assert found.truncated and len(found.rows) == 2


def test_worklists(desk, codes, clock):
    # Due: [0] 1.004873 recv Mon 2/3 -> Thu 5/3; [1] same day Tue 3/3; [2] 7 days from
    # Wed 4/3 -> Fri 13/3; [3] Thu 5/3 -> Tue 10/3.
    clock.now = dt.datetime(2026, 3, 5, 10, 0)
    desk.step(codes[1], Step.FINISH)
    desk.step(codes[2], Step.REQUEST_SUPPLEMENT, {"items": ["CCCD"], "reason": "Thiếu"})
    counts = desk.worklist_counts()
    assert counts == {Worklist.DUE_TODAY: 1, Worklist.DUE_SOON: 1, Worklist.OVERDUE: 0,
                      Worklist.NEEDS_APOLOGY: 0, Worklist.WAITING_SUPPLEMENT: 1,
                      Worklist.READY_TO_RETURN: 1, Worklist.RETURNED_TODAY: 0,
                      Worklist.MINE: 0, Worklist.FINISHED_TODAY: 1,  # the officer's own
                      Worklist.TO_FORWARD: 0, Worklist.PAPER_INCOMING: 0}  # none for others
    assert [d.code for d in desk.worklist("due_today")] == [codes[0]]
    assert [d.code for d in desk.worklist("due_soon", days=3)] == [codes[0], codes[3]]
    clock.now = dt.datetime(2026, 3, 6, 8, 0)
    assert [d.code for d in desk.worklist("overdue")] == [codes[0]]
    assert desk.deadline_flag(desk.dossier(codes[0])) == "overdue"
    assert desk.deadline_flag(desk.dossier(codes[3])) == ""          # 10/3 is 2 days away
    desk.set_warning_days(2)
    assert desk.deadline_flag(desk.dossier(codes[3])) == "warning"
    rows = [desk.dossier(c) for c in codes]
    assert desk.deadline_flags(rows) == {codes[0]: "overdue", codes[1]: "", codes[2]: "",
                                         codes[3]: "warning"}
    desk.step(codes[1], Step.RETURN)
    assert [d.code for d in desk.worklist("returned_today")] == [codes[1]]
    assert desk.worklist("ready_to_return") == []


def test_warning_days_are_validated(desk):
    from counter_app.errors import ValidationError

    with pytest.raises(ValidationError):
        desk.set_warning_days(31)
    assert desk.warning_days == 1


def test_the_needs_apology_list_holds_what_can_still_be_apologised_for(desk, codes, clock):
    """Cần xin lỗi: open, not apologised, and the last moment to apologise (one working day
    before the slip's deadline, docs/law.md §15) is still ahead, within the warning days."""
    # [3] received Thu 5/3, due Tue 10/3 17:00: its apology must be made by Mon 9/3 17:00.
    clock.now = dt.datetime(2026, 3, 5, 10, 0)  # Thu: its cut-off is two working days off
    assert codes[3] not in [d.code for d in desk.worklist("needs_apology")]
    clock.now = dt.datetime(2026, 3, 6, 10, 0)  # Fri: within the one warning day
    assert codes[3] in [d.code for d in desk.worklist("needs_apology")]
    assert codes[3] not in [d.code for d in desk.worklist("needs_apology", days=0)]
    clock.now = dt.datetime(2026, 3, 9, 16, 59)  # Mon, the last day to apologise
    assert [d.code for d in desk.worklist("needs_apology", days=0)] == [codes[3]]
    clock.now = dt.datetime(2026, 3, 9, 17, 1)  # too late now: it can only be late
    assert codes[3] not in [d.code for d in desk.worklist("needs_apology", days=0)]
    clock.now = dt.datetime(2026, 3, 9, 9, 0)
    desk.step(codes[3], Step.APOLOGIZE, {"reason": "Chờ xác minh", "new_due_at": "2026-03-13"})
    assert codes[3] not in [d.code for d in desk.worklist("needs_apology", days=0)]
