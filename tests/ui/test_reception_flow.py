"""The reception flow driven by keyboard alone, as an officer at the counter does it."""

import subprocess

import pytest
from PySide6.QtCore import QEvent, Qt, QTimer
from PySide6.QtGui import QKeyEvent
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import QApplication

from counter_app.domain.reception import ReceptionRequest


def focused():
    return QApplication.focusWidget()


def type_text(widget, text):
    """Key events carrying each character, as a Vietnamese input method delivers them.

    (QTest.keyClicks asserts on non-ASCII characters, so send the events ourselves.)
    """
    for ch in text:
        for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            QApplication.sendEvent(widget, QKeyEvent(kind, 0, Qt.KeyboardModifier.NoModifier, ch))


def type_and_enter(qtbot, text):
    widget = focused()
    type_text(widget, text)
    qtbot.keyClick(widget, Qt.Key.Key_Return)


def accept_print_dialog_soon(qtbot):
    def accept():
        dialog = QApplication.activeModalWidget()
        if dialog is None:
            QTimer.singleShot(50, accept)
            return
        dialog.accept()
    QTimer.singleShot(50, accept)


def pick_procedure(qtbot, screen, query, index=0, settle=False):
    assert focused() is screen.picker
    qtbot.keyClicks(screen.picker, query)
    popup = screen.picker.completer().popup()
    qtbot.waitUntil(popup.isVisible)
    for _ in range(index + 1):
        qtbot.keyClick(popup, Qt.Key.Key_Down)
    qtbot.keyClick(popup, Qt.Key.Key_Return)
    if settle:
        # Closing the popup hands focus back to the picker from the event loop a moment
        # later; let that happen now, as it would long before an officer's next key press.
        qtbot.waitUntil(lambda: not popup.isVisible())
        qtbot.wait(50)


def test_returning_citizen_received_and_slip_printed_by_keyboard(qtbot, window, counter, tmp_path):
    screen = window.reception
    printed = tmp_path / "printed.pdf"
    window.printer.printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    window.printer.printer.setOutputFileName(str(printed))
    assert focused() is screen.id_number

    # ID number, Enter: the returning citizen's details fill in.
    type_and_enter(qtbot, "038190012345")
    qtbot.waitUntil(lambda: screen.full_name.text() == "Nguyễn Thị Đặng")
    assert screen.phone.text() == "0912345678"
    assert "đã từng nộp" in screen.returning_label.text()
    # A returning citizen: her details are there, so the form goes on to the procedure.
    qtbot.waitUntil(lambda: focused() is screen.picker)
    pick_procedure(qtbot, screen, "dang ky ket hon")  # no diacritics
    assert screen.procedure.name == "Đăng ký kết hôn"
    # Same-day procedure, Friday 09:15: due today at the close of office.
    assert "17 giờ 00, thứ Sáu 20/11/2026" in screen.due_label.text()

    assert focused() is screen.checklist  # the pick moves on to the documents by itself
    for _ in range(screen.checklist.rowCount()):
        qtbot.keyClick(screen.checklist, Qt.Key.Key_Space)
        qtbot.keyClick(screen.checklist, Qt.Key.Key_Down)
    assert screen.checklist.missing() == []

    accept_print_dialog_soon(qtbot)
    qtbot.keyClick(focused(), Qt.Key.Key_F9)
    qtbot.waitUntil(lambda: window.printer.pages_printed == 2, timeout=10_000)
    qtbot.waitUntil(lambda: window.worker.idle)

    today = counter.received_today()
    saved = [d for d in today if d["procedure_code"] == "1.000894"]
    assert len(saved) == 1
    dossier = saved[0]
    assert dossier.code == "000.17.22.H56-261120-1001"  # first of the day at desk 1
    assert dossier["applicant_name"] == "Nguyễn Thị Đặng"
    assert dossier["due_at"] == "2026-11-20T17:00"
    assert [e.kind for e in counter.events(dossier)] == ["received"]
    # The form is clear for the next citizen, focus back on the ID number.
    assert screen.id_number.text() == "" and window.focusWidget() is screen.id_number
    # What reached the printer carries a barcode a scanner reads.
    subprocess.run(["pdftoppm", "-r", "200", "-png", "-f", "1", "-l", "1", str(printed),
                    str(tmp_path / "page")], check=True)
    decoded = subprocess.run(["zbarimg", "-q", "--raw", str(tmp_path / "page-1.png")],
                             capture_output=True, text=True).stdout.split()
    assert decoded == [dossier.code]


