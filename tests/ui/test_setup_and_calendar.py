"""First-run setup and the local calendar, as the administrator uses them."""

import datetime as dt

from PySide6.QtCore import QDate, Qt

from ui.system.calendar_dialog import CalendarDialog
from ui.system.setup_dialog import SetupDialog


def test_setup_dialog_explains_bad_fields_then_accepts(qtbot):
    dialog = SetupDialog(None)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.fields["agency_code"].setText("17.22.H56")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert dialog.result() == 0 and dialog.errors.isVisible()
    assert "000.17.22.H56" in dialog.errors.text()
    assert "Chưa nhập tên cơ quan" in dialog.errors.text()
    dialog.fields["agency_code"].setText(" 000.17.22.h56 ")
    dialog.fields["agency_name"].setText("UBND  xã Quảng Phú")
    dialog.desk.setValue(3)
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert dialog.result() == 1
    settings = dialog.result_settings
    assert (settings.agency_code, settings.agency_name, settings.desk_number) == (
        "000.17.22.H56", "UBND xã Quảng Phú", 3)
    # the centre, named after the UBND when left empty; the 2025 forms from 15/09/2025
    assert settings.centre == "Trung tâm Phục vụ hành chính công xã Quảng Phú"
    assert (settings.number_suffix, settings.form_family, settings.forms_2025_from) == (
        "TTPVHCC", "auto", "2025-09-15")


def test_setup_dialog_the_centre_and_the_form_family(qtbot):
    dialog = SetupDialog(None)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.fields["agency_code"].setText("H56.245")
    dialog.fields["agency_name"].setText("UBND xã Quảng Phú")
    assert "xã Quảng Phú" in dialog.fields["centre_name"].placeholderText()
    dialog.fields["number_suffix"].setText("TT/<b>")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert dialog.result() == 0 and "Ký hiệu số văn bản" in dialog.errors.text()
    dialog.fields["number_suffix"].setText("ttpvhcc")
    dialog.fields["centre_name"].setText("Trung tâm PVHCC xã Quảng Phú")
    dialog.family.setCurrentIndex(1)  # the province keeps the 2018 numbering
    dialog.forms_from.setDate(QDate(2025, 10, 1))
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    settings = dialog.result_settings
    assert (settings.centre, settings.number_suffix, settings.form_family,
            settings.forms_2025_from) == ("Trung tâm PVHCC xã Quảng Phú", "TTPVHCC",
                                          "tt01-2018", "2025-10-01")
    again = SetupDialog(settings)
    qtbot.addWidget(again)
    assert again.family.currentData() == "tt01-2018"
    assert again.forms_from.date() == QDate(2025, 10, 1)


def test_local_day_off_moves_the_live_appointment(qtbot, window, counter):
    screen = window.reception
    screen.picker.select(counter.procedure("1.004873"))  # 3 working days
    assert screen._computed_due == dt.datetime(2026, 11, 26, 17, 0)
    dialog = CalendarDialog(window.worker, 2026, window)
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: window.worker.idle and dialog.table.rowCount() > 0)
    dialog.day.setDate(QDate(2026, 11, 23))
    dialog.reason.setText("Nghỉ do bão số 15")
    dialog.add_override()
    qtbot.waitUntil(lambda: "Đã lưu" in dialog.message.text() and window.worker.idle)
    rows = [dialog.table.item(r, 0).text() for r in range(dialog.table.rowCount())]
    assert "23/11/2026" in rows
    window.worker.run(lambda c: c.calendar, screen.set_calendar)
    qtbot.waitUntil(lambda: screen._computed_due == dt.datetime(2026, 11, 27, 17, 0))
    assert "27/11/2026" in screen.due_label.text()
