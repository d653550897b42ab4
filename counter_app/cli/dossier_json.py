"""A dossier as a plain JSON-ready dict (CLI output, and later the sync payload)."""

from __future__ import annotations

import datetime as dt

from counter_app.domain.forwarding import late_parts
from counter_app.domain.lifecycle import Step, allowed_steps
from counter_app.domain.statuses import Status
from counter_app.store.dossier_store import DossierRow
from counter_app.store.event_log import Event


def _transfer(d: DossierRow, now: dt.datetime | None) -> dict:
    """What a dossier received for another body must keep, and keeps (docs/law.md §14);
    ``late``: what is past its time and not done (when ``now`` is given)."""
    return {"late": late_parts(d.data, now) if now else [],
            "forward_due_at": d.data.get("forward_due_at"),
            "forwarded_at": d.data.get("forwarded_at"),
            "paper_due_at": d.data.get("paper_due_at"),
            "paper_sent_at": d.data.get("paper_sent_at"),
            "paper_by": d.data.get("paper_by") or "",
            "paper_received_at": d.data.get("paper_received_at")}


def dossier_dict(d: DossierRow, events: list[Event] | None = None,
                 steps: list[Step] | None = None, now: dt.datetime | None = None) -> dict:
    out = {
        "code": d.code,
        "status": int(d.status),
        "status_label": Status(d.status).label,
        "procedure": {"code": d["procedure_code"], "name": d["procedure_name"]},
        "applicant": {
            "kind": d["applicant_kind"], "name": d["applicant_name"],
            "id_number": d["applicant_id_number"], "phone": d["applicant_phone"],
            "address": d["applicant_address"], "email": d["applicant_email"],
        },
        "received_at": d["received_at"],
        "due_at": d["due_at"],
        "computed_due_at": d["computed_due_at"],
        "due_change_reason": d["due_change_reason"],
        "sets": d["sets"],
        "channel": d["channel"],
        "return_method": d["return_method"],
        "return_address": d["return_address"],
        "documents": d.documents,
        "register": {"book": d["register_book"], "number": d["register_no"]},
        "officer": d["officer"],
        "form_family": d.family.value,
        "receiving_agency": d.receiving_agency,
        "competent_agency": d.competent_agency,
        "competent_name": d.data.get("competent_name") or "",
        "transfer": _transfer(d, now) if d.is_transfer else None,
        "proxy": d.proxy,
        "progress": {
            "holder": d["holder"], "holder_person": d["holder_person"],
            "status_at": d["status_at"], "step_due_at": d["step_due_at"],
            "paused_at": d["paused_at"], "supplement_rounds": d["supplement_rounds"],
            "waited_minutes": d["waited_minutes"], "apologized": bool(d["apologized"]),
            "extended_due_at": d["extended_due_at"],
            "outcome": d.data.get("outcome") or "",
            "finished_at": d["finished_at"], "verdict": d["verdict"],
            "returned_at": d["returned_at"], "rating": d["rating"],
            "closed_reason": d["closed_reason"],
        },
        # The desk's own answer when given (Counter.steps_allowed_now: an apology is left out
        # after its last day); else what the status machine allows.
        "next_steps": [s.value for s in (allowed_steps(d.progress) if steps is None else steps)],
    }
    if events is not None:
        out["events"] = [e.to_dict() for e in events]
    return out
