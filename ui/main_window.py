"""The main window: work lists (F4), reception (F2), today's dossiers (F3), finding any
dossier (F6, Ctrl+F), the reports (F7, ui/reports/screen.py); the work-list strip above
every tab; the scanner opens a dossier from anywhere; the system menu; the sync indicator
in the status bar (ui/sync/indicator.py).

It works for the officer signed in: what their roles do not allow is hidden (the core
refuses it anyway, and its refusal is shown as a sentence). Ctrl+L, the menu or a few idle
minutes lock the screen with the work kept underneath; Ctrl+Shift+L lets another officer
sign in."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QMainWindow,
    QMessageBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from counter_app.domain.officers import Officer
from counter_app.domain.roles import Action, grants
from counter_app.domain.statuses import Status
from counter_app.errors import NotSignedIn
from counter_app.service.counter import Counter
from counter_app.store.database import database_file
from counter_app.store.dossier_queries import Worklist
from counter_app.store.dossier_store import DossierRow
from ui.accounts.idle_watch import LOCK_KEY_TEXT, SWITCH_KEY_TEXT, IdleWatch
from ui.accounts.lock_screen import DeskLock
from ui.common.desk_settings import idle_lock_seconds, scan_folder, scanner_port
from ui.common.elided_label import ElidedLabel
from ui.common.messages import show_error
from ui.common.read_only_banner import read_only_banner
from ui.common.scanner import ScannerFilter
from ui.common.screen_fit import fit_to_screen
from ui.common.serial_scanner import SerialScanner
from ui.common.slip_printing import SlipPrinter
from ui.common.tasks import DbWorker
from ui.digitising.scan_folder import ScanFolder
from ui.dossier.opening import DossierOpening
from ui.lists.register_export_dialog import RegisterExportDialog
from ui.lists.search_screen import SearchScreen
from ui.lists.today_screen import TodayScreen
from ui.lists.worklist_screen import WorklistScreen
from ui.lists.worklist_strip import WorklistStrip
from ui.reception.desk_actions import ReceptionDesk
from ui.reception.screen import ReceptionScreen
from ui.reports.screen import ReportsScreen
from ui.system.backup_schedule import BackupSchedule
from ui.system.favourites_dialog import edit_favourites
from ui.system.menu import SystemMenu, restart_program

COUNTS_EVERY_MS = 60_000


class MainWindow(SystemMenu, ReceptionDesk, DossierOpening, QMainWindow):
    def __init__(self, counter: Counter, title_suffix: str = "", sign_in_hint: str = "",
                 db_path: Path | None = None):
        super().__init__()
        self.counter = counter
        self.db_path = db_path  # None: no automatic backups (e.g. a test's window)
        self.restart = restart_program
        self.worker = DbWorker(counter, on_error=lambda e: self._background_error(e))
        self.printer = SlipPrinter()
        self.setWindowTitle("Bộ phận Một cửa – Tiếp nhận và trả kết quả" + title_suffix)
        # Start-up reads happen once, before the worker takes the connection over.
        self.officer: Officer = self.worker.call(lambda c: c.require_officer())
        procedures = self.worker.call(lambda c: c.procedures())
        calendar = self.worker.call(lambda c: c.calendar)
        self.reception = ReceptionScreen(self.worker, calendar, counter.clock)
        self.reception.set_procedures(procedures)
        self.reception.set_usage(self.worker.call(lambda c: c.procedure_usage()))
        self.reception.saved.connect(self._dossier_saved)
        self.scan_folder = ScanFolder(self)  # the office scanner saves its files there
        self.reception.set_scan_folder(self.scan_folder)
        self.worklists = WorklistScreen(self.worker)
        self.today = TodayScreen(self.worker)
        self.search = SearchScreen(self.worker, counter.clock)
        self.search.set_procedures(procedures)
        for screen in (self.worklists, self.today, self.search):
            screen.open_requested.connect(self.open_dossier)
        self.reports = ReportsScreen(self.worker, counter.clock)
        self.reports.status_message.connect(lambda t: self.statusBar().showMessage(t, 15_000))
        self.tabs = QTabWidget()
        self.tabs.addTab(self.worklists, "Việc cần làm (F4)")
        self.tabs.addTab(self.reception, "Tiếp nhận hồ sơ (F2)")
        self.tabs.addTab(self.today, "Hồ sơ hôm nay (F3)")
        self.tabs.addTab(self.search, "Tra cứu hồ sơ (F6)")
        self.tabs.addTab(self.reports, "Báo cáo (F7)")
        self.tabs.currentChanged.connect(self._tab_changed)
        self.strip = WorklistStrip()
        self.strip.list_clicked.connect(self.show_worklists)
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(4, 4, 4, 0)
        layout.setSpacing(4)
        medium = self.worker.call(lambda c: c.cannot_write)
        self.read_only = read_only_banner(
            medium, db_path or self.worker.call(lambda c: database_file(c.db)))
        if self.read_only is not None:
            layout.addWidget(self.read_only)
        layout.addWidget(self.strip)
        layout.addWidget(self.tabs, 1)
        self.setCentralWidget(central)
        self.role_actions: list[tuple[QAction, Action]] = []
        self._build_menu()
        self.officer_label = ElidedLabel(minimum=120)
        self.officer_label.setObjectName("officer")
        self.officer_label.setStyleSheet("font-weight: bold;")
        self.agency_label = ElidedLabel(minimum=80)
        self.statusBar().addPermanentWidget(self.officer_label)
        self.statusBar().addPermanentWidget(self.agency_label)
        self._show_agency()
        self.setup_sync(layout, db_path or self.worker.call(lambda c: database_file(c.db)))
        self._dialog: QDialog | None = None          # the dossier dialog being shown
        self._last_slip: tuple[str, bytes] | None = None  # code, PDF: Ctrl+P prints it again
        self._pending: tuple[str, bool] | None = None  # the next one, once it has closed
        self._counts_seq = 0
        self.notice_box: QMessageBox | None = None
        self.count_timer = QTimer(self, interval=COUNTS_EVERY_MS, timeout=self._tick)
        self.count_timer.start()
        self.scanner = ScannerFilter(self)
        self.scanner.code_scanned.connect(self._scanned)
        self.scanner.card_scanned.connect(self._card_scanned)
        self.scanner.install()
        self.serial_scanner = SerialScanner(self)
        self.serial_scanner.code_scanned.connect(self._scanned)
        self.serial_scanner.card_scanned.connect(self._card_scanned)
        self.serial_scanner.unreadable.connect(
            lambda text: self.statusBar().showMessage(text, 10_000))
        self.open_serial_scanner(scanner_port())
        problem = self.scan_folder.set_folder(scan_folder())
        if problem:
            self.statusBar().showMessage(problem, 15_000)
        self.desk_lock = DeskLock(self.worker, sign_in_hint, self)
        self.desk_lock.unlocked.connect(self._unlocked)
        self.idle = IdleWatch(idle_lock_seconds(), self)
        self.idle.idle.connect(self.lock_screen)
        self.idle.lock_pressed.connect(self.lock_screen)
        self.idle.switch_pressed.connect(self.switch_officer)
        self.idle.install()
        self.backups: BackupSchedule | None = None
        if db_path is not None:
            self.backups = BackupSchedule(db_path, parent=self)
            self.backups.made.connect(lambda info: self.statusBar().showMessage(
                f"Đã tự sao lưu dữ liệu lúc {info.made_at:%H:%M}."
                + (f" {info.warning}" if info.warning else ""), 15_000))
            self.backups.failed.connect(lambda text: self.statusBar().showMessage(text))
        self.apply_officer(self.officer)
        self.refresh_lists()
        fit_to_screen(self, 1280, 740)  # shown maximised by the program (ui.app)

    def _build_menu(self) -> None:
        def action(text, shortcuts, slot, menu, needs: Action | None = None):
            act = QAction(text, self)
            act.setShortcuts([QKeySequence(s) for s in shortcuts])
            act.triggered.connect(slot)
            menu.addAction(act)
            if needs is not None:
                self.role_actions.append((act, needs))
            return act

        system = self.menuBar().addMenu("&Hệ thống")
        action("Thông tin &cơ quan…", (), self.edit_setup, system, Action.SETUP)
        action("&Nhập danh mục thủ tục (CSV, Excel)…", (), self.import_procedures, system,
               Action.CATALOGUE)
        action("&Lịch làm việc (ngày nghỉ, ngày làm bù)…", (), self.edit_calendar, system,
               Action.CALENDAR)
        action("Cảnh &báo trước hạn…", (), self.edit_warning_days, system, Action.SETUP)
        action("Hạn &xin lỗi trước hạn trả…", (), self.edit_apology_days, system, Action.SETUP)
        action("Cài đặt báo cá&o…", (), self.edit_report_settings, system, Action.SETUP)
        action("&Tự khóa màn hình…", (), self.edit_idle_lock, system, Action.SETUP)
        action("Máy &quét (cổng COM)…", (), self.edit_scanner_port, system)
        action("Thư mục máy quét ả&nh…", (), self.edit_scan_folder, system, Action.DIGITISE)
        self.fetch_ahead_action = action("Tải &trước tệp số hóa của quầy khác", (),
                                         self.toggle_fetch_ahead, system, Action.SETUP)
        self.fetch_ahead_action.setCheckable(True)
        self.fetch_ahead_action.setChecked(self.worker.call(lambda c: c.fetch_files_ahead))
        action("Thủ tục hay &dùng (Alt+1…9)…", (), self.edit_favourite_procedures, system,
               Action.RECEIVE)
        system.addSeparator()
        action("Tài &khoản cán bộ…", (), self.manage_officers, system, Action.MANAGE_OFFICERS)
        action("Đổi &mật khẩu…", (), self.change_password, system)
        system.addSeparator()
        action("&Sao lưu dữ liệu…", (), self.manage_backups, system, Action.BACKUP)
        action("N&hật ký hoạt động…", (), self.show_audit, system, Action.AUDIT)
        system.addSeparator()
        action("Kết nối má&y chủ…", (), self.enrol_desk, system, Action.ENROL)
        self.sync_action = action("Đồng bộ n&gay", (), self.sync_now, system)
        self.sync_action.setEnabled(False)  # until the desk is enrolled
        action("&Xung đột đồng bộ…", (), self.show_conflicts, system, Action.CONFLICTS)
        system.addSeparator()
        # The lock keys work from every window, even over a dialog (IdleWatch catches
        # them); the menu only shows them.
        action(f"Khó&a màn hình\t{LOCK_KEY_TEXT}", (), self.lock_screen, system)
        action(f"Đổi cán &bộ…\t{SWITCH_KEY_TEXT}", (), self.switch_officer, system)
        system.addSeparator()
        action("&Thoát", ("Ctrl+Q",), self.close, system)
        go = self.menuBar().addMenu("&Màn hình")
        action("&Việc cần làm", ("F4",), lambda: self.show_worklists(), go)
        action("&Tiếp nhận hồ sơ", ("F2",), self.show_reception, go, Action.RECEIVE)
        action("In &lại giấy hẹn vừa lưu", ("Ctrl+P",), self.reprint_last, go, Action.RECEIVE)
        action("&Hồ sơ hôm nay", ("F3",), self.show_today, go, Action.SEE_ALL)
        action("Tra &cứu hồ sơ", ("F6", "Ctrl+F"), lambda: self.show_search(), go)
        action("&Báo cáo", ("F7",), self.show_reports, go, Action.REPORTS)
        go.addSeparator()
        action("Xuất &sổ theo dõi hồ sơ…", (), self.export_register, go, Action.EXPORT)

    def edit_favourite_procedures(self) -> None:
        codes = edit_favourites(self, self.reception.picker.procedures())
        if codes is not None:  # Alt+1…9 change at once
            self.reception.picker.set_pinned(codes)

    def export_register(self) -> None:
        dialog = RegisterExportDialog(self.worker, self.counter.clock().date(), self)
        dialog.exec()
        dialog.deleteLater()

    def _show_agency(self) -> None:
        self.worker.run(lambda c: c.agency, self._set_agency_label)

    def _set_agency_label(self, a) -> None:
        if a:
            self.agency_label.setText(f"{a.agency_name} · Mã {a.agency_code} · Quầy {a.desk_number}"
                                      f" · {self.counter.clock():%d/%m/%Y}")

    # -- the officer at the desk -------------------------------------------------------------
    def may(self, action: Action) -> bool:
        return grants(self.officer, action)

    def apply_officer(self, officer: Officer) -> None:
        """Show what this officer may use and hide the rest (the core checks anyway)."""
        self.officer = officer
        for act, needs in self.role_actions:
            act.setVisible(self.may(needs))
            act.setEnabled(self.may(needs))
        shown = {self.reception: self.may(Action.RECEIVE), self.today: self.may(Action.SEE_ALL),
                 self.reports: self.may(Action.REPORTS)}
        if not shown.get(self.tabs.currentWidget(), True):
            self.tabs.setCurrentWidget(self.worklists)  # before hiding: no other tab loads
        for screen, visible in shown.items():
            self.tabs.setTabVisible(self.tabs.indexOf(screen), visible)
        self.officer_label.setText(f"Cán bộ: {officer.full_name} ({officer.roles_label})")
        self.sync_indicator.set_show_conflicts(self.may(Action.CONFLICTS))

    def lock_screen(self) -> None:
        """Hide every window's content until the password is typed again (work kept)."""
        if self.desk_lock.locked or not self.isVisible():
            return
        self.idle.pause()
        self.count_timer.stop()
        self.desk_lock.lock(self.officer, self)

    def switch_officer(self) -> None:
        """Another officer signs in; until then the screen is locked."""
        self.lock_screen()
        self.desk_lock.show_switch()

    def _unlocked(self, officer: Officer, switched: bool) -> None:
        if switched:
            # The previous officer's dossier windows close; a reception half-typed stays for
            # a colleague who also receives, and is cleared for one who may not.
            self._close_dialogs()
            if not grants(officer, Action.RECEIVE):
                self.reception.reset()
            self.statusBar().showMessage(f"Đã đăng nhập: {officer.full_name}.", 15_000)
        self.apply_officer(officer)
        self.idle.resume()
        self.count_timer.start()
        self.refresh_lists()
        if switched:
            self.search.run_search()  # what this officer may see
        self.show_sync_refusal()

    def _background_error(self, error: BaseException) -> None:
        if self.desk_lock.locked and isinstance(error, NotSignedIn):
            return  # a refresh that was on its way when the screen locked
        show_error(self, error)

    # -- screens ---------------------------------------------------------------------------
    def show_worklists(self, name: Worklist | str | None = None) -> None:
        """The 'Việc cần làm' tab, on the list ``name`` if given."""
        if name is not None:
            self.worklists.show_list(name)
        self.tabs.setCurrentWidget(self.worklists)
        self.worklists.lists.setFocus()

    def show_reception(self) -> None:
        if self.may(Action.RECEIVE):
            self.tabs.setCurrentWidget(self.reception)

    def show_today(self) -> None:
        if self.may(Action.SEE_ALL):
            self.tabs.setCurrentWidget(self.today)

    def show_reports(self) -> None:
        if self.may(Action.REPORTS):
            self.tabs.setCurrentWidget(self.reports)

    def show_search(self, text: str | None = None) -> None:
        self.tabs.setCurrentWidget(self.search)
        if text is not None:
            self.search.text.setText(text)
        self.search.text.setFocus()
        self.search.text.selectAll()

    def _tab_changed(self, index: int) -> None:
        widget = self.tabs.widget(index)
        self.refresh_counts()
        if widget is self.worklists:
            self.worklists.load()
            self.worklists.lists.setFocus()
        elif widget is self.today and self.may(Action.SEE_ALL):
            self.today.refresh()
            self.today.search.setFocus()
        elif widget is self.search:
            self.search.run_search()
            self.search.text.setFocus()
        elif widget is self.reports:
            self.reports.activated()
        else:
            self.reception.id_number.setFocus()

    # -- keeping the lists and counts fresh --------------------------------------------------
    def refresh_lists(self) -> None:
        """Counts, the shown work list, today's dossiers and search results, on the worker."""
        self.refresh_counts()
        self.refresh_sync_status()
        self.worklists.load()
        if self.may(Action.SEE_ALL):
            self.today.refresh()
        if self.search.last_query is not None:
            self.search.run_search()

    def refresh_counts(self) -> None:
        self._counts_seq += 1
        seq = self._counts_seq
        self.worker.run(lambda c: (c.worklist_counts(), c.warning_days, c.clock()),
                        lambda result: self._counts_loaded(seq, *result))

    def _counts_loaded(self, seq: int, counts: dict, warning_days: int, now) -> None:
        if seq != self._counts_seq:
            return
        self.strip.set_counts(counts, warning_days, f"{now:%H:%M}")
        self.worklists.set_counts(counts, warning_days)

    def _tick(self) -> None:
        self.refresh_counts()
        if self.tabs.currentWidget() is self.worklists:
            self.worklists.load()

    def _dossier_saved(self, dossier: DossierRow, pdf: bytes, print_slip: bool) -> None:
        self._last_slip = (dossier.code, pdf)
        if dossier.status is Status.REFUSED:
            self.statusBar().showMessage(
                f"Đã ghi việc từ chối tiếp nhận ({dossier.code}); hồ sơ không được tiếp nhận. "
                "Đang in Phiếu từ chối tiếp nhận.", 15_000)
        else:
            body = dossier.data.get("competent_name") or dossier.competent_agency
            elsewhere = (f" – chuyển đến {body} giải quyết, kết quả trả tại đây"
                         if dossier.is_transfer else "")
            self.statusBar().showMessage(
                f"Đã lưu hồ sơ {dossier.code} – hẹn trả {dossier.due_at:%H:%M %d/%m/%Y}"
                + elsewhere, 15_000)
        self.refresh_lists()
        if print_slip:
            self._print_last()

    def showEvent(self, event):  # noqa: N802
        super().showEvent(event)
        focus = {self.reception: self.reception.id_number, self.today: self.today.search}
        current = self.tabs.currentWidget()
        focus.get(current, current).setFocus()

    def closeEvent(self, event):  # noqa: N802
        if self.worker.closed:  # closed once already (e.g. for a restore)
            super().closeEvent(event)
            return
        self.idle.uninstall()
        self.scanner.uninstall()
        self.count_timer.stop()
        if self.sync is not None:
            self.sync.at_exit()  # a round stuck on the network is left to its thread
        self.worker.shutdown()
        if self.backups is not None:
            self.backups.at_exit()
        super().closeEvent(event)