def test_invalid_fields_explained_in_vietnamese_and_nothing_saved(qtbot, window, counter):
    screen = window.reception
    before = len(counter.received_today())
    type_and_enter(qtbot, "03819001")          # too short
    type_and_enter(qtbot, "")                  # no name
    type_and_enter(qtbot, "12345")             # bad phone
    qtbot.keyClick(focused(), Qt.Key.Key_F9)
    qtbot.waitUntil(lambda: screen.errors_label.isVisible())
    text = screen.errors_label.text()
    assert "12 chữ số" in text
    assert "Chưa nhập họ và tên" in text
    assert "Số điện thoại" in text
    assert "Chưa chọn thủ tục" in text
    assert screen.id_number.styleSheet()  # the field is marked
    assert len(counter.received_today()) == before


def test_later_appointment_needs_a_written_reason(qtbot, window, counter):
    screen = window.reception
    type_and_enter(qtbot, "038090012345")
    qtbot.waitUntil(lambda: window.worker.idle)
    type_and_enter(qtbot, "Trần Văn Bình")
    for _ in range(4):
        qtbot.keyClick(focused(), Qt.Key.Key_Return)
    pick_procedure(qtbot, screen, "xac nhan tinh trang hon nhan", settle=True)
    screen.checklist.check_all()
    computed = screen._computed_due
    assert computed.isoformat(timespec="minutes") == "2026-11-26T17:00"  # 3 working days, 24/11 is a day off
    screen.due_edit.setFocus()
    screen.due_edit.setDateTime(screen.due_edit.dateTime().addDays(1))
    assert screen.due_reason.isEnabled()
    qtbot.keyClick(focused(), Qt.Key.Key_F9)
    qtbot.waitUntil(lambda: screen.errors_label.isVisible())
    assert "phải ghi rõ lý do" in screen.errors_label.text()
    # (offscreen leaves the closed completer popup "active", so ask the window)
    assert window.focusWidget() is screen.due_reason, (window.focusWidget(), screen.errors_label.text())

    type_text(screen.due_reason, "Cần xác minh tại xã khác")
    window.printer.print_pdf = lambda pdf, parent: True  # this test is about the reason only
    qtbot.keyClick(focused(), Qt.Key.Key_F9)
    qtbot.waitUntil(lambda: not screen.errors_label.isVisible() and window.worker.idle)
    dossier = [d for d in counter.received_today() if d["procedure_code"] == "1.004873"][0]
    assert dossier["due_at"] == "2026-11-27T17:00"
    assert dossier["due_change_reason"] == "Cần xác minh tại xã khác"


def test_earlier_appointment_needs_no_reason(qtbot, window, counter):
    screen = window.reception
    screen.id_number.setText("038090012345")
    screen.full_name.setText("Trần Văn Bình")
    screen.picker.setFocus()
    pick_procedure(qtbot, screen, "xac nhan tinh trang hon nhan")
    screen.checklist.check_all()
    screen.due_edit.setDateTime(screen.due_edit.dateTime().addDays(-1))
    assert not screen.due_reason.isEnabled()
    window.printer.print_pdf = lambda pdf, parent: True
    qtbot.keyClick(screen.due_edit, Qt.Key.Key_F9)
    qtbot.waitUntil(lambda: window.worker.idle)
    assert not screen.errors_label.isVisible()
    dossier = [d for d in counter.received_today() if d["procedure_code"] == "1.004873"][0]
    assert dossier["due_at"] == "2026-11-25T17:00"


@pytest.mark.parametrize("query", ["chứng thực", "chung thuc", "thuc chung"])
def test_procedure_search_ignores_diacritics_and_word_order(window, query):
    found = window.reception.picker.matching(query)
    assert found and all(p.field == "Chứng thực" or "chứng thực" in p.name.lower() for p in found)


