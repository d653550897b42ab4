"""Digitising at reception through the real window on a real desk database: the office
scanner saves into the scan folder, the screen offers the new files, Ctrl+G gives the
selected document its pages, and saving stores them with the dossier (the scan files then
move into "Đã số hóa"); a returning citizen's earlier copy is offered and linked; a file
that is not a document is refused at once. The screens are laid out at 1024×768 and
1366×768 and saved to LAYOUT_SHOTS (default /work/notes/shots) to be looked at."""

from __future__ import annotations

import hashlib

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from counter_app.attachments import normalise
from tests.sample_pages import jpeg, scanned, text_page
from tests.ui.driving import type_text
from tests.ui.test_screen_fit import SIZES
from tests.ui.test_transfer_screens import fits, idle
from ui.digitising.pages_dialog import PagesDialog
from ui.digitising.scan_folder import USED_FOLDER
from ui.reception.document_checklist import PAGES

PROCEDURE = "2.000815"           # the procedure of the fixture's returning citizen
RETURNING = "038190012345"


@pytest.fixture(scope="module")
def page() -> bytes:
    return jpeg(scanned(text_page()))


@pytest.fixture
def scans(tmp_path, window):
    folder = tmp_path / "May quet"
    folder.mkdir()
    window.scan_folder._settle_ms = 50  # noqa: SLF001 (a test need not wait a second)
    window.scan_folder._settle.setInterval(50)  # noqa: SLF001
    assert window.scan_folder.set_folder(folder) == ""
    return folder


def ready_names(window) -> list[str]:
    return [f.name for f in window.scan_folder.ready()]


def fill_citizen(qtbot, window, id_number: str, name: str = "Phạm Văn Quét") -> None:
    screen = window.reception
    screen.id_number.setFocus()
    type_text(screen.id_number, id_number)
    screen.id_number.editingFinished.emit()
    idle(qtbot, window)
    if not screen.full_name.text():
        type_text(screen.full_name, name)
        type_text(screen.phone, "0912345678")
    screen.picker.select(window.worker.call(lambda c: c.procedure(PROCEDURE)))
    idle(qtbot, window)


def open_pages(qtbot, window, row: int) -> PagesDialog:
    screen = window.reception
    screen.checklist.setCurrentCell(row, 1)
    screen.checklist.setFocus()
    qtbot.keyClick(screen.checklist, Qt.Key.Key_G, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: isinstance(QApplication.activeModalWidget(), PagesDialog))
    return QApplication.activeModalWidget()


def save(qtbot, window) -> str:
    screen = window.reception
    with qtbot.waitSignal(screen.saved, timeout=20_000) as saved:
        screen.save(print_slip=False)
    idle(qtbot, window)
    return saved.args[0].code


def test_pages_from_the_scan_folder_go_into_the_dossier(qtbot, window, scans, page):
    screen = window.reception
    (scans / "~tmp0001.jpg").write_bytes(page)        # a scanner's temporary file: never
    (scans / "notes.txt").write_text("not a scan")    # not an image or PDF: never
    (scans / "scan0001.jpg").write_bytes(page)
    (scans / "scan0002.pdf").write_bytes(normalise([page]).pdf)
    qtbot.waitUntil(lambda: ready_names(window) == ["scan0001.jpg", "scan0002.pdf"],
                    timeout=5000)
    assert screen.scan_hint.isVisible() and "2 tệp mới" in screen.scan_hint.text()
    fill_citizen(qtbot, window, "001303099999")
    dialog = open_pages(qtbot, window, 0)
    assert not dialog.camera_button.isEnabled()  # no camera on this computer: said, not hidden
    assert [dialog.pages.item(i).text().split()[0] for i in range(dialog.pages.count())] == [
        "scan0001.jpg", "scan0002.pdf"]
    for width, height in SIZES:
        window.resize(width, height)
        fits(qtbot, dialog, "digitise-pages", width, height)
    dialog.ok_button.click()
    qtbot.waitUntil(lambda: screen.checklist.item(0, PAGES).text() == "2 trang", timeout=20_000)
    assert screen.checklist.ticks()[0]  # pages in hand: the document was received
    assert not screen.scan_hint.isVisible()  # both scans have their document now
    screen.checklist.setCurrentCell(1, 1)
    again = screen.digitise_current()  # another document: those scans are not ticked
    assert again.checked_sources() == []
    assert "đã gắn cho giấy tờ khác" in again.pages.item(0).text()
    again.reject()
    for width, height in SIZES:
        window.resize(width, height)
        fits(qtbot, window, "digitise-reception", width, height)
    code = save(qtbot, window)
    found = window.worker.call(lambda c: c.attachments(code))
    assert [(a.document, a.pages, a.here) for a in found] == [(0, 2, True)]
    pdf = window.worker.call(lambda c: c.attachment_pdf(code, found[0].id))
    assert hashlib.sha256(pdf).hexdigest() == found[0].sha256
    # The scans moved out of the way: the next citizen is not offered them.
    assert sorted(p.name for p in (scans / USED_FOLDER).iterdir()) == [
        "scan0001.jpg", "scan0002.pdf"]
    qtbot.waitUntil(lambda: ready_names(window) == [], timeout=5000)
    assert not screen.scan_hint.isVisible()


