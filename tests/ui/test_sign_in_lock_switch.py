"""Signing in, locking the screen and switching officer, driven by keyboard as officers do;
the window follows the signed-in officer's roles; the administrator's account dialog."""

from __future__ import annotations

import time

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QColor
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from counter_app.domain.lifecycle import Step
from counter_app.domain.reception import ReceptionRequest
from counter_app.domain.roles import Role
from counter_app.service.counter import Counter
from counter_app.store import audit_log
from tests.ui.conftest import AGENCY, NOW, OFFICER, PASSWORD, _shown_window
from tests.ui.driving import finished, run, start, type_text
from ui.accounts.first_admin_dialog import FirstAdminDialog
from ui.accounts.officer_form import OfficerForm
from ui.accounts.officers_dialog import OfficersDialog
from ui.accounts.sign_in_dialog import SignInDialog
from ui.common.desk_settings import last_username, set_idle_lock_seconds
from ui.common.slip_printing import SlipPrinter
from ui.common.tasks import DbWorker
from ui.dossier.dialog import DossierDialog
from ui.system.first_screens import Direct, sign_in_at_start

CTRL = Qt.KeyboardModifier.ControlModifier
CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
CURTAIN = QColor("#263238")
TU = ("tunv", "Ngô Văn Tư", "Công chức Tư pháp – Hộ tịch", ["processing"], "mat-khau-tu")
LAN = ("lan", "Trần Thị Lan", "Công chức Văn phòng", ["reception"], "mat-khau-lan")


def active(cls):
    """The dialog of this class that keys go to now (the active modal one), else None."""
    modal = QApplication.activeModalWidget()
    if not isinstance(modal, cls) or not modal.isVisible():
        return None
    modal.activateWindow()
    return modal if modal.isActiveWindow() else None


def enter(widget):
    QTest.keyClick(widget.focusWidget() or widget, Qt.Key.Key_Return)


def press(widget, key, modifiers=Qt.KeyboardModifier.NoModifier):
    """A shortcut key as the officer presses it, in the window that has the focus."""
    widget.activateWindow()
    QTest.keyClick(widget.focusWidget() or widget, key, modifiers)


def add_account(counter: Counter, account) -> None:
    username, name, title, roles, password = account
    counter.add_officer(username, name, title, roles, password)


def dossier_window():
    for widget in QApplication.topLevelWidgets():
        if isinstance(widget, DossierDialog) and widget.isVisible() and widget.loaded:
            return widget
    return None


def lock_screen(w):
    screen = w.desk_lock.screen
    if screen is None or not screen.isVisible():
        return None
    screen.activateWindow()
    return screen if screen.isActiveWindow() else None


