"""The dossier's forms and the register: the part of ``Counter`` that prints. Every form
is rendered in the dossier's own family, written to a file only when it is not the desk's
database, and recorded in the audit trail (it carries the citizen's personal data)."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path

from counter_app.domain import legal_forms
from counter_app.domain.roles import Action
from counter_app.errors import ValidationError
from counter_app.store import register_rows
from counter_app.store.audit_log import AuditAction
from counter_app.store.database import database_file, is_database_file
from counter_app.store.dossier_store import DossierRow
from counter_app.store.medium import cannot_write, refusal


class CounterForms:
    """Mixed into ``Counter`` (which provides ``db``, ``dossier``, ``events``, ``require``,
    ``audit``, ``register``…)."""

    def check_output(self, out: str | Path | None) -> None:
        """Refuse a file to write that is this desk's database or one of its journals; and
        every print or export while the database is open read-only (a read-only medium, a
        full disk): it could not be recorded in the audit trail, as every print is."""
        path = database_file(self.db)
        if medium := cannot_write(self.db):
            raise refusal(medium, path)
        if out is not None and path is not None and is_database_file(path, out):
            raise ValidationError({"out": f"{Path(out).name} là tệp dữ liệu của chương trình; "
                                          "hãy chọn tên tệp khác (không ghi đè lên dữ liệu)."})

    def forms_of(self, code: str) -> tuple[DossierRow, list[str]]:
        """A dossier and the numbers, in its form family, of the forms it can print now."""
        from counter_app.printing import forms  # reportlab: loaded when first printing

        dossier = self.dossier(code)
        return dossier, forms.printable(dossier, self.events(dossier))

    def form_pdf(self, code: str, form: str, out: str | Path | None = None) -> bytes:
        """Form number ``form`` of one dossier, in the dossier's form family, as PDF bytes
        (also written to ``out`` if given).

        Raises FormUnavailable when the dossier has no event the form is made from
        (e.g. the apology before any apology).
        """
        from counter_app.printing import forms  # reportlab: loaded when first printing

        self.require(Action.PRINT)
        self.check_output(out)
        dossier = self.dossier(code)
        names = self.printed_names()
        events = [replace(e, officer=names.get(e.officer, e.officer))
                  for e in self.events(dossier)]
        shown = DossierRow({**dossier.data, "officer": names.get(dossier["officer"],
                                                            dossier["officer"])})
        pdf = forms.render(form, shown, events, self.require_agency(), out)
        self.audit(AuditAction.PRINT, dossier.code,
                   {"form": legal_forms.normalise(form, dossier.family),
                    "family": dossier.family.value, "file": Path(out).name if out else None})
        return pdf

    def record_printed(self, code: str, form: str, copies: int = 1) -> None:
        """The window sent a form to the printer (rendering alone is recorded by form_pdf)."""
        self.require(Action.PRINT)
        self.audit(AuditAction.PRINT, code.strip().upper(),
                   {"form": form, "printer": True, "copies": copies})

    def register_export(self, start: dt.date, end: dt.date, out: str | Path) -> int:
        """The register (Sổ theo dõi) for the dates as .pdf or .xlsx (by the file's suffix);
        returns the row count."""
        from counter_app.printing import register_pdf, register_xlsx


        suffix = Path(out).suffix.lower()
        if suffix not in (".pdf", ".xlsx"):
            raise ValidationError({"out": "Tệp sổ theo dõi phải có đuôi .pdf hoặc .xlsx."})
        self.check_output(out)
        rows = self.register(start, end)
        first = register_rows.first_handovers(self.db, start, end)
        writer = register_pdf.render if suffix == ".pdf" else register_xlsx.write
        writer(rows, self.require_agency(), start, end, out, first_handover=first,
               family=register_rows.family_of_register(rows, self.require_agency(), end))
        self.audit(AuditAction.EXPORT, "register", {"from": start.isoformat(),
                   "to": end.isoformat(), "file": Path(out).name, "rows": len(rows)})
        return len(rows)