def test_a_returning_citizens_earlier_copy_is_offered_and_linked(qtbot, window, page):
    earlier = window.worker.call(
        lambda c: c.find(RETURNING).rows[0].code)
    was = window.worker.call(lambda c: c.attach(earlier, [page], document=0))
    screen = window.reception
    fill_citizen(qtbot, window, RETURNING)
    assert "Có bản số hóa: 1 giấy tờ" in screen.returning_label.text()
    screen.id_number.editingFinished.emit()  # looked up again: said once, not twice
    idle(qtbot, window)
    assert screen.returning_label.text().count("Có bản số hóa") == 1
    offered = screen.checklist.item(0, PAGES)
    assert offered.text() == "Có bản cũ" and earlier in offered.toolTip()
    dialog = open_pages(qtbot, window, 0)
    assert f"Đã có bản số hóa từ hồ sơ {earlier}" in dialog.reuse_buttons[0][0].text()
    assert dialog.reuse_buttons[0][0].isChecked()  # the usual choice: no scanning
    dialog.ok_button.click()
    qtbot.waitUntil(lambda: screen.checklist.item(0, PAGES).text() == "Dùng lại")
    assert earlier in screen.checklist.item(0, PAGES).toolTip()
    code = save(qtbot, window)
    found = window.worker.call(lambda c: c.attachments(code))
    assert [(a.sha256, a.reused_from) for a in found] == [(was.sha256, earlier)]


def test_a_file_that_is_not_a_document_is_refused_at_once(qtbot, window, tmp_path):
    screen = window.reception
    bad = tmp_path / "hong.pdf"
    bad.write_bytes(b"%PDF-1.4 this is not a PDF")
    fill_citizen(qtbot, window, "001303099999")
    dialog = open_pages(qtbot, window, 0)
    dialog.ok_button.click()  # nothing chosen yet: said, the dialog stays
    assert dialog.isVisible() and "Chưa có trang nào" in dialog.problem.text()
    dialog.add_files([bad])
    dialog.ok_button.click()
    qtbot.waitUntil(lambda: screen.errors_label.isVisible(), timeout=20_000)
    assert "Chưa số hóa được" in screen.errors_label.text()
    assert screen.checklist.item(0, PAGES).text() == ""
    assert not screen.checklist.ticks()[0]  # a refused file does not count as received
    screen.checklist.check_all()
    code = save(qtbot, window)
    assert window.worker.call(lambda c: c.attachments(code)) == []


# -- the dossier window: the result's pages at finish, any document later -----------------------
def test_the_result_is_digitised_from_the_dossier_window(qtbot, window, scans, page):
    from counter_app.domain.lifecycle import Step
    from ui.dossier.dialog import DossierDialog

    code = window.worker.call(lambda c: c.find(RETURNING).rows[0].code)
    window.worker.call(lambda c: c.step(code, Step.FINISH, {"result": "Giấy xác nhận"}))
    dialog = DossierDialog(window.worker, code, window.printer, window,
                           scan_folder=window.scan_folder)
    qtbot.addWidget(dialog)
    dialog.show()
    idle(qtbot, window)
    tab = dialog.attachments_tab
    assert not tab.empty.isHidden() and "(0)" in dialog.tabs.tabText(dialog.tabs.indexOf(tab))
    tab.choose_result()
    assert tab.choice.currentText() == "Kết quả giải quyết"
    (scans / "ketqua.jpg").write_bytes(page)
    qtbot.waitUntil(lambda: ready_names(window) == ["ketqua.jpg"], timeout=5000)
    qtbot.keyClick(dialog, Qt.Key.Key_G, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: isinstance(QApplication.activeModalWidget(), PagesDialog))
    pages = QApplication.activeModalWidget()
    assert pages.pages.count() == 1 and not pages.reuse_buttons  # a result is never reused
    pages.ok_button.click()
    qtbot.waitUntil(lambda: tab.table.rowCount() == 1, timeout=20_000)
    idle(qtbot, window)
    assert tab.table.item(0, 0).text() == "Kết quả giải quyết"
    assert tab.table.item(0, 1).text() == "1"
    assert tab.table.item(0, 4).text() == "Lê Thị Hoa"  # by name, not username
    assert "Có trên máy này" in tab.table.item(0, 5).text()
    assert "Đã số hóa" in dialog.message.text()
    assert window.worker.call(lambda c: c.dossier(code))["result_digitised"] == 1
    assert (scans / USED_FOLDER / "ketqua.jpg").exists()
    history = [dialog.history.item(r, 2).text() for r in range(dialog.history.rowCount())]
    assert history[-1] == "Số hóa kết quả"
    for width, height in SIZES:
        window.resize(width, height)
        dialog.resize(min(1180, width), min(680, height - 40))
        fits(qtbot, dialog, "digitise-dossier", width, height)


def test_fetching_other_desks_files_ahead_is_a_desk_setting(qtbot, window):
    act = window.fetch_ahead_action
    assert act.isCheckable() and not act.isChecked()
    act.trigger()
    idle(qtbot, window)
    assert window.worker.call(lambda c: c.fetch_files_ahead)
    assert "tải trước" in window.statusBar().currentMessage()