def hidden_under_curtain(widget) -> bool:
    """What the window shows (grabbed with its children) is the curtain, not the work."""
    image = widget.grab().toImage()
    return all(image.pixelColor(QPoint(x, y)) == CURTAIN
               for x, y in ((15, 15), (image.width() - 15, image.height() - 15),
                            (image.width() // 4, image.height() // 3)))


def audited(w) -> list[str]:
    return [e.action for e in reversed(w.worker.call(lambda c: audit_log.entries(c.db)))]


# -- start-up ------------------------------------------------------------------------------
def test_first_run_creates_the_administrator_then_signs_in(qtbot, tmp_path):
    counter = Counter.open(tmp_path / "new.db", clock=lambda: NOW)
    counter.set_up(**AGENCY)  # the setup comes before any account exists
    assert not counter.has_officers()

    def fill_in_administrator():
        d = active(FirstAdminDialog)
        assert d.focusWidget() is d.full_name
        type_text(d.full_name, "Đinh Thị Quản")
        enter(d)
        type_text(d.focusWidget(), "Công chức Văn phòng – Thống kê")
        enter(d)
        assert d.focusWidget() is d.username
        QTest.keyClicks(d.username, "quantri")
        enter(d)
        QTest.keyClicks(d.focusWidget(), "mat-khau-1")
        enter(d)
        assert d.focusWidget() is d.password2
        QTest.keyClicks(d.password2, "mat-khau-2")
        enter(d)  # Enter in the last field saves

    def mismatch_shown():
        d = active(FirstAdminDialog)
        return d is not None and d.error_labels["password2"].isVisible()

    def retype():
        d = active(FirstAdminDialog)
        assert d.error_labels["password2"].text() == "Hai lần nhập mật khẩu không khớp."
        assert d.focusWidget() is d.password2 and d.password2.text() == ""
        assert d.roles.boxes[Role.ADMIN].isChecked() and not d.roles.boxes[Role.ADMIN].isEnabled()
        QTest.keyClicks(d.password2, "mat-khau-1")
        enter(d)

    def wrong_password():
        d = active(SignInDialog)
        assert d.panel.username.text() == "quantri"  # the new account, ready
        assert d.focusWidget() is d.panel.password
        assert not d.panel.hint.isVisible()  # the demo hint only in demo mode
        QTest.keyClicks(d.panel.password, "sai-mat-khau")
        enter(d)

    def refused():
        d = active(SignInDialog)
        return d is not None and d.panel.error.isVisible()

    def right_password():
        d = active(SignInDialog)
        assert d.panel.error.text() == "Sai tên đăng nhập hoặc mật khẩu."
        assert d.panel.username.text() == "quantri" and d.panel.password.text() == ""
        assert d.focusWidget() is d.panel.password
        QTest.keyClicks(d.panel.password, "mat-khau-1")
        enter(d)

    script = start([
        ("administrator form", lambda: active(FirstAdminDialog) is not None,
         fill_in_administrator),
        ("passwords differ", mismatch_shown, retype),
        ("sign-in dialog", lambda: active(SignInDialog) is not None, wrong_password),
        ("wrong password refused", refused, right_password),
    ])
    signed_in = sign_in_at_start(counter)
    finished(script)
    assert signed_in
    officer = counter.officer
    assert (officer.username, officer.full_name, officer.roles) == (
        "quantri", "Đinh Thị Quản", frozenset({Role.ADMIN}))
    assert last_username() == "quantri"  # remembered at this desk; never the password
    actions = [e.action for e in reversed(audit_log.entries(counter.db))]
    assert actions == ["officer_added", "sign_in_failed", "sign_in"]
    counter.close()


def test_escape_on_the_sign_in_dialog_leaves(qtbot, counter):
    counter.sign_out()
    script = start([("sign-in dialog", lambda: active(SignInDialog) is not None,
                     lambda: QTest.keyClick(active(SignInDialog), Qt.Key.Key_Escape))])
    assert sign_in_at_start(counter) is False
    finished(script)
    assert counter.officer is None


def test_demo_hint_only_when_asked(qtbot, counter):
    from counter_app.synthetic.demo import sign_in_hint

    plain = SignInDialog(Direct(counter))
    demo = SignInDialog(Direct(counter), sign_in_hint())
    for d in (plain, demo):
        qtbot.addWidget(d)
        d.show()
    assert not plain.panel.hint.isVisible()
    assert demo.panel.hint.isVisible() and "demo1234" in demo.panel.hint.text()


# -- lock ----------------------------------------------------------------------------------
def test_lock_covers_the_work_and_the_password_unlocks_it(qtbot, window, counter):
    w = window
    code = counter.find("Nguyễn Thị Đặng").rows[0].code
    screen = w.reception
    screen.id_number.setFocus()
    type_text(screen.id_number, "038195004567")
    type_text(screen.full_name, "Phạm Thị Ánh")  # a reception half typed

    def lock_from_dossier():
        press(dossier_window(), Qt.Key.Key_L, CTRL)

    def locked_and_covered():
        s = lock_screen(w)
        assert s.focusWidget() is s.password
        assert w.desk_lock.covered(w) and w.desk_lock.covered(dossier_window())
        assert hidden_under_curtain(w) and hidden_under_curtain(dossier_window())
        QTest.keyClicks(s.password, "sai-mat-khau")
        enter(s)

    def refused():
        s = lock_screen(w)
        return s is not None and s.error.isVisible() and s.password.isEnabled()

    def right_password():
        s = lock_screen(w)
        assert s.error.text() == "Sai mật khẩu."
        assert w.desk_lock.locked and w.desk_lock.covered(dossier_window())
        QTest.keyClicks(s.password, PASSWORD)
        enter(s)

    def unlocked():
        d = dossier_window()
        return not w.desk_lock.locked and d is not None and not w.desk_lock.covered(d)

    def close_dossier():
        d = dossier_window()
        assert not hidden_under_curtain(d) and d.windowTitle().startswith(f"Hồ sơ {code}")
        d.reject()

    run(qtbot, [
        ("open a dossier", lambda: True, lambda: w.open_dossier(code)),
        ("dossier window", lambda: dossier_window() is not None and w.worker.idle,
         lock_from_dossier),
        ("locked", lambda: lock_screen(w) is not None, locked_and_covered),
        ("wrong password refused", refused, right_password),
        ("unlocked, dossier still open", unlocked, close_dossier),
    ])
    qtbot.waitUntil(lambda: QApplication.activeModalWidget() is None and w.worker.idle)
    assert not hidden_under_curtain(w)
    assert screen.id_number.text() == "038195004567"
    assert screen.full_name.text() == "Phạm Thị Ánh"
    assert w.tabs.currentWidget() is screen
    assert audited(w)[-3:] == ["lock", "sign_in_failed", "unlock"]


def test_idle_lock_after_the_configured_time(qtbot, counter):
    set_idle_lock_seconds(1)
    w = _shown_window(qtbot, counter)
    assert w.idle.seconds == 1 and not w.desk_lock.locked
    started = time.monotonic()
    while time.monotonic() - started < 1.6:  # the officer keeps working: no lock
        press(w, Qt.Key.Key_Shift)
        qtbot.wait(250)
        assert not w.desk_lock.locked
    qtbot.waitUntil(lambda: lock_screen(w) is not None, timeout=5_000)  # then stops
    s = lock_screen(w)
    assert w.desk_lock.covered(w)
    assert not w.idle.timer.isActive() and not w.count_timer.isActive()
    QTest.keyClicks(s.password, PASSWORD)
    enter(s)
    qtbot.waitUntil(lambda: not w.desk_lock.locked)
    assert w.idle.timer.isActive() and w.count_timer.isActive()
    qtbot.waitUntil(lambda: w.worker.idle)


def test_administrator_sets_the_idle_time(qtbot, window):
    from ui.accounts.idle_lock_dialog import IdleLockDialog

    def type_minutes():
        d = active(IdleLockDialog)
        QTest.keyClicks(d.minutes, "2")  # the value is selected: typing replaces it
        enter(d)

    run(qtbot, [("open", lambda: True, window.edit_idle_lock),
                ("dialog", lambda: active(IdleLockDialog) is not None, type_minutes)])
    assert window.idle.seconds == 120 and window.idle.timer.isActive()
    from ui.common.desk_settings import idle_lock_seconds

    assert idle_lock_seconds() == 120


# -- switching officer and roles -----------------------------------------------------------
@pytest.fixture
def handed_to_tu(counter):
    """Tư's account (processing only) and one dossier handed to him by name."""
    add_account(counter, TU)
    code = counter.receive(ReceptionRequest("1.004873", {
        "full_name": "Vũ Văn Giao", "id_number": "038090100011"})).code
    counter.step(code, Step.HANDOVER, {"to_unit": "Công chức Tư pháp – Hộ tịch",
                                       "to_person": "Ngô Văn Tư"})
    return code


def test_switch_to_a_processing_officer(qtbot, window, counter, handed_to_tu):
    w = window
    assert w.tabs.isTabVisible(w.tabs.indexOf(w.reception))
    type_text(w.reception.id_number, "038195004567")
    press(w, Qt.Key.Key_L, CTRL_SHIFT)
    qtbot.waitUntil(lambda: lock_screen(w) is not None)
    s = lock_screen(w)
    assert s.switching and s.focusWidget() is s.panel.username
    assert w.desk_lock.covered(w)
    QTest.keyClicks(s.panel.username, TU[0])
    enter(s)  # to the password
    assert s.focusWidget() is s.panel.password
    QTest.keyClicks(s.panel.password, TU[4])
    started = time.monotonic()
    enter(s)
    qtbot.waitUntil(lambda: not w.desk_lock.locked and w.worker.idle)
    assert time.monotonic() - started < 5  # "within seconds"
    assert "Ngô Văn Tư" in w.officer_label.text() and "Cán bộ xử lý" in w.officer_label.text()
    assert not w.tabs.isTabVisible(w.tabs.indexOf(w.reception))  # no RECEIVE
    assert not w.tabs.isTabVisible(w.tabs.indexOf(w.today))      # not everyone's dossiers
    assert w.tabs.currentWidget() is w.worklists
    assert w.reception.id_number.text() == ""  # the other officer's reception is gone
    hidden = {a.text() for a in w.menuBar().actions()[0].menu().actions() if not a.isVisible()}
    assert {"Tài &khoản cán bộ…", "Thông tin &cơ quan…"} <= hidden
    press(w, Qt.Key.Key_F2)  # the reception key does nothing for him
    assert w.tabs.currentWidget() is w.worklists

    press(w, Qt.Key.Key_F6)
    qtbot.waitUntil(lambda: w.search.last_query is not None and w.worker.idle
                    and not w.search.pending)
    codes = [w.search.table.row_at(r).code for r in range(w.search.table.proxy.rowCount())]
    assert codes == [handed_to_tu]  # only the dossier handed to him
    assert w.worker.call(lambda c: c.officer.username) == TU[0]


def test_permission_denied_is_shown_as_a_sentence(qtbot, counter, handed_to_tu):
    other = counter.find("Nguyễn Thị Đặng").rows[0].code
    counter.sign_in(TU[0], TU[4])
    w = _shown_window(qtbot, counter)
    w.open_dossier(other)  # e.g. a slip scanned: not his dossier
    qtbot.waitUntil(lambda: w.notice_box is not None and w.notice_box.isVisible())
    assert w.notice_box.windowTitle() == "Không có quyền"
    assert w.notice_box.text() == f"Hồ sơ {other} không được giao cho Ngô Văn Tư."
    w.notice_box.accept()
    qtbot.waitUntil(lambda: w.worker.idle)
    assert "permission_denied" in audited(w)


def open_as(qtbot, worker, username, password, code):
    """The dossier window as this officer sees it."""
    worker.call(lambda c: c.sign_in(username, password))
    dialog = DossierDialog(worker, code, SlipPrinter())
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: worker.idle and (dialog.loaded is not None
                                                or dialog.message.isVisible()))
    return dialog


def test_step_and_print_buttons_follow_the_roles(qtbot, counter):
    # Received now: its apology (a leader's step) is still possible (docs/law.md §15).
    code = counter.receive(ReceptionRequest("1.004873", {
        "full_name": "Nguyễn Thị Đặng", "id_number": "038190012345"})).code
    add_account(counter, LAN)
    add_account(counter, TU)
    worker = DbWorker(counter)
    reception = open_as(qtbot, worker, LAN[0], LAN[4], code)
    assert Step.APOLOGIZE in reception.loaded.allowed  # the status machine would allow it
    assert Step.APOLOGIZE not in reception.step_buttons  # only the leader apologises
    assert Step.FINISH not in reception.step_buttons     # a processing step
    assert Step.HANDOVER in reception.step_buttons       # at the counter: hand it over
    assert reception.forms_box.isVisible()               # reception prints
    reception.reject()

    processing = open_as(qtbot, worker, TU[0], TU[4], code)  # not handed to him
    assert "không được giao" in processing.message.text()
    assert not processing.step_buttons and not processing.forms_box.isVisible()
    processing.reject()

    leader = open_as(qtbot, worker, OFFICER["username"], PASSWORD, code)
    assert Step.APOLOGIZE in leader.step_buttons
    leader.reject()
    qtbot.waitUntil(lambda: worker.idle)
    worker.shutdown()


# -- accounts ------------------------------------------------------------------------------
def test_administrator_adds_an_officer(qtbot, window):
    w = window

    def new_account():
        d = active(OfficersDialog)
        assert d.table.rowCount() == 1 and d.table.item(0, 0).text() == "Lê Thị Hoa"
        press(d, Qt.Key.Key_Insert)

    def fill_in():
        f = active(OfficerForm)
        type_text(f.full_name, "Ngô Văn Tư")
        enter(f)
        type_text(f.focusWidget(), "Công chức Tư pháp – Hộ tịch")
        enter(f)
        QTest.keyClicks(f.username, "T")  # too short; and no role ticked
        enter(f)
        QTest.keyClicks(f.password, "mat-khau-tu")
        enter(f)
        QTest.keyClicks(f.password2, "mat-khau-tu")
        enter(f)

    def errors_shown():
        f = active(OfficerForm)
        return f is not None and f.error_labels["username"].isVisible()

    def correct():
        f = active(OfficerForm)
        assert f.error_labels["username"].text().startswith("Tên đăng nhập gồm 3–32 ký tự")
        assert f.error_labels["roles"].text() == "Chọn ít nhất một vai trò."
        assert f.focusWidget() is f.username
        f.username.selectAll()
        QTest.keyClicks(f.username, "tunv")
        box = f.roles.boxes[Role.PROCESSING]
        box.setFocus()
        QTest.keyClick(box, Qt.Key.Key_Space)
        enter(f)

    def added():
        d = active(OfficersDialog)
        return d is not None and d.table.rowCount() == 2 and w.worker.idle

    def close():
        d = active(OfficersDialog)
        assert d.message.text() == "Đã thêm tài khoản tunv – Ngô Văn Tư."
        names = [d.table.item(r, 1).text() for r in range(2)]
        row = names.index("tunv")
        assert d.table.currentRow() == row
        assert d.table.item(row, 3).text() == "Cán bộ xử lý"
        QTest.keyClick(d.table, Qt.Key.Key_Escape)

    run(qtbot, [
        ("open the accounts", lambda: True, w.manage_officers),
        ("list", lambda: active(OfficersDialog) is not None and w.worker.idle, new_account),
        ("form", lambda: active(OfficerForm) is not None, fill_in),
        ("core refuses", errors_shown, correct),
        ("added", added, close),
    ])
    qtbot.waitUntil(lambda: QApplication.activeModalWidget() is None and w.worker.idle)
    officers = {o.username: o for o in w.worker.call(lambda c: c.officers())}
    assert officers["tunv"].full_name == "Ngô Văn Tư"
    assert officers["tunv"].roles == frozenset({Role.PROCESSING})


def test_handover_offers_the_processing_officers_by_name(qtbot, counter):
    add_account(counter, TU)
    add_account(counter, LAN)  # reception only: nobody hands a dossier to her
    code = counter.find("Nguyễn Thị Đặng").rows[0].code
    worker = DbWorker(counter)
    dialog = open_as(qtbot, worker, OFFICER["username"], PASSWORD, code)
    form = dialog.start_step(Step.HANDOVER)
    assert form.ctx.people == ["Lê Thị Hoa", "Ngô Văn Tư"]
    form.to_person.setFocus()
    type_text(form.to_person, "van tu")  # without diacritics
    popup = form.to_person.completer().popup()
    qtbot.waitUntil(popup.isVisible)
    model = popup.model()
    assert [model.index(r, 0).data() for r in range(model.rowCount())] == ["Ngô Văn Tư"]
    QTest.keyClick(popup, Qt.Key.Key_Down)
    QTest.keyClick(popup, Qt.Key.Key_Return)
    assert form.to_person.text() == "Ngô Văn Tư"
    form.to_person.clear()
    type_text(form.to_person, "Phạm Thu Hà")  # anyone else can still be typed
    assert form.to_person.text() == "Phạm Thu Hà" and not popup.isVisible()
    form.reject()
    dialog.reject()
    qtbot.waitUntil(lambda: worker.idle)
    worker.shutdown()


def test_account_refusals_are_explained_and_passwords_change(qtbot, window):
    from ui.accounts.password_dialogs import ChangePasswordDialog

    w = window

    def disable_the_only_administrator():
        d = active(OfficersDialog)
        QTest.keyClick(d.active_button, Qt.Key.Key_Space)  # "Khóa tài khoản" on herself

    def refused():
        d = active(OfficersDialog)
        return d is not None and d.message.isVisible() and w.worker.idle

    def close():
        d = active(OfficersDialog)
        assert d.message.text() == "Phải còn ít nhất một người quản trị đang hoạt động."
        assert d.table.item(0, 4).text() == "Đang hoạt động"
        QTest.keyClick(d.table, Qt.Key.Key_Escape)

    def wrong_current_password():
        f = active(ChangePasswordDialog)
        assert f.focusWidget() is f.old_password
        for text in ("sai-mat-khau", "mat-khau-moi", "mat-khau-moi"):
            QTest.keyClicks(f.focusWidget(), text)
            enter(f)

    def old_refused():
        f = active(ChangePasswordDialog)
        return f is not None and f.error_labels["old_password"].isVisible()

    def right_current_password():
        f = active(ChangePasswordDialog)
        assert f.error_labels["old_password"].text() == "Mật khẩu hiện tại không đúng."
        assert f.focusWidget() is f.old_password and f.old_password.text() == ""
        QTest.keyClicks(f.old_password, PASSWORD)
        enter(f)  # to the new password, still filled in
        f.new_password2.setFocus()
        enter(f)

    run(qtbot, [
        ("accounts", lambda: True, w.manage_officers),
        ("list", lambda: active(OfficersDialog) is not None and w.worker.idle,
         disable_the_only_administrator),
        ("refused", refused, close),
        ("change password", lambda: QApplication.activeModalWidget() is None, w.change_password),
        ("form", lambda: active(ChangePasswordDialog) is not None, wrong_current_password),
        ("old password refused", old_refused, right_current_password),
    ])
    qtbot.waitUntil(lambda: QApplication.activeModalWidget() is None and w.worker.idle)
    assert w.statusBar().currentMessage() == "Đã đổi mật khẩu."
    assert w.worker.call(lambda c: c.sign_in(OFFICER["username"], "mat-khau-moi")).username \
        == OFFICER["username"]


def test_administrator_edits_disables_and_resets_an_account(qtbot, counter):
    from ui.accounts.password_dialogs import ResetPasswordDialog

    add_account(counter, TU)
    worker = DbWorker(counter)
    dialog = OfficersDialog(worker)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: worker.idle and dialog.table.rowCount() == 2)
    row = [dialog.table.item(r, 1).text() for r in range(2)].index(TU[0])
    dialog.table.selectRow(row)

    def edit():
        f = active(OfficerForm)
        assert f.username.isReadOnly() and f.username.text() == TU[0]
        assert not hasattr(f, "password")  # passwords are not edited here
        f.roles.boxes[Role.LEADER].setFocus()
        QTest.keyClick(f.roles.boxes[Role.LEADER], Qt.Key.Key_Space)
        f.job_title.setFocus()
        f.job_title.selectAll()
        type_text(f.job_title, "Phó Chủ tịch UBND xã")
        enter(f)  # the last editable line: saves

    def reset():
        f = active(ResetPasswordDialog)
        QTest.keyClicks(f.password, "ngan")
        enter(f)
        QTest.keyClicks(f.password2, "ngan")
        enter(f)

    def too_short():
        f = active(ResetPasswordDialog)
        return f is not None and f.error_labels["password"].isVisible()

    def longer():
        f = active(ResetPasswordDialog)
        assert f.error_labels["password"].text() == "Mật khẩu phải có ít nhất 8 ký tự."
        assert f.focusWidget() is f.password
        QTest.keyClicks(f.password, "mat-khau-moi-tu")
        enter(f)
        f.password2.clear()
        QTest.keyClicks(f.password2, "mat-khau-moi-tu")
        enter(f)

    run(qtbot, [
        ("edit by Enter", lambda: True, lambda: enter(dialog.table)),
        ("form", lambda: active(OfficerForm) is not None, edit),
        ("saved", lambda: QApplication.activeModalWidget() is None and worker.idle
         and "Lãnh đạo" in dialog.table.item(dialog.table.currentRow(), 3).text(),
         lambda: QTest.keyClick(dialog.active_button, Qt.Key.Key_Space)),
        ("disabled", lambda: worker.idle
         and dialog.table.item(dialog.table.currentRow(), 4).text() == "Đã khóa",
         lambda: QTest.keyClick(dialog.reset_button, Qt.Key.Key_Space)),
        ("reset form", lambda: active(ResetPasswordDialog) is not None, reset),
        ("too short", too_short, longer),
        ("reset", lambda: QApplication.activeModalWidget() is None and worker.idle,
         lambda: None),
    ])
    assert dialog.message.text() == f"Đã đặt mật khẩu mới cho {TU[0]}."
    officer = {o.username: o for o in worker.call(lambda c: c.officers())}[TU[0]]
    assert officer.title == "Phó Chủ tịch UBND xã" and not officer.active
    assert officer.roles == frozenset({Role.PROCESSING, Role.LEADER})
    with pytest.raises(Exception, match="bị khóa"):  # disabled: cannot sign in any more
        worker.call(lambda c: c.sign_in(TU[0], "mat-khau-moi-tu"))
    dialog.reject()
    worker.shutdown()