def test_today_list_search_without_diacritics_and_details(qtbot, window, counter):
    for name, id_number in (("Lê Văn Đặng", "038090054321"), ("Phạm Thị Hà", "038190054321")):
        counter.receive(ReceptionRequest("1.001193", {"full_name": name, "id_number": id_number}))
    window.show_today()
    screen = window.today
    qtbot.waitUntil(lambda: window.worker.idle)
    qtbot.keyClicks(screen.search, "dang van")  # any word order, no diacritics
    qtbot.waitUntil(lambda: window.worker.idle and screen.proxy.rowCount() == 1)
    assert "Đặng" in screen.proxy.index(0, 2).data()
    assert "2 hồ sơ" not in screen.count_label.text()
    # Enter opens the first match with its details and history.
    def check_dialog():
        dialog = QApplication.activeModalWidget()
        if dialog is None:
            QTimer.singleShot(50, check_dialog)
            return
        seen.append((dialog.windowTitle(), dialog.history.rowCount(),
                     dialog.history.item(0, 2).text()))
        dialog.reject()
    seen = []
    QTimer.singleShot(50, check_dialog)
    qtbot.keyClick(screen.search, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: bool(seen))
    assert seen[0][0].startswith("Hồ sơ 000.17.22.H56-261120-")
    assert seen[0][1:] == (1, "Tiếp nhận hồ sơ")
    qtbot.keyClicks(screen.search, " xyz")
    qtbot.waitUntil(lambda: window.worker.idle and screen.proxy.rowCount() == 0)


def test_refused_at_reception_from_the_screen_prints_mau_03(qtbot, window, counter, tmp_path):
    """An incomplete dossier is refused at the counter: the reason is asked for, the refusal
    is recorded without receiving the dossier (status 3) and its Mẫu 03 goes to the printer."""
    screen = window.reception
    sent = []
    window.printer.print_pdf = lambda pdf, parent: sent.append(pdf) or True
    type_text(screen.id_number, "038190012399")
    type_text(screen.full_name, "Trần Thị Lan")
    screen.id_number.setFocus()
    qtbot.keyClick(screen.id_number, Qt.Key.Key_Tab)
    screen.picker.setFocus()
    pick_procedure(qtbot, screen, "xac nhan tinh trang hon nhan")

    def refuse_with(reason: str):
        def answer():
            dialog = QApplication.activeModalWidget()
            if dialog is None:
                QTimer.singleShot(50, answer)
                return
            if not reason:  # nothing typed: the dialog says so and stays open
                dialog.ok.click()
                assert dialog.error.text() == "Chưa nhập lý do từ chối tiếp nhận."
                assert dialog.isVisible()
                dialog.reject()
                return
            type_text(dialog.reason, reason)
            dialog.ok.click()
        QTimer.singleShot(50, answer)
        screen.refuse_button.click()

    refuse_with("")
    assert counter.received_today() == [] and sent == []
    refuse_with("Thiếu tờ khai theo mẫu")
    qtbot.waitUntil(lambda: len(sent) == 1, timeout=10_000)
    qtbot.waitUntil(lambda: window.worker.idle)
    refused = [d for d in counter.received_today() if d["applicant_name"] == "Trần Thị Lan"]
    assert len(refused) == 1 and refused[0]["status"] == 3
    assert "từ chối tiếp nhận" in window.statusBar().currentMessage()
    assert sent[0].startswith(b"%PDF")
    assert screen.full_name.text() == ""  # cleared for the next citizen


def test_someone_submitting_for_the_applicant(qtbot, window, counter):
    """Alt+Q opens the proxy's fields (the TT 03/2025 slip prints them); a wrong ID number
    is marked on its field and nothing is saved."""
    screen = window.reception
    window.printer.print_pdf = lambda pdf, parent: True
    assert not screen.proxy_box.isVisible()
    type_text(screen.id_number, "038190012398")
    type_text(screen.full_name, "Trần Văn Hùng")
    screen.proxy_check.click()
    assert screen.proxy_box.isVisible() and focused() is screen.proxy_name
    type_text(screen.proxy_name, "Trần Thị Mai")
    type_text(screen.proxy_id, "12345")
    screen.picker.setFocus()
    pick_procedure(qtbot, screen, "dang ky ket hon")
    screen.checklist.check_all()
    screen.save()
    qtbot.waitUntil(lambda: window.worker.idle)
    assert screen.errors_label.isVisible() and screen.proxy_id.toolTip()
    assert counter.received_today() == []
    screen.proxy_id.clear()
    type_text(screen.proxy_id, "038190012397")
    screen.save()
    qtbot.waitUntil(lambda: window.worker.idle)
    saved = [d for d in counter.received_today() if d["applicant_name"] == "Trần Văn Hùng"]
    assert len(saved) == 1 and saved[0].proxy["name"] == "Trần Thị Mai"
    assert not screen.proxy_box.isVisible()  # the next citizen starts without a proxy


