"""The chip ID card's QR read by the counter's 2D scanner, in both of its modes: typed as
keystrokes (keyboard mode) or sent over a virtual serial port (CDC/COM mode, here a
pseudo-terminal standing in for the scanner). Either fills the reception form."""

from __future__ import annotations

import os
import sys

import pytest
from PySide6.QtWidgets import QApplication

from tests.ui.test_scanner import enter, type_keys
from ui.common.serial_scanner import SerialScanner

ADDRESS = "Thôn Phú Lộc, Xã Quảng Phú, Huyện Quảng Xương, Thanh Hóa"
QR = f"038190012345|123456789|NGUYỄN THỊ NGỌC ÁNH|15031990|Nữ|{ADDRESS}|20042021"


def test_a_card_typed_by_the_scanner_fills_the_reception_form(qtbot, window, counter):
    """From any screen: the card's text and Enter (keyboard mode) open the reception form
    filled from the card, the field it was typed into left as it was, focus on the
    procedure; saving stores the birth date and sex with the applicant."""
    window.show_today()
    field = window.focusWidget() or window
    type_keys(QR)
    enter()
    screen = window.reception
    qtbot.waitUntil(lambda: screen.full_name.text() == "Nguyễn Thị Ngọc Ánh")
    assert window.tabs.currentWidget() is screen
    assert (screen.id_number.text(), screen.address.text()) == ("038190012345", ADDRESS)
    assert "sinh ngày 15/03/1990, Nữ" in screen.returning_label.text()
    assert QApplication.focusWidget() is screen.picker
    if hasattr(field, "text"):
        assert "038190012345" not in field.text()
    assert screen.request().applicant["birth_date"] == "1990-03-15"


def test_a_garbled_card_says_to_switch_the_scanner_mode(qtbot, window):
    window.show_reception()
    screen = window.reception
    screen.full_name.setFocus()
    type_keys(QR.replace("Nữ", "N7919").replace("NGUYỄN THỊ NGỌC ÁNH", "NGUY?N"))
    enter()
    qtbot.waitUntil(screen.errors_label.isVisible)
    assert "chế độ cổng COM ảo" in screen.errors_label.text()
    assert screen.full_name.text() == ""  # nothing half-filled from a bad read


@pytest.mark.skipif(sys.platform == "win32", reason="a pseudo-terminal stands in for the COM port")
def test_a_card_over_the_virtual_serial_port(qtbot):
    """The scanner's bytes (UTF-8, CR LF after each read) through a real pseudo-terminal:
    a card and a dossier code come out as their signals, split reads joined, noise reported."""
    import pty

    master, slave = pty.openpty()
    scanner = SerialScanner()
    try:
        assert scanner.open(os.ttyname(slave)) is None
        cards, codes, noise = [], [], []
        scanner.card_scanned.connect(cards.append)
        scanner.code_scanned.connect(codes.append)
        scanner.unreadable.connect(noise.append)
        data = QR.encode("utf-8")
        os.write(master, data[:40])  # a read that arrives in two pieces
        qtbot.wait(50)
        os.write(master, data[40:] + b"\r\n")
        qtbot.waitUntil(lambda: cards == [QR], timeout=3000)
        os.write(master, b"h56.245-261120-1001\r\nhello\r\n")
        qtbot.waitUntil(lambda: codes == ["H56.245-261120-1001"] and bool(noise), timeout=3000)
        assert "không phải mã hồ sơ" in noise[0]
    finally:
        scanner.close()
        os.close(master)
        os.close(slave)
    assert "Không mở được cổng" in SerialScanner().open("/dev/khong-co-cong")


def test_the_scanner_port_is_chosen_under_he_thong(qtbot, window, monkeypatch):
    """Hệ thống › Máy quét: a port that is not there is shown as such; choosing keyboard
    mode closes the serial port; the choice is kept on this computer."""
    from ui.common import desk_settings
    from ui.system import menu
    from ui.system.scanner_port_dialog import ScannerPortDialog

    dialog = ScannerPortDialog("COM7")
    qtbot.addWidget(dialog)
    assert dialog.port() == "COM7" and "không thấy cổng này" in dialog.ports.currentText()
    dialog.ports.setCurrentIndex(0)
    assert dialog.port() == ""

    class Chosen(ScannerPortDialog):
        def exec(self):
            self.ports.setCurrentIndex(self.ports.findData("/dev/khong-co-cong"))
            return 1

    monkeypatch.setattr(menu, "ScannerPortDialog",
                        lambda current, parent: Chosen("/dev/khong-co-cong", parent))
    window.edit_scanner_port()
    assert desk_settings.scanner_port() == "/dev/khong-co-cong"
    assert "Không mở được cổng" in window.statusBar().currentMessage()
    assert not window.serial_scanner.is_open
