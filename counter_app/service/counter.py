"""The desk: one object the CLI, the window and the tests drive. Synchronous, Qt-free."""

from __future__ import annotations

import datetime as dt
import logging
import sqlite3
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import sqlite_utils

from counter_app.accounts.session import Session
from counter_app.backups.opening import open_desk_database
from counter_app.domain.agency import AgencySettings, validate_agency
from counter_app.domain.handover_log import Transfer, transfers
from counter_app.domain.lifecycle import (
    COMMON_UNITS,
    OPEN,
    PAPER_STEPS,
    REFUSE_ELSEWHERE,
    Step,
    allowed_steps,
)
from counter_app.domain.procedures import Procedure
from counter_app.domain.reception import (
    Reception,
    ReceptionRequest,
    ValidReception,
    validate_reception,
)
from counter_app.domain.roles import Action, check_step, sees
from counter_app.domain.sides import why_not_side
from counter_app.domain.step_requests import StepContext
from counter_app.domain.step_requests import decide as decide_step
from counter_app.domain.text import clean
from counter_app.domain.units import Unit
from counter_app.domain.working_calendar import DurationUnit, OverrideKind, WorkingCalendar
from counter_app.errors import (
    DatabaseDamaged,
    NotFound,
    NotSetUp,
    PermissionDenied,
    StepNotAllowed,
    ValidationError,
    WrongSide,
)
from counter_app.service.digitising import CounterDigitising
from counter_app.service.forms import CounterForms
from counter_app.service.reports import CounterReports
from counter_app.service.sync import CounterSync, token_out_of_the_file
from counter_app.store import (
    calendar_store,
    catalogue_files,
    dossier_queries,
    dossier_steps,
    dossier_store,
    event_log,
    procedure_store,
    settings_store,
    unit_store,
)
from counter_app.store.audit_log import AuditAction
from counter_app.store.database import transaction
from counter_app.store.dossier_queries import DossierQuery, FoundDossiers, Worklist, WorklistWindow
from counter_app.store.dossier_store import DossierRow
from counter_app.store.medium import Medium, cannot_write, write_fault

Clock = Callable[[], dt.datetime]
#: The reception picker ranks procedures by this desk's use over these many days.
USAGE_DAYS = 90
WARNING_DAYS_KEY = "warning_working_days"
APOLOGY_DAYS_KEY = "apology_working_days_before"


def local_now() -> dt.datetime:
    return dt.datetime.now().replace(microsecond=0)

log = logging.getLogger(__name__)


