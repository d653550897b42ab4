"""The dossier window and its step forms, driven by keyboard against a real desk database."""

import datetime as dt

import pytest
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication

from counter_app.domain.legal_forms import FormKind
from counter_app.domain.lifecycle import Step
from counter_app.domain.reception import ReceptionRequest
from counter_app.domain.statuses import Status
from counter_app.service.counter import Counter
from tests.settable_clock import Clock
from tests.ui.conftest import AGENCY, NOW, signed_in
from ui.common.slip_printing import SlipPrinter
from ui.common.tasks import DbWorker
from ui.dossier.dialog import DossierDialog


@pytest.fixture
def clock():
    return Clock(NOW)  # Friday 20/11/2026 09:15


@pytest.fixture
def desk(tmp_path, clock):
    counter = signed_in(Counter.open(tmp_path / "desk.db", clock=clock))
    counter.set_up(**AGENCY)
    return counter


@pytest.fixture
def worker(qtbot, desk):
    w = DbWorker(desk)
    yield w
    qtbot.waitUntil(lambda: w.idle)
    w.shutdown()


@pytest.fixture
def printed(desk):
    """What would have gone to the printer: the form's number (no real print dialog)."""
    desk.form_pdf = lambda code, form, out=None: f"%PDF Mẫu {form}".encode()
    return []


@pytest.fixture
def code(desk):
    # 3 working days: due Thursday 26/11/2026 17:00 (24/11 is a day off).
    return desk.receive(ReceptionRequest("1.004873", {
        "full_name": "Trần Văn Bình", "id_number": "038090012345", "phone": "0912345678"})).code


def type_text(widget, text):
    """Key events carrying each character (QTest.keyClicks asserts on Vietnamese)."""
    for ch in text:
        for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            QApplication.sendEvent(widget, QKeyEvent(kind, 0, Qt.KeyboardModifier.NoModifier, ch))


def open_dialog(qtbot, worker, code, printed, ready=True):
    printer = SlipPrinter()
    printer.print_pdf = lambda pdf, parent: printed.append(pdf.decode()[-2:]) or True
    dialog = DossierDialog(worker, code, printer, ready=ready)
    qtbot.addWidget(dialog)
    dialog.show()
    settle(qtbot, worker)
    return dialog


def settle(qtbot, worker):
    qtbot.waitUntil(lambda: worker.idle)
    QApplication.processEvents()
    qtbot.waitUntil(lambda: worker.idle)


def enter(qtbot, dialog):
    qtbot.keyClick(dialog.focusWidget(), Qt.Key.Key_Return)


def start_by_enter(qtbot, dialog, step):
    """Enter on the focused (suggested) step button opens that step's form."""
    assert dialog.focusWidget() is dialog.step_buttons[step]
    enter(qtbot, dialog)
    form = dialog.step_form
    assert form is not None and form.step is step and form.isVisible()
    return form


def save(qtbot, worker, form):
    """F9, the save key of every form (a shortcut: the form must be the active window)."""
    form.activateWindow()
    qtbot.waitUntil(form.isActiveWindow)
    qtbot.keyClick(form.focusWidget(), Qt.Key.Key_F9)
    settle(qtbot, worker)


def history(dialog):
    return [(dialog.history.item(i, 2).text(), dialog.history.item(i, 3).text())
            for i in range(dialog.history.rowCount())]


def test_only_allowed_steps_and_the_usual_one_has_focus(qtbot, worker, desk, code, printed):
    dialog = open_dialog(qtbot, worker, code, printed)
    assert dialog.windowTitle() == f"Hồ sơ {code} – Được tiếp nhận"
    assert set(dialog.step_buttons) == set(desk.allowed_steps(code)) == {
        Step.HANDOVER, Step.REQUEST_SUPPLEMENT, Step.WITHDRAW, Step.STOP,
        Step.APOLOGIZE, Step.FINISH, Step.REFUSE_ON_MERITS}
    handover = dialog.step_buttons[Step.HANDOVER]
    assert handover.text() == "Chuyển hồ sơ (bàn giao)"
    assert handover.isDefault() and dialog.focusWidget() is handover
    assert dialog.details.values["due"].text() == "26/11/2026 17:00"
    assert history(dialog) == [("Tiếp nhận hồ sơ",
                                "Cấp Giấy xác nhận tình trạng hôn nhân; hẹn trả 26/11/2026 17:00")]
    # In the dossier's family (TT 03/2025): the supplement, refusal, apology and stop need
    # their step first; the slip (01) and the control slip (06) exist from reception on.
    kinds = (FormKind.RECEIPT, FormKind.SUPPLEMENT, FormKind.REFUSAL, FormKind.APOLOGY,
             FormKind.STOP, FormKind.CONTROL)
    assert [dialog.form_buttons[k][1].isEnabled() for k in kinds] == [
        True, False, False, False, False, True]
    assert [dialog.form_captions[k].text()[:6] for k in kinds] == [
        "Mẫu 01", "Mẫu 02", "Mẫu 03", "Mẫu 04", "Mẫu 05", "Mẫu 06"]
    assert "Thông tư 03/2025" in dialog.forms_box.title()
    # Opened from a list too, Enter starts the step the window names (it only opens its form).
    browsing = open_dialog(qtbot, worker, code, printed, ready=False)
    assert browsing.focusWidget() is browsing.step_buttons[Step.HANDOVER]
    assert "(Enter)" in browsing.no_steps.text()


