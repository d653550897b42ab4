"""Each role on its own against every kind of action, through the real desk on a SQLite file.

The expectations are written out by hand from the rules (docs/law.md, domain/roles.py's
docstring), not computed from ``roles.py``, so a change to the rules shows up here.
A refused action raises PermissionDenied and changes nothing but the audit log.
"""

from __future__ import annotations

import csv
import datetime as dt

import pytest

from counter_app.domain import lifecycle
from counter_app.domain.lifecycle import Step
from counter_app.domain.working_calendar import OverrideKind
from counter_app.errors import PermissionDenied
from counter_app.store.dossier_queries import Worklist
from tests.core.conftest import PASSWORD
from tests.core.test_lifecycle_steps import VALID

RECEPTION, PROCESSING, LEADER, ADMIN = "reception", "processing", "leader", "admin"
ROLES = [RECEPTION, PROCESSING, LEADER, ADMIN]
#: One account per role, each holding that role alone.
ACCOUNTS = {RECEPTION: ("tiepnhan", "Nguyễn Văn Tiếp"),
            PROCESSING: ("xuly", "Phạm Văn Xử"),
            LEADER: ("lanhdao", "Trần Văn Đạo"),
            ADMIN: ("quantri", "Hoàng Văn Trị")}
PROCESSOR = ACCOUNTS[PROCESSING][1]
UNIT = "Công chức Tư pháp - Hộ tịch"
PROCEDURE = "1.004873"  # 3 working days

FIELDS = VALID  # a valid form for each step (shared with the status-machine tests)


def _handed(to_person: str) -> list[tuple[Step, dict]]:
    return [(Step.HANDOVER, {"to_unit": UNIT, "to_person": to_person})]


#: How the all-roles test officer brings a fresh dossier (status 2, at the counter) to the
#: situation a step is tried in.
SITUATIONS = {
    "at the counter": [],
    "handed to them": _handed(PROCESSOR),
    "handed to them by username": _handed(ACCOUNTS[PROCESSING][0]),
    "handed to another": _handed("Đỗ Thị Khác"),
    "waiting supplement, theirs": [*_handed(PROCESSOR),
                                   (Step.REQUEST_SUPPLEMENT, FIELDS[Step.REQUEST_SUPPLEMENT])],
    "waiting supplement, another's": [*_handed("Đỗ Thị Khác"),
                                      (Step.REQUEST_SUPPLEMENT,
                                       FIELDS[Step.REQUEST_SUPPLEMENT])],
    "waiting payment, theirs": [*_handed(PROCESSOR),
                                (Step.REQUEST_PAYMENT, FIELDS[Step.REQUEST_PAYMENT])],
    "waiting payment, another's": [*_handed("Đỗ Thị Khác"),
                                   (Step.REQUEST_PAYMENT, FIELDS[Step.REQUEST_PAYMENT])],
    "finished": [(Step.FINISH, FIELDS[Step.FINISH])],
}

R, P, L = RECEPTION, PROCESSING, LEADER
#: (step, situation, the roles that may take it). The administrator takes no step.
STEP_CASES = [
    (Step.HANDOVER, "at the counter", {R, L}),
    (Step.HANDOVER, "handed to them", {P, L}),
    (Step.HANDOVER, "handed to them by username", {P, L}),
    (Step.HANDOVER, "handed to another", {L}),
    (Step.REQUEST_SUPPLEMENT, "at the counter", {R, L}),
    (Step.REQUEST_SUPPLEMENT, "handed to them", {R, P, L}),
    (Step.REQUEST_SUPPLEMENT, "handed to another", {R, L}),
    (Step.RESUME, "waiting supplement, theirs", {R, P, L}),
    (Step.RESUME, "waiting supplement, another's", {R, L}),
    (Step.REQUEST_PAYMENT, "handed to them", {P, L}),
    (Step.REQUEST_PAYMENT, "handed to another", {L}),
    (Step.PAYMENT_RECEIVED, "waiting payment, theirs", {R, P, L}),
    (Step.PAYMENT_RECEIVED, "waiting payment, another's", {R, L}),
    (Step.WITHDRAW, "at the counter", {R, L}),
    (Step.WITHDRAW, "handed to them", {R, L}),
    (Step.STOP, "at the counter", {R, L}),      # asked for at the counter (NĐ 118 Đ21)
    (Step.STOP, "handed to them", {R, P, L}),
    (Step.STOP, "handed to another", {R, L}),
    (Step.REFUSE_ON_MERITS, "at the counter", {L}),
    (Step.REFUSE_ON_MERITS, "handed to them", {P, L}),
    (Step.REFUSE_ON_MERITS, "handed to another", {L}),
    (Step.APOLOGIZE, "at the counter", {L}),
    (Step.APOLOGIZE, "handed to them", {L}),
    (Step.FINISH, "at the counter", {L}),
    (Step.FINISH, "handed to them", {P, L}),
    (Step.FINISH, "handed to them by username", {P, L}),
    (Step.FINISH, "handed to another", {L}),
    (Step.RETURN, "finished", {R, L}),
]


