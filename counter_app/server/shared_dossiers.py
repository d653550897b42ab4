"""Dossiers two units share: received by one commune for another unit (a commune or a
provincial body) that decides it (docs/sync.md §2.14, docs/law.md §14).

The receiving commune owns the dossier (``dossiers.commune_id``, its code is that commune's);
the deciding unit is ``dossiers.competent_id``. Each change to such a dossier is logged for
the unit that made it and, as ``change_log.party_id``, for the other one, so the desks of
both pull it and a third commune's never do. Which unit may take which step is the rule of
``domain/sides.py``, checked here again for whatever a desk pushes.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, or_, select

from counter_app.domain.sides import STEP_SIDES, Side
from counter_app.server.schema import conflicts, dossiers

#: The quarantine reason's prefix for a step pushed by the unit it does not belong to.
WRONG_SIDE = "wrong_side"


def sides(pusher: int, commune_id: int, competent_id: int | None) -> frozenset[Side]:
    """The sides the unit ``pusher`` holds of a dossier (none: a third unit)."""
    held = set()
    if pusher == commune_id:
        held.add(Side.RECEIVING)
    if pusher == (competent_id or commune_id):
        held.add(Side.COMPETENT)
    return frozenset(held)


def party(pusher: int, commune_id: int, competent_id: int | None) -> int | None:
    """The other unit of a shared dossier, who must learn of a change ``pusher`` made;
    None for a dossier its own commune decides."""
    if competent_id is None or competent_id == commune_id:
        return None
    return competent_id if pusher == commune_id else commune_id


def wrong_side(kind: str, pusher: int, commune_id: int,
               competent_id: int | None) -> str | None:
    """Why ``pusher`` may not apply an event of ``kind`` to the dossier (English, for the
    inbox); None when it may. A unit holding no side gets the older reason,
    ``dossier_of_another_commune``."""
    held = sides(pusher, commune_id, competent_id)
    if not held:
        return "dossier_of_another_commune"
    transfer = competent_id is not None and competent_id != commune_id
    if kind in ("send_paper", "receive_paper") and not transfer:
        return (f"{WRONG_SIDE}: {kind} is only for a dossier received for another unit; "
                "its own commune decides this one")
    needed = STEP_SIDES.get(kind, frozenset())
    if held & needed:
        return None
    return (f"{WRONG_SIDE}: {kind} belongs to the {' or '.join(sorted(needed))} side of "
            f"this dossier; the pushing unit is its {' and '.join(sorted(held))} side")


def dossier_visible(unit_id: int) -> ColumnElement[bool]:
    """The dossiers a unit's desks hold: those it received and those it decides."""
    return or_(dossiers.c.commune_id == unit_id, dossiers.c.competent_id == unit_id)


def conflict_visible(unit_id: int) -> ColumnElement[bool]:
    """The conflicts a unit's desks see and may settle: its own, and those of a dossier it
    shares with the unit that pushed the losing event."""
    d = dossiers.alias("shared")  # never correlated with a query that joins dossiers
    shared = select(d.c.id).where(or_(d.c.commune_id == unit_id, d.c.competent_id == unit_id),
                                  d.c.competent_id.is_not(None))
    return or_(conflicts.c.commune_id == unit_id, conflicts.c.dossier_id.in_(shared))
