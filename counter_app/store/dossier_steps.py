"""Recording a step: decide, update the dossier's progress, append the event; one transaction."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import sqlite_utils

from counter_app.domain import digitised, lifecycle
from counter_app.errors import NotFound
from counter_app.store import event_log
from counter_app.store.database import transaction
from counter_app.store.dossier_store import DossierRow, by_code

Decide = Callable[[DossierRow], dict]


def record(db: sqlite_utils.Database, code: str, step: lifecycle.Step, decide: Decide, *,
           desk_id: str, officer: str, now: dt.datetime) -> tuple[DossierRow, event_log.Event]:
    """Re-read the dossier under the write lock, so two desks cannot both take one step."""
    with transaction(db):
        row = by_code(db, code)
        if row is None:
            raise NotFound(f"Không tìm thấy hồ sơ có mã '{code.strip()}'.")
        payload = decide(row)  # raises StepNotAllowed / ValidationError: nothing written
        progress = lifecycle.evolve(row.progress, step.value, payload)
        columns = progress.to_columns()
        columns["updated_at"] = now.isoformat(timespec="seconds")
        sets = ", ".join(f"{k} = ?" for k in columns)
        db.execute(f"UPDATE dossiers SET {sets} WHERE id = ?", [*columns.values(), row["id"]])
        event = event_log.append(db, dossier_id=row["id"], desk_id=desk_id, kind=step.value,
                                 payload=payload, officer=officer, at=now.astimezone())
        updated = by_code(db, row.code)
    return updated, event


def record_attach(db: sqlite_utils.Database, code: str, decide: Decide, *, desk_id: str,
                  officer: str, now: dt.datetime) -> tuple[DossierRow, event_log.Event]:
    """A digitised document (domain/digitised.py): the dossier's digitised columns and the
    ``attach`` event, in one transaction. Its file is stored before (blob_store.put), so
    nothing ever names a file that is not whole."""
    with transaction(db):
        row = by_code(db, code)
        if row is None:
            raise NotFound(f"Không tìm thấy hồ sơ có mã '{code.strip()}'.")
        payload = decide(row)
        digitised.check(payload)
        columns = {**digitised.applied(row.data, payload),
                   "updated_at": now.isoformat(timespec="seconds")}
        sets = ", ".join(f"{k} = ?" for k in columns)
        db.execute(f"UPDATE dossiers SET {sets} WHERE id = ?", [*columns.values(), row["id"]])
        event = event_log.append(db, dossier_id=row["id"], desk_id=desk_id,
                                 kind=digitised.ATTACH, payload=payload, officer=officer,
                                 at=now.astimezone())
        updated = by_code(db, row.code)
    return updated, event
