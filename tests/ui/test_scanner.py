"""The USB scanner types a dossier code and Enter into whatever has focus: the dossier opens,
ready for its next step, from any tab, and the field it typed into is left as it was."""

import time

import pytest
from PySide6.QtCore import QEvent, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QDialog, QLineEdit, QPlainTextEdit, QVBoxLayout

from ui.common.scanner import ScannerFilter
from ui.dossier.dialog import DossierDialog

SYMBOLS = {".": Qt.Key.Key_Period, "-": Qt.Key.Key_Minus, " ": Qt.Key.Key_Space}
NO = Qt.KeyboardModifier.NoModifier


def key_for(ch: str) -> tuple[Qt.Key, Qt.KeyboardModifier]:
    if ch in SYMBOLS:
        return SYMBOLS[ch], NO
    if ch.isascii() and ch.isalnum():
        shift = Qt.KeyboardModifier.ShiftModifier if ch.isupper() else NO
        return Qt.Key(ord(ch.upper())), shift
    return Qt.Key.Key_unknown, NO  # Vietnamese letters: as an input method delivers them


def press(key, mods=NO, text="", widget=None):
    widget = widget or QApplication.focusWidget()
    for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
        QApplication.sendEvent(widget, QKeyEvent(kind, key, mods, text))


def type_keys(text: str) -> None:
    """Each character as its own key event to the focused widget, Shift for capitals, as a
    scanner (or an officer) types it."""
    for ch in text:
        if ch.isupper():
            press(Qt.Key.Key_Shift, Qt.KeyboardModifier.ShiftModifier)
        key, mods = key_for(ch)
        press(key, mods, ch)


def enter() -> None:
    press(Qt.Key.Key_Return, NO, "\r")


def scan(code: str) -> None:
    type_keys(code)
    enter()


def test_scan_into_a_half_filled_reception_form(qtbot, states, window, opened):
    screen = window.reception
    screen.id_number.setText("038190100010")
    screen.full_name.setFocus()
    type_keys("Trần Bình")
    screen.full_name.setCursorPosition(len("Trần "))  # the officer was fixing the name
    scan(states["ready"])
    qtbot.waitUntil(lambda: opened == [(states["ready"], True)])
    assert screen.full_name.text() == "Trần Bình"  # the code's characters are gone again
    assert screen.full_name.cursorPosition() == len("Trần ")
    assert screen.id_number.text() == "038190100010"
    assert window.tabs.currentWidget() is screen
    assert window.focusWidget() is screen.full_name  # the Enter did not move on


def test_ordinary_typing_and_enter_are_left_alone(qtbot, states, window, opened):
    screen = window.reception
    screen.full_name.setFocus()
    type_keys("Nguyễn Văn An")
    enter()
    assert window.focusWidget() is screen.phone  # Enter still moves to the next field
    assert screen.full_name.text() == "Nguyễn Văn An"
    type_keys("000.17.22.H56-261120")  # the start of a code is not a code
    enter()
    assert screen.phone.text() == "000.17.22.H56-261120"
    assert window.focusWidget() is screen.address
    qtbot.wait(50)
    assert opened == [] and window.worker.idle


def test_a_long_pause_starts_afresh_but_no_speed_is_needed(qtbot, states, window, opened):
    now = [100.0]
    window.scanner.clock = lambda: now[0]
    screen = window.reception
    screen.full_name.setFocus()
    code = states["waiting"]
    type_keys(code[:10])
    now[0] += 3  # a pause: what came before is not part of what follows
    type_keys(code[10:])
    enter()
    assert screen.full_name.text() == code and window.focusWidget() is screen.phone
    # Typed slowly, with a typo corrected, and a moment's hesitation before Enter.
    screen.address.setFocus()
    for ch in code[:-1] + "9":
        type_keys(ch)
        now[0] += 0.8
    press(Qt.Key.Key_Backspace)
    type_keys(code[-1])
    now[0] += 5
    enter()
    qtbot.waitUntil(lambda: opened == [(code, True)])
    assert screen.address.text() == ""


