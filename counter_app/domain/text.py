"""Vietnamese text at the edge: NFC normalisation, diacritic folding, sort keys.

``clean`` is the one place every name and free text of the desk passes through before it is
checked, stored or searched (reception, steps, officers, settings, calendar, the imported
catalogue, search queries). Besides NFC and whitespace it removes what cannot be seen:

- **Invisible and direction-control characters are stripped, never refused**: the bidi
  embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069), the direction marks
  (U+200E, U+200F, U+061C), zero-width spaces and joiners (U+200B–U+200D, U+2060), the
  byte-order mark (U+FEFF), the soft hyphen (U+00AD), every other format character
  (category Cf), control characters (Cc) other than whitespace, lone surrogates (Cs: bytes
  that were not UTF-8), and the invisible fillers U+034F, U+115F, U+1160, U+3164, U+FFA0.
  Vietnamese is written left to right only, so none of them has a use here; they come in
  from pasted text (web pages, Word, chat messages) or a hostile card QR, and an officer
  could neither see nor delete them to satisfy a refusal. Stripped, what is stored, shown,
  printed and searched is the same visible letters: an override (U+202E) can no longer
  show a name reversed, nor a zero-width space hide it from search.
- Whitespace (tabs and newlines included) becomes single spaces: no field of the desk
  keeps line breaks.
- Letters, with every Vietnamese diacritic, and all other visible characters are kept.

Passwords never pass through ``clean`` (a password is kept exactly as typed, NFC only).
"""

from __future__ import annotations

import functools
import re
import unicodedata

_SPACES = re.compile(r"\s+")
#: Invisible although they are letters or marks (so ``str.isprintable`` passes them).
_INVISIBLE_LETTERS = re.compile("[\u034f\u115f\u1160\u3164\uffa0]")
#: Categories removed (whitespace among them is kept, to become a space): controls,
#: format characters (bidi controls, zero-width characters, soft hyphen, BOM), surrogates.
_INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Cs"})


def _visible_only(text: str) -> str:
    if text.isprintable() and not _INVISIBLE_LETTERS.search(text):
        return text  # the usual case: nothing to look at one by one
    kept = "".join(ch for ch in _INVISIBLE_LETTERS.sub("", text)
                   if ch.isprintable() or ch.isspace()
                   or unicodedata.category(ch) not in _INVISIBLE_CATEGORIES)
    # A mark may now follow its letter directly ("a", ZWSP, acute): compose it again.
    return unicodedata.normalize("NFC", kept) if kept != text else text


def clean(value: object) -> str:
    """NFC-normalise, remove invisible characters (see the module's docstring), strip and
    collapse whitespace. None becomes ""."""
    if value is None:
        return ""
    text = _visible_only(unicodedata.normalize("NFC", str(value)))
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
    The keys of strings are remembered: the same names (communes, procedures, fields) are
    sorted again and again, and a key costs a pass over every character.
    """
    return _string_key(value) if isinstance(value, str) else _key(value)


@functools.lru_cache(maxsize=16384)
def _string_key(value: str) -> tuple:
    return _key(value)


def _key(value: object) -> tuple:
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
    return (tuple(letters), tuple(tones))  # immutable: one key serves every caller
