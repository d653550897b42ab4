"""Who may take which step of a dossier received for another body (docs/law.md §14).

A dossier received regardless of boundary has two sides: the **receiving** counter, whose
agency code is in the dossier's code, and the **competent** body that decides it (another
commune, or a provincial body). The provincial rules under NĐ 118/2025 split the work:
the counter receives, sends the paper and returns the result; the competent body processes
and decides. The same rule is checked at the desk (``Counter.step``) and at the server
(``server/merge.py``), so a step from the wrong side is refused at the desk and
quarantined at the server if it arrives anyway.

For a dossier the commune decides itself both sides are the commune: every step is its own.
"""

from __future__ import annotations

from enum import StrEnum

from counter_app.domain.digitised import ATTACH
from counter_app.domain.lifecycle import PAPER_STEPS, Step


class Side(StrEnum):
    RECEIVING = "receiving"
    COMPETENT = "competent"

    @property
    def label(self) -> str:
        return {"receiving": "nơi tiếp nhận hồ sơ",
                "competent": "cơ quan có thẩm quyền giải quyết"}[self.value]


R, C = frozenset({Side.RECEIVING}), frozenset({Side.COMPETENT})
#: Which side takes each step [not law: the program's reading of the provincial rules,
#: which name reception, the paper and the return as the counter's and processing as the
#: competent body's; the steps they do not name are placed where the citizen or the
#: decision is]. A supplement is brought by the citizen to the counter where they filed
#: (RESUME), a withdrawal is asked there; a fee may be paid on either side.
STEP_SIDES: dict[str, frozenset[Side]] = {
    "received": R,
    Step.REFUSE.value: R,
    Step.HANDOVER.value: C,
    Step.REQUEST_SUPPLEMENT.value: C,
    Step.RESUME.value: R,
    Step.REQUEST_PAYMENT.value: C,
    Step.PAYMENT_RECEIVED.value: R | C,
    Step.WITHDRAW.value: R,
    Step.STOP.value: C,
    Step.APOLOGIZE.value: C,
    Step.FINISH.value: C,
    Step.REFUSE_ON_MERITS.value: C,
    Step.RETURN.value: R,
    Step.SEND_PAPER.value: R,
    Step.RECEIVE_PAPER.value: C,
    # A digitised document or result: whoever holds the paper scans it.
    ATTACH: R | C,
}
assert set(STEP_SIDES) == {"received", ATTACH, *(s.value for s in Step)}


def is_transfer(receiving: str, competent: str) -> bool:
    """A dossier decided by a body other than the one that received it."""
    return bool(competent) and competent != receiving


def sides_of(here: str, receiving: str, competent: str) -> frozenset[Side]:
    """The sides the unit ``here`` (an agency code) holds of a dossier: both for the
    commune's own dossiers, none for a unit that is neither (a third commune)."""
    competent = competent or receiving
    held = set()
    if here == receiving:
        held.add(Side.RECEIVING)
    if here == competent:
        held.add(Side.COMPETENT)
    return frozenset(held)


def why_not_side(step: str, here: str, receiving: str, competent: str,
                 competent_name: str = "") -> str | None:
    """None when the unit ``here`` may take ``step`` (an event kind) on the dossier; else
    the reason, in Vietnamese, for the officer."""
    competent = competent or receiving
    if step in {s.value for s in PAPER_STEPS} and not is_transfer(receiving, competent):
        return ("Hồ sơ do chính cơ quan tiếp nhận giải quyết; không có hồ sơ giấy phải "
                "chuyển đi.")
    held = sides_of(here, receiving, competent)
    if not held:
        return "Hồ sơ này không do cơ quan này tiếp nhận hay giải quyết."
    needed = STEP_SIDES.get(step, frozenset())
    if held & needed:
        return None
    label = Step(step).label if step in {s.value for s in Step} else "Số hóa giấy tờ"
    if Side.COMPETENT in needed:
        body = competent_name or competent
        return (f"“{label}” là việc của cơ quan có thẩm quyền giải quyết ({body}); nơi "
                "tiếp nhận chỉ tiếp nhận, chuyển hồ sơ giấy và trả kết quả.")
    return (f"“{label}” là việc của nơi tiếp nhận hồ sơ ({receiving}); cơ quan giải quyết "
            "xử lý hồ sơ, còn kết quả trả tại nơi đã tiếp nhận.")
