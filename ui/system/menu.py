"""The Hệ thống menu of the main window: the commune's setup, calendar, warning days, report
settings, idle lock, accounts, password, catalogue import, backups and restore, the audit
trail; and the sync with the server (the indicator, the background rounds, enrolment,
conflicts).

A mixin of ``MainWindow`` (it uses the window's worker, counter, screens and status bar).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox

from counter_app import backups
from counter_app.domain.roles import Action
from ui.accounts.audit_dialog import AuditDialog
from ui.accounts.idle_lock_dialog import IdleLockDialog
from ui.accounts.officers_dialog import OfficersDialog
from ui.accounts.password_dialogs import ChangePasswordDialog
from ui.common.desk_settings import (
    scan_folder,
    scanner_port,
    set_idle_lock_seconds,
    set_scan_folder,
    set_scanner_port,
)
from ui.common.messages import show_error
from ui.reports.screen import previous_month
from ui.reports.settings_dialog import ReportSettingsDialog
from ui.sync.conflicts_dialog import ConflictsDialog
from ui.sync.indicator import ClockBanner, SyncIndicator
from ui.sync.schedule import SyncSchedule
from ui.system.apology_days_dialog import ApologyDaysDialog
from ui.system.backup_dialog import BackupDialog
from ui.system.calendar_dialog import CalendarDialog
from ui.system.scanner_port_dialog import ScannerPortDialog
from ui.system.setup_dialog import SetupDialog
from ui.system.warning_days_dialog import WarningDaysDialog


def restart_program() -> None:
    """Start the program again (the same executable and arguments), then leave."""
    import sys

    from PySide6.QtCore import QProcess

    if getattr(sys, "frozen", False):
        QProcess.startDetached(sys.executable, sys.argv[1:])
    else:
        QProcess.startDetached(sys.executable, sys.argv)
    QApplication.quit()


class SystemMenu:
    # -- system menu -------------------------------------------------------------------------
    def edit_setup(self) -> None:
        dialog = SetupDialog(self.worker.call(lambda c: c.agency), self)
        if dialog.exec() and dialog.result_settings:
            values = dialog.result_settings.to_dict()
            values.pop("officer_name")  # the receiving officer is the one signed in
            self.worker.run(lambda c: c.set_up(**values), lambda _: self._show_agency())

    def edit_calendar(self) -> None:
        CalendarDialog(self.worker, self.counter.clock().year, self).exec()
        # The appointment shown while typing must follow the new calendar.
        self.worker.run(lambda c: c.calendar, self.reception.set_calendar)
        self.refresh_lists()  # deadlines and the warning window follow the calendar too

    def edit_warning_days(self) -> None:
        self._edit_days(lambda c: c.warning_days, WarningDaysDialog,
                        lambda c, days: c.set_warning_days(days),
                        "Đã lưu: cảnh báo trước hạn {days} ngày làm việc.")

    def edit_apology_days(self) -> None:
        self._edit_days(lambda c: c.apology_days, ApologyDaysDialog,
                        lambda c, days: c.set_apology_days(days),
                        "Đã lưu: xin lỗi chậm nhất {days} ngày làm việc trước hạn trả.")

    def _edit_days(self, read, dialog_class, save, saved: str) -> None:
        """One number of working days: read on the worker, asked, saved on the worker; the
        work lists follow it."""
        def ask(current: int) -> None:
            dialog = dialog_class(current, self)
            if not dialog.exec():
                return
            days = dialog.value()
            self.worker.run(lambda c: save(c, days), lambda _: done(days))

        def done(days: int) -> None:
            self.statusBar().showMessage(saved.format(days=days), 15_000)
            self.refresh_lists()

        self.worker.run(read, ask)

    def edit_report_settings(self) -> None:
        self.worker.run(lambda c: c.report_settings(), self._ask_report_settings)

    def _ask_report_settings(self, current) -> None:
        month = previous_month(self.counter.clock().date())  # the hint's example
        dialog = ReportSettingsDialog(self.worker, current, month, self)
        saved = dialog.exec()
        dialog.deleteLater()
        if saved:
            self.statusBar().showMessage("Đã lưu cài đặt báo cáo.", 15_000)
            self.reports.settings_changed()

    def edit_idle_lock(self) -> None:
        dialog = IdleLockDialog(int(self.idle.seconds), self)
        saved, seconds = dialog.exec(), dialog.seconds()
        dialog.deleteLater()
        if not saved:
            return
        set_idle_lock_seconds(seconds)
        self.idle.set_seconds(seconds)
        self.statusBar().showMessage(
            f"Đã lưu: tự khóa màn hình sau {seconds // 60} phút." if seconds
            else "Đã lưu: không tự khóa màn hình.", 15_000)

    def edit_scanner_port(self) -> None:
        dialog = ScannerPortDialog(scanner_port(), self)
        saved, port = dialog.exec(), dialog.port()
        dialog.deleteLater()
        if not saved:
            return
        set_scanner_port(port)
        problem = self.open_serial_scanner(port)
        if not problem:
            self.statusBar().showMessage(
                f"Đã lưu: đọc máy quét ở cổng {port}." if port
                else "Đã lưu: máy quét ở chế độ bàn phím.", 15_000)

    def edit_scan_folder(self) -> None:
        """The folder the office scanner's software saves into (watched for new pages)."""
        chosen = QFileDialog.getExistingDirectory(
            self, "Thư mục máy quét lưu ảnh vào", scan_folder() or str(Path.home()))
        if not chosen:
            return
        problem = self.scan_folder.set_folder(chosen)
        if problem:
            self.statusBar().showMessage(problem, 15_000)
            return
        set_scan_folder(chosen)
        self.statusBar().showMessage(f"Đã lưu: lấy trang quét mới từ thư mục {chosen}.",
                                     15_000)

    def toggle_fetch_ahead(self, on: bool) -> None:
        """Each sync round also brings other desks' digitised files (a good link), or they
        come when opened (a slow one)."""
        def done(_none) -> None:
            self.statusBar().showMessage(
                "Đã lưu: mỗi lần đồng bộ tải trước tệp số hóa của quầy khác." if on else
                "Đã lưu: tệp số hóa của quầy khác được tải khi mở.", 15_000)

        def failed(error: BaseException) -> None:
            self.fetch_ahead_action.setChecked(not on)
            show_error(self, error)

        self.worker.run(lambda c: c.set_fetch_files_ahead(on), done, failed)

    def manage_officers(self) -> None:
        dialog = OfficersDialog(self.worker, self)
        dialog.exec()
        dialog.deleteLater()
        # The administrator may have changed their own roles.
        self.worker.run(lambda c: c.require_officer(), self.apply_officer)

    def change_password(self) -> None:
        dialog = ChangePasswordDialog(self.worker, self)
        if dialog.exec():
            self.statusBar().showMessage("Đã đổi mật khẩu.", 15_000)
        dialog.deleteLater()

    def import_procedures(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Chọn tệp danh mục thủ tục", "",
                                              "Danh mục (*.csv *.xlsx)")
        if not path:
            return
        self.worker.run(lambda c: (c.import_procedures(path), c.procedures()),
                        self._imported)

    def _imported(self, result) -> None:
        count, procedures = result
        self.reception.set_procedures(procedures)
        self.search.set_procedures(procedures)
        self.statusBar().showMessage(f"Đã nhập {count} thủ tục.", 15_000)


    # -- backups and the audit trail ------------------------------------------------------
    def manage_backups(self) -> None:
        if self.db_path is None:
            return
        dialog = BackupDialog(self.worker, self.db_path, self)
        # After the dialog has closed, not from inside its exec().
        dialog.restore_requested.connect(
            lambda path: QTimer.singleShot(0, lambda: self.restore_from(path)))
        dialog.exec()

    def show_audit(self) -> None:
        AuditDialog(self.worker, self.counter.clock().date(), self).exec()

    def restore_from(self, backup_file: Path) -> None:
        """Close the database, put the backup in its place (the current file is kept), and
        start the program again: everyone signs in anew on the restored data."""
        username = self.officer.username
        if self.sync is not None:  # no round writing into the file being replaced
            self.sync.at_exit(seconds=60)
        if self.backups is not None:
            self.backups.set_minutes(0)
            self.backups.wait()
            self.backups = None  # no backup at exit of the data being replaced
        self.close()
        try:
            backups.restore(self.db_path, backup_file, officer=username)
        except Exception as exc:  # nothing was replaced: start again on the current data
            show_error(None, exc, "Không khôi phục được")
        else:
            text = "Đã khôi phục dữ liệu từ bản sao lưu. Chương trình khởi động lại; hãy đăng " \
                   "nhập lại."
            if self.sync_status is not None and self.sync_status.enrolled:
                text += ("\n\nMáy này là một quầy mới đối với máy chủ đồng bộ. Hãy đề nghị quản "
                         "trị máy chủ thu hồi quầy cũ và cấp mã đăng ký mới, rồi kết nối lại "
                         "(Hệ thống → Kết nối máy chủ) và đồng bộ trước khi tiếp nhận hồ sơ mới: "
                         "các hồ sơ chỉ có trong bản sao lưu sẽ được gửi lên.")
            QMessageBox.information(None, "Đã khôi phục dữ liệu", text)
        self.restart()

    # -- sync with the server -------------------------------------------------------------
    def setup_sync(self, layout, db_path: Path | None) -> None:
        """The indicator in the status bar, the clock banner at the top of ``layout``, and
        the background rounds (none without a database file)."""
        self.sync_indicator = SyncIndicator(lambda: self.counter.clock().date())
        self.sync_indicator.sync_requested.connect(self.sync_now)
        self.sync_indicator.conflicts_requested.connect(self.show_conflicts)
        self.statusBar().addPermanentWidget(self.sync_indicator)
        self.clock_banner = ClockBanner()
        layout.insertWidget(0, self.clock_banner)
        self.sync_status = None
        self._sync_refusal = ""  # shown when the screen is unlocked
        self.sync: SyncSchedule | None = None
        if db_path is not None:
            self.sync = SyncSchedule(db_path, parent=self)
            self.sync.status_changed.connect(self._sync_status_changed)
            self.sync.running_changed.connect(self.sync_indicator.set_running)
            self.sync.round_done.connect(self._sync_round_done)
            self.sync.refused.connect(self._sync_refused)
            self.sync.start()

    def sync_now(self) -> None:
        if self.sync is not None and self.sync.sync_now():
            self.statusBar().showMessage("Đang đồng bộ với máy chủ…", 5_000)

    def refresh_sync_status(self) -> None:
        if self.sync is not None:
            self.sync.refresh_status()

    def _sync_status_changed(self, status) -> None:
        self.sync_status = status
        self.sync_indicator.set_status(status)
        self.clock_banner.set_status(status)
        self.sync_action.setEnabled(status.enrolled)

    def _sync_round_done(self, report, error) -> None:
        if error is not None or report is None:
            return
        pulled, pushed = report.pulled, report.pushed
        if pulled.events or pulled.dossiers or pulled.conflicts or pushed.sent:
            self.statusBar().showMessage(report.summary, 15_000)
        if report.reference_updated:
            self.worker.run(_reload_reference, self._reference_reloaded)
        if pulled.events or pulled.dossiers or report.reference_updated:
            self.refresh_lists()

    def _reference_reloaded(self, result) -> None:
        procedures, calendar = result
        self.reception.set_procedures(procedures)
        self.reception.set_calendar(calendar)
        self.search.set_procedures(procedures)

    def _sync_refused(self, message: str) -> None:
        """Once (the timer has stopped): a person must look. Never over the lock screen."""
        if self.desk_lock.locked:
            self._sync_refusal = message
            return
        self._notice("Máy chủ từ chối đồng bộ",
                     f"{message}\n\nQuầy vẫn làm việc bình thường; hồ sơ được giữ trên máy này "
                     "và sẽ được gửi khi việc đồng bộ được khắc phục.")

    def show_sync_refusal(self) -> None:
        message, self._sync_refusal = self._sync_refusal, ""
        if message:
            self._sync_refused(message)

    def enrol_desk(self) -> None:
        if self.sync is None:
            return
        from ui.sync.enrol_dialog import EnrolDialog

        dialog = EnrolDialog(self.worker, self.sync.db_path, self.sync_status, self)
        dialog.exec()
        enrolled = dialog.enrolled
        dialog.deleteLater()
        if enrolled is not None:
            self._show_agency()  # the server may have given the desk its number
            self.sync.start()    # the first round follows at once

    def show_conflicts(self) -> None:
        if not self.may(Action.CONFLICTS):
            return
        dialog = ConflictsDialog(self.worker, self)
        dialog.exec()
        resolved = dialog.resolved_count
        dialog.deleteLater()
        if resolved and self.sync is not None:
            self.sync.sync_now()  # the resolutions go to the server
        else:
            self.refresh_sync_status()


def _reload_reference(counter):
    """On the worker, after a round replaced the catalogue or the calendar."""
    counter.after_sync()
    return counter.procedures(), counter.calendar
