"""Merging new events into the commune's dossiers, in memory, in arrival order.

The status machine decides (``projection``), never a clock: an allowed step is applied, a
step the dossier's state forbids is a conflict that keeps both sides, and an event that
cannot be understood is quarantined with its reason.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

from counter_app.domain import digitised, lifecycle
from counter_app.errors import StepNotAllowed
from counter_app.server import payloads
from counter_app.server.chain import public
from counter_app.server.code_ownership import Owner, refusal
from counter_app.server.shared_dossiers import wrong_side
from counter_app.store.ids import new_id
from counter_app.sync import projection

STEPS = frozenset(s.value for s in lifecycle.Step) | {digitised.ATTACH}


@dataclass
class Known:
    """A dossier as loaded from the database (or created by this batch)."""
    row: dict
    commune_id: int
    competent_id: int | None = None  # the unit deciding a dossier received for it
    new: bool = False
    changed: bool = False
    batch_events: list[dict] = field(default_factory=list)  # applied in this batch


@dataclass
class Outcome:
    result: str  # applied | conflict | quarantined
    reason: str = ""
    conflict: dict | None = None  # {"id", "dossier_id", "code", "kind", "detail"}


class Merger:
    def __init__(self, commune_id: int, known: dict[str, Known], codes: dict[str, str],
                 versions: projection.Versions | None = None, *, owner: Owner,
                 units: dict[str, tuple[int, str]] | None = None, now: str = "",
                 catalogue: dict[str, tuple[bool, str]] | None = None):
        """``known``: dossiers by id; ``codes``: this commune's code -> dossier id;
        ``versions``: id -> body of the procedure versions received events name;
        ``owner``: the pushing desk, whose codes alone its receptions may open;
        ``units``: agency code -> (id, kind) of the units the batch's receptions name as
        competent;
        ``now``: the server's local time, when a dossier for another unit is forwarded;
        ``catalogue``: procedure code -> (boundary-free, kind of deciding body) as the
        server knows them (province_catalogue.py), for the receptions for another unit."""
        self.commune_id, self.known, self.codes = commune_id, known, codes
        self.versions, self.owner = versions, owner
        self.units, self.now, self.catalogue = units or {}, now, catalogue or {}
        self.need_history: set[str] = set()  # dossiers whose stored events conflicts cite
        self.unreceived: dict[str, str] = {}  # dossier id -> why this batch's reception failed

    def merge(self, event: dict) -> Outcome:
        kind = event["kind"]
        if kind == "received":
            return self._received(event)
        if kind not in STEPS:
            return Outcome("quarantined", f"unknown event kind {kind!r}")
        dossier = self.known.get(event["dossier_id"])
        if dossier is None:
            why = self.unreceived.get(event["dossier_id"])
            return Outcome("quarantined", "dossier_not_found: no such dossier in this commune"
                           + (f" (its reception was quarantined: {why})" if why else ""))
        refused = wrong_side(kind, self.commune_id, dossier.commune_id, dossier.competent_id)
        if refused:
            return Outcome("quarantined", refused)
        try:
            payloads.check_step(event["payload"])
            row = projection.apply(dossier.row, event)
        except StepNotAllowed as refused:
            return self._conflict("step_not_allowed", event, dossier, str(refused))
        except (KeyError, ValueError, TypeError, AttributeError) as exc:
            return Outcome("quarantined", f"bad_payload: {type(exc).__name__}: {exc}")
        dossier.row, dossier.changed = row, True
        dossier.batch_events.append(event)
        return Outcome("applied")

    def _received(self, event: dict) -> Outcome:
        existing = self.known.get(event["dossier_id"])
        if existing is not None:
            reason = ("dossier_of_another_commune" if existing.commune_id != self.commune_id
                      else "dossier_exists: this dossier was already received")
            return Outcome("quarantined", reason)
        try:
            payloads.check_received(event["payload"])
            row = projection.from_received(event, self.versions)
            code = row["code"]
            if not isinstance(code, str) or not code.strip() or len(code) > 64:
                raise ValueError("code must be a non-empty string of at most 64 characters")
            row["status"], row["received_at"]  # noqa: B018 - required columns
        except (KeyError, ValueError, TypeError, AttributeError, StepNotAllowed) as exc:
            return Outcome("quarantined", f"bad_payload: {type(exc).__name__}: {exc}")
        # Before the code is looked up: a desk squatting on another desk's (or commune's)
        # code must not make the owner's own reception the loser of a duplicate_code.
        squatted = refusal(code, self.owner)
        if squatted:
            self.unreceived[event["dossier_id"]] = squatted
            return Outcome("quarantined", squatted)
        holder = self.codes.get(code)
        if holder is not None:
            return self._conflict("duplicate_code", event, self.known[holder],
                                  f"dossier code {code} is already used in this commune")
        competent_id, why = self._competent(row)
        if why:
            self.unreceived[event["dossier_id"]] = why
            return Outcome("quarantined", why)
        if competent_id is not None:
            row["forwarded_at"] = self.now  # the competent unit's desks can pull it now
        self.known[event["dossier_id"]] = Known(row, self.commune_id, competent_id, new=True,
                                                changed=True, batch_events=[event])
        self.codes[code] = event["dossier_id"]
        return Outcome("applied")

    def _competent(self, row: dict) -> tuple[int | None, str]:
        """(the competent unit's id or None for the commune's own, why it is refused)."""
        receiving, competent = row["receiving_agency"], row["competent_agency"]
        if receiving != self.owner.agency_code:
            return None, (f"bad_payload: receiving_agency {receiving!r} is not the pushing "
                          f"desk's commune {self.owner.agency_code}")
        if competent == receiving:
            return None, ""
        unit = self.units.get(competent)
        if unit is None:
            return None, (f"competent_unknown: no unit with agency code {competent!r} on this "
                          "server (counter-server communes add)")
        # The procedure must allow it by what the server knows of it (the desk's rule,
        # again here, never from the desk's own copy: a device token alone sends no
        # dossier anywhere; province_catalogue.py).
        known = self.catalogue.get(row["procedure_code"])
        if known is None:
            return None, (f"not_listed: procedure {row['procedure_code']} is on neither the "
                          "province's catalogue on this server nor the bundled one")
        if not known[0]:
            return None, (f"not_boundary_free: procedure {row['procedure_code']} is not on "
                          "the province's list received regardless of boundary")
        kind = known[1]
        if unit[1] != kind:
            return None, (f"competent_wrong_kind: procedure {row['procedure_code']} is decided "
                          f"by a {kind} body; {competent} is a {unit[1]} unit")
        return unit[0], ""

    def _conflict(self, kind: str, event: dict, dossier: Known, reason: str) -> Outcome:
        """Both sides: the event that lost, and the dossier as it stood with the events that
        made it so (the stored ones are added by ``add_history`` before writing)."""
        if not dossier.new:
            self.need_history.add(dossier.row["id"])
        detail = {"reason": reason, "event": public(event),
                  "dossier": copy.deepcopy(dossier.row),
                  "winning_events": [public(e) for e in dossier.batch_events]}
        conflict = {"id": new_id(), "dossier_id": event["dossier_id"],
                    "code": dossier.row.get("code", ""), "event_id": event["id"],
                    "kind": kind, "detail": detail}
        return Outcome("conflict", reason, conflict)


def add_history(conflicts: list[dict], history: dict[str, list[dict]]) -> None:
    """Put the dossier's stored (applied) events before the batch's in each conflict."""
    for conflict in conflicts:
        stood = conflict["detail"]["dossier"]
        earlier = history.get(stood["id"], [])
        conflict["detail"]["winning_events"] = earlier + conflict["detail"]["winning_events"]