def test_handover_by_keyboard(qtbot, worker, desk, code, printed):
    dialog = open_dialog(qtbot, worker, code, printed)
    changed = []
    dialog.changed.connect(changed.append)
    form = start_by_enter(qtbot, dialog, Step.HANDOVER)
    assert form.focusWidget() is form.to_unit
    qtbot.keyClick(form.to_unit, Qt.Key.Key_Down)  # first unit of the list
    assert form.to_unit.currentText() == "Công chức Tư pháp – Hộ tịch"
    enter(qtbot, form)
    assert form.focusWidget() is form.to_person
    type_text(form.to_person, "Phạm Thu Hà")
    enter(qtbot, form)
    assert form.focusWidget() is form.step_due_at  # defaults to the dossier's due date
    assert form.step_due_at.text() == "26/11/2026 17:00"
    save(qtbot, worker, form)

    assert not form.isVisible() and changed == [code]
    assert dialog.details.values["status"].text() == "Đang xử lý (4)"
    assert dialog.details.values["holder"].text() == (
        "Công chức Tư pháp – Hộ tịch – Phạm Thu Hà (hạn xử lý 26/11/2026 17:00)")
    assert history(dialog)[-1] == ("Chuyển hồ sơ (bàn giao)",
                                   "Từ Bộ phận tiếp nhận và trả kết quả đến Công chức Tư pháp – "
                                   "Hộ tịch – Phạm Thu Hà; hạn xử lý 26/11/2026 17:00")
    assert dialog.transfers_table.rowCount() == 1
    stored = desk.dossier(code)
    assert stored.status is Status.PROCESSING and stored["holder_person"] == "Phạm Thu Hà"
    # Now in processing, the usual next step is "finished" and it is ready on Enter.
    assert dialog.focusWidget() is dialog.step_buttons[Step.FINISH]


def test_missing_required_field_is_red_and_nothing_recorded(qtbot, worker, desk, code, printed):
    dialog = open_dialog(qtbot, worker, code, printed)
    form = start_by_enter(qtbot, dialog, Step.HANDOVER)
    type_text(form.to_person, "Phạm Thu Hà")
    save(qtbot, worker, form)

    assert form.isVisible() and form.errors_label.isVisible()
    assert form.error_labels["to_unit"].text() == "Chưa nhập nơi nhận hồ sơ."
    assert form.error_labels["to_unit"].isVisible()
    assert "#c62828" in form.to_unit.styleSheet()
    assert form.focusWidget() is form.to_unit
    assert form.to_person.text() == "Phạm Thu Hà"  # what was typed stays
    assert [e.kind for e in desk.events(desk.dossier(code))] == ["received"]
    assert desk.dossier(code).status is Status.RECEIVED

    type_text(form.to_unit, "Trưởng thôn Đông")  # a unit not in the list yet
    save(qtbot, worker, form)
    assert not form.isVisible()
    assert desk.dossier(code)["holder"] == "Trưởng thôn Đông"
    # Remembered for the next hand-over of any dossier in this database.
    nxt = dialog.start_step(Step.HANDOVER)
    assert nxt.to_unit.findText("Trưởng thôn Đông") >= 0