@pytest.fixture
def staff(desk):
    """The test desk with one account per role (added by the all-roles administrator)."""
    for role, (username, full_name) in ACCOUNTS.items():
        desk.add_officer(username, full_name, "", [role], PASSWORD)
    return desk


def as_role(desk, role: str) -> None:
    desk.sign_in(ACCOUNTS[role][0], PASSWORD)


def prepare(desk, make_request, situation: str) -> str:
    desk.sign_in("huong", PASSWORD)
    code = desk.receive(make_request(PROCEDURE)).code
    for step, fields in SITUATIONS[situation]:
        desk.step(code, step, fields)
    return code


def snapshot(desk) -> dict[str, list]:
    """Every table but the audit log (which records the refusals) and the search index."""
    tables = [r[0] for r in desk.db.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name != 'audit_log' "
        "AND name NOT LIKE 'dossiers_fts%' AND name NOT LIKE 'sqlite_%' ORDER BY name")]
    return {t: desk.db.execute(f"SELECT * FROM {t} ORDER BY rowid").fetchall() for t in tables}


def events(desk) -> int:
    return desk.db.execute("SELECT count(*) FROM events").fetchone()[0]


def denials(desk) -> list[tuple[str, str, str]]:
    return desk.db.execute("SELECT officer, subject, detail FROM audit_log "
                           "WHERE action = 'permission_denied' ORDER BY desk_seq").fetchall()


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("step", "situation", "allowed"), STEP_CASES,
                         ids=[f"{s.value}-{where}" for s, where, _ in STEP_CASES])
def test_each_role_and_each_step(staff, make_request, clock, role, step, situation, allowed):
    code = prepare(staff, make_request, situation)
    clock.now += dt.timedelta(hours=1)
    as_role(staff, role)
    before, status = events(staff), staff.db.execute(
        "SELECT status FROM dossiers WHERE code = ?", [code]).fetchone()[0]
    if role in allowed:
        row = staff.step(code, step, FIELDS[step])
        assert events(staff) == before + 1
        last = staff.db.execute("SELECT officer, kind FROM events ORDER BY rowid DESC "
                                "LIMIT 1").fetchone()
        assert last == (ACCOUNTS[role][0], step.value)  # recorded under the signed-in account
        assert row.code == code
    else:
        state = snapshot(staff)
        with pytest.raises(PermissionDenied) as refused:
            staff.step(code, step, FIELDS[step])
        assert str(refused.value) and refused.value.action == step.value
        assert events(staff) == before  # nothing written
        assert snapshot(staff) == state
        assert staff.db.execute("SELECT status FROM dossiers WHERE code = ?",
                                [code]).fetchone()[0] == status
        assert denials(staff)[-1][:2] == (ACCOUNTS[role][0], code)


def test_the_step_table_covers_every_step():
    """The paper steps are only for a dossier received for another body: their roles are
    tested there (tests/core/test_transfer_at_the_desk.py)."""
    assert {step for step, _, _ in STEP_CASES} == \
        set(lifecycle.OFFICER_STEPS) - lifecycle.PAPER_STEPS


