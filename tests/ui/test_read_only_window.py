"""A desk database that can only be read (write-protected stick, full disk): the window
says so in a red line before anything is tried, the dossiers can be found, and a reception
is refused with the reason in Vietnamese, the form kept as typed and nothing written."""

import hashlib

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from counter_app.service.counter import Counter
from counter_app.store import database
from counter_app.store.medium import Medium
from tests.ui.conftest import NOW, OFFICER, PASSWORD
from tests.ui.test_reception_flow import type_text


@pytest.fixture
def closed_desk(counter, tmp_path):
    counter.close()
    return tmp_path / "desk.db"


@pytest.mark.parametrize("medium, head", [(Medium.READ_ONLY, "DỮ LIỆU CHỈ ĐỌC"),
                                          (Medium.FULL, "Ổ ĐĨA ĐÃ ĐẦY")])
def test_a_read_only_desk_says_so_and_refuses_a_reception_losing_nothing(
        qtbot, closed_desk, monkeypatch, medium, head):
    from ui.main_window import MainWindow

    before = hashlib.sha256(closed_desk.read_bytes()).hexdigest()
    if medium is Medium.READ_ONLY:  # what store.medium sees on a write-protected stick
        monkeypatch.setattr(database, "medium_of", lambda path: medium)
        counter = Counter.open(closed_desk, clock=lambda: NOW)
    else:  # how the desk opens it once SQLite has refused to write for a full disk
        counter = Counter(database.open_read_only(closed_desk, medium), clock=lambda: NOW)
    assert counter.cannot_write is medium
    counter.sign_in(OFFICER["username"], PASSWORD)
    w = MainWindow(counter)
    qtbot.addWidget(w)
    w.resize(1024, 740)
    w.show()
    qtbot.waitUntil(lambda: w.worker.idle)
    banner = w.read_only
    assert banner is not None and banner.isVisible()
    assert banner.text().startswith(head)
    assert "vẫn xem và tìm được" in banner.text()
    assert banner.width() <= 1024  # wraps, never widens the window

    w.show_reception()
    screen = w.reception
    type_text(screen.id_number, "038190099999")
    type_text(screen.full_name, "Phạm Thị Ánh")
    procedure = next(p for p in w.worker.call(lambda c: c.procedures()) if p.code == "1.004873")
    screen.picker.select(procedure)
    screen.checklist.check_all()
    QTest.keyClick(screen.checklist, Qt.Key.Key_F9)
    qtbot.waitUntil(lambda: w.worker.idle and screen.errors_label.isVisible())
    text = screen.errors_label.text()
    assert text.startswith("Chưa lưu được:")
    assert ("không có gì bị ghi dở" in text) if medium is Medium.FULL else ("không hỏng" in text)
    assert "Traceback" not in text and "sqlite" not in text.lower()
    assert screen.full_name.text() == "Phạm Thị Ánh"  # the form is kept as typed
    assert w.worker.call(lambda c: len(c.find("").rows)) == 1  # the one from before
    w.close()
    assert hashlib.sha256(closed_desk.read_bytes()).hexdigest() == before


def test_a_writable_desk_has_no_red_line(home_window):
    assert home_window.read_only is None
