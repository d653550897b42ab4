"""The main window: reception (F2) and today's dossiers (F3), the system menu."""

from __future__ import annotations

import datetime as dt

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QFileDialog, QLabel, QMainWindow, QTabWidget

from counter_app.counter import Counter
from counter_app.store.dossier_store import DossierRow
from ui.calendar_dialog import CalendarDialog
from ui.dossier_dialog import DossierDialog
from ui.messages import show_error
from ui.reception_screen import ReceptionScreen
from ui.setup_dialog import SetupDialog
from ui.slip_printing import SlipPreview, SlipPrinter
from ui.tasks import DbWorker
from ui.today_screen import TodayScreen


class MainWindow(QMainWindow):
    def __init__(self, counter: Counter, title_suffix: str = ""):
        super().__init__()
        self.counter = counter
        self.worker = DbWorker(counter, on_error=lambda e: show_error(self, e))
        self.printer = SlipPrinter()
        self.setWindowTitle("Bộ phận Một cửa – Tiếp nhận và trả kết quả" + title_suffix)
        # Start-up reads happen once, before the worker takes the connection over.
        procedures = self.worker.call(lambda c: c.procedures())
        calendar = self.worker.call(lambda c: c.calendar)
        self.reception = ReceptionScreen(self.worker, calendar, counter.clock)
        self.reception.set_procedures(procedures)
        self.reception.saved.connect(self._dossier_saved)
        self.today = TodayScreen(self.worker)
        self.today.open_requested.connect(self.open_dossier)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.reception, "Tiếp nhận hồ sơ (F2)")
        self.tabs.addTab(self.today, "Hồ sơ hôm nay (F3)")
        self.tabs.currentChanged.connect(self._tab_changed)
        self.setCentralWidget(self.tabs)
        self._build_menu()
        self.agency_label = QLabel()
        self.statusBar().addPermanentWidget(self.agency_label)
        self._show_agency()
        self.today.refresh()
        self.resize(1280, 740)

    def _build_menu(self) -> None:
        def action(text, shortcut, slot, menu):
            act = QAction(text, self)
            if shortcut:
                act.setShortcut(QKeySequence(shortcut))
            act.triggered.connect(slot)
            menu.addAction(act)
            return act

        system = self.menuBar().addMenu("&Hệ thống")
        action("Thông tin &cơ quan…", None, self.edit_setup, system)
        action("&Nhập danh mục thủ tục (CSV, Excel)…", None, self.import_procedures, system)
        action("&Lịch làm việc (ngày nghỉ, ngày làm bù)…", None, self.edit_calendar, system)
        system.addSeparator()
        action("&Thoát", "Ctrl+Q", self.close, system)
        go = self.menuBar().addMenu("&Màn hình")
        action("&Tiếp nhận hồ sơ", "F2", lambda: self.tabs.setCurrentWidget(self.reception), go)
        action("&Hồ sơ hôm nay", "F3", self.show_today, go)

    def _show_agency(self) -> None:
        self.worker.run(lambda c: c.agency, self._set_agency_label)

    def _set_agency_label(self, a) -> None:
        if a:
            self.agency_label.setText(f"{a.agency_name} · Mã {a.agency_code} · Quầy {a.desk_number}"
                                      f" · {a.officer_name or 'chưa ghi cán bộ'} · "
                                      f"{dt.date.today():%d/%m/%Y}")

    def _tab_changed(self, index: int) -> None:
        if self.tabs.widget(index) is self.today:
            self.today.refresh()
            self.today.search.setFocus()
        else:
            self.reception.id_number.setFocus()

    def show_today(self) -> None:
        self.tabs.setCurrentWidget(self.today)

    def _dossier_saved(self, dossier: DossierRow, pdf: bytes, print_slip: bool) -> None:
        self.statusBar().showMessage(
            f"Đã lưu hồ sơ {dossier.code} – hẹn trả {dossier.due_at:%H:%M %d/%m/%Y}", 15_000)
        self.today.refresh()
        if print_slip:
            self.printer.print_pdf(pdf, self)

    def open_dossier(self, code: str) -> None:
        self.worker.run(lambda c: (c.dossier(code), c.events(c.dossier(code))),
                        lambda result: self._show_dossier(*result))

    def _show_dossier(self, dossier: DossierRow, events) -> None:
        dialog = DossierDialog(dossier, events, self)
        dialog.preview_button.clicked.connect(lambda: self.preview_slip(dossier.code))
        dialog.print_button.clicked.connect(lambda: self.print_slip(dossier.code))
        dialog.exec()

    def preview_slip(self, code: str) -> None:
        self.worker.run(lambda c: c.slip_pdf(code), lambda pdf: SlipPreview(
            pdf, f"Giấy tiếp nhận hồ sơ {code}", self.printer, self).exec())

    def print_slip(self, code: str) -> None:
        self.worker.run(lambda c: c.slip_pdf(code), lambda pdf: self.printer.print_pdf(pdf, self))

    def edit_setup(self) -> None:
        dialog = SetupDialog(self.worker.call(lambda c: c.agency), self)
        if dialog.exec() and dialog.result_settings:
            values = dialog.result_settings.to_dict()
            self.worker.run(lambda c: c.set_up(**values), lambda _: self._show_agency())

    def edit_calendar(self) -> None:
        CalendarDialog(self.worker, self.counter.clock().year, self).exec()
        # The appointment shown while typing must follow the new calendar.
        self.worker.run(lambda c: c.calendar, self.reception.set_calendar)

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
        self.statusBar().showMessage(f"Đã nhập {count} thủ tục.", 15_000)

    def showEvent(self, event):  # noqa: N802
        super().showEvent(event)
        if self.tabs.currentWidget() is self.reception:
            self.reception.id_number.setFocus()

    def closeEvent(self, event):  # noqa: N802
        self.worker.shutdown()
        super().closeEvent(event)