@pytest.mark.parametrize("role", ROLES)
def test_only_reception_refuses_at_reception(staff, make_request, role):
    """A refusal at the reception check (Mẫu 03) is the receiving officer's, like receiving."""
    as_role(staff, role)
    request = make_request("1.004873", applicant={"full_name": "Lê Văn Bảy",
                                                  "id_number": "001203012344"})
    if role == RECEPTION:
        assert staff.refuse_at_reception(request, "Thiếu tờ khai").status == 3
    else:
        with pytest.raises(PermissionDenied):
            staff.refuse_at_reception(request, "Thiếu tờ khai")


# -- everything else the core guards -------------------------------------------------------
def _catalogue(tmp_path) -> str:
    path = tmp_path / "tinh.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows([
            ["ma_thu_tuc", "linh_vuc", "ten_thu_tuc", "don_vi", "thoi_han", "giay_to"],
            ["1.999001", "Văn hóa", "Cấp phép tổ chức lễ hội cấp xã", "ngày làm việc", "5",
             "Đơn đề nghị|bản chính|1"]])
    return str(path)


ACTIONS = {
    # name: (what is tried, with (desk, codes, make_request, tmp_path); the roles allowed)
    "receive": (lambda d, c, m, t: d.receive(m(PROCEDURE)), {R}),
    "look up a returning applicant": (
        lambda d, c, m, t: d.returning_applicant("001303012345"), {R}),
    "print a form": (lambda d, c, m, t: d.form_pdf(c["counter"], "01"), {R, L}),
    "print a form of a dossier handed to them": (
        lambda d, c, m, t: d.form_pdf(c["theirs"], "06"), {R, L}),
    "record a form sent to the printer": (
        lambda d, c, m, t: d.record_printed(c["counter"], "01"), {R, L}),
    "export the register": (
        lambda d, c, m, t: d.register_export(dt.date(2026, 3, 1), dt.date(2026, 3, 31),
                                             t / "so.xlsx"), {R, L}),
    "read the register": (
        lambda d, c, m, t: d.register(dt.date(2026, 3, 1), dt.date(2026, 3, 31)), {R, L}),
    "see a dossier at the counter": (lambda d, c, m, t: d.dossier(c["counter"]), {R, L}),
    "see a dossier handed to them": (lambda d, c, m, t: d.dossier(c["theirs"]), {R, P, L}),
    "see a dossier handed to another": (lambda d, c, m, t: d.dossier(c["another"]), {R, L}),
    "see today's dossiers": (lambda d, c, m, t: d.received_today(), {R, L}),
    "list the accounts": (lambda d, c, m, t: d.officers(), {ADMIN}),
    "add an account": (
        lambda d, c, m, t: d.add_officer("moi.vao", "Lý Văn Mới", "", ["reception"], PASSWORD),
        {ADMIN}),
    "change an account": (
        lambda d, c, m, t: d.update_officer("tiepnhan", title="Công chức Văn phòng"), {ADMIN}),
    "disable an account": (lambda d, c, m, t: d.set_officer_active("tiepnhan", False), {ADMIN}),
    "reset a password": (
        lambda d, c, m, t: d.reset_password("tiepnhan", "mat-khau-moi"), {ADMIN}),
    "change the setup": (lambda d, c, m, t: d.set_up(hotline="0233 3999 999"), {ADMIN}),
    "import a catalogue": (lambda d, c, m, t: d.import_procedures(_catalogue(t)), {ADMIN}),
    "declare a day off": (
        lambda d, c, m, t: d.set_calendar_day(dt.date(2026, 3, 20), OverrideKind.OFF, "Bão"), {ADMIN}),
    "clear a calendar day": (
        lambda d, c, m, t: d.clear_calendar_day(dt.date(2026, 3, 21)), {ADMIN}),
    "set the warning days": (lambda d, c, m, t: d.set_warning_days(3), {ADMIN}),
    "verify the audit trail": (lambda d, c, m, t: d.audit_verify(), {L, ADMIN}),
    "read the audit trail": (lambda d, c, m, t: d.audit_trail(), {L, ADMIN}),
}


