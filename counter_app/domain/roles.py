"""Who may do what at the counter: the four roles and the rule for every action.

The rule lives here, in the core, so the window, the CLI and a future sync all meet the same
check (``check`` raises ``PermissionDenied``); the window only hides what this refuses.

- Cán bộ tiếp nhận (reception): receives, returns, prints and exports; also what happens in
  front of the citizen at the counter: a supplement brought in, a fee paid, a withdrawal,
  and the counter's own supplement requests (Mẫu 02) and refusals (Mẫu 03).
- Cán bộ xử lý (processing): works on the dossiers handed to them (by username or full
  name), and sees only those.
- Lãnh đạo (leader): approves and signs (every processing step on any dossier), apologises
  (Mẫu 04), sees everything, reads the audit trail.
- Quản trị (administrator): accounts, setup, catalogue, calendar, backups, audit trail.

An officer may hold several roles (a small commune often has one person at the desk who
also processes).
"""

from __future__ import annotations

from collections.abc import Set
from enum import StrEnum
from typing import Protocol

from counter_app.domain.lifecycle import COUNTER_UNIT, Progress, Step
from counter_app.domain.text import clean
from counter_app.errors import PermissionDenied


class Role(StrEnum):
    RECEPTION = "reception"
    PROCESSING = "processing"
    LEADER = "leader"
    ADMIN = "admin"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]


ROLE_LABELS = {
    Role.RECEPTION: "Cán bộ tiếp nhận",
    Role.PROCESSING: "Cán bộ xử lý",
    Role.LEADER: "Lãnh đạo",
    Role.ADMIN: "Quản trị",
}


class Action(StrEnum):
    """Everything the core guards, besides the steps of a dossier (``Step``)."""
    RECEIVE = "receive"
    PRINT = "print"                # forms of a dossier (personal data on paper)
    EXPORT = "export"              # the register (Sổ theo dõi) to a file
    SEE_ALL = "see_all"            # every dossier, not only those handed to me
    MANAGE_OFFICERS = "manage_officers"
    SETUP = "setup"                # the commune's details, warning days
    CATALOGUE = "catalogue"
    CALENDAR = "calendar"
    BACKUP = "backup"              # backups and restore
    AUDIT = "audit"                # read and verify the audit trail
    ENROL = "enrol"                # connect this desk to the server
    CONFLICTS = "conflicts"        # see and settle what two desks did differently
    REPORTS = "reports"            # the period's statistics (II.06a, citizen evaluation)
    DIGITISE = "digitise"          # scan a dossier's documents and result into it

    @property
    def label(self) -> str:
        return ACTION_LABELS[self]


ACTION_LABELS = {
    Action.RECEIVE: "tiếp nhận hồ sơ",
    Action.PRINT: "in phiếu, biểu mẫu của hồ sơ",
    Action.EXPORT: "xuất sổ theo dõi hồ sơ",
    Action.SEE_ALL: "xem mọi hồ sơ",
    Action.MANAGE_OFFICERS: "quản lý tài khoản cán bộ",
    Action.SETUP: "sửa thông tin cơ quan và cài đặt",
    Action.CATALOGUE: "cập nhật danh mục thủ tục",
    Action.CALENDAR: "sửa lịch ngày nghỉ, ngày làm bù",
    Action.BACKUP: "sao lưu và khôi phục dữ liệu",
    Action.AUDIT: "xem và kiểm tra nhật ký",
    Action.ENROL: "kết nối máy này với máy chủ",
    Action.CONFLICTS: "xem và xử lý xung đột đồng bộ",
    Action.REPORTS: "xem và xuất báo cáo thống kê",
    Action.DIGITISE: "số hóa giấy tờ, kết quả của hồ sơ",
}

GRANTS: dict[Role, frozenset[Action]] = {
    Role.RECEPTION: frozenset({Action.RECEIVE, Action.PRINT, Action.EXPORT, Action.SEE_ALL,
                               Action.REPORTS, Action.DIGITISE}),
    # a processing officer digitises the dossiers handed to them (the only ones they see)
    Role.PROCESSING: frozenset({Action.DIGITISE}),
    Role.LEADER: frozenset({Action.PRINT, Action.EXPORT, Action.SEE_ALL, Action.AUDIT,
                            Action.CONFLICTS, Action.REPORTS, Action.DIGITISE}),
    Role.ADMIN: frozenset({Action.MANAGE_OFFICERS, Action.SETUP, Action.CATALOGUE,
                           Action.CALENDAR, Action.BACKUP, Action.AUDIT, Action.ENROL}),
}

