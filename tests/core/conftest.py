"""Fixtures for the core tests: real desks on real SQLite files, with a settable clock."""

from __future__ import annotations

import datetime as dt

import pytest

from counter_app.domain.reception import ReceptionRequest
from counter_app.service.counter import Counter
from tests.settable_clock import Clock

AGENCY_CODE = "000.17.22.H56"
AGENCY = {
    "agency_code": AGENCY_CODE,
    "agency_name": "UBND xã Quảng Phú",
    "parent_body": "UBND tỉnh Quảng Trị",
    "place_name": "Quảng Phú",
    "officer_name": "Lê Thị Hương",
    "hotline": "0233 3812 345",
}
#: The officer every core test signs in as: all four roles, so the status machine alone
#: decides (tests/core/test_roles.py covers each role on its own).
OFFICER = {"username": "huong", "full_name": "Lê Thị Hương", "title": "Công chức Văn phòng",
           "roles": ["reception", "processing", "leader", "admin"]}
PASSWORD = "mat-khau-1"
# A valid 12-digit citizen id: 001 (Hà Nội), 3 (female, 2000s), 03 (born 2003), 012345.
CITIZEN_ID = "001303012345"


@pytest.fixture
def clock() -> Clock:
    return Clock(dt.datetime(2026, 3, 9, 9, 0))  # Monday 9/3/2026, an ordinary working day


@pytest.fixture
def open_desk(tmp_path, clock):
    """Open (and set up) a desk on a SQLite file in tmp_path: open_desk('a.db', desk=2)."""
    opened: list[Counter] = []

    def _open(name: str = "counter.db", desk: int = 1, setup: bool = True,
              desk_clock: Clock | None = None) -> Counter:
        counter = Counter.open(tmp_path / name, clock=desk_clock or clock)
        if not counter.has_officers():
            counter.add_officer(**OFFICER, password=PASSWORD)
        counter.sign_in(OFFICER["username"], PASSWORD)
        if setup:
            counter.set_up(**AGENCY, desk_number=desk)
        opened.append(counter)
        return counter

    yield _open
    for counter in opened:
        counter.close()


@pytest.fixture
def desk(open_desk) -> Counter:
    return open_desk()


def sign_in_as(counter: Counter, full_name: str, roles: tuple[str, ...] = ("processing",),
               username: str | None = None) -> str:
    """Sign in as another officer, adding the account (as the test administrator) if
    needed; returns the username. ``sign_in_as(desk, OFFICER['full_name'])`` goes back."""
    from counter_app.domain.text import fold

    if full_name == OFFICER["full_name"]:
        counter.sign_in(OFFICER["username"], PASSWORD)
        return OFFICER["username"]
    username = username or fold(full_name).replace(" ", ".")
    counter.sign_in(OFFICER["username"], PASSWORD)
    if counter.officers() and username not in {o.username for o in counter.officers()}:
        counter.add_officer(username, full_name, "", list(roles), PASSWORD)
    counter.sign_in(username, PASSWORD)
    return username


@pytest.fixture
def make_request():
    """A valid reception request; keyword arguments override fields (applicant=... merges)."""

    def _make(procedure_code: str = "1.001193", **overrides) -> ReceptionRequest:
        applicant = {"kind": "citizen", "full_name": "Nguyễn Thị Ngọc Ánh",
                     "id_number": CITIZEN_ID, "phone": "0912345678",
                     "address": "Thôn Phú Lộc, xã Quảng Phú", "email": "anh.ntn@example.vn"}
        applicant.update(overrides.pop("applicant", {}))
        return ReceptionRequest(procedure_code=procedure_code, applicant=applicant, **overrides)

    return _make
