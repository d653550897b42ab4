"""Receiving a dossier for another body (docs/law.md §14) through the real window on a real
desk database: the "Cơ quan giải quyết" choice on the reception form, the dossier window of
a transfer (its two sides, its times, the paper steps of the receiving side only) and the
work list of what is still to go. Each screen is also laid out at 1024×768 and 1366×768
(less a taskbar) and saved to LAYOUT_SHOTS (default /work/notes/shots) to be looked at."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from counter_app.domain.forwarding import PAPER_MEANS_LABELS, PaperMeans
from counter_app.domain.lifecycle import Step
from counter_app.domain.reception import ReceptionRequest
from counter_app.store.dossier_queries import Worklist
from counter_app.sync.reference import apply_units
from tests.ui.conftest import NOW
from tests.ui.driving import type_text
from tests.ui.test_screen_fit import SIZES, cut_texts
from ui.dossier.dialog import DossierDialog
from ui.lists.dossier_table import OVERDUE_COLOR

DONG_SON, HA_LAM, AN_BINH, SO_TU_PHAP = ("000.16.22.H56", "000.15.22.H56", "000.14.22.H56",
                                         "000.00.17.H56")
UNITS = {"version": 1, "units": [
    {"code": "000.17.22.H56", "name": "UBND xã Quảng Phú", "kind": "commune"},  # this one
    {"code": DONG_SON, "name": "UBND xã Đông Sơn", "kind": "commune"},
    {"code": HA_LAM, "name": "UBND xã Hà Lam", "kind": "commune"},
    {"code": AN_BINH, "name": "UBND phường An Bình", "kind": "commune"},
    {"code": SO_TU_PHAP, "name": "Sở Tư pháp tỉnh Thanh Hóa", "kind": "provincial"}]}
#: Chứng thực hợp đồng, giao dịch: on the bundled boundary-free list; Đăng ký khai sinh: not.
CERTIFY, BIRTH = "2.001035", "1.001193"
CITIZEN = {"full_name": "Trần Thị Mai", "id_number": "001303012345", "phone": "0912345678"}


def shots() -> Path:
    folder = Path(os.environ.get("LAYOUT_SHOTS") or "/work/notes/shots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def units(counter):
    """The province's units, as a sync would bring them (before the window opens)."""
    apply_units(counter.db, UNITS)
    return UNITS


@pytest.fixture
def transfer(counter, units):
    """A dossier received here this morning for UBND xã Đông Sơn."""
    return counter.receive(ReceptionRequest(CERTIFY, dict(CITIZEN), competent_agency=DONG_SON,
                                            received_at=NOW)).code


def idle(qtbot, window):
    qtbot.waitUntil(lambda: window.worker.idle)
    QApplication.processEvents()
    qtbot.waitUntil(lambda: window.worker.idle)


def choose(qtbot, window, code):
    screen = window.reception
    screen.picker.select(window.worker.call(lambda c: c.procedure(code)))
    idle(qtbot, window)
    return screen


def shown_choices(picker) -> list[str]:
    return [picker.choice.itemText(i) for i in range(picker.choice.count())]


def fits(qtbot, widget, name: str, width: int, height: int) -> None:
    qtbot.wait(30)  # the layouts settle after texts set by the worker's answers
    widget.grab().save(str(shots() / f"{name}-{width}.png"))
    hint = widget.minimumSizeHint()
    assert hint.width() <= width and hint.height() <= height, (name, hint)
    assert cut_texts(widget) == [], name


