"""Dossiers: written with their event in one transaction; read for lists and details."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

import sqlite_utils

from counter_app.domain import dossier_code, forwarding, legal_forms, lifecycle
from counter_app.domain.agency import AgencySettings
from counter_app.domain.citizen_id import normalise_id
from counter_app.domain.procedures import canonical_json
from counter_app.domain.reception import ValidReception
from counter_app.domain.statuses import Status
from counter_app.domain.text import fold, tokens
from counter_app.domain.working_calendar import WorkingCalendar
from counter_app.store import event_log, procedure_versions
from counter_app.store.database import transaction
from counter_app.store.ids import new_id

PROGRESS_COLUMNS = frozenset(lifecycle.Progress.__dataclass_fields__) - {"due_at", "status"}
#: Columns only a dossier received for another body fills; ``forwarded_at`` is the
#: server's to set (when it passes the dossier on), never in the received event; what is
#: digitised is told by later events (domain/digitised.py).
TRANSFER_ONLY = frozenset({"forward_due_at", "paper_due_at", "forwarded_at", "digitised",
                           "result_digitised"})


@dataclass(frozen=True)
class DossierRow:
    """A dossier as stored (the projection of its events)."""
    data: dict

    def __getitem__(self, key: str):
        return self.data[key]

    @property
    def code(self) -> str:
        return self.data["code"]

    @property
    def status(self) -> Status:
        return Status(self.data["status"])

    @property
    def received_at(self) -> dt.datetime:
        return dt.datetime.fromisoformat(self.data["received_at"])

    @property
    def due_at(self) -> dt.datetime:
        return dt.datetime.fromisoformat(self.data["due_at"])

    @property
    def progress(self) -> lifecycle.Progress:
        return lifecycle.Progress.from_row(self.data)

    @property
    def documents(self) -> list[dict]:
        return json.loads(self.data["documents"])

    @property
    def procedure(self) -> dict:
        """The procedure as received under (its version), when the row was read with it."""
        body = self.data.get("procedure_body") or self.data.get("procedure_snapshot")
        if not body:
            raise KeyError("procedure_body: read the dossier with WITH_PROCEDURE")
        return json.loads(body)

    @property
    def family(self) -> legal_forms.FormFamily:
        """The form family it was received under (its forms always print in it)."""
        return legal_forms.family_of(self.data.get("form_family"))

    @property
    def words(self) -> legal_forms.Wording:
        return legal_forms.wording(self.family)

    @property
    def receiving_agency(self) -> str:
        """The agency that received it (its code's); a row an older desk made has none
        stored and is read from the code."""
        return self.data.get("receiving_agency") or self.code.split("-", 1)[0]

    @property
    def competent_agency(self) -> str:
        """The agency that decides it: the receiving one unless received for another."""
        return self.data.get("competent_agency") or self.receiving_agency

    @property
    def is_transfer(self) -> bool:
        return self.competent_agency != self.receiving_agency

    @property
    def proxy(self) -> dict | None:
        """Who submitted it for the applicant (name, id_number, phone, authorisation)."""
        value = self.data.get("proxy")
        return json.loads(value) if value else None


def _search_text(code: str, r: ValidReception) -> str:
    a = r.applicant
    return fold(f"{code} {a.full_name} {a.id_number} {a.phone} {r.procedure.code} "
                f"{r.procedure.name}")


def _upsert_applicant(db: sqlite_utils.Database, r: ValidReception, now: str) -> str:
    a = r.applicant
    row = db.execute("SELECT id FROM applicants WHERE id_number = ?", [a.id_number]).fetchone()
    applicant_id = row[0] if row else new_id()
    # A birth date and sex (from the card) replace the stored ones; none given keeps them.
    db.execute(
        "INSERT INTO applicants (id, id_number, kind, full_name, phone, address, email,"
        " updated_at, birth_date, sex) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT(id) DO UPDATE SET kind = excluded.kind,"
        " full_name = excluded.full_name, phone = excluded.phone, address = excluded.address,"
        " email = excluded.email, updated_at = excluded.updated_at,"
        " birth_date = coalesce(nullif(excluded.birth_date, ''), applicants.birth_date),"
        " sex = coalesce(nullif(excluded.sex, ''), applicants.sex)",
        [applicant_id, a.id_number, a.kind.value, a.full_name, a.phone, a.address, a.email, now,
         a.birth_date, a.sex])
    return applicant_id


def _next_sequence(db: sqlite_utils.Database, prefix: str) -> int:
    # A range, not LIKE: it uses the code index on a database of millions of dossiers.
    last = db.execute("SELECT max(code) FROM dossiers WHERE code >= ? AND code < ?",
                      [prefix, prefix + "\uffff"]).fetchone()[0]
    return int(last[-3:]) + 1 if last else 1


def _next_register_no(db: sqlite_utils.Database, book: str) -> int:
    return db.execute("SELECT coalesce(max(register_no), 0) + 1 FROM dossiers "
                      "WHERE register_book = ?", [book]).fetchone()[0]


def _agencies(r: ValidReception, agency: AgencySettings,
              calendar: WorkingCalendar) -> dict:
    """Who received the dossier and who decides it; for another body, the times the
    electronic dossier and the paper must reach it by (domain/forwarding.py)."""
    competent = r.competent
    columns = {"receiving_agency": agency.agency_code, "receiving_name": agency.agency_name,
               "competent_agency": competent.code if competent else agency.agency_code,
               "competent_name": competent.name if competent else agency.agency_name}
    columns["forward_due_at"] = columns["paper_due_at"] = columns["forwarded_at"] = None
    columns["digitised"] = columns["result_digitised"] = None  # none yet
    if competent:
        columns["forward_due_at"] = forwarding.forward_due_at(
            r.received_at, calendar).isoformat(timespec="minutes")
        columns["paper_due_at"] = forwarding.paper_due_at(
            r.received_at, calendar).isoformat(timespec="minutes")
    return columns


def receive(db: sqlite_utils.Database, r: ValidReception, agency: AgencySettings,
            desk_id: str, officer: str, now: dt.datetime,
            transfer_due_at: dt.datetime, calendar: WorkingCalendar,
            refusal: dict | None = None) -> DossierRow:
    """Allocate the code, write applicant, dossier and 'received' event atomically.

    ``transfer_due_at`` is when the counter must have passed the dossier on (the control
    slip's first row). ``refusal``, the payload of a refusal at reception, is recorded in
    the same transaction: the dossier is then status 3, "Không được tiếp nhận".
    """
    with transaction(db):
        day = r.received_at.date()
        prefix = dossier_code.day_prefix(agency.agency_code, day, agency.desk_number)
        code = dossier_code.make_code(agency.agency_code, day, agency.desk_number,
                                      _next_sequence(db, prefix))
        book = f"{agency.desk_number:02d}/{day.year}"
        register_no = _next_register_no(db, book)
        stamp = now.isoformat(timespec="seconds")
        applicant_id = _upsert_applicant(db, r, stamp)
        dossier_id = new_id()
        a = r.applicant
        row = {
            "id": dossier_id, "code": code, "desk_id": desk_id, "status": int(Status.RECEIVED),
            "procedure_code": r.procedure.code, "procedure_name": r.procedure.name,
            "procedure_version": procedure_versions.put(db, r.procedure.to_dict()),
            "applicant_id": applicant_id, "applicant_kind": a.kind.value,
            "applicant_name": a.full_name, "applicant_id_number": a.id_number,
            "applicant_phone": a.phone, "applicant_address": a.address,
            "applicant_email": a.email, "channel": int(r.channel),
            "return_method": r.return_method.value, "return_address": r.return_address,
            "sets": r.sets,
            "documents": json.dumps([d.to_dict() for d in r.documents], ensure_ascii=False),
            "received_at": r.received_at.isoformat(timespec="minutes"),
            "computed_due_at": r.computed_due_at.isoformat(timespec="minutes"),
            "due_at": r.due_at.isoformat(timespec="minutes"),
            "due_change_reason": r.due_change_reason, "officer": officer,
            "register_book": book, "register_no": register_no, "note": r.note,
            "search": _search_text(code, r), "updated_at": stamp,
            "form_family": agency.family_for(day).value,
            "proxy": json.dumps(r.proxy.to_dict(), ensure_ascii=False) if r.proxy else "",
            **_agencies(r, agency, calendar),
        }
        row.update(lifecycle.initial(r.received_at, r.due_at, transfer_due_at).to_columns())
        cols = ", ".join(row)
        db.execute(f"INSERT INTO dossiers ({cols}) VALUES ({', '.join('?' for _ in row)})",
                   list(row.values()))
        payload = {k: v for k, v in row.items()
                   if k not in ("id", "search", "updated_at", "desk_id", "applicant_id")
                   and k not in PROGRESS_COLUMNS
                   and not (k in TRANSFER_ONLY and v is None)}
        payload["transfer_due_at"] = row["step_due_at"]
        payload["documents"] = [d.to_dict() for d in r.documents]
        payload["proxy"] = r.proxy.to_dict() if r.proxy else None
        event_log.append(db, dossier_id=dossier_id, desk_id=desk_id, kind="received",
                         payload=payload, officer=officer, at=now.astimezone())
        if refusal is not None:
            step = lifecycle.Step.REFUSE.value
            progress = lifecycle.evolve(lifecycle.Progress.from_row(row), step, refusal)
            row.update(progress.to_columns())
            sets = ", ".join(f"{k} = ?" for k in progress.to_columns())
            db.execute(f"UPDATE dossiers SET {sets} WHERE id = ?",
                       [*progress.to_columns().values(), dossier_id])
            event_log.append(db, dossier_id=dossier_id, desk_id=desk_id, kind=step,
                             payload=refusal, officer=officer, at=now.astimezone())
    row["procedure_body"] = canonical_json(r.procedure.to_dict())
    return DossierRow(row)


#: A dossier with the body of its procedure version (``DossierRow.procedure``).
WITH_PROCEDURE = ("SELECT d.*, v.body AS procedure_body FROM dossiers d "
                  "LEFT JOIN procedure_versions v ON v.id = d.procedure_version")


def by_code(db: sqlite_utils.Database, code: str) -> DossierRow | None:
    rows = list(db.query(f"{WITH_PROCEDURE} WHERE d.code = ?", [code.strip().upper()]))
    return DossierRow(rows[0]) if rows else None


def received_between(db: sqlite_utils.Database, start: dt.datetime, end: dt.datetime,
                     text: str = "", desk_id: str | None = None) -> list[DossierRow]:
    """Dossiers received in [start, end), newest first, matching every word of ``text``."""
    words = tokens(text)
    sql = "SELECT * FROM dossiers WHERE received_at >= ? AND received_at < ?"
    params: list = [start.isoformat(timespec="minutes"), end.isoformat(timespec="minutes")]
    if desk_id:
        sql += " AND desk_id = ?"
        params.append(desk_id)
    for w in words:
        sql += " AND search LIKE ?"
        params.append(f"%{w}%")
    sql += " ORDER BY received_at DESC, code DESC"
    return [DossierRow(r) for r in db.query(sql, params)]


def applicant_by_id_number(db: sqlite_utils.Database, id_number: str) -> dict | None:
    rows = list(db.query("SELECT kind, full_name, id_number, phone, address, email, "
                         "birth_date, sex FROM applicants WHERE id_number = ?",
                         [normalise_id(id_number)]))
    return rows[0] if rows else None
