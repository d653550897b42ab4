"""Vietnamese text at the edge: NFC normalisation, diacritic folding, sort keys."""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")


def clean(value: object) -> str:
    """NFC-normalise, strip and collapse internal whitespace. None becomes ""."""
    if value is None:
        return ""
    text = unicodedata.normalize("NFC", str(value))
    return _SPACES.sub(" ", text).strip()


def fold(value: object) -> str:
    """Fold for search: no diacritics (đ included), lower case, single spaces.

    "Đăng ký kết hôn" and "dang ky ket hon" fold to the same string.
    """
    text = unicodedata.normalize("NFD", clean(value))
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Mn")
    text = text.replace("đ", "d").replace("Đ", "D").replace("ð", "d")
    return text.casefold()


def tokens(value: object) -> list[str]:
    """Folded words of a query, for any-word-order matching."""
    return [t for t in re.split(r"[^0-9a-z.\-]+", fold(value)) if t]


def matches(query: object, haystack_folded: str) -> bool:
    """True when every word of the query occurs in the folded haystack."""
    return all(t in haystack_folded for t in tokens(query))


# Vietnamese alphabetical order: a ă â b c d đ e ê g h i k l m n o ô ơ p q r s t u ư v x y.
# Letters outside it (f, j, w, z, digits) keep their code-point position.
_ALPHABET = "aăâbcdđeêghiklmnoôơpqrstuưvxy"
_RANK = {ch: i for i, ch in enumerate(_ALPHABET)}
# Tones rank after the letter: none, huyền, hỏi, ngã, sắc, nặng (the dictionary order).
_TONES = {"\u0300": 1, "\u0309": 2, "\u0303": 3, "\u0301": 4, "\u0323": 5}
_LETTER_MARKS = {"\u0306", "\u0302", "\u031b"}  # breve, circumflex, horn: part of the letter


def _split_letter(ch: str) -> tuple[str, int]:
    decomposed = unicodedata.normalize("NFD", ch.lower())
    base, tone = [], 0
    for part in decomposed:
        if part in _TONES:
            tone = _TONES[part]
        else:
            base.append(part)
    return unicodedata.normalize("NFC", "".join(base)), tone


def sort_key(value: object) -> tuple:
    """A key that sorts Vietnamese words as a Vietnamese dictionary does.

    Letters compare first (with ă, â, đ, ê, ô, ơ, ư as letters of their own), then tones.
    """
    letters: list[tuple[int, int | str]] = []
    tones: list[int] = []
    for ch in clean(value):
        base, tone = _split_letter(ch)
        if base in _RANK:
            letters.append((1, _RANK[base]))
        elif base.isspace():
            letters.append((0, 0))
        else:
            letters.append((2, base))
        tones.append(tone)
    return (letters, tones)