class Counter(CounterSync, CounterReports, CounterForms, CounterDigitising, Session):
    """Every method that shows or changes a dossier needs a signed-in officer whose roles
    allow it (``Session``); the checks are here, so no caller can skip them."""

    def __init__(self, db: sqlite_utils.Database, clock: Clock = local_now):
        self.db = db
        self.clock = clock
        self._calendar: WorkingCalendar | None = None
        if procedure_store.count(db) == 0 and cannot_write(db) is None:
            self.load_bundled_catalogue()
        self.desk_id = settings_store.desk_id(db)
        token_out_of_the_file(db)
        Session.__init__(self)

    @classmethod
    def open(cls, path: str | Path, clock: Clock = local_now) -> Counter:
        db = open_desk_database(path)
        try:
            return cls(db, clock)
        except sqlite3.DatabaseError as exc:  # damage past the pages opening reads
            db.conn.close()
            if fault := write_fault(exc, path):  # a full or read-only disk is no damage
                raise fault from None
            raise DatabaseDamaged(f"Tệp dữ liệu {path} đã bị hỏng ({exc}).") from None
        except BaseException:
            db.conn.close()
            raise

    @property
    def cannot_write(self) -> Medium | None:
        """Why the database was opened read-only (Medium.READ_ONLY, Medium.FULL), None
        when it can be written. Reading works either way; writes raise DatabaseReadOnly or
        DiskFull (and so may any write on a disk that fills up later)."""
        return cannot_write(self.db)

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
        """Validate and save the commune's setup; unknown keys keep their current value.

        Before the first account exists (first run) anyone may; afterwards the administrator.
        """
        if self.has_officers():
            self.require(Action.SETUP)
        current = self.agency.to_dict() if self.agency else {}
        settings = validate_agency({**current, **fields})
        settings_store.save_agency(self.db, settings)
        if self.officer:
            self.audit(AuditAction.SETUP_CHANGED, detail={"fields": sorted(fields)})
        return settings

    # -- catalogue -----------------------------------------------------------------------
    def load_bundled_catalogue(self) -> int:
        return procedure_store.upsert_all(self.db, catalogue_files.bundled(), "bundled")

    def import_procedures(self, path: str | Path) -> int:
        self.require(Action.CATALOGUE)
        procedures = catalogue_files.read_file(path)  # raises before anything is written
        count = procedure_store.upsert_all(self.db, procedures, f"import:{Path(path).name}")
        self.audit(AuditAction.CATALOGUE_IMPORTED, Path(path).name, {"procedures": count})
        return count

    def procedures(self, search: str = "", limit: int | None = None) -> list[Procedure]:
        return procedure_store.search(self.db, search, limit)

    def units(self) -> list[Unit]:
        """The province's communes and provincial bodies, as the server last sent them."""
        return unit_store.all_units(self.db)

    def procedure_usage(self, days: int = USAGE_DAYS) -> dict[str, int]:
        """Procedure code -> dossiers this desk received in the last ``days`` days."""
        since = self.clock() - dt.timedelta(days=days)
        return dossier_queries.procedure_usage(self.db, self.desk_id, since)

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
        self.require(Action.CALENDAR)
        calendar_store.set_override(self.db, day, kind, reason)
        self._calendar = None
        self.audit(AuditAction.CALENDAR_CHANGED, day.isoformat(), {"kind": OverrideKind(kind).value})

    def clear_calendar_day(self, day: dt.date) -> bool:
        self.require(Action.CALENDAR)
        removed = calendar_store.remove_override(self.db, day)
        self._calendar = None
        if removed:
            self.audit(AuditAction.CALENDAR_CHANGED, day.isoformat(), {"kind": "cleared"})
        return removed

    # -- reception -----------------------------------------------------------------------
    def due_for(self, procedure: Procedure, received_at: dt.datetime | None = None) -> dt.datetime:
        return self.calendar.due_at(received_at or self.clock(), procedure.unit, procedure.value)

    def check_reception(self, request: ReceptionRequest) -> ValidReception:
        """Validate a reception without saving anything: every problem at once
        (ValidationError), else what ``receive`` would save."""
        self.require(Action.RECEIVE)
        return self._validated(request, self.clock())

    def receive(self, request: ReceptionRequest) -> DossierRow:
        """Validate everything, then write the dossier and its event in one transaction."""
        officer = self.require(Action.RECEIVE)
        agency = self.require_agency()
        now = self.clock()
        valid = self._validated(request, now)
        transfer_due = self.calendar.due_at(valid.received_at, DurationUnit.SAME_DAY)
        return dossier_store.receive(self.db, valid, agency, self.desk_id, officer.username,
                                     now, transfer_due, self.calendar)

    def refuse_at_reception(self, request: ReceptionRequest, reason: str) -> DossierRow:
        """Refuse a dossier at the reception check, before it is received (Mẫu 03).

        It is recorded, with a code and a register entry, so that the refusal slip can be
        printed and found again and the register and statistics show it; but it is status
        3, "Không được tiếp nhận": never counted as received (docs/law.md §22)."""
        officer = self.require(Action.RECEIVE)
        agency = self.require_agency()
        now = self.clock()
        reason = clean(reason)
        problem = ("Chưa nhập lý do từ chối tiếp nhận." if not reason else
                   "Lý do quá dài (tối đa 1000 ký tự)." if len(reason) > 1000 else None)
        try:
            valid = self._validated(request, now, refusing=True)
        except ValidationError as exc:
            raise ValidationError({**exc.errors, **({"reason": problem} if problem else {})}) \
                from None
        if problem:
            raise ValidationError({"reason": problem})
        transfer_due = self.calendar.due_at(valid.received_at, DurationUnit.SAME_DAY)
        refusal = {"at": now.replace(microsecond=0).isoformat(timespec="seconds"),
                   "reason": reason, "at_reception": True}  # as step_requests.decide makes it
        return dossier_store.receive(self.db, valid, agency, self.desk_id, officer.username,
                                     now, transfer_due, self.calendar, refusal=refusal)

    def _validated(self, request: ReceptionRequest, now: dt.datetime,
                   refusing: bool = False) -> ValidReception:
        procedure = procedure_store.get(self.db, request.procedure_code or "")
        agency = self.agency
        where = Reception(agency.agency_code if agency else "",
                          {u.code: u for u in self.units()} if request.competent_agency
                          else {})
        return validate_reception(request, procedure, self.calendar, now, refusing, where)

    def returning_applicant(self, id_number: str) -> dict | None:
        self.require(Action.RECEIVE)
        return dossier_store.applicant_by_id_number(self.db, id_number)

    # -- dossiers ------------------------------------------------------------------------
    def dossier(self, code: str) -> DossierRow:
        """A dossier the signed-in officer may see (a processing officer: those handed to
        them); anything else is NotFound or PermissionDenied."""
        officer = self.require_officer()
        row = dossier_store.by_code(self.db, code)
        if row is None:
            raise NotFound(f"Không tìm thấy hồ sơ có mã '{code.strip()}'.")
        if not sees(officer, row.progress) and not self._gave_result_today(row):
            self.deny(f"Hồ sơ {row.code} không được giao cho {officer.full_name}.", "see")
        return row

    def _gave_result_today(self, row: DossierRow) -> bool:
        """Did the signed-in officer record this dossier's result today? They may still
        open it (from "Tôi đã xử lý xong hôm nay") although it is back at the counter."""
        start = dt.datetime.combine(self.clock().date(), dt.time())
        return dossier_queries.gave_result(self.db, row["id"], self.officer.username, start)

    def events(self, dossier: DossierRow) -> list[event_log.Event]:
        return event_log.for_dossier(self.db, dossier["id"])

    def received_today(self, search: str = "") -> list[DossierRow]:
        self.require(Action.SEE_ALL)
        today = self.clock().date()
        start = dt.datetime.combine(today, dt.time())
        return dossier_store.received_between(self.db, start, start + dt.timedelta(days=1),
                                              search, self.desk_id)

    def slip_pdf(self, code: str, out: str | Path | None = None) -> bytes:
        """Mẫu 01; recorded in the audit log (it carries the citizen's personal data)."""
        return self.form_pdf(code, "01", out)

    # -- processing to return ------------------------------------------------------------
    def step(self, code: str, step: Step | str, fields: dict | None = None) -> DossierRow:
        """Take one step of the status machine as the signed-in officer.

        Raises PermissionDenied (the officer's roles), StepNotAllowed (the status machine)
        or ValidationError (the fields); nothing is written then.
        """
        step = Step(step)
        officer = self.require_officer()
        agency = self.require_agency()
        if step is Step.REFUSE:
            raise StepNotAllowed(REFUSE_ELSEWHERE, step.value, 0)
        now = self.clock()
        denied: list[PermissionDenied] = []

        def decide(row: DossierRow) -> dict:
            try:
                side = self.why_not_side(step, row)
                if side:
                    raise WrongSide(side, step.value)
                check_step(officer, step, row.progress)
            except PermissionDenied as exc:
                denied.append(exc)
                raise
            ctx = StepContext(now=now, calendar=self.calendar,
                              applicant_name=row["applicant_name"],
                              applicant_id_number=row["applicant_id_number"],
                              return_method=row["return_method"], officer=officer.full_name,
                              hotline=agency.hotline, apology_days_before=self.apology_days,
                              received_at=row.received_at)
            return decide_step(step, row.progress, fields or {}, ctx)

        try:
            row, _ = dossier_steps.record(self.db, code, step, decide, desk_id=self.desk_id,
                                          officer=officer.username, now=now)
        except PermissionDenied as exc:
            if denied:  # recorded outside the rolled-back transaction
                self.audit(AuditAction.PERMISSION_DENIED, code.strip().upper(),
                           {"action": step.value})
            raise exc from None
        return row

    def allowed_steps(self, code: str) -> list[Step]:
        """The steps the status machine allows now (the roles are checked when taken; the
        window asks ``may_step`` to show only the officer's own). An apology is left out
        once its last day has passed (docs/law.md §15)."""
        return self.steps_allowed_now(self.dossier(code))

    def steps_allowed_now(self, row: DossierRow) -> list[Step]:
        """``allowed_steps`` of a dossier already read."""
        progress = row.progress
        steps = allowed_steps(progress)
        if Step.APOLOGIZE in steps and self.clock() > self.calendar.last_apology_at(
                progress.due_at, self.apology_days):
            steps.remove(Step.APOLOGIZE)
        if not row.is_transfer:  # no paper travels for the commune's own dossiers
            steps = [s for s in steps if s not in PAPER_STEPS]
        return steps

    def why_not_side(self, step: Step, row: DossierRow) -> str | None:
        """Why this unit may not take ``step`` on a dossier received for another body (or
        for this one by another): domain/sides.py. None for the commune's own dossiers."""
        agency = self.agency
        here = agency.agency_code if agency else row.receiving_agency
        return why_not_side(step.value, here, row.receiving_agency, row.competent_agency,
                            row.data.get("competent_name") or "")

    def why_not_step(self, step: Step, row: DossierRow) -> str | None:
        return self.why_not_side(step, row) or super().why_not_step(step, row)

    def may_step(self, row: DossierRow, step: Step) -> bool:
        return self.officer is not None and self.why_not_step(step, row) is None

    def known_units(self) -> list[str]:
        """Units to offer when handing over: those used recently, then the usual ones."""
        return list(dict.fromkeys([*dossier_queries.recent_units(self.db), *COMMON_UNITS]))

    def transfers(self, code: str) -> list[Transfer]:
        return transfers(self.events(self.dossier(code)))

    # -- finding and work lists ----------------------------------------------------------
    def find(self, query: DossierQuery | str) -> FoundDossiers:
        if isinstance(query, str):
            query = DossierQuery(text=query)
        return dossier_queries.find(self.db, replace(query, holders=self.visible_holders()))

    @property
    def warning_days(self) -> int:
        """How many working days before the deadline a dossier is flagged (default 1)."""
        return int(settings_store.get(self.db, WARNING_DAYS_KEY, 1))

    def set_warning_days(self, days: int) -> None:
        self.require(Action.SETUP)
        if not 0 <= int(days) <= 30:
            raise ValidationError({"warning_days": "Số ngày cảnh báo phải từ 0 đến 30."})
        with transaction(self.db):
            settings_store.put(self.db, WARNING_DAYS_KEY, int(days))
            self.audit(AuditAction.SETUP_CHANGED, "warning_days", {"warning_days": int(days)})

    @property
    def apology_days(self) -> int:
        """An apology (Mẫu 04) is made at least this many working days before the slip's
        deadline (docs/law.md §15: at least one; default 1)."""
        return int(settings_store.get(self.db, APOLOGY_DAYS_KEY, 1))

    def set_apology_days(self, days: int) -> None:
        self.require(Action.SETUP)
        if not 1 <= int(days) <= 10:
            raise ValidationError({"apology_days": "Số ngày làm việc trước hạn để xin lỗi "
                                                  "phải từ 1 đến 10."})
        with transaction(self.db):
            settings_store.put(self.db, APOLOGY_DAYS_KEY, int(days))
            self.audit(AuditAction.SETUP_CHANGED, "apology_days", {"apology_days": int(days)})

    def worklist_window(self, days: int | None = None) -> WorklistWindow:
        now = self.clock()
        days = self.warning_days if days is None else days
        if not 0 <= days <= 30:
            raise ValidationError({"days": "Số ngày làm việc phải từ 0 đến 30."})
        cal = self.calendar
        last = cal.add_working_days(now.date(), days)
        # The first deadline day whose apology can still be made, and the last one the
        # warning window reaches: the "cần xin lỗi" list.
        today = now.date()
        first = today if cal.is_working_day(today) and now <= cal.closing(today) else \
            cal.next_working_day(today)
        apology_day = cal.add_working_days(first, self.apology_days)
        me = (self.officer.username, self.officer.full_name) if self.officer else ()
        agency = self.agency
        return WorklistWindow(now, cal.closing(last), self.visible_holders(),
                              dt.datetime.combine(apology_day, dt.time()),
                              cal.closing(cal.add_working_days(apology_day, days)), me,
                              agency.agency_code if agency else "")

    def worklist(self, name: Worklist | str, days: int | None = None) -> list[DossierRow]:
        return dossier_queries.worklist(self.db, Worklist(name), self.worklist_window(days))

    def worklist_counts(self) -> dict[Worklist, int]:
        return dossier_queries.worklist_counts(self.db, self.worklist_window())

    def deadline_flag(self, row: DossierRow, window: WorklistWindow | None = None) -> str:
        """'overdue', 'warning' (within the warning window) or '' for a dossier."""
        if row.status not in OPEN:
            return ""
        window = window or self.worklist_window()
        if row.due_at < window.now:
            return "overdue"
        return "warning" if row.due_at <= window.soon_until else ""

    def deadline_flags(self, rows: list[DossierRow]) -> dict[str, str]:
        """``deadline_flag`` of each row by code, for a list shown on screen."""
        window = self.worklist_window()
        return {r.code: self.deadline_flag(r, window) for r in rows}

    def register(self, start: dt.date, end: dt.date) -> list[DossierRow]:
        self.require(Action.EXPORT)
        if end < start:
            raise ValidationError({"to": "Ngày kết thúc phải sau ngày bắt đầu."})
        agency = self.agency
        return dossier_queries.registered_between(self.db, start, end,
                                                  here=agency.agency_code if agency else "")

