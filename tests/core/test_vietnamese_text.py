"""Vietnamese text: folding for search, dictionary order, procedure search."""

from __future__ import annotations

import random
import unicodedata

import pytest

from counter_app.domain.text import clean, fold, matches, sort_key, tokens


@pytest.mark.parametrize(("text", "folded"), [
    ("Đăng ký kết hôn", "dang ky ket hon"),
    ("ĐĂNG KÝ KẾT HÔN", "dang ky ket hon"),
    ("đường Điện Biên Phủ", "duong dien bien phu"),
    ("Chứng thực   bản sao\t", "chung thuc ban sao"),
    ("Hộ tịch", "ho tich"),
    ("Ưu tiên Ơn Ăn Ân Ê Ô", "uu tien on an an e o"),
    (None, ""),
])
def test_fold(text, folded):
    assert fold(text) == folded


def test_fold_is_the_same_for_nfc_and_nfd():
    nfc = unicodedata.normalize("NFC", "Đăng ký kết hôn")
    nfd = unicodedata.normalize("NFD", nfc)
    assert nfc != nfd
    assert fold(nfd) == fold(nfc) == "dang ky ket hon"


def test_clean_normalises_to_nfc_and_collapses_spaces():
    nfd = unicodedata.normalize("NFD", "  Lê   Thị\tHương \n")
    assert clean(nfd) == unicodedata.normalize("NFC", "Lê Thị Hương")


def test_tokens_and_matches_ignore_order_and_diacritics():
    haystack = fold("Hộ tịch Đăng ký kết hôn")
    assert tokens("Kết hôn, ĐĂNG KÝ!") == ["ket", "hon", "dang", "ky"]
    assert matches("hôn kết đăng", haystack)
    assert matches("ket hon", haystack)
    assert not matches("khai sinh", haystack)


def test_sort_key_follows_the_vietnamese_alphabet():
    ordered = ["an", "ăn", "ân", "bình", "dương", "đào"]
    shuffled = ordered[:]
    random.Random(7).shuffle(shuffled)
    assert sorted(shuffled, key=sort_key) == ordered
    # plain code-point order gets it wrong (â U+00E2 sorts before ă U+0103, đ after everything)
    assert sorted(ordered) != ordered


def test_sort_key_orders_full_names():
    names = ["Đỗ Văn Nam", "Dương Thị Hoa", "Nguyễn Văn An", "Bùi Thị Bình", "Ân Văn Hậu",
             "Ăn Thị Lý", "An Văn Tú", "Ông Thị Nụ", "Ơn Văn Tài", "Ô Văn Sơn", "Cao Văn Đạt"]
    assert sorted(names, key=sort_key) == [
        "An Văn Tú", "Ăn Thị Lý", "Ân Văn Hậu", "Bùi Thị Bình", "Cao Văn Đạt", "Dương Thị Hoa",
        "Đỗ Văn Nam", "Nguyễn Văn An", "Ô Văn Sơn", "Ông Thị Nụ", "Ơn Văn Tài"]


def test_sort_key_tones_and_case():
    tones = ["ma", "mà", "mả", "mã", "má", "mạ"]  # ngang, huyền, hỏi, ngã, sắc, nặng
    assert sorted(reversed(tones), key=sort_key) == tones
    assert sort_key("Đào") == sort_key("đào")
    assert sort_key(unicodedata.normalize("NFD", "Dương")) == sort_key("Dương")
    assert sort_key("u") < sort_key("ư") < sort_key("v")
    assert sort_key("o") < sort_key("ô") < sort_key("ơ") < sort_key("p")
    assert sort_key("e") < sort_key("ê") < sort_key("g")
    assert sort_key("An") < sort_key("An Bình")


# -- procedure search ---------------------------------------------------------------------
def codes(found) -> list[str]:
    return [p.code for p in found]


def test_search_with_or_without_diacritics(desk):
    with_marks = desk.procedures("chứng thực")
    without = desk.procedures("chung thuc")
    assert codes(with_marks) == codes(without)
    assert len(with_marks) >= 9
    assert "2.000815" in codes(with_marks)  # Chứng thực bản sao từ bản chính
    assert all("chung thuc" in p.search_text for p in with_marks)


def test_search_marriage_registration_any_word_order(desk):
    expected = desk.procedures("đăng ký kết hôn")
    assert "1.000894" in codes(expected)      # Đăng ký kết hôn
    assert "1.004746" in codes(expected)      # Đăng ký lại kết hôn
    assert "1.001193" not in codes(expected)  # Đăng ký khai sinh
    for query in ("dang ky ket hon", "DANG KY KET HON", "kết hôn đăng ký", "hon ket ky dang"):
        assert codes(desk.procedures(query)) == codes(expected), query


def test_search_by_code_and_field(desk):
    assert codes(desk.procedures("1.001193")) == ["1.001193"]
    civil = desk.procedures("ho tich")
    assert {p.field for p in civil} == {"Hộ tịch"}
    assert desk.procedures("không có thủ tục nào như vậy") == []


def test_full_list_is_sorted_by_field_then_name_in_vietnamese_order(desk):
    found = desk.procedures()
    keys = [(sort_key(p.field), sort_key(p.name)) for p in found]
    assert keys == sorted(keys)
    assert len(desk.procedures(limit=5)) == 5
    fields = list(dict.fromkeys(p.field for p in found))
    # "Đất đai", "Đăng ký, quản lý cư trú" come after "Chứng thực" and before "Hộ tịch"
    assert fields.index("Chứng thực") < fields.index("Đăng ký, quản lý cư trú") < \
        fields.index("Hộ tịch")
