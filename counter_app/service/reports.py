"""The desk's reports (docs/law.md §5): the part of ``Counter`` the reports screen and the
``report`` command use. Every reading needs ``Action.REPORTS``; changing the report settings
is the administrator's (``Action.SETUP``); every export is written to the audit trail."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from counter_app.domain.roles import Action
from counter_app.errors import ValidationError
from counter_app.reports import ii06a
from counter_app.reports.heading import ReportHeading, ReportSettings, validate_settings
from counter_app.reports.periods import Period, between, parse_period
from counter_app.store import settings_store
from counter_app.store.audit_log import AuditAction
from counter_app.store.database import transaction

#: The file types a report can be written to, by suffix.
EXPORT_SUFFIXES = (".xlsx", ".pdf")


class CounterReports:
    """Mixed into ``Counter`` (which provides ``db``, ``clock``, ``require``, ``audit``…)."""

    def report_settings(self) -> ReportSettings:
        return ReportSettings.from_dict(settings_store.get(self.db, settings_store.REPORTS_KEY))

    def save_report_settings(self, **fields: object) -> ReportSettings:
        self.require(Action.SETUP)
        settings = validate_settings(fields)
        with transaction(self.db):
            settings_store.put(self.db, settings_store.REPORTS_KEY, settings.to_dict())
            self.audit(AuditAction.SETUP_CHANGED, "reports", settings.to_dict())
        return settings

    def report_period(self, text: str) -> Period:
        """A named period (``2026-10``, ``2026-Q3``, ``2026-H1``, ``2026``) with the commune's
        cut-off day applied."""
        return parse_period(text, self.report_settings().cutoff_day)

    @staticmethod
    def report_range(start: dt.date | str, end: dt.date | str) -> Period:
        return between(start, end)

    def report_ii06a(self, period: Period, by_procedure: bool = False) -> ii06a.Report:
        """The form for ``period``; one not ended yet is counted up to today."""
        self.require(Action.REPORTS)
        return ii06a.compute(self.db, period.up_to(self.clock().date()), by_procedure)

    def report_transfers(self, period: Period, direction: str = "sent"):
        """Dossiers received for another unit in ``period`` (reports/transfers.py): "sent",
        received at this counter for other units, per competent unit; or "received", by
        other communes for this unit, per receiving commune. A period not ended yet is
        counted up to today."""
        from counter_app.reports import transfers

        self.require(Action.REPORTS)
        return transfers.compute(self.db, period.up_to(self.clock().date()), direction)

    def report_transfers_export(self, report, out: str | Path) -> Path:
        """The transfers table as .xlsx, written atomically and audited."""
        from counter_app.printing import ii06a_xlsx

        path = Path(out)
        if path.suffix.lower() != ".xlsx":
            raise ValidationError({"out": "Bảng hồ sơ tiếp nhận cho cơ quan khác chỉ xuất "
                                          "ra tệp .xlsx."})
        self.check_output(path)
        ii06a_xlsx.write_transfers(report, self.report_heading(), path)
        self.audit(AuditAction.EXPORT, "transfers", {
            "period": report.period.to_dict(), "direction": report.direction,
            "file": path.name})
        return path

    def report_evaluation(self, period: Period):
        """The citizen evaluation of the dossiers returned in ``period`` (docs/law.md §5.2) and
        the QĐ 766 inputs the program has (§5.3)."""
        from counter_app.reports import evaluation

        self.require(Action.REPORTS)
        return evaluation.summarise(self.db, period)

    def report_trend(self, last_month: dt.date, months: int = 12):
        """On-time share of the dossiers resolved in each of ``months`` months up to the month
        of ``last_month``."""
        from counter_app.reports import trends

        self.require(Action.REPORTS)
        return trends.on_time_by_month(self.db, last_month, months)

    def report_overdue(self, on: dt.date | None = None):
        """Open dossiers past their appointment on ``on`` (today), by procedure."""
        from counter_app.reports import trends

        self.require(Action.REPORTS)
        return trends.overdue_by_procedure(self.db, on or self.clock().date())

    def report_heading(self) -> ReportHeading:
        officer = self.require(Action.REPORTS)
        return ReportHeading.make(self.require_agency(), self.report_settings(),
                                  self.clock().date(), officer.full_name)

    def report_export(self, report: ii06a.Report, out: str | Path) -> Path:
        """Form II.06a as .xlsx or .pdf (by the suffix of ``out``), written atomically. The
        workbook has a second sheet, the QĐ 766 service index inputs of the same period
        ("Chỉ số phục vụ", with the digitisation rates)."""
        from counter_app.printing import ii06a_pdf, ii06a_xlsx

        path = Path(out)
        suffix = path.suffix.lower()
        if suffix not in EXPORT_SUFFIXES:
            raise ValidationError({"out": "Tệp báo cáo phải có đuôi .xlsx hoặc .pdf."})
        self.check_output(path)
        heading = self.report_heading()
        if suffix == ".pdf":
            ii06a_pdf.render(report, heading, path)
        else:
            index = self.report_evaluation(report.period).service_index
            ii06a_xlsx.write(report, heading, path, index)
        self.audit(AuditAction.EXPORT, "II.06a", {
            "period": report.period.to_dict(), "by_procedure": report.by_procedure,
            "file": path.name})
        return path