def test_the_picker_ranks_by_this_desks_use_and_enter_takes_the_top(qtbot, window, counter):
    """The common procedure comes first once the desk has used it; Enter with the list open
    and nothing highlighted takes the top match; ↓ reopens the list; Alt+1 takes the most
    used; after a pick, Space ticks a document instead of typing into the picker."""
    screen, picker = window.reception, window.reception.picker
    names = [p.name for p in picker.matching("chung thuc chu ky")]
    assert names[0].startswith("Chứng thực chữ ký") and len(names) > 1
    translator = next(p for p in picker.matching("chung thuc chu ky nguoi dich"))
    picker.set_usage({translator.code: 5, "2.000815": 12})
    assert picker.matching("chung thuc chu ky")[0].code == translator.code
    screen.set_usage({translator.code: 5, "2.000815": 12})
    assert "Alt+1" in screen.favourites_label.text()
    picker.setFocus()
    qtbot.keyClicks(picker, "chung thuc")
    popup = picker.completer().popup()
    qtbot.waitUntil(popup.isVisible)
    qtbot.keyClick(popup, Qt.Key.Key_Return)
    assert screen.procedure is not None and screen.procedure.code == "2.000815"
    assert focused() is screen.checklist
    qtbot.keyClick(screen.checklist, Qt.Key.Key_Space)
    assert picker.text().startswith("2.000815") and screen.procedure.code == "2.000815"
    picker.setFocus()
    qtbot.keyClick(picker, Qt.Key.Key_Down)
    qtbot.waitUntil(popup.isVisible)
    popup.hide()
    screen.reset()
    qtbot.keyClick(screen, Qt.Key.Key_2, Qt.KeyboardModifier.AltModifier)
    assert screen.procedure is not None and screen.procedure.code == translator.code


def test_new_form_asks_before_losing_typed_data_and_an_empty_form_shows_no_date(
        qtbot, window, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    screen = window.reception
    assert screen.due_edit.text().strip() == ""  # no "00:00 01/01/2000" before a procedure
    answers = []

    def ask(*args, **kwargs):
        answers.append(args[2])
        return answers_to_give.pop(0)
    monkeypatch.setattr(QMessageBox, "question", ask)
    answers_to_give = []
    screen.new_form()  # nothing typed: no question
    assert answers == []
    type_text(screen.full_name, "Trần Văn Hùng")
    answers_to_give = [QMessageBox.StandardButton.No]
    screen.new_button.click()
    assert answers and screen.full_name.text() == "Trần Văn Hùng"  # kept
    answers_to_give = [QMessageBox.StandardButton.Yes]
    screen.new_button.click()
    assert screen.full_name.text() == ""


def test_a_slip_that_did_not_print_stays_marked_and_ctrl_p_prints_it(qtbot, window, counter):
    screen = window.reception
    answers = [False, True]  # the print dialog cancelled, then printed
    sent = []
    window.printer.print_pdf = lambda pdf, parent: sent.append(pdf) or answers.pop(0)
    type_text(screen.id_number, "038190012396")
    type_text(screen.full_name, "Hoàng Thị Lan")
    screen.picker.setFocus()
    pick_procedure(qtbot, screen, "dang ky ket hon")
    screen.checklist.check_all()
    screen.save()
    qtbot.waitUntil(lambda: len(sent) == 1)
    code = [d for d in counter.received_today() if d["applicant_name"] == "Hoàng Thị Lan"][0].code
    assert screen.unprinted_label.isVisible() and code in screen.unprinted_label.text()
    assert "CHƯA IN" in window.statusBar().currentMessage()
    window.reprint_last()
    assert len(sent) == 2 and sent[0] == sent[1]
    assert not screen.unprinted_label.isVisible()


def test_a_field_is_checked_when_left_and_cleared_when_fixed(qtbot, window):
    screen = window.reception
    screen.id_number.setFocus()
    type_text(screen.id_number, "12345")
    qtbot.keyClick(screen.id_number, Qt.Key.Key_Tab)  # leaving it
    assert "12 chữ số" in screen.id_number.toolTip() and screen.id_number.styleSheet()
    assert not screen.errors_label.isVisible()  # a mark on the field, no banner
    screen.id_number.setText("038190012399")  # corrected
    assert screen.id_number.styleSheet() == "" and screen.id_number.toolTip() == ""
    qtbot.keyClick(screen.full_name, Qt.Key.Key_Tab)  # passing through the empty name
    assert screen.full_name.styleSheet() == ""
    screen.phone.setFocus()
    type_text(screen.phone, "12")
    qtbot.keyClick(screen.phone, Qt.Key.Key_Tab)
    assert "bắt đầu bằng 0" in screen.phone.toolTip()
