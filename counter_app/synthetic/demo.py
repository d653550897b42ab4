"""A demo commune with sample dossiers, for a newcomer to see the program working at once.

Names and numbers are made up; the ID numbers only have a valid shape. Four demo accounts,
one per role, share one documented password (shown on the sign-in dialog in demo mode
only); each step of the history is taken by an officer whose roles allow it.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from argon2 import PasswordHasher

from counter_app.accounts import passwords
from counter_app.domain.lifecycle import Step
from counter_app.domain.officers import Officer
from counter_app.domain.reception import ReceptionRequest
from counter_app.domain.roles import Role, why_not_step
from counter_app.service.counter import Counter, local_now

DEMO_AGENCY = dict(
    # A made-up code in the form agencies were re-issued after the 2025 mergers (left to
    # right, the province's code first; docs/law.md §17). Not a real commune's code.
    agency_code="H56.245", agency_name="UBND xã Quảng Phú (DỮ LIỆU THỬ)",
    parent_body="UBND tỉnh Thanh Hóa", desk_number=1, place_name="Quảng Phú",
    address="Thôn Phú Thượng, xã Quảng Phú, tỉnh Thanh Hóa", hotline="0237 3 999 999",
)

DEMO_PASSWORD = "demo1234"
DEMO_RECEPTION = "tiepnhan"
# (username, full name, title, roles); the history's steps go to the first who may take them.
DEMO_ACCOUNTS = [
    (DEMO_RECEPTION, "Lê Thị Hoa", "Công chức Văn phòng – Thống kê", [Role.RECEPTION]),
    ("xuly", "Ngô Văn Tư", "Công chức Tư pháp – Hộ tịch", [Role.PROCESSING]),
    ("lanhdao", "Trần Văn Minh", "Phó Chủ tịch UBND xã", [Role.LEADER]),
    ("quantri", "Đinh Thị Quản", "Công chức Văn phòng – Thống kê", [Role.ADMIN]),
]
ROLE_WORDS = {Role.RECEPTION: "tiếp nhận", Role.PROCESSING: "xử lý", Role.LEADER: "lãnh đạo",
              Role.ADMIN: "quản trị"}


def sign_in_hint() -> str:
    """What the sign-in dialog says in demo mode (and only then)."""
    users = ", ".join(f"{user} ({ROLE_WORDS[roles[0]]})" for user, _, _, roles in DEMO_ACCOUNTS)
    return f"Dữ liệu thử – tài khoản: {users}; mật khẩu: {DEMO_PASSWORD}"


SAMPLES = [
    ("Nguyễn Văn An", "038090001234", "0912345001", "1.001193", 7, 45),
    ("Trần Thị Bích Ngọc", "038190002345", "0912345002", "2.000815", 8, 5),
    ("Lê Đức Đặng", "038085003456", "0987654003", "1.000894", 8, 40),
    ("Phạm Thị Ánh", "038195004567", "0987654004", "1.004873", 9, 10),
    ("Hoàng Văn Dũng", "038070005678", "", "2.001016", 9, 35),
    ("Đỗ Thị Hương", "038199006789", "0345678006", "1.004222", 10, 0),
]


def demo_path() -> Path:
    return Path(tempfile.mkdtemp(prefix="counter-demo-")) / "demo.db"


# Earlier dossiers, so every work list has something: (name, ID, phone, procedure,
# working days ago received, steps as (working days ago, hour, step, fields)).
HISTORY = [
    ("Vũ Minh Khang", "038092007890", "0905111222", "1.004873", 6,
     [(6, 14, "handover", {"to_unit": "Công chức Tư pháp – Hộ tịch", "to_person": "Ngô Văn Tư"})]),
    ("Bùi Thị Lan", "038188008901", "0905111333", "1.004194", 3,
     [(3, 10, "handover", {"to_unit": "Công an xã", "to_person": "Đinh Văn Hải"})]),
    ("Ngô Quang Huy", "038079009012", "0977222333", "1.004222", 4,
     [(4, 15, "handover", {"to_unit": "Công an xã"}),
      (2, 9, "request_supplement", {"items": ["Giấy tờ chứng minh chỗ ở hợp pháp"],
                                    "reason": "Hợp đồng thuê nhà chưa có công chứng"})]),
    ("Dương Thị Mai", "038193000123", "0912999888", "1.004873", 2,
     [(2, 9, "handover", {"to_unit": "Công chức Tư pháp – Hộ tịch", "to_person": "Ngô Văn Tư"}),
      (1, 16, "finish", {"result": "Giấy xác nhận tình trạng hôn nhân"})]),
    ("Lý Văn Phúc", "038071001234", "0388777666", "2.001035", 5,
     [(5, 10, "handover", {"to_unit": "Công chức Tư pháp – Hộ tịch"}),
      (3, 15, "finish", {"result": "Hợp đồng đã chứng thực"}),
      (0, 8, "return", {"rating": "very_satisfied", "fee_vnd": "50000",
                        "fee_receipt_no": "0000123"})]),
    ("Hồ Thị Thu", "038196002345", "0356444555", "1.004222", 2,
     [(2, 14, "handover", {"to_unit": "Công an xã"})]),
]


def _working_days_back(counter: Counter, day: dt.date, count: int) -> dt.date:
    for _ in range(count):
        day -= dt.timedelta(days=1)
        while not counter.calendar.is_working_day(day):
            day -= dt.timedelta(days=1)
    return day


@contextmanager
def _light_hashing() -> Iterator[None]:
    """The demo password is published and the database thrown away, so while the demo is
    built its accounts are hashed with light argon2 parameters: about ten sign-ins then
    cost nothing instead of seconds. The core re-hashes each account with the real
    parameters at its first sign-in in the window (``needs_rehash``)."""
    saved = passwords.HASHER
    passwords.HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    try:
        yield
    finally:
        passwords.HASHER = saved


def _add_accounts(counter: Counter) -> dict[str, Officer]:
    """The administrator first (the first account must be one), who then adds the others."""
    officers = {}
    for username, name, title, roles in sorted(DEMO_ACCOUNTS,
                                               key=lambda a: Role.ADMIN not in a[3]):
        officers[username] = counter.add_officer(username, name, title, roles, DEMO_PASSWORD)
        if counter.officer is None:
            counter.sign_in(username, DEMO_PASSWORD)
    return officers


def _as(counter: Counter, officer: Officer) -> None:
    if counter.officer is None or counter.officer.username != officer.username:
        counter.sign_in(officer.username, DEMO_PASSWORD)


def _step_officer(counter: Counter, officers: list[Officer], code: str, step: str) -> Officer:
    """The first of the demo officers (reception, processing, leader) whose roles allow
    the step on the dossier as it is now."""
    _as(counter, officers[0])
    progress = counter.dossier(code).progress
    return next(o for o in officers if why_not_step(o, Step(step), progress) is None)


def create_demo(path: str | Path, now: dt.datetime | None = None) -> Counter:
    """A fresh demo database: today's dossiers received this morning, and earlier ones in
    every state (overdue, waiting for a supplement, ready to return, returned today). The
    desk is left signed out: the program asks who is at the counter."""
    with _light_hashing():
        return _build(path, now or dt.datetime.now().replace(second=0, microsecond=0))


def _build(path: str | Path, now: dt.datetime) -> Counter:
    moment = [now]
    counter = Counter.open(path, clock=lambda: moment[0])
    counter.set_up(**DEMO_AGENCY)
    accounts = _add_accounts(counter)
    workers = [o for o in accounts.values() if Role.ADMIN not in o.roles]
    address = "Thôn Phú Thượng, xã Quảng Phú"
    for name, id_number, phone, code, ago, steps in HISTORY:
        day = _working_days_back(counter, now.date(), ago)
        moment[0] = dt.datetime.combine(day, dt.time(8, 30))
        _as(counter, accounts[DEMO_RECEPTION])
        dossier = counter.receive(ReceptionRequest(
            procedure_code=code, applicant={"full_name": name, "id_number": id_number,
                                            "phone": phone, "address": address}))
        for step_ago, hour, step, fields in steps:
            step_day = _working_days_back(counter, now.date(), step_ago)
            moment[0] = min(now, dt.datetime.combine(step_day, dt.time(hour, 0)))
            _as(counter, _step_officer(counter, workers, dossier.code, step))
            counter.step(dossier.code, step, fields)
    moment[0] = now
    _as(counter, accounts[DEMO_RECEPTION])
    day = now.date()
    for name, id_number, phone, code, hour, minute in SAMPLES:
        at = min(now, dt.datetime.combine(day, dt.time(hour, minute)))
        counter.receive(ReceptionRequest(
            procedure_code=code, received_at=at,
            applicant={"full_name": name, "id_number": id_number, "phone": phone,
                       "address": address}))
    counter.sign_out()
    counter.clock = local_now
    return counter
