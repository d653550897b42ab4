"""A whole day at the counter, as the officer lives it: receive a dossier and print its slip,
hand it over and record the result from the dossier window, then, when the citizen comes
back with the slip, scan its barcode from the work lists and return the result."""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from counter_app.domain.lifecycle import Step
from counter_app.domain.statuses import Status
from counter_app.store.dossier_queries import Worklist
from tests.ui.driving import run, type_text
from ui.dossier.dialog import DossierDialog

NO = Qt.KeyboardModifier.NoModifier


def scan(widget, code: str) -> None:
    """What a USB scanner sends: each character as a key press (Shift for capitals), then
    Enter, to the widget that has focus."""
    for ch in code + "\r":
        key = Qt.Key.Key_Return if ch == "\r" else (
            Qt.Key(ord(ch.upper())) if ch.isalnum() else
            {".": Qt.Key.Key_Period, "-": Qt.Key.Key_Minus}[ch])
        mods = Qt.KeyboardModifier.ShiftModifier if ch.isupper() else NO
        for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            QApplication.sendEvent(widget, QKeyEvent(kind, key, mods, ch))


def dossier_dialog():
    """The open dossier window (a step form may be the active modal on top of it)."""
    for widget in QApplication.topLevelWidgets():
        if (isinstance(widget, DossierDialog) and widget.isVisible()
                and widget.loaded is not None and widget.worker.idle):
            return widget
    return None


def form_ready(step):
    dialog = dossier_dialog()
    form = dialog.step_form if dialog else None
    if form is None or form.step is not step or not form.isVisible():
        return None
    form.activateWindow()
    return form if form.isActiveWindow() else None


def form_closed():
    dialog = dossier_dialog()
    return dialog is not None and (dialog.step_form is None or not dialog.step_form.isVisible())


def status_is(text):
    dialog = dossier_dialog()
    return dialog is not None and dialog.details.values["status"].text().startswith(text)


def f9(form):
    """F9 saves every step form."""
    QTest.keyClick(form.focusWidget() or form, Qt.Key.Key_F9)


def test_receive_hand_over_finish_and_return_by_scanner(qtbot, window, counter):
    w = window
    printed = []
    w.printer.print_pdf = lambda pdf, parent: printed.append(pdf) or True

    # 1. Reception (F2): a new citizen, a 3-working-day procedure; F9 saves and prints.
    screen = w.reception
    screen.id_number.setFocus()
    type_text(screen.id_number, "038195004567")
    type_text(screen.full_name, "Phạm Thị Ánh")
    type_text(screen.phone, "0987654004")
    procedure = next(p for p in w.worker.call(lambda c: c.procedures()) if p.code == "1.004873")
    screen.picker.select(procedure)
    screen.checklist.check_all()
    QTest.keyClick(screen.checklist, Qt.Key.Key_F9)
    qtbot.waitUntil(lambda: w.worker.idle and len(printed) == 1)
    assert printed[0].startswith(b"%PDF")  # the Mẫu 01 slip went to the printer
    code = w.worker.call(lambda c: c.find("pham thi anh").rows[0].code)
    assert w.worker.call(lambda c: c.dossier(code).status) is Status.RECEIVED

    # 2. Today's list (F3): Enter on the dossier opens it; hand over, then the result is in.
    QTest.keyClick(w, Qt.Key.Key_F3)
    table = w.today.table
    qtbot.waitUntil(lambda: w.worker.idle and table.model().rowCount() >= 1)
    table.setFocus()
    row = next(r for r in range(table.model().rowCount())
               if code in str(table.model().index(r, 0).data()))
    table.selectRow(row)

    def fill_handover():
        form = form_ready(Step.HANDOVER)
        form.to_unit.setFocus()
        form.to_unit.lineEdit().selectAll()
        type_text(form.to_unit.lineEdit(), "Công chức Tư pháp – Hộ tịch")
        type_text(form.to_person, "Ngô Văn Tư")
        f9(form)

    run(qtbot, [
        ("open from the list", lambda: True, lambda: QTest.keyClick(table, Qt.Key.Key_Return)),
        ("dialog shown, not ready", lambda: dossier_dialog() is not None,
         lambda: dossier_dialog().step_buttons[Step.HANDOVER].click()),
        ("handover form", lambda: form_ready(Step.HANDOVER) is not None, fill_handover),
        ("handed over", lambda: status_is("Đang xử lý") and form_closed(),
         lambda: QTest.keyClick(dossier_dialog().focusWidget(), Qt.Key.Key_Return)),  # suggested
        ("finish form", lambda: form_ready(Step.FINISH) is not None,
         lambda: (type_text(form_ready(Step.FINISH).result, "Giấy xác nhận số 15/2026"),
                  f9(form_ready(Step.FINISH)))),
        ("finished", lambda: status_is("Đã xử lý xong") and form_closed(),
         lambda: dossier_dialog().reject()),
    ])
    qtbot.waitUntil(lambda: QApplication.activeModalWidget() is None and w.worker.idle)
    stored = w.worker.call(lambda c: c.dossier(code))
    assert stored.status is Status.FINISHED and stored["holder"].startswith("Bộ phận")
    assert stored["verdict"] == "early"

    # 3. The work lists (F4) show it ready to return; the citizen brings the slip back and
    #    the officer scans it, wherever the focus is.
    w.activateWindow()
    qtbot.waitUntil(w.isActiveWindow)
    QTest.keyClick(w.focusWidget(), Qt.Key.Key_F4)
    qtbot.waitUntil(lambda: w.worker.idle
                    and w.strip.counts.get(Worklist.READY_TO_RETURN) == 1)
    # (offscreen can leave QApplication.focusWidget() on a closed dialog: ask the window)
    focus_before = w.focusWidget()
    assert focus_before is not None and w.worklists.isAncestorOf(focus_before)

    def return_with_rating():
        form = form_ready(Step.RETURN)
        QTest.keyClick(form, Qt.Key.Key_1, Qt.KeyboardModifier.AltModifier)  # "Rất hài lòng"
        assert form.rating["very_satisfied"].isChecked()
        f9(form)

    run(qtbot, [
        ("scan the slip", lambda: True, lambda: scan(focus_before, code)),
        ("dialog ready for the return",
         lambda: dossier_dialog() is not None and dossier_dialog().ready
         and dossier_dialog().focusWidget() is dossier_dialog().step_buttons.get(Step.RETURN),
         lambda: QTest.keyClick(dossier_dialog().focusWidget(), Qt.Key.Key_Return)),
        ("return form", lambda: form_ready(Step.RETURN) is not None, return_with_rating),
        ("returned", lambda: status_is("Đã trả kết quả") and form_closed(),
         lambda: dossier_dialog().reject()),
    ])
    qtbot.waitUntil(lambda: QApplication.activeModalWidget() is None and w.worker.idle)

    stored = w.worker.call(lambda c: c.dossier(code))
    assert stored.status is Status.RETURNED and stored["rating"] == "very_satisfied"
    kinds = [e.kind for e in w.worker.call(lambda c: c.events(c.dossier(code)))]
    assert kinds == ["received", "handover", "finish", "return"]
    qtbot.waitUntil(lambda: w.worker.idle and w.strip.counts.get(Worklist.RETURNED_TODAY) == 1
                    and w.strip.counts.get(Worklist.READY_TO_RETURN) == 0)
    assert w.tabs.currentWidget() is w.worklists
