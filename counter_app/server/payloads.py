"""What an event's payload must hold before the server lets it change a dossier.

Every desk of the commune will write the dossier row the server builds from it, into
columns with types and NOT NULL constraints (the desk schema, counter_app/store/
migrations.py): a payload that could not be written there is quarantined, never applied,
so no desk's pull can stall on it.
"""

from __future__ import annotations

import datetime as dt
import math

#: Text of at most this many characters (a dossier's free-text fields are short).
TEXT_MAX = 4000
MOMENT_MAX = 40
#: Shorter limits for text kept in a sized column of the server's dossiers (schema.py), so
#: such a payload is quarantined instead of failing the push on PostgreSQL.
_COLUMN_MAX = {"code": 64, "procedure_code": 32, "rating": 16, "verdict": 16,
               "receiving_agency": 64, "competent_agency": 64}

_RECEIVED_TEXT = ("code", "procedure_code", "procedure_name", "applicant_kind",
                  "applicant_name", "applicant_id_number", "return_method",
                  "register_book")
_RECEIVED_OPTIONAL_TEXT = ("applicant_phone", "applicant_address", "applicant_email",
                           "return_address", "due_change_reason", "officer", "note",
                           "receiving_agency", "receiving_name", "competent_agency",
                           "competent_name")
_RECEIVED_INT = {"status": (1, 10), "channel": (0, 99), "sets": (1, 10_000),
                 "register_no": (1, 10**9)}
_RECEIVED_MOMENTS = ("received_at", "computed_due_at", "due_at", "transfer_due_at")
#: Only a dossier received for another body has them.
_RECEIVED_OPTIONAL_MOMENTS = ("forward_due_at", "paper_due_at")
FORM_FAMILIES = ("tt01-2018", "tt03-2025")
_PROXY_TEXT = ("name", "id_number", "phone", "authorisation")
#: Step payload keys that become dossier columns (lifecycle.evolve), or are printed.
_STEP_TEXT = ("to_unit", "to_person", "reason", "rating", "verdict", "decision_no",
              "decided_by", "requested_by", "by")
_STEP_MOMENTS = ("at", "step_due_at", "new_due_at", "new_step_due_at", "finished_at",
                 "decided_at", "requested_at")


class BadPayload(ValueError):
    """Why a payload is quarantined (English, for the server's records)."""


def _text(payload: dict, key: str, required: bool) -> None:
    value = payload.get(key)
    if value is None and not required:
        return
    if not isinstance(value, str) or (required and not value.strip()):
        raise BadPayload(f"{key} must be {'non-empty ' if required else ''}text")
    limit = _COLUMN_MAX.get(key, TEXT_MAX)
    if len(value) > limit:
        raise BadPayload(f"{key} is longer than {limit} characters")


def _moment(payload: dict, key: str, required: bool) -> None:
    value = payload.get(key)
    if value is None and not required:
        return
    if not isinstance(value, str) or len(value) > MOMENT_MAX:
        raise BadPayload(f"{key} must be an ISO 8601 time of at most {MOMENT_MAX} characters")
    try:
        dt.datetime.fromisoformat(value)
    except ValueError:
        raise BadPayload(f"{key} is not an ISO 8601 time") from None


def _integer(payload: dict, key: str, lo: int, hi: int) -> None:
    value = payload.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise BadPayload(f"{key} must be a whole number from {lo} to {hi}")


def check_received(payload: object) -> None:
    if not isinstance(payload, dict):
        raise BadPayload("the payload must be an object")
    for key in _RECEIVED_TEXT:
        _text(payload, key, True)
    for key in _RECEIVED_OPTIONAL_TEXT:
        _text(payload, key, False)
    for key, (lo, hi) in _RECEIVED_INT.items():
        _integer(payload, key, lo, hi)
    for key in _RECEIVED_MOMENTS:
        _moment(payload, key, True)
    for key in _RECEIVED_OPTIONAL_MOMENTS:
        _moment(payload, key, False)
    if "forwarded_at" in payload:  # the server's to say, when it forwards the dossier
        raise BadPayload("forwarded_at is set by the server, not by a desk")
    snapshot = payload.get("procedure_snapshot")
    if snapshot is None and isinstance(payload.get("procedure_version"), str):
        pass  # desk schema 9: the version is sent beside the events (projection.procedure_of)
    elif not isinstance(snapshot, dict) or not isinstance(snapshot.get("name"), str):
        raise BadPayload("procedure_snapshot must be an object with a name, or "
                         "procedure_version the id of a version sent")
    if not isinstance(payload.get("documents"), list):
        raise BadPayload("documents must be a list")
    family = payload.get("form_family")
    if family is not None and family not in FORM_FAMILIES:
        raise BadPayload(f"form_family must be one of {', '.join(FORM_FAMILIES)}")
    proxy = payload.get("proxy")
    if proxy is not None:
        if not isinstance(proxy, dict) or set(proxy) - set(_PROXY_TEXT):
            raise BadPayload("proxy must be an object of " + ", ".join(_PROXY_TEXT))
        for key in _PROXY_TEXT:
            _text(proxy, key, key in ("name", "id_number"))


def check_step(payload: object) -> None:
    if not isinstance(payload, dict):
        raise BadPayload("the payload must be an object")
    _moment(payload, "at", True)
    for key in _STEP_TEXT:
        _text(payload, key, False)
    for key in _STEP_MOMENTS[1:]:
        _moment(payload, key, False)
    minutes = payload.get("waited_minutes")
    if minutes is not None and (isinstance(minutes, bool) or not isinstance(minutes, int)
                                or not 0 <= minutes <= 10**8):
        raise BadPayload("waited_minutes must be a whole number of minutes")
    for value in payload.values():
        if isinstance(value, float) and not math.isfinite(value):
            raise BadPayload("numbers must be finite")