def test_supplement_then_resume_moves_the_due_date(qtbot, worker, desk, code, printed, clock):
    dialog = open_dialog(qtbot, worker, code, printed)
    dialog.step_buttons[Step.REQUEST_SUPPLEMENT].click()
    form = dialog.step_form
    assert form.contact.text() == "Lê Thị Hoa" and form.contact_phone.text() == "0237 3852 111"
    type_text(form.items, "Bản sao giấy khai sinh")
    qtbot.keyClick(form.items, Qt.Key.Key_Return)  # a new line, not the next field
    type_text(form.items, "Xác nhận cư trú")
    qtbot.keyClick(form.items, Qt.Key.Key_Tab)
    assert form.focusWidget() is form.reason
    type_text(form.reason, "Thiếu giấy tờ chứng minh")
    save(qtbot, worker, form)
    assert printed == ["02"]  # Mẫu 02 offered and printed at once
    assert dialog.details.values["status"].text() == "Yêu cầu bổ sung giấy tờ (5)"
    assert history(dialog)[-1] == (
        "Yêu cầu bổ sung hồ sơ", "Cần bổ sung: Bản sao giấy khai sinh, Xác nhận cư trú; "
        "lý do: Thiếu giấy tờ chứng minh")
    assert dialog.form_buttons[FormKind.SUPPLEMENT][1].isEnabled()

    clock.now = dt.datetime(2026, 11, 23, 9, 15)  # Monday: one working day (8 h) later
    dialog.refresh()
    settle(qtbot, worker)
    form = start_by_enter(qtbot, dialog, Step.RESUME)
    type_text(form.note, "Đã nhận đủ")
    save(qtbot, worker, form)
    assert form.isVisible()  # shows the new appointment; Enter closes
    assert form.result_label.text() == (
        "Đã nhận bổ sung. Thời gian chờ: 8 giờ làm việc.\n"
        "Hẹn trả mới: 27/11/2026 17:00 (trước: 26/11/2026 17:00).")
    enter(qtbot, form)
    assert not form.isVisible()
    assert desk.dossier(code)["due_at"] == "2026-11-27T17:00"
    assert dialog.details.values["due"].text() == "27/11/2026 17:00"
    assert dialog.details.values["supplement"].text() == "1 lần; đã chờ 8 giờ làm việc"


def test_apology_only_once(qtbot, worker, desk, code, printed):
    dialog = open_dialog(qtbot, worker, code, printed)
    dialog.step_buttons[Step.APOLOGIZE].click()
    form = dialog.step_form
    # Proposed: the next working day after the current appointment, same hour.
    assert (form.new_date.text(), form.new_time.text()) == ("27/11/2026", "17:00")
    save(qtbot, worker, form)
    assert form.error_labels["reason"].text() == "Chưa nhập lý do chậm trả kết quả."
    assert desk.dossier(code)["apologized"] == 0
    type_text(form.reason, "Cần xác minh thêm tại xã khác")
    save(qtbot, worker, form)
    assert not form.isVisible() and printed == ["04"]
    # The slip's deadline stays the measure of lateness; the new date is kept beside it.
    assert desk.dossier(code)["due_at"] == "2026-11-26T17:00"
    assert desk.dossier(code)["extended_due_at"] == "2026-11-27T17:00"
    assert Step.APOLOGIZE not in dialog.step_buttons
    assert Step.HANDOVER in dialog.step_buttons
    assert dialog.details.values["apology"].isVisible()


def test_finish_then_return_with_fee_and_rating(qtbot, worker, desk, code, printed, clock):
    desk.step(code, Step.HANDOVER, {"to_unit": "Công chức Tư pháp – Hộ tịch"})
    clock.now = dt.datetime(2026, 11, 25, 10, 0)
    dialog = open_dialog(qtbot, worker, code, printed)
    form = start_by_enter(qtbot, dialog, Step.FINISH)
    type_text(form.result, "Đã cấp Giấy xác nhận tình trạng hôn nhân")
    save(qtbot, worker, form)
    assert dialog.details.values["verdict"].text() == "Trước hạn – xong lúc 25/11/2026 10:00"

    form = start_by_enter(qtbot, dialog, Step.RETURN)
    form.fee.setFocus()
    type_text(form.fee, "8.000")
    save(qtbot, worker, form)  # a fee without its receipt number is refused
    assert form.error_labels["fee_receipt_no"].text() == (
        "Chưa nhập số biên lai thu phí, lệ phí.")
    assert form.fee.text() == "8.000" and desk.dossier(code).status is Status.FINISHED
    type_text(form.fee_receipt, "BL-0012")
    qtbot.keyClick(form, Qt.Key.Key_2, Qt.KeyboardModifier.AltModifier)  # "Hài lòng"
    assert form.rating["satisfied"].isChecked()
    save(qtbot, worker, form)

    stored = desk.dossier(code)
    assert stored.status is Status.RETURNED and stored["rating"] == "satisfied"
    payload = desk.events(stored)[-1].payload
    assert (payload["fee_vnd"], payload["fee_receipt_no"]) == (8000, "BL-0012")
    assert payload["recipient_name"] == "Trần Văn Bình"
    assert dialog.details.values["rating"].text() == "Hài lòng"
    assert dialog.details.values["status"].text() == "Đã trả kết quả (10)"
    assert "8.000 đồng, biên lai BL-0012" in history(dialog)[-1][1]
    # A final dossier: no step at all, Enter closes.
    assert dialog.step_buttons == {}
    assert "đã kết thúc" in dialog.no_steps.text()
    assert dialog.focusWidget() is dialog.close_button