# -- reception ---------------------------------------------------------------------------------
def test_the_choice_is_hidden_for_an_ordinary_procedure(qtbot, units, window):
    screen = choose(qtbot, window, BIRTH)
    assert screen.procedure.boundary_free is not True
    assert not screen.competent.isVisible()
    assert screen.request().competent_agency == ""
    # Keyboard-only: from the documents, Tab goes on as before (no stop on a hidden field).
    screen.picker.setFocus()
    qtbot.keyClick(screen.picker, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is screen.checklist


def test_offered_for_a_boundary_free_procedure_this_commune_first(qtbot, units, window):
    screen = choose(qtbot, window, CERTIFY)
    picker = screen.competent
    assert picker.isVisible() and picker.choice.isVisible()
    # This commune by default, then the province's communes in Vietnamese order; a
    # provincial body never decides a commune's procedure.
    assert shown_choices(picker) == ["Xã này (UBND xã Quảng Phú)", "UBND phường An Bình",
                                     "UBND xã Đông Sơn", "UBND xã Hà Lam"]
    assert "Sở Tư pháp tỉnh Thanh Hóa" not in shown_choices(picker)
    assert picker.value() == "" and not picker.hint.isVisible()
    assert screen.request().competent_agency == ""
    # Typed without diacritics, the list narrows to the matching commune.
    assert picker.choice.matching("dong son") == ["UBND xã Đông Sơn"]
    # Alt+G reaches the field; the next Tab stop after the procedure is this field.
    screen.picker.setFocus()
    qtbot.keyClick(screen.picker, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() in (picker.choice, picker.choice.lineEdit())


def test_another_commune_chosen_by_typing_and_received(qtbot, units, window, counter):
    window.printer.print_pdf = lambda pdf, parent: True
    screen = choose(qtbot, window, CERTIFY)
    screen.id_number.setText(CITIZEN["id_number"])
    screen.full_name.setText(CITIZEN["full_name"])
    screen.phone.setText(CITIZEN["phone"])
    screen.checklist.check_all()
    choice = screen.competent.choice
    choice.setFocus()
    choice.lineEdit().selectAll()
    type_text(choice.lineEdit(), "dong son")
    popup = choice.completer().popup()
    qtbot.waitUntil(popup.isVisible)
    qtbot.keyClick(popup, Qt.Key.Key_Return)  # nothing highlighted: the top match
    assert screen.competent.value() == DONG_SON
    assert choice.currentText() == "UBND xã Đông Sơn"
    hint = screen.competent.hint
    assert hint.isVisible()
    assert hint.text() == ("Hồ sơ sẽ được chuyển đến UBND xã Đông Sơn giải quyết; kết quả trả "
                           "tại đây.")
    assert screen.request().competent_agency == DONG_SON
    for width, height in SIZES:
        window.resize(width, height)
        fits(qtbot, window, "reception-for-another-commune", width, height)
    qtbot.keyClick(screen, Qt.Key.Key_F9)
    idle(qtbot, window)
    row = counter.find(CITIZEN["full_name"]).rows[0]
    assert (row.receiving_agency, row.competent_agency) == ("000.17.22.H56", DONG_SON)
    assert row["competent_name"] == "UBND xã Đông Sơn"
    assert "chuyển đến UBND xã Đông Sơn giải quyết" in window.statusBar().currentMessage()
    # The form is clean for the next citizen: the choice hidden again, this commune.
    assert not screen.competent.isVisible() and screen.competent.value() == ""


def test_a_text_matching_nothing_keeps_the_last_choice(qtbot, units, window):
    screen = choose(qtbot, window, CERTIFY)
    choice = screen.competent.choice
    assert choice.choose(HA_LAM)
    choice.setFocus()
    choice.lineEdit().selectAll()
    type_text(choice.lineEdit(), "so tu phap")  # a provincial body: not offered
    screen.checklist.setFocus()
    assert screen.competent.value() == HA_LAM and choice.currentText() == "UBND xã Hà Lam"


def test_the_core_refusal_is_shown_on_the_field(qtbot, units, window, counter):
    """A unit that left the list after it was offered: the core's reason, on the field."""
    window.printer.print_pdf = lambda pdf, parent: True
    screen = choose(qtbot, window, CERTIFY)
    screen.competent.choice.choose(HA_LAM)
    window.worker.call(lambda c: apply_units(c.db, {"version": 2, "units": UNITS["units"][:2]}))
    screen.id_number.setText(CITIZEN["id_number"])
    screen.full_name.setText(CITIZEN["full_name"])
    screen.checklist.check_all()
    screen.save()
    idle(qtbot, window)
    assert screen.errors_label.isVisible()
    assert "Không có đơn vị mã 000.15.22.H56" in screen.errors_label.text()
    assert "Không có đơn vị mã" in screen.competent.choice.toolTip()
    assert "#c62828" in screen.competent.choice.styleSheet()


# -- the dossier window ------------------------------------------------------------------------
def open_dossier(qtbot, window, code):
    dialog = DossierDialog(window.worker, code, window.printer, window)
    qtbot.addWidget(dialog)
    dialog.show()
    idle(qtbot, window)
    return dialog


def test_the_dossier_window_of_a_transfer_at_the_receiving_commune(qtbot, window, counter,
                                                                   transfer):
    dialog = open_dossier(qtbot, window, transfer)
    values = dialog.details.values
    assert values["receiving"].text() == "UBND xã Quảng Phú (000.17.22.H56)"
    assert values["competent"].text() == f"UBND xã Đông Sơn ({DONG_SON})"
    row = counter.dossier(transfer)
    forward_due = dt.datetime.fromisoformat(row["forward_due_at"])
    paper_due = dt.datetime.fromisoformat(row["paper_due_at"])
    assert values["forward"].text() == f"hạn {forward_due:%d/%m/%Y %H:%M}, chưa chuyển"
    assert values["paper"].text() == (f"hạn gửi {paper_due:%d/%m/%Y %H:%M}, chưa gửi, "
                                      "chưa nhận")
    # The receiving side's steps only: the paper, not the competent body's processing.
    buttons = dialog.step_buttons
    assert Step.SEND_PAPER in buttons and buttons[Step.SEND_PAPER].text() == "Gửi hồ sơ giấy…"
    assert not {Step.FINISH, Step.HANDOVER, Step.RECEIVE_PAPER, Step.REFUSE_ON_MERITS} & set(
        buttons)
    assert "Đã xử lý xong" not in [b.text() for b in buttons.values()]
    assert all(counter.may_step(row, s) for s in buttons)
    assert buttons[Step.SEND_PAPER].isDefault()  # Enter sends the paper
    assert "UBND xã Đông Sơn giải quyết" in dialog.no_steps.text()
    for width, height in SIZES:
        dialog.resize(width, height - 30)
        fits(qtbot, dialog, "dossier-transfer", width, height - 30)
    # Send the paper through its form: by courier, with a note.
    form = dialog.start_step(Step.SEND_PAPER)
    assert [form.by.itemText(i) for i in range(form.by.count())] == list(
        PAPER_MEANS_LABELS.values())
    form.by.setCurrentIndex(form.by.findData(PaperMeans.COURIER.value))
    form.note.setText("Giao liên xã mang sáng 20/11")
    form.show()
    qtbot.wait(30)
    form.grab().save(str(shots() / "send-paper-form.png"))
    assert cut_texts(form) == []
    form.save()
    idle(qtbot, window)
    row = counter.dossier(transfer)
    assert row["paper_by"] == PaperMeans.COURIER.value and row["paper_sent_at"]
    assert Step.SEND_PAPER not in dialog.step_buttons
    sent = dt.datetime.fromisoformat(row["paper_sent_at"])
    assert values["paper"].text() == (
        f"hạn gửi {paper_due:%d/%m/%Y %H:%M}, đã gửi {sent:%d/%m/%Y %H:%M} "
        "(qua giao liên, chuyển phát), chưa nhận")
    history = [dialog.history.item(i, 3).text() for i in range(dialog.history.rowCount())]
    assert "Qua giao liên, chuyển phát; ghi chú: Giao liên xã mang sáng 20/11" in history
    dialog.grab().save(str(shots() / "dossier-transfer-paper-sent.png"))


def test_an_ordinary_dossier_shows_no_transfer_rows(qtbot, window, counter):
    code = counter.find("Nguyễn Thị Đặng").rows[0].code
    dialog = open_dossier(qtbot, window, code)
    for name in ("receiving", "competent", "forward", "paper"):
        assert not dialog.details.values[name].isVisible(), name
    assert not {Step.SEND_PAPER, Step.RECEIVE_PAPER} & set(dialog.step_buttons)


# -- the work lists -----------------------------------------------------------------------------
def test_the_list_of_dossiers_to_forward(qtbot, counter, units, transfer, home_window):
    w = home_window
    late = counter.receive(ReceptionRequest(CERTIFY, {**CITIZEN, "full_name": "Lê Văn Trễ"},
                                            competent_agency=HA_LAM,
                                            received_at=NOW - dt.timedelta(days=4))).code
    w.refresh_counts()
    w.show_worklists(Worklist.TO_FORWARD)
    table = w.worklists.table
    qtbot.waitUntil(lambda: w.worker.idle and set(table.codes()) == {transfer, late})
    assert "Chờ chuyển nơi giải quyết – 2 hồ sơ" in w.worklists.title.text()
    headers = [table.model().headerData(i, Qt.Orientation.Horizontal)
               for i in range(table.model().columnCount())]
    assert headers == ["Mã hồ sơ", "Người nộp", "Thủ tục", "Nơi giải quyết",
                       "Hạn chuyển", "Hạn gửi giấy", "Trạng thái"]
    assert table.codes()[0] == late  # the most pressing first
    model = table.model_
    flags = model.deadline_flags
    assert flags[late] == "overdue" and flags.get(transfer, "") == ""
    late_row = table.codes().index(late)
    assert table.proxy.index(late_row, 3).data() == "UBND xã Hà Lam"
    assert table.proxy.index(late_row, 0).data(Qt.ItemDataRole.ForegroundRole).color().name() \
        == OVERDUE_COLOR
    qtbot.waitUntil(lambda: w.strip.counts.get(Worklist.TO_FORWARD) == 2)
    forward_button = w.strip.buttons[Worklist.TO_FORWARD]
    assert forward_button.isVisible() and forward_button.text() == "Chờ chuyển đi: 2"
    assert not w.strip.buttons[Worklist.PAPER_INCOMING].isVisible()
    for width, height in SIZES:
        w.resize(width, height)
        idle(qtbot, w)
        fits(qtbot, w, "worklist-to-forward", width, height)
        # Narrow: a count of the past ("đã trả hôm nay") gives its room to the one to do.
        assert forward_button.isVisible() and w.strip.buttons[Worklist.OVERDUE].isVisible()
    # Another list goes back to the usual columns.
    w.show_worklists(Worklist.OVERDUE)
    qtbot.waitUntil(lambda: w.worker.idle and w.worklists.current() is Worklist.OVERDUE)
    idle(qtbot, w)
    assert table.model().headerData(6, Qt.Orientation.Horizontal) == "Đang ở"


def test_the_list_of_paper_to_receive(qtbot, counter, units, home_window):
    """A dossier Đông Sơn received for this commune (as a sync brings it)."""
    w = home_window
    here = counter.agency
    counter.set_up(agency_code=DONG_SON, agency_name="UBND xã Đông Sơn")
    code = counter.receive(ReceptionRequest(CERTIFY, dict(CITIZEN),
                                            competent_agency=here.agency_code)).code
    counter.set_up(agency_code=here.agency_code, agency_name=here.agency_name)
    assert counter.worklist(Worklist.PAPER_INCOMING)[0].code == code
    w.show_worklists(Worklist.PAPER_INCOMING)
    table = w.worklists.table
    qtbot.waitUntil(lambda: w.worker.idle and table.codes() == [code])
    headers = [table.model().headerData(i, Qt.Orientation.Horizontal)
               for i in range(table.model().columnCount())]
    assert headers[3] == "Nơi tiếp nhận"
    assert table.proxy.index(0, 3).data() == "UBND xã Đông Sơn"
    # At the competent body the paper arrives; finishing is its own.
    dialog = open_dossier(qtbot, w, code)
    buttons = dialog.step_buttons
    assert Step.RECEIVE_PAPER in buttons and Step.SEND_PAPER not in buttons
    assert Step.HANDOVER in buttons and Step.RETURN not in buttons
    assert "UBND xã Đông Sơn tiếp nhận" in dialog.no_steps.text()
    form = dialog.start_step(Step.RECEIVE_PAPER)
    form.note.setText("Bưu điện giao")
    form.save()
    idle(qtbot, w)
    assert counter.dossier(code)["paper_received_at"]
    assert dialog.details.values["paper"].text().endswith(", đã nhận 20/11/2026 09:15")
    assert "chưa gửi" not in dialog.details.values["paper"].text()
    dialog.resize(1024, 768 - 40 - 30)
    fits(qtbot, dialog, "dossier-competent-paper-received", 1024, 768 - 40 - 30)


def test_the_same_procedure_chosen_again_keeps_the_choice(qtbot, units, window):
    screen = choose(qtbot, window, CERTIFY)
    screen.competent.choice.choose(HA_LAM)
    screen.picker.select(None)  # e.g. a scan typed into the picker, then taken out
    assert not screen.competent.isVisible()
    choose(qtbot, window, CERTIFY)
    assert screen.competent.value() == HA_LAM and screen.competent.hint.isVisible()
    window.reception.reset()  # a new citizen: this commune again
    choose(qtbot, window, CERTIFY)
    assert screen.competent.value() == ""