def test_scan_on_the_work_lists(qtbot, states, home_window, opened):
    w = home_window
    w.show_worklists()
    w.worklists.lists.setCurrentRow(2)
    assert w.focusWidget() is w.worklists.lists
    scan(states["overdue"])
    qtbot.waitUntil(lambda: opened == [(states["overdue"], True)])
    assert w.worklists.lists.currentRow() == 2 and w.tabs.currentWidget() is w.worklists
    # From the table too, where Enter would otherwise open the selected dossier.
    qtbot.waitUntil(lambda: w.worker.idle and w.worklists.table.proxy.rowCount() > 0)
    w.worklists.focus_table()
    scan(states["returned"].lower())  # a hand-typed code in small letters
    qtbot.waitUntil(lambda: len(opened) == 2)
    assert opened[1] == (states["returned"], True)


def test_scan_in_the_procedure_field_with_its_popup_open(qtbot, states, window, opened):
    picker = window.reception.picker
    picker.setFocus()
    type_keys("ket hon")
    qtbot.waitUntil(lambda: picker.completer().popup().isVisible())
    scan(states["due_soon"])
    qtbot.waitUntil(lambda: opened == [(states["due_soon"], True)])
    assert picker.text() == "ket hon"
    assert not picker.completer().popup().isVisible()


def test_unknown_code_is_said_so(qtbot, states, home_window, opened):
    scan("000.17.22.H56-261120-1999")
    w = home_window
    qtbot.waitUntil(lambda: w.notice_box is not None and w.notice_box.isVisible())
    assert "Không tìm thấy hồ sơ có mã 000.17.22.H56-261120-1999" in w.notice_box.text()
    w.notice_box.accept()
    assert opened == []


@pytest.fixture
def watchdog():
    """Closes any modal dialog still open after 5 s: a broken scanner then fails the test
    instead of leaving it hanging in a dialog's exec()."""
    started = time.monotonic()
    timer = QTimer(interval=200)

    def sweep():
        modal = QApplication.activeModalWidget()
        if modal is not None and time.monotonic() - started > 5:
            modal.reject()
    timer.timeout.connect(sweep)
    timer.start()
    yield
    timer.stop()


class ModalDossier(QDialog):
    """A stand-in that really runs exec(), with a note field to scan into."""
    changed = Signal(str)
    shown: list = []

    def __init__(self, worker, code, printer, parent=None, ready=False, scan_folder=None):
        super().__init__(parent)
        self.code, self.ready = code, ready
        self.note = QPlainTextEdit()
        self.note.setPlainText("Ghi chú: gọi lại")
        QVBoxLayout(self).addWidget(self.note)
        ModalDossier.shown.append(self)


def test_scan_while_a_dossier_is_open_closes_it_and_opens_the_new_one(qtbot, states,
                                                                      home_window, monkeypatch,
                                                                      watchdog):
    monkeypatch.setattr("ui.dossier.opening.DossierDialog", ModalDossier)
    ModalDossier.shown = []
    w = home_window
    seen = []

    def when(condition, then):
        def poll():
            if condition():
                then()
            else:
                QTimer.singleShot(20, poll)
        QTimer.singleShot(20, poll)

    def scan_into_first():
        first = ModalDossier.shown[0]
        seen.append(("first", first.code, first.ready, QApplication.activeModalWidget() is first))
        first.note.setFocus()
        first.note.moveCursor(first.note.textCursor().MoveOperation.End)
        scan(states["ready"])
        seen.append(("note", first.note.toPlainText()))
        when(lambda: len(ModalDossier.shown) == 2 and ModalDossier.shown[1].isVisible(),
             check_second)

    def check_second():
        first, second = ModalDossier.shown
        seen.append(("second", second.code, second.ready, first.isVisible(),
                     QApplication.activeModalWidget() is second))
        second.reject()

    when(lambda: ModalDossier.shown and ModalDossier.shown[0].isVisible(), scan_into_first)
    w.open_dossier(states["waiting"])
    qtbot.waitUntil(lambda: len(seen) == 3, timeout=10_000)
    assert seen[0] == ("first", states["waiting"], False, True)
    assert seen[1] == ("note", "Ghi chú: gọi lại")
    assert seen[2] == ("second", states["ready"], True, False, True)
    qtbot.waitUntil(lambda: w._dialog is None and QApplication.activeModalWidget() is None)