@pytest.fixture
def dossiers(staff, make_request) -> dict[str, str]:
    codes = {"counter": prepare(staff, make_request, "at the counter"),
             "theirs": prepare(staff, make_request, "handed to them"),
             "another": prepare(staff, make_request, "handed to another")}
    staff.set_calendar_day(dt.date(2026, 3, 21), OverrideKind.WORK, "Làm bù")
    return codes


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", list(ACTIONS))
def test_each_role_and_each_action(staff, dossiers, make_request, tmp_path, role, action):
    attempt, allowed = ACTIONS[action]
    as_role(staff, role)
    if role in allowed:
        attempt(staff, dossiers, make_request, tmp_path)
        return
    state, refused_before = snapshot(staff), len(denials(staff))
    with pytest.raises(PermissionDenied) as refused:
        attempt(staff, dossiers, make_request, tmp_path)
    assert str(refused.value)  # a Vietnamese sentence
    assert snapshot(staff) == state
    assert not (tmp_path / "so.xlsx").exists()
    assert len(denials(staff)) == refused_before + 1  # the refusal is in the audit log
    assert denials(staff)[-1][0] == ACCOUNTS[role][0]


def test_nobody_signed_in_is_refused_everything(staff, dossiers, make_request, tmp_path):
    staff.sign_out()
    state = snapshot(staff)
    for action, (attempt, _) in ACTIONS.items():
        with pytest.raises(PermissionDenied):
            attempt(staff, dossiers, make_request, tmp_path)
            pytest.fail(f"{action} without anyone signed in")
    with pytest.raises(PermissionDenied):
        staff.step(dossiers["counter"], Step.STOP, FIELDS[Step.STOP])
    assert snapshot(staff) == state


@pytest.mark.parametrize(("role", "visible"), [
    (RECEPTION, {"counter", "theirs", "another"}),
    (PROCESSING, {"theirs"}),
    (LEADER, {"counter", "theirs", "another"}),
    (ADMIN, set()),
])
def test_what_each_role_finds_and_sees_on_the_work_lists(staff, dossiers, clock, role,
                                                         visible):
    codes = {code: name for name, code in dossiers.items()}
    clock.now += dt.timedelta(days=30)  # every dossier is overdue now
    as_role(staff, role)
    found = staff.find("Nguyễn Thị Ngọc Ánh").rows
    assert {codes[r.code] for r in found} == visible
    overdue = staff.worklist(Worklist.OVERDUE)
    assert {codes[r.code] for r in overdue} == visible
    assert staff.worklist_counts()[Worklist.OVERDUE] == len(visible)


@pytest.mark.parametrize("to_person", ["Phạm Văn Xứ", "PHẠM VĂN XỬ", "pham van xu"])
def test_a_name_that_only_looks_alike_is_someone_else(staff, make_request, to_person):
    """Vietnamese names differ by a tone mark alone (Thủy / Thúy): a dossier handed to a
    look-alike name is not the processing officer's, in the dossier window and the lists
    alike (one rule for both)."""
    code = prepare(staff, make_request, "at the counter")
    staff.step(code, Step.HANDOVER, {"to_unit": UNIT, "to_person": to_person})
    as_role(staff, PROCESSING)
    with pytest.raises(PermissionDenied):
        staff.dossier(code)
    with pytest.raises(PermissionDenied):
        staff.step(code, Step.REQUEST_PAYMENT, FIELDS[Step.REQUEST_PAYMENT])
    assert staff.find("").rows == []
    assert all(staff.worklist(w) == [] for w in Worklist)


def test_a_dossier_handed_to_the_exact_name_is_in_the_officers_lists(staff, make_request):
    code = prepare(staff, make_request, "at the counter")
    staff.step(code, Step.HANDOVER, {"to_unit": UNIT, "to_person": f"  {PROCESSOR} "})
    as_role(staff, PROCESSING)
    assert staff.dossier(code).code == code
    assert [r.code for r in staff.find("").rows] == [code]
