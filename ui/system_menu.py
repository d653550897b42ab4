"""The Hệ thống menu of the main window: the commune's setup, calendar, warning days, idle
lock, accounts, password, catalogue import, backups and restore, the audit trail.

A mixin of ``MainWindow`` (it uses the window's worker, counter, screens and status bar).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox

from counter_app import backups
from ui.audit_dialog import AuditDialog
from ui.backup_dialog import BackupDialog
from ui.calendar_dialog import CalendarDialog
from ui.desk_settings import set_idle_lock_seconds
from ui.idle_lock_dialog import IdleLockDialog
from ui.messages import show_error
from ui.officers_dialog import OfficersDialog
from ui.password_dialogs import ChangePasswordDialog
from ui.setup_dialog import SetupDialog
from ui.warning_days_dialog import WarningDaysDialog


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
        self.worker.run(lambda c: c.warning_days, self._ask_warning_days)

    def _ask_warning_days(self, current: int) -> None:
        dialog = WarningDaysDialog(current, self)
        if not dialog.exec():
            return
        days = dialog.value()
        self.worker.run(lambda c: c.set_warning_days(days), lambda _: self._warning_days_saved(days))

    def _warning_days_saved(self, days: int) -> None:
        self.statusBar().showMessage(f"Đã lưu: cảnh báo trước hạn {days} ngày làm việc.", 15_000)
        self.refresh_lists()

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
            QMessageBox.information(None, "Đã khôi phục dữ liệu",
                                    "Đã khôi phục dữ liệu từ bản sao lưu. Chương trình khởi "
                                    "động lại; hãy đăng nhập lại.")
        self.restart()
