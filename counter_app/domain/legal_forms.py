"""The dossier's legal forms, in their two families (docs/law.md §1.3, §21).

A dossier records the family it was received under, and every form of it prints in that
family, so that a reprint matches the slip the citizen holds:
- TT 01/2018/TT-VPCP: Mẫu 01 slip, 02 supplement, 03 refusal, 04 apology, 05 control
  slip, 06 register;
- TT 03/2025/TT-VPCP (from 15/9/2025): 01 slip, 02 supplement, 03 refusal at reception,
  04 apology and extension request, 05 stop notice, 06 control slip, 07 register.

The numbering, titles and fixed sentences of each family live in one resource file
(``resources/forms/<family>.json``); this module reads it. The layout code asks for a
sentence by form and key, so a corrected sentence is a one-line change.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from counter_app.errors import ValidationError
from counter_app.resources import resource


class FormFamily(StrEnum):
    TT01_2018 = "tt01-2018"
    TT03_2025 = "tt03-2025"

    @property
    def label(self) -> str:
        return wording(self).label


class FormKind(StrEnum):
    RECEIPT = "receipt"
    SUPPLEMENT = "supplement"
    REFUSAL = "refusal"
    APOLOGY = "apology"
    STOP = "stop"
    CONTROL = "control"
    REGISTER = "register"


#: The day the TT 03/2025 forms apply from [confirmed: secondary, docs/law.md §21].
TT03_IN_FORCE = dt.date(2025, 9, 15)
#: Setting values: "auto" takes the family in force on the day of reception; a province
#: that keeps the old numbering chooses "tt01-2018".
FAMILY_CHOICES = ("auto", FormFamily.TT01_2018.value)
#: Form -> the event kind it is made from; the others exist from reception on.
SOURCE_EVENT = {FormKind.SUPPLEMENT: "request_supplement", FormKind.REFUSAL: "refuse",
                FormKind.APOLOGY: "apologize", FormKind.STOP: "stop"}


@dataclass(frozen=True)
class Wording:
    """One family: its numbering and the fixed text of each of its forms."""
    family: FormFamily
    label: str
    counter: str        # what the receiving office is called on the forms
    number_line: str    # "Số: ……/{suffix}" under the header, or "" when the family has none
    forms: dict

    def number(self, kind: FormKind) -> str | None:
        form = self.forms.get(kind.value)
        return form["number"] if form else None

    def kind(self, number: str) -> FormKind:
        for key, form in self.forms.items():
            if form["number"] == number:
                return FormKind(key)
        raise KeyError(number)

    def numbers(self) -> list[str]:
        """The family's form numbers, in order."""
        return sorted(form["number"] for form in self.forms.values())

    def title(self, kind: FormKind) -> str:
        return self.forms[kind.value]["title"]

    def text(self, kind: FormKind, key: str):
        """The fixed sentence (or list) ``key`` of form ``kind``."""
        return self.forms[kind.value][key]

    def has(self, kind: FormKind) -> bool:
        return kind.value in self.forms

    def per_dossier(self) -> list[str]:
        """The numbers of the forms made for one dossier (all but the register)."""
        return [n for n in self.numbers() if self.kind(n) is not FormKind.REGISTER]


@functools.cache
def wording(family: FormFamily | str) -> Wording:
    family = FormFamily(family)
    data = json.loads(resource("forms", f"{family.value}.json").read_text(encoding="utf-8"))
    return Wording(family=family, label=data["label"], counter=data["counter"],
                   number_line=data["number_line"], forms=data["forms"])


def family_for(received_on: dt.date, choice: str = "auto",
               in_force: dt.date = TT03_IN_FORCE) -> FormFamily:
    """The family a dossier received on ``received_on`` is recorded under."""
    if choice == FormFamily.TT01_2018.value or received_on < in_force:
        return FormFamily.TT01_2018
    return FormFamily.TT03_2025


def family_of(value: str | None) -> FormFamily:
    """A stored dossier's family; rows written before families existed are TT 01/2018
    (that was the only family the program printed)."""
    return FormFamily(value) if value else FormFamily.TT01_2018


def normalise(form: object, family: FormFamily | str) -> str:
    """"5", "05" or "Mẫu 05" -> "05" when ``family`` has such a form for a dossier;
    anything else raises ValidationError naming the forms the family has."""
    words = wording(family)
    value = str(form or "").strip().lower().removeprefix("mẫu").strip()
    numbers = words.per_dossier()
    if value.isdigit() and value.zfill(2) in numbers:
        return value.zfill(2)
    raise ValidationError({"form": f"Không có mẫu “{form}” cho hồ sơ theo {words.label}; "
                                   f"các mẫu in được: {', '.join(numbers)}."})


def available(family: FormFamily | str, event_kinds: Iterable[str]) -> list[str]:
    """The form numbers that can be printed for a dossier whose events are of these kinds."""
    words = wording(family)
    kinds = set(event_kinds)
    return [n for n in words.per_dossier()
            if (kind := words.kind(n)) not in SOURCE_EVENT or SOURCE_EVENT[kind] in kinds]