def test_scan_opens_the_real_dossier_dialog_ready(qtbot, states, home_window, watchdog):
    w = home_window
    seen = []

    def check():
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, DossierDialog) or dialog.loaded is None:
            QTimer.singleShot(20, check)
            return
        seen.append((dialog.code, dialog.ready, dialog.parent() is w))
        dialog.reject()
    QTimer.singleShot(0, check)
    scan(states["ready"])
    qtbot.waitUntil(lambda: bool(seen), timeout=10_000)
    assert seen == [(states["ready"], True, True)]


@pytest.fixture
def lone_filter(qtbot):
    scanner = ScannerFilter()
    scanner.install()
    yield scanner
    scanner.uninstall()


def test_the_filter_alone_restores_text_edits_and_line_edits(qtbot, lone_filter):
    codes = []
    lone_filter.code_scanned.connect(codes.append)
    dialog = QDialog()
    qtbot.addWidget(dialog)
    note, line = QPlainTextEdit(), QLineEdit()
    layout = QVBoxLayout(dialog)
    layout.addWidget(note)
    layout.addWidget(line)
    with qtbot.waitActive(dialog):
        dialog.show()
    note.setPlainText("Dòng một\nDòng hai")
    note.setFocus()
    cursor = note.textCursor()
    cursor.setPosition(len("Dòng một"))
    note.setTextCursor(cursor)
    scan("000.17.22.H56-261120-1003")
    assert codes == ["000.17.22.H56-261120-1003"]
    assert note.toPlainText() == "Dòng một\nDòng hai"
    assert note.textCursor().position() == len("Dòng một")
    line.setFocus()
    type_keys("abc 000.17.22.G01-250101-2001")
    enter()
    assert codes[-1] == "000.17.22.G01-250101-2001" and line.text() == "abc "


def test_scan_in_the_procedure_field_keeps_the_chosen_procedure_and_ticks(qtbot, states, window,
                                                                          opened):
    screen = window.reception
    procedure = next(p for p in window.worker.call(lambda c: c.procedures())
                     if p.code == "1.004873")
    screen.picker.select(procedure)
    screen.checklist.toggle(0)
    ticks = screen.checklist.ticks()
    assert ticks[0] and screen.procedure == procedure
    screen.picker.setFocus()
    scan(states["ready"])
    qtbot.waitUntil(lambda: opened == [(states["ready"], True)])
    assert screen.picker.current == procedure and screen.procedure == procedure
    assert screen.checklist.ticks() == ticks


def test_a_scan_in_a_form_preview_opens_the_dossier_and_prints_nothing(qtbot, lone_filter,
                                                                       counter):
    from ui.common.slip_printing import SlipPreview, SlipPrinter

    codes, printed = [], []
    lone_filter.code_scanned.connect(codes.append)
    printer = SlipPrinter()
    printer.print_pdf = lambda pdf, parent: printed.append(pdf) or True
    pdf = counter.slip_pdf(counter.find("").rows[0].code)
    preview = SlipPreview(pdf, "Mẫu 01", printer)
    qtbot.addWidget(preview)
    with qtbot.waitActive(preview):
        preview.show()
    preview.view.setFocus()
    scan("000.17.22.H56-261120-1003")
    assert codes == ["000.17.22.H56-261120-1003"] and printed == []
    press(Qt.Key.Key_Return, NO, "\r", preview.focusWidget())  # Enter alone still prints
    assert len(printed) == 1


@pytest.mark.parametrize("code", ["H55.242-261120-1003", "H56.245.01-261120-2001",
                                  "000.17.22.H56-261120-100012"])
def test_codes_of_either_generation_and_length_are_scanned(qtbot, lone_filter, code):
    """Agency codes re-issued after the 2025 mergers read left to right and are shorter; a
    sequence may be longer than four digits (docs/law.md §17)."""
    codes = []
    lone_filter.code_scanned.connect(codes.append)
    dialog = QDialog()
    qtbot.addWidget(dialog)
    line = QLineEdit()
    QVBoxLayout(dialog).addWidget(line)
    with qtbot.waitActive(dialog):
        dialog.show()
    line.setFocus()
    type_keys("ghi chú 12 " + code.lower())
    enter()
    assert codes == [code] and line.text() == "ghi chú 12 "