def test_step_taken_elsewhere_meanwhile_is_explained(qtbot, worker, desk, code, printed):
    dialog = open_dialog(qtbot, worker, code, printed)
    form = dialog.start_step(Step.FINISH)
    worker.call(lambda c: c.step(code, Step.WITHDRAW, {}))  # another desk, same dossier
    save(qtbot, worker, form)
    assert "đã kết thúc ở trạng thái “Công dân yêu cầu rút hồ sơ”" in form.errors_label.text()
    form.reject()
    settle(qtbot, worker)
    assert dialog.step_buttons == {}
    assert dialog.details.values["closed"].text() == "Theo đề nghị của người nộp hồ sơ"


def test_unknown_code_says_so(qtbot, worker, printed):
    dialog = open_dialog(qtbot, worker, "000.17.22.H56-261120-9999", printed)
    assert dialog.message.text() == "Không tìm thấy hồ sơ có mã '000.17.22.H56-261120-9999'."
    assert dialog.step_buttons == {}


@pytest.mark.parametrize("step", [Step.FINISH, Step.REFUSE_ON_MERITS])
def test_the_processing_officer_finishes_without_a_false_failure(qtbot, worker, desk, code,
                                                                 printed, step):
    """The officer a dossier was handed to records its result: the dossier goes back to the
    counter, out of their hands. The window says it was saved and where it went, with no
    red line, and offers no more steps; the step form closes."""
    desk.add_officer("xuly", "Ngô Văn Tư", "Công chức Tư pháp", ["processing"], "mat-khau-xu-ly")
    desk.step(code, Step.HANDOVER, {"to_unit": "Công chức Tư pháp", "to_person": "Ngô Văn Tư"})
    desk.sign_in("xuly", "mat-khau-xu-ly")
    dialog = open_dialog(qtbot, worker, code, printed)
    assert step in dialog.step_buttons
    form = dialog.start_step(step)
    if step is Step.REFUSE_ON_MERITS:
        type_text(form.decision_no, "15/TB-UBND")
        type_text(form.decided_by, "Chủ tịch UBND xã")
        form.reason.setPlainText("Không đủ điều kiện theo quy định")
    save(qtbot, worker, form)
    qtbot.waitUntil(lambda: not form.isVisible())
    settle(qtbot, worker)
    assert desk.db.execute("SELECT status FROM dossiers WHERE code = ?",
                           [code]).fetchone()[0] == 9
    message = dialog.message.text()
    assert "Đã ghi" in message and "không được giao" not in message, message
    assert "#b71c1c" not in dialog.message.styleSheet()  # not an error
    assert "Đã xử lý xong" in dialog.windowTitle()
    assert dialog.step_buttons == {}  # its next step (return) is the counter's


def test_the_processing_officer_lists_their_dossiers_and_what_they_finished(desk, code):
    """'Hồ sơ của tôi' holds what is handed to the officer, with its due date; once they
    record the result it moves to 'Tôi đã xử lý xong hôm nay', which they can still open."""
    from counter_app.store.dossier_queries import Worklist

    desk.add_officer("xuly", "Ngô Văn Tư", "Công chức Tư pháp", ["processing"], "mat-khau-xu-ly")
    desk.step(code, Step.HANDOVER, {"to_unit": "Công chức Tư pháp", "to_person": "Ngô Văn Tư"})
    desk.sign_in("xuly", "mat-khau-xu-ly")
    assert [d.code for d in desk.worklist(Worklist.MINE)] == [code]
    assert desk.worklist(Worklist.FINISHED_TODAY) == []
    desk.step(code, Step.FINISH, {"result": "Giấy xác nhận"})
    assert desk.worklist(Worklist.MINE) == []
    assert [d.code for d in desk.worklist(Worklist.FINISHED_TODAY)] == [code]
    assert desk.worklist_counts()[Worklist.FINISHED_TODAY] == 1
    assert desk.dossier(code).status is Status.FINISHED  # still readable for them today
