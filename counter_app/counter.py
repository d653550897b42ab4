"""The desk: one object the CLI, the window and the tests drive. Synchronous, Qt-free."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import sqlite_utils

from counter_app import catalogue_files
from counter_app.domain.agency import AgencySettings, validate_agency
from counter_app.domain.procedures import Procedure
from counter_app.domain.reception import ReceptionRequest, validate_reception
from counter_app.domain.working_calendar import OverrideKind, WorkingCalendar
from counter_app.errors import NotFound, NotSetUp
from counter_app.printing import receipt_slip
from counter_app.store import (
    calendar_store,
    dossier_store,
    event_log,
    procedure_store,
    settings_store,
)
from counter_app.store.database import open_database
from counter_app.store.dossier_store import DossierRow

Clock = Callable[[], dt.datetime]


def local_now() -> dt.datetime:
    return dt.datetime.now().replace(microsecond=0)


class Counter:
    def __init__(self, db: sqlite_utils.Database, clock: Clock = local_now):
        self.db = db
        self.clock = clock
        self._calendar: WorkingCalendar | None = None
        if procedure_store.count(db) == 0:
            self.load_bundled_catalogue()
        self.desk_id = settings_store.desk_id(db)

    @classmethod
    def open(cls, path: str | Path, clock: Clock = local_now) -> Counter:
        return cls(open_database(path), clock)

    def close(self) -> None:
        self.db.conn.close()

    # -- setup ---------------------------------------------------------------------------
    @property
    def agency(self) -> AgencySettings | None:
        return settings_store.agency(self.db)

    def require_agency(self) -> AgencySettings:
        agency = self.agency
        if agency is None:
            raise NotSetUp("Chưa khai báo thông tin cơ quan (mã định danh, tên, số quầy).")
        return agency

    def set_up(self, **fields: object) -> AgencySettings:
        """Validate and save the commune's setup; unknown keys keep their current value."""
        current = self.agency.to_dict() if self.agency else {}
        settings = validate_agency({**current, **fields})
        settings_store.save_agency(self.db, settings)
        return settings

    # -- catalogue -----------------------------------------------------------------------
    def load_bundled_catalogue(self) -> int:
        return procedure_store.upsert_all(self.db, catalogue_files.bundled(), "bundled")

    def import_procedures(self, path: str | Path) -> int:
        procedures = catalogue_files.read_file(path)  # raises before anything is written
        return procedure_store.upsert_all(self.db, procedures, f"import:{Path(path).name}")

    def procedures(self, search: str = "", limit: int | None = None) -> list[Procedure]:
        return procedure_store.search(self.db, search, limit)

    def procedure(self, code: str) -> Procedure:
        p = procedure_store.get(self.db, code)
        if p is None:
            raise NotFound(f"Không tìm thấy thủ tục có mã '{code}'.")
        return p

    # -- calendar ------------------------------------------------------------------------
    @property
    def calendar(self) -> WorkingCalendar:
        if self._calendar is None:
            self._calendar = calendar_store.working_calendar(self.db)
        return self._calendar

    def set_calendar_day(self, day: dt.date, kind: OverrideKind, reason: str = "") -> None:
        calendar_store.set_override(self.db, day, kind, reason)
        self._calendar = None

    def clear_calendar_day(self, day: dt.date) -> bool:
        removed = calendar_store.remove_override(self.db, day)
        self._calendar = None
        return removed

    # -- reception -----------------------------------------------------------------------
    def due_for(self, procedure: Procedure, received_at: dt.datetime | None = None) -> dt.datetime:
        return self.calendar.due_at(received_at or self.clock(), procedure.unit, procedure.value)

    def receive(self, request: ReceptionRequest, officer: str | None = None) -> DossierRow:
        """Validate everything, then write the dossier and its event in one transaction."""
        agency = self.require_agency()
        now = self.clock()
        procedure = procedure_store.get(self.db, request.procedure_code or "")
        valid = validate_reception(request, procedure, self.calendar, now)
        officer = officer if officer is not None else agency.officer_name
        return dossier_store.receive(self.db, valid, agency, self.desk_id, officer, now)

    def returning_applicant(self, id_number: str) -> dict | None:
        return dossier_store.applicant_by_id_number(self.db, id_number)

    # -- dossiers ------------------------------------------------------------------------
    def dossier(self, code: str) -> DossierRow:
        row = dossier_store.by_code(self.db, code)
        if row is None:
            raise NotFound(f"Không tìm thấy hồ sơ có mã '{code.strip()}'.")
        return row

    def events(self, dossier: DossierRow) -> list[event_log.Event]:
        return event_log.for_dossier(self.db, dossier["id"])

    def received_today(self, search: str = "") -> list[DossierRow]:
        today = self.clock().date()
        start = dt.datetime.combine(today, dt.time())
        return dossier_store.received_between(self.db, start, start + dt.timedelta(days=1),
                                              search, self.desk_id)

    def slip_pdf(self, code: str, out: str | Path | None = None) -> bytes:
        return receipt_slip.render(self.dossier(code), self.require_agency(), out)
