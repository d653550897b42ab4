"""A dossier rebuilt from its events, by the same rules the desk used to write it.

The server keeps each dossier as this projection of the events it accepted, in its own
arrival order, and the desks take the server's row as the truth. ``apply`` checks the step
against the status machine first: a step the dossier's current state does not allow is a
``StepNotAllowed`` (on the server: a conflict kept for a person), never a silent write.

The row has the desk's ``dossiers`` columns except ``applicant_id``, which each desk keeps
for itself (applicants are matched by their ID number).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable

from counter_app.domain import digitised, lifecycle
from counter_app.domain.procedures import version_id
from counter_app.domain.statuses import Status
from counter_app.domain.text import fold
from counter_app.errors import StepNotAllowed

#: Keys of the received event's payload that are not columns as they stand.
_NOT_COLUMNS = ("transfer_due_at", "procedure_snapshot", "procedure_version", "documents",
                "proxy")
#: id -> body of the procedure versions a batch of events refers to.
Versions = Callable[[str], dict]


def search_text(row: dict) -> str:
    """The folded text the desk's search matches (code, applicant, procedure)."""
    snapshot = row["procedure_snapshot"]
    if isinstance(snapshot, str):
        snapshot = json.loads(snapshot)
    return fold(f"{row['code']} {row['applicant_name']} {row['applicant_id_number']} "
                f"{row['applicant_phone']} {row['procedure_code']} {snapshot['name']}")


def procedure_of(payload: dict, versions: Versions | None) -> tuple[str, dict]:
    """(version id, body) of a received event's procedure: the copy events of desk schema
    8 and before carry, or the version its id names (KeyError when it is not known)."""
    body = payload.get("procedure_snapshot")
    if body is None:
        vid = payload["procedure_version"]
        if versions is None:
            raise KeyError(f"procedure version {vid!r} not sent")
        body = versions(vid)
        if version_id(body) != vid:
            raise ValueError(f"procedure version {vid!r} does not match its content")
        return vid, body
    return version_id(body), body


def from_received(event: dict, versions: Versions | None = None) -> dict:
    """The dossier as its 'received' event created it (event: the events row as a dict,
    payload already parsed). The row carries its procedure's body (``procedure_snapshot``)
    and version id: the server keeps both, a desk stores the body once (pull_page)."""
    if event["kind"] != "received":
        raise StepNotAllowed("Hồ sơ chưa được tiếp nhận.", event["kind"], 0)
    payload = event["payload"]
    row = {k: v for k, v in payload.items() if k not in _NOT_COLUMNS}
    vid, body = procedure_of(payload, versions)
    row["procedure_snapshot"] = json.dumps(body, ensure_ascii=False)
    row["procedure_version"] = vid
    row["documents"] = json.dumps(payload["documents"], ensure_ascii=False)
    proxy = payload.get("proxy")
    row["proxy"] = json.dumps(proxy, ensure_ascii=False) if proxy else ""
    # Events of desks before the 2025 transfers name neither agency: the code's decides.
    row["receiving_agency"] = row.get("receiving_agency") or str(row["code"]).split("-", 1)[0]
    row["competent_agency"] = row.get("competent_agency") or row["receiving_agency"]
    row["id"] = event["dossier_id"]
    row["desk_id"] = event["desk_id"]
    row["updated_at"] = event["at"]
    received = dt.datetime.fromisoformat(payload["received_at"])
    progress = lifecycle.initial(received, dt.datetime.fromisoformat(payload["due_at"]),
                                 dt.datetime.fromisoformat(payload["transfer_due_at"]))
    row.update(progress.to_columns())
    row["search"] = search_text(row)
    return row


def apply(row: dict, event: dict) -> dict:
    """The dossier after one more step; raises ``StepNotAllowed`` when its state forbids it.
    A digitised document (``attach``) changes no status, only what is digitised."""
    if event["kind"] == digitised.ATTACH:
        digitised.check(event["payload"])
        return {**row, **digitised.applied(row, event["payload"]), "updated_at": event["at"]}
    step = lifecycle.Step(event["kind"])
    progress = lifecycle.Progress.from_row(row)
    lifecycle.check_allowed(step, progress)
    updated = dict(row)
    updated.update(lifecycle.evolve(progress, step.value, event["payload"]).to_columns())
    updated["updated_at"] = event["at"]
    return updated


def replay(events: list[dict], versions: Versions | None = None) -> dict:
    """A dossier from its whole history, in order (the first event must be 'received')."""
    row = from_received(events[0], versions)
    for event in events[1:]:
        row = apply(row, event)
    return row


def status_of(row: dict) -> Status:
    return Status(row["status"])
