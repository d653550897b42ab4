"""The hand-over log of one dossier (what the control slip prints), from its events.

Each row is one transfer: who gave the dossier to whom and when, and whether the giver kept
to its step deadline (early / on time / late, docs/law.md §1.3 and §3.2). The first row
is the counter passing the dossier on (same working day, or the next if received after
15:00); the last ones are the result coming back to the counter and going to the citizen.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from counter_app.domain.lifecycle import COUNTER_UNIT, Step, Verdict, event_label, timeliness

CITIZEN = "Tổ chức, cá nhân"


@dataclass(frozen=True)
class Transfer:
    at: dt.datetime
    from_unit: str
    to_unit: str
    giver: str = ""
    receiver: str = ""
    step_due: dt.datetime | None = None
    verdict: Verdict | None = None
    note: str = ""


def _t(value: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(value) if value else None


STEP_KINDS = frozenset(s.value for s in Step)


def transfers(events: Iterable) -> list[Transfer]:
    """``events``: the dossier's events in order (objects with kind, payload, officer)."""
    rows: list[Transfer] = []
    unit, due, person = COUNTER_UNIT, None, ""
    final_verdict: Verdict | None = None
    for e in events:
        p, kind = e.payload, e.kind
        at = _t(p.get("at"))
        if kind == "received":
            unit, due, person = COUNTER_UNIT, _t(p.get("transfer_due_at")), e.officer
            continue
        if kind not in STEP_KINDS:  # e.g. an ``attach`` (digitised pages): no hand-over
            continue
        step = Step(kind)
        if step is Step.HANDOVER:
            rows.append(Transfer(at, unit, p["to_unit"], e.officer, p.get("to_person", ""),
                                 due, timeliness(at, due) if due else None, p.get("note", "")))
            unit, due, person = p["to_unit"], _t(p.get("step_due_at")), p.get("to_person", "")
        elif step is Step.REQUEST_SUPPLEMENT:
            rows.append(Transfer(at, unit, CITIZEN, e.officer, "", due, None,
                                 "Yêu cầu bổ sung: " + p["reason"]))
        elif step is Step.RESUME:
            due = _t(p.get("new_step_due_at")) or due
            rows.append(Transfer(at, CITIZEN, unit, "", person or e.officer, due, None,
                                 "Nhận hồ sơ bổ sung"))
        elif step is Step.FINISH:
            finished = _t(p["finished_at"])
            final_verdict = Verdict(p["verdict"])
            rows.append(Transfer(finished, unit, COUNTER_UNIT, person or e.officer, e.officer,
                                 due, timeliness(finished, due) if due else None,
                                 p.get("result", "")))
            unit, due, person = COUNTER_UNIT, None, e.officer
        elif step is Step.RETURN:
            rows.append(Transfer(at, COUNTER_UNIT, CITIZEN, e.officer, p["recipient_name"],
                                 None, final_verdict, "Đã trả kết quả"))
        elif step is Step.REFUSE_ON_MERITS:  # the written refusal comes back as the result
            decided = _t(p["decided_at"])
            final_verdict = Verdict(p["verdict"]) if p.get("verdict") else None
            rows.append(Transfer(decided, unit, COUNTER_UNIT, person or e.officer, e.officer,
                                 due, timeliness(decided, due) if due else None,
                                 f"Văn bản không giải quyết số {p.get('decision_no', '')}: "
                                 f"{p.get('reason', '')}"))
            unit, due, person = COUNTER_UNIT, None, e.officer
        elif step in (Step.REFUSE, Step.WITHDRAW, Step.STOP):
            rows.append(Transfer(at, unit, CITIZEN, e.officer, "", None, None,
                                 f"{event_label(step.value, p)}: {p['reason']}"))
    return rows
