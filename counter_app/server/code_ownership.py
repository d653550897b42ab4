"""Whose dossier code is it? (docs/sync.md §2.2, §2.7.)

A desk issues codes only from its own block, ``<commune agency code>-<yyMMdd>-<D><NNN>``
with ``D`` its desk number (``domain/dossier_code.py``). The server checks that the
reception which opens a dossier carries the pushing desk's commune agency code and desk
number; a code from another desk's block, or another commune's, is quarantined before it
can take the code: the desk that owns the code is never made the loser of a
``duplicate_code`` conflict by a desk that squatted on it.
"""

from __future__ import annotations

from dataclasses import dataclass

from counter_app.domain.dossier_code import parse_code

#: The prefix of the quarantine reason (the inbox's ``reason``, the push reply's ``reason``).
REASON = "code_not_owned"


@dataclass(frozen=True)
class Owner:
    """The desk that pushes: its commune's agency code and its desk number."""
    agency_code: str
    desk_number: int

    def block(self) -> str:
        return f"{self.agency_code}-yyMMdd-{self.desk_number}NNN"


def refusal(code: str, owner: Owner) -> str | None:
    """Why ``owner`` may not open a dossier under ``code`` (English, for the administrator);
    None if the code is in its block."""
    where = (f"desk {owner.desk_number} of commune {owner.agency_code} may only open "
             f"dossier codes {owner.block()}")
    parsed = parse_code(code)
    if parsed is None or code != code.strip().upper():
        return f"{REASON}: {code!r} is not a dossier code as desks write them; {where}"
    agency, _day, desk, _sequence = parsed
    if agency != owner.agency_code:
        return (f"{REASON}: dossier code {code} carries the agency code of commune {agency}, "
                f"not this desk's; {where}")
    if desk != owner.desk_number:
        return (f"{REASON}: dossier code {code} belongs to desk {desk} of this commune, not "
                f"to the desk that pushed it; {where}")
    return None