#: Steps taken in front of the citizen at the counter, on any dossier. A stop is asked for
#: at the counter (NĐ 118/2025 Đ21 k1), and the counter sends the notice (TT 03/2025 Đ7).
#: A refusal is the counter's too, made at reception only (Counter.refuse_at_reception).
#: The paper of a dossier received for another body is sent by the receiving counter and
#: received at the other body's counter.
COUNTER_STEPS = frozenset({Step.RETURN, Step.RESUME, Step.PAYMENT_RECEIVED, Step.WITHDRAW,
                           Step.REQUEST_SUPPLEMENT, Step.STOP, Step.REFUSE,
                           Step.SEND_PAPER, Step.RECEIVE_PAPER})
#: Steps of the person the dossier was handed to.
PROCESSING_STEPS = frozenset({Step.HANDOVER, Step.REQUEST_SUPPLEMENT, Step.RESUME,
                              Step.REQUEST_PAYMENT, Step.PAYMENT_RECEIVED, Step.STOP,
                              Step.FINISH, Step.REFUSE_ON_MERITS})
#: Only the leader: an apology is signed by the head of the agency (Mẫu 04).
LEADER_ONLY_STEPS = frozenset({Step.APOLOGIZE})


class Officer(Protocol):
    """Whoever asks, as the rules see them: an account (``domain.officers.Officer``) or
    anything else with these three fields. The rules need nothing more of it."""

    @property
    def username(self) -> str: ...

    @property
    def full_name(self) -> str: ...

    @property
    def roles(self) -> Set[Role]: ...


def grants(officer: Officer, action: Action) -> bool:
    return any(action in GRANTS[r] for r in officer.roles)


def holds(officer: Officer, progress: Progress) -> bool:
    """The dossier was handed to this officer: to their username or their full name exactly
    as the account spells it (NFC). Never by folded text: "Nguyễn Thị Thủy" and "Nguyễn
    Thị Thúy" are two people. The lists filter with the same rule (dossier_queries)."""
    person = clean(progress.holder_person)
    return bool(person) and person in {officer.username, officer.full_name}


def sees(officer: Officer, progress: Progress) -> bool:
    return grants(officer, Action.SEE_ALL) or holds(officer, progress)


def why_not(officer: Officer, action: Action) -> str | None:
    if grants(officer, action):
        return None
    return f"Tài khoản {officer.username} không có quyền {action.label}."


def why_not_step(officer: Officer, step: Step, progress: Progress) -> str | None:
    """None when the officer may take ``step`` on a dossier as it is now; else the reason."""
    roles = officer.roles
    if Role.LEADER in roles:
        return None
    if step in LEADER_ONLY_STEPS:
        return "Chỉ lãnh đạo mới được xin lỗi và hẹn lại ngày trả (Mẫu 04)."
    if Role.RECEPTION in roles:
        if step in COUNTER_STEPS:
            return None
        if step is Step.HANDOVER and progress.holder == COUNTER_UNIT:
            return None  # the counter hands a new dossier to the processing unit
    if Role.PROCESSING in roles and step in PROCESSING_STEPS and holds(officer, progress):
        return None
    if Role.PROCESSING in roles and step in PROCESSING_STEPS:
        return (f"Hồ sơ không được chuyển cho {officer.full_name}; cán bộ xử lý chỉ làm việc "
                "trên hồ sơ được giao cho mình.")
    return f"Tài khoản {officer.username} không có quyền “{step.label}”."


def check(officer: Officer, action: Action) -> None:
    reason = why_not(officer, action)
    if reason:
        raise PermissionDenied(reason, action.value)


def check_step(officer: Officer, step: Step, progress: Progress) -> None:
    reason = why_not_step(officer, step, progress)
    if reason:
        raise PermissionDenied(reason, step.value)
