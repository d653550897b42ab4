"""Lateness as the law counts it (docs/law.md §15): the slip's deadline, moved only by
supplement pauses, is the measure; an apology's date is kept beside it, never instead."""

from __future__ import annotations

import datetime as dt
import sqlite3

from counter_app.domain.lifecycle import Step
from counter_app.reports import compute, parse_period
from counter_app.service.counter import Counter

T = dt.datetime
PROCEDURE = "1.004873"  # 3 working days


def _old_rule(path) -> None:
    """The file as version 6 of the program left an apologised, finished dossier: the
    apology's date in due_at, judged on time against it, no extended_due_at column."""
    raw = sqlite3.connect(path)
    raw.execute("UPDATE dossiers SET due_at = extended_due_at, verdict = 'on_time' "
                "WHERE extended_due_at IS NOT NULL")
    raw.execute("ALTER TABLE dossiers ADD COLUMN procedure_snapshot TEXT")  # undo v9
    raw.execute("UPDATE dossiers SET procedure_snapshot = (SELECT body FROM procedure_versions "
                "v WHERE v.id = dossiers.procedure_version)")
    raw.execute("DROP TABLE procedure_versions")
    for column in ("online", "boundary_free", "reference"):
        raw.execute(f"ALTER TABLE procedures DROP COLUMN {column}")
    for column in ("birth_date", "sex"):  # v10's
        raw.execute(f"ALTER TABLE applicants DROP COLUMN {column}")
    for column in ("extended_due_at", "form_family", "proxy", "outcome",  # v7, v8, v9's
                   "procedure_version"):
        raw.execute(f"ALTER TABLE dossiers DROP COLUMN {column}")
    raw.execute("PRAGMA user_version = 6")
    raw.commit()
    raw.close()


def test_opening_an_older_file_rebuilds_apologised_dossiers_by_todays_rule(
        desk, clock, make_request, tmp_path):
    clock.now = T(2026, 3, 9, 9, 0)  # due Thu 12/03 17:00
    code = desk.receive(make_request(PROCEDURE)).code
    other = desk.receive(make_request(PROCEDURE, applicant={"id_number": "001303012399"})).code
    clock.now = T(2026, 3, 10, 9, 0)
    desk.step(code, Step.APOLOGIZE, {"reason": "Chờ xác minh", "new_due_at": "2026-03-18"})
    clock.now = T(2026, 3, 16, 10, 0)
    desk.step(code, Step.FINISH, {"result": "Kết quả"})
    desk.step(other, Step.FINISH, {"result": "Kết quả"})
    path = tmp_path / "counter.db"
    desk.close()
    _old_rule(path)
    assert sqlite3.connect(path).execute(
        "SELECT due_at, verdict FROM dossiers WHERE code = ?", [code]).fetchone() == (
        "2026-03-18T17:00", "on_time")

    again = Counter.open(path, clock=clock)  # migrates (after its backup)
    try:
        row = again.db.execute("SELECT due_at, extended_due_at, verdict FROM dossiers "
                               "WHERE code = ?", [code]).fetchone()
        assert row == ("2026-03-12T17:00", "2026-03-18T17:00", "late")
        untouched = again.db.execute("SELECT due_at, extended_due_at, verdict FROM dossiers "
                                     "WHERE code = ?", [other]).fetchone()
        assert untouched == ("2026-03-12T17:00", None, "late")
        total = compute(again.db, parse_period("2026-03")).total
        assert total.resolved_late == 2 and total.resolved_on_time == 0
    finally:
        again.close()


def test_a_supplement_after_an_apology_moves_both_dates(desk, clock, make_request):
    clock.now = T(2026, 3, 9, 9, 0)  # due Thu 12/03 17:00
    code = desk.receive(make_request(PROCEDURE)).code
    desk.step(code, Step.HANDOVER, {"to_unit": "Công chức Tư pháp"})
    clock.now = T(2026, 3, 10, 9, 0)
    desk.step(code, Step.APOLOGIZE, {"reason": "Chờ xác minh", "new_due_at": "2026-03-18"})
    desk.step(code, Step.REQUEST_SUPPLEMENT, {"items": ["CCCD"], "reason": "Mờ"})
    clock.now = T(2026, 3, 11, 9, 0)  # a whole working day (8 h) later
    row = desk.step(code, Step.RESUME)
    assert row.due_at == T(2026, 3, 13, 17, 0)
    assert row.progress.extended_due_at == T(2026, 3, 19, 17, 0)
    event = desk.events(row)[-1]
    assert event.payload["new_extended_due_at"] == "2026-03-19T17:00"


def _progress_apologised():
    from counter_app.domain import lifecycle
    p = lifecycle.initial(T(2026, 12, 7, 9, 0), T(2026, 12, 10, 17, 0), T(2026, 12, 7, 17, 0))
    p = lifecycle.evolve(p, "request_supplement", {"at": "2026-12-07T10:00:00"})
    return lifecycle.evolve(p, "apologize", {"at": "2026-12-07T11:00:00",
                                             "new_due_at": "2026-12-16T17:00"})


def test_a_resume_on_a_desk_that_had_not_heard_of_the_apology():
    """Desk A apologised, desk B (offline) resumed: B's event moves the slip's deadline and
    says it knew no apology; the apology's date moves by the same working time."""
    from counter_app.domain import lifecycle
    p = lifecycle.evolve(_progress_apologised(), "resume", {
        "at": "2026-12-08T09:00:00", "waited_minutes": 480,
        "new_due_at": "2026-12-11T17:00", "new_extended_due_at": None})
    assert (p.due_at, p.extended_due_at) == (T(2026, 12, 11, 17, 0), T(2026, 12, 17, 17, 0))


def test_a_resume_event_of_an_earlier_version_after_an_apology():
    """Before the 2025 rule the apology replaced the deadline, so an old resume event's
    new_due_at is the apology's date moved: the slip's deadline is moved here instead, by
    working time, never onto a day off."""
    from counter_app.domain import lifecycle
    p = lifecycle.evolve(_progress_apologised(), "resume", {
        "at": "2026-12-08T09:00:00", "waited_minutes": 480,
        "old_due_at": "2026-12-16T17:00", "new_due_at": "2026-12-17T17:00"})
    assert (p.due_at, p.extended_due_at) == (T(2026, 12, 11, 17, 0), T(2026, 12, 17, 17, 0))
