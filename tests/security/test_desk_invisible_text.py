"""Invisible and direction-control characters in names and free text.

Attack held here: a name pasted with U+202E (right-to-left override) showed reversed on the
screen and the slip, and one with U+200B (zero-width space) inside a word was not found by a
search for the name as it looks. ``domain.text.clean``, the one place the desk's text is
NFC-normalised, now strips them (never refuses: the officer cannot see them), so what is
stored, shown, printed and searched is the visible letters; every field of reception, the
steps, accounts, settings, the calendar and the imported catalogue goes through it.
Vietnamese letters with every diacritic are kept exactly.
"""

from __future__ import annotations

import csv
import unicodedata

import pytest

from counter_app.domain.lifecycle import Step
from counter_app.domain.text import clean, fold
from counter_app.domain.working_calendar import OverrideKind
from counter_app.store.dossier_queries import DossierQuery

#: Every character the hostile run used, and the rest of the families it named.
INVISIBLE = [
    "\u202a", "\u202b", "\u202c", "\u202d", "\u202e",  # bidi embeddings and overrides
    "\u2066", "\u2067", "\u2068", "\u2069",            # bidi isolates
    "\u200e", "\u200f", "\u061c",                      # direction marks
    "\u200b", "\u200c", "\u200d", "\u2060", "\ufeff",  # zero-width characters, BOM
    "\u00ad",                                          # soft hyphen
    "\u0000", "\u0007", "\u001b", "\u007f", "\u009b",  # controls (Cc), not whitespace
    "\U000e0041",                                      # a tag character (Cf)
    "\u3164", "\u115f",                                # Hangul fillers (blank letters)
]
#: Every Vietnamese vowel with every tone, đ, both cases.
VOWELS = "aăâeêioôơuưy"
TONES = ["", "\u0300", "\u0309", "\u0303", "\u0301", "\u0323"]
LETTERS = "".join(unicodedata.normalize("NFC", v + t) for v in VOWELS for t in TONES) + "đ"
ALPHABET = LETTERS + LETTERS.upper() + "bcdghklmnpqrstvx"


def hostile(text: str) -> str:
    """``text`` with an override and zero-width characters where they do harm."""
    first, _, rest = text.partition(" ")
    return "\u202e" + first[:2] + "\u200b" + first[2:] + "\u00ad " + rest + "\u200f\ufeff"


@pytest.mark.parametrize("char", INVISIBLE, ids=lambda c: f"U+{ord(c):04X}")
def test_each_invisible_character_is_stripped(char):
    assert clean(f"Nguy{char}ễn Văn{char} An{char}") == "Nguyễn Văn An"
    assert fold(f"ng{char}uyen") == "nguyen"


def test_whitespace_controls_become_one_space_and_lone_surrogates_go():
    assert clean("Lê\tThị\r\nHoa\u2028\u00a0Hương") == "Lê Thị Hoa Hương"
    assert clean("Lê \udcff Hoa") == "Lê Hoa"  # a byte that was not UTF-8 (surrogateescape)


def test_every_vietnamese_letter_round_trips_in_nfc_whatever_form_it_came_in():
    assert len(LETTERS) == 12 * 6 + 1
    assert clean(ALPHABET) == ALPHABET
    assert clean(unicodedata.normalize("NFD", ALPHABET)) == ALPHABET
    # a zero-width space between a letter and its tone mark: composed again once it is gone
    assert clean("a\u200b\u0301 Đ\u00ad\u0110") == "á ĐĐ"


def test_a_hostile_name_is_stored_clean_and_found_by_the_visible_text(desk, make_request):
    name = "Nguyễn Văn An"
    row = desk.receive(make_request(
        applicant={"full_name": hostile(name), "address": hostile("Thôn Phú Lộc"),
                   "phone": "\u200b0912\u202e345678"},
        note=hostile("Nộp thay cho mẹ"),
        proxy={"name": hostile("Trần Thị Bình"), "id_number": "001303012399"}))
    stored = desk.dossier(row.code)
    assert stored["applicant_name"] == name
    assert stored["applicant_phone"] == "0912345678"
    assert desk.db.execute("SELECT full_name, address FROM applicants").fetchone() == \
        (name, "Thôn Phú Lộc")
    assert not any(ch in str(stored.data) for ch in INVISIBLE)  # proxy, note, everything
    assert "Trần Thị Bình" in str(stored.data) and "Nộp thay cho mẹ" in str(stored.data)
    for query in (name, "nguyen van an", "Nguyễn", "Văn An", hostile(name)):
        found = [r.code for r in desk.find(DossierQuery(text=query)).rows]
        assert found == [row.code], query


def test_steps_accounts_settings_calendar_and_catalogue_are_stripped(desk, make_request,
                                                                      tmp_path):
    code = desk.receive(make_request()).code
    desk.step(code, Step.HANDOVER, {"to_unit": hostile("Công chức Tư pháp"),
                                    "to_person": hostile("Lê Hoa")})
    desk.step(code, Step.REQUEST_SUPPLEMENT, {"items": [hostile("Bản sao CCCD")],
                                              "reason": hostile("Bản sao bị mờ")})
    payloads = [e.payload for e in desk.events(desk.dossier(code))]
    assert "Bản sao bị mờ" in str(payloads) and "Công chức Tư pháp" in str(payloads)
    assert not any(ch in str(payloads) for ch in INVISIBLE)

    officer = desk.add_officer("ho\u200bang", hostile("Phạm Văn Hoàng"),
                               hostile("Công chức Tư pháp"), ["processing"], "mat-khau-2")
    assert (officer.username, officer.full_name, officer.title) == \
        ("hoang", "Phạm Văn Hoàng", "Công chức Tư pháp")

    assert desk.set_up(agency_name=hostile("UBND xã Quảng Phú")).agency_name == \
        "UBND xã Quảng Phú"
    day = desk.clock().date().replace(day=20)
    desk.set_calendar_day(day, OverrideKind.OFF, hostile("Nghỉ bão"))
    assert desk.calendar.day_info(day).reason == "Nghỉ bão"

    path = tmp_path / "catalogue.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows([
            ["Mã thủ tục", "Lĩnh vực", "Tên thủ tục", "Đơn vị", "Thời hạn"],
            ["1.999\u200b001", hostile("Văn hóa"), hostile("Cấp phép tổ chức lễ hội"),
             "ngày làm việc", "5"]])
    desk.import_procedures(path)
    procedure = desk.procedure("1.999001")
    assert (procedure.field, procedure.name) == ("Văn hóa", "Cấp phép tổ chức lễ hội")
    assert [p.code for p in desk.procedures("cap phep to chuc le hoi")] == ["1.999001"]
