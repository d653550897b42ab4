"""Dossier codes <agency>-<yyMMdd>-<desk><seq>: unique across desks, per-day sequences."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from counter_app.domain import dossier_code
from counter_app.errors import CodeSpaceExhausted

AGENCY_CODE = "000.17.22.H56"  # as set up by the open_desk fixture
CODE_FORMAT = re.compile(r"^(\d{3}\.\d{2}\.\d{2}\.[GH]\d{2}|[GH]\d{2}(\.\d{2,3}){1,3})"
                         r"-\d{6}-[1-9]\d{3}$")


def _ids(n: int) -> list[str]:
    """n distinct valid citizen ids (Hà Nội, female, born 2003)."""
    return [f"0013030{i:05d}" for i in range(1, n + 1)]


def test_two_desks_offline_on_the_same_day_never_collide(open_desk, make_request, clock):
    clock.now = dt.datetime(2026, 3, 9, 8, 0)
    desk1 = open_desk("desk1.db", desk=1)
    desk2 = open_desk("desk2.db", desk=2)
    assert desk1.desk_id != desk2.desk_id
    codes = {1: [], 2: []}
    for i, id_number in enumerate(_ids(50)):
        for number, desk in ((1, desk1), (2, desk2)):
            request = make_request(applicant={"id_number": id_number},
                                   received_at=dt.datetime(2026, 3, 9, 7, 30 + i // 10))
            codes[number].append(desk.receive(request).code)

    everything = codes[1] + codes[2]
    assert len(everything) == 100
    assert len(set(everything)) == 100
    for number in (1, 2):
        assert codes[number] == [f"{AGENCY_CODE}-260309-{number}{seq:03d}" for seq in range(1, 51)]
    for code in everything:
        assert CODE_FORMAT.match(code), code
        agency, day, desk, seq = dossier_code.parse_code(code)
        assert (agency, day) == (AGENCY_CODE, dt.date(2026, 3, 9))
        assert code == dossier_code.make_code(agency, day, desk, seq)
    # each desk's database holds only its own codes
    assert {r[0] for r in desk1.db.execute("SELECT code FROM dossiers")} == set(codes[1])


def test_sequence_increments_within_a_day_and_restarts_the_next(open_desk, make_request, clock):
    desk = open_desk()
    clock.now = dt.datetime(2026, 3, 9, 9, 0)
    monday = [desk.receive(make_request()).code for _ in range(3)]
    assert monday == [f"{AGENCY_CODE}-260309-1001", f"{AGENCY_CODE}-260309-1002",
                      f"{AGENCY_CODE}-260309-1003"]
    clock.now = dt.datetime(2026, 3, 10, 8, 5)
    tuesday = [desk.receive(make_request()).code for _ in range(2)]
    assert tuesday == [f"{AGENCY_CODE}-260310-1001", f"{AGENCY_CODE}-260310-1002"]
    # the code follows the reception date, not the clock's date
    late_entry = desk.receive(make_request(received_at=dt.datetime(2026, 3, 9, 16, 0)))
    assert late_entry.code == f"{AGENCY_CODE}-260309-1004"
    # the register book numbers keep counting through the year
    assert [desk.dossier(c)["register_no"] for c in monday + tuesday] == [1, 2, 3, 4, 5]
    assert desk.dossier(monday[0])["register_book"] == "01/2026"


def test_desk_number_is_the_first_digit(open_desk, make_request):
    desk = open_desk(desk=7)
    assert desk.receive(make_request()).code.endswith("-7001")


def test_a_full_day_raises_code_space_exhausted(open_desk, make_request):
    desk = open_desk()
    first = desk.receive(make_request())
    # pretend 999 dossiers were received today: move the first one to the last number
    desk.db.execute("UPDATE dossiers SET code = ? WHERE code = ?",
                    [first.code[:-3] + "999", first.code])
    with pytest.raises(CodeSpaceExhausted, match="999"):
        desk.receive(make_request())
    assert desk.db.execute("SELECT count(*) FROM dossiers").fetchone()[0] == 1
    assert desk.db.execute("SELECT count(*) FROM events").fetchone()[0] == 1


def test_lookup_by_code_is_forgiving_about_case_and_spaces(desk, make_request):
    code = desk.receive(make_request()).code
    assert desk.dossier(f"  {code.lower()} ").code == code


@pytest.mark.parametrize("text", [
    "", "000.17.22.H56-260309-1001-", "000.17.22.X56-260309-1001", "000.17.22.H56-261309-1001",
    "000.17.22.H56-260230-1001", "000.17.22.H56-260309-101", "1.001193",
    "H55-260309-1001", "H5.242-260309-1001", "X55.242-260309-1001", "H55.242.-260309-1001",
    "H55.2-260309-1001",
])
def test_parse_code_rejects_what_is_not_a_code(text):
    assert dossier_code.parse_code(text) is None
    assert not dossier_code.looks_like_code(text)


@pytest.mark.parametrize("sequence", [0, 1000])
def test_make_code_refuses_a_sequence_out_of_range(sequence):
    with pytest.raises(CodeSpaceExhausted):
        dossier_code.make_code(AGENCY_CODE, dt.date(2026, 3, 9), 1, sequence)


@pytest.mark.parametrize(("text", "parsed"), [
    ("000.17.22.H56-260309-1001", ("000.17.22.H56", dt.date(2026, 3, 9), 1, 1)),  # QĐ 20/2020
    ("H55.242-260309-2015", ("H55.242", dt.date(2026, 3, 9), 2, 15)),  # re-issued, left to right
    ("h56.245.01-260309-1001", ("H56.245.01", dt.date(2026, 3, 9), 1, 1)),
    ("H55.242-260309-100012", ("H55.242", dt.date(2026, 3, 9), 1, 12)),  # "at least 4" digits
])
def test_codes_of_either_generation_parse(text, parsed):
    """docs/law.md §17: agency codes were re-issued left to right after the 2025 mergers,
    and TT 04/2025 allows a sequence of four characters or more."""
    assert dossier_code.parse_code(text) == parsed


agency_codes = st.one_of(
    st.builds(lambda a, b, c, letter, d: f"{a:03d}.{b:02d}.{c:02d}.{letter}{d:02d}",
              st.integers(0, 999), st.integers(0, 99), st.integers(0, 99),
              st.sampled_from("GH"), st.integers(0, 99)),
    st.builds(lambda letter, d, levels: f"{letter}{d:02d}" + "".join(f".{n:03d}" for n in levels),
              st.sampled_from("GH"), st.integers(0, 99),
              st.lists(st.integers(0, 999), min_size=1, max_size=3)))


# %y in parse_code maps 00-68 to 2000-2068 (Python's strptime pivot), so stay in that range.
@given(agency=agency_codes, day=st.dates(dt.date(2000, 1, 1), dt.date(2068, 12, 31)),
       desk=st.integers(1, 9), sequence=st.integers(1, 999))
def test_make_and_parse_round_trip(agency, day, desk, sequence):
    code = dossier_code.make_code(agency, day, desk, sequence)
    assert CODE_FORMAT.match(code)
    assert code.startswith(dossier_code.day_prefix(agency, day, desk))
    assert dossier_code.parse_code(code) == (agency, day, desk, sequence)
    assert dossier_code.parse_code(code.lower()) == (agency, day, desk, sequence)



def test_a_commune_with_a_reissued_agency_code_receives_and_finds_its_dossiers(
        desk, make_request):
    """After the 2025 mergers a commune may hold a left-to-right code (docs/law.md §17):
    its dossier codes carry it as configured, and search finds them by code."""
    from counter_app.domain.agency import validate_agency
    from counter_app.errors import ValidationError

    desk.set_up(agency_code=" h55.242 ", agency_name="UBND xã Thử", desk_number=2)
    row = desk.receive(make_request())
    assert row.code == "H55.242-260309-2001"
    assert [r.code for r in desk.find(row.code.lower()).rows] == [row.code]
    with pytest.raises(ValidationError, match="H56.245"):
        validate_agency({"agency_code": "H55", "agency_name": "UBND xã Thử"})
