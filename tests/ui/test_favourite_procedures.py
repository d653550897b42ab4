"""The officer's own favourite procedures (Hệ thống › Thủ tục hay dùng): up to 9, in the
officer's order, taken with Alt+1…9 on the reception screen before the desk's most used
ones; kept in the desk's settings, whatever was written there."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtWidgets import QApplication

from ui.common.desk_settings import (
    PINNED_PROCEDURES,
    _clean_codes,
    desk_settings,
    pinned_procedures,
    set_pinned_procedures,
)
from ui.system.favourites_dialog import TITLE, FavouritesDialog

USED, LESS_USED = "2.000815", "1.004873"
PINNED = ["1.004222", "1.000894"]


def codes(procedures) -> list[str]:
    return [p.code for p in procedures]


def test_pinned_procedures_come_first_and_alt_1_takes_the_first(qtbot, window):
    """Pinned codes first, in the officer's order (unknown ones skipped, none twice), then
    the most used ones fill the places left; Alt+1…9 on the screen follow that order."""
    screen, picker = window.reception, window.reception.picker
    screen.set_usage({USED: 12, LESS_USED: 5, PINNED[1]: 3})
    picker.set_pinned([PINNED[0], "9.999999", PINNED[1]])
    assert codes(picker.favourites()) == [*PINNED, USED, LESS_USED]
    first = picker.favourites()[0]
    assert screen.favourites_label.text().startswith("Hay dùng: Alt+1 ")
    assert first.name[:20] in screen.favourites_label.text()
    assert f"Alt+1: {first.code}" in screen.favourites_label.toolTip()
    screen.reset()
    qtbot.keyClick(screen, Qt.Key.Key_1, Qt.KeyboardModifier.AltModifier)
    assert screen.procedure is not None and screen.procedure.code == PINNED[0]
    screen.reset()
    qtbot.keyClick(screen, Qt.Key.Key_3, Qt.KeyboardModifier.AltModifier)
    assert screen.procedure is not None and screen.procedure.code == USED
    picker.set_pinned(["9.999999"])  # nothing known pinned: the most used, as before
    assert codes(picker.favourites())[:2] == [USED, LESS_USED]


def test_never_more_than_nine(window):
    picker = window.reception.picker
    every = codes(picker.procedures())
    assert len(every) >= 12
    picker.set_usage({every[10]: 4, every[11]: 9})
    picker.set_pinned(every[:7])
    assert codes(picker.favourites()) == [*every[:7], every[11], every[10]]
    picker.set_pinned(every[:10])
    assert codes(picker.favourites()) == every[:9]


def test_the_reception_screen_starts_with_the_saved_favourites(qtbot, counter):
    from ui.main_window import MainWindow

    set_pinned_procedures(PINNED)
    w = MainWindow(counter)
    qtbot.addWidget(w)
    qtbot.waitUntil(lambda: w.worker.idle)
    assert codes(w.reception.picker.favourites())[:2] == PINNED


def test_the_settings_keep_nine_distinct_codes_in_order():
    assert pinned_procedures() == []
    set_pinned_procedures(["1.004873"])
    assert pinned_procedures() == ["1.004873"]
    many = [f"1.00{i:04d}" for i in range(12)]
    set_pinned_procedures([many[1], many[0], many[1], *many])
    assert pinned_procedures() == [many[1], many[0], *many[2:9]]
    set_pinned_procedures([])
    assert pinned_procedures() == []
    # What the ini format gives back for a one-element list, and for an empty one.
    assert _clean_codes("1.004873") == ["1.004873"]
    assert _clean_codes(None) == []


@pytest.mark.parametrize("stored", [
    "@Invalid()", "mot cau bat ky, !!!", "@ByteArray(\\x1\\x2)", "[1, 2, 3]", "1.004873x",
    "", "\"   \""])
def test_garbage_in_the_settings_file_gives_no_favourites(tmp_path, stored):
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path))
    path = tmp_path / "counter-app" / "desk.ini"
    path.parent.mkdir()
    group, key = PINNED_PROCEDURES.split("/")
    path.write_text(f"[{group}]\n{key}={stored}\n", encoding="utf-8")
    assert desk_settings().fileName() == str(path)
    assert pinned_procedures() == []


@pytest.mark.parametrize("value", [None, 42, {"a": "1.004873"}, [None, 3, ["1.004873"]]])
def test_garbage_values_give_no_favourites(value):
    desk_settings().setValue(PINNED_PROCEDURES, value)
    assert pinned_procedures() == []


# -- the dialog -----------------------------------------------------------------------------
@pytest.fixture
def dialog(qtbot, window):
    d = FavouritesDialog(window.reception.picker.procedures(), [PINNED[0], "9.999999"],
                         window)
    qtbot.addWidget(d)
    with qtbot.waitActive(d):
        d.show()
        d.activateWindow()
    return d


def _add(dialog, code: str) -> bool:
    procedure = next(p for p in dialog.picker.procedures() if p.code == code)
    dialog.picker.select(procedure)
    return dialog.add_current()


def test_the_dialog_adds_moves_and_removes(qtbot, dialog):
    assert dialog.windowTitle() == TITLE
    assert dialog.pinned() == [PINNED[0]]  # the unknown code is left out
    assert dialog.list.item(0).text().startswith("Alt+1 ")
    dialog.picker.select(next(p for p in dialog.picker.procedures() if p.code == PINNED[1]))
    qtbot.mouseClick(dialog.add_button, Qt.MouseButton.LeftButton)
    assert dialog.pinned() == PINNED and dialog.picker.text() == ""
    # Enter in the picker after a choice adds it too, and does not close the dialog.
    dialog.picker.setFocus()
    dialog.picker.select(next(p for p in dialog.picker.procedures() if p.code == USED))
    qtbot.keyClick(dialog.picker, Qt.Key.Key_Return)
    assert dialog.pinned() == [*PINNED, USED] and dialog.isVisible()
    assert dialog.list.item(2).text().startswith(f"Alt+3   {USED}")
    assert dialog.list.currentRow() == 2
    qtbot.mouseClick(dialog.up_button, Qt.MouseButton.LeftButton)
    assert dialog.pinned() == [PINNED[0], USED, PINNED[1]]
    assert dialog.list.item(1).text().startswith(f"Alt+2   {USED}")
    dialog.list.setCurrentRow(0)
    assert not dialog.up_button.isEnabled()
    qtbot.mouseClick(dialog.down_button, Qt.MouseButton.LeftButton)
    assert dialog.pinned() == [USED, PINNED[0], PINNED[1]]
    qtbot.mouseClick(dialog.remove_button, Qt.MouseButton.LeftButton)
    assert dialog.pinned() == [USED, PINNED[1]]
    assert not dialog.message.isVisible()


def test_the_dialog_refuses_a_duplicate_and_a_tenth(dialog):
    assert not _add(dialog, PINNED[0])
    assert dialog.message.isVisible()
    assert f"Thủ tục {PINNED[0]} đã có trong danh sách (Alt+1)" in dialog.message.text()
    assert dialog.pinned() == [PINNED[0]]
    others = [c for c in codes(dialog.picker.procedures()) if c != PINNED[0]]
    for code in others[:8]:
        assert _add(dialog, code)
    assert not dialog.message.isVisible() and len(dialog.pinned()) == 9
    assert not _add(dialog, others[8])
    assert dialog.message.isVisible() and "Đã đủ 9 thủ tục" in dialog.message.text()
    assert len(dialog.pinned()) == 9 and others[8] not in dialog.pinned()
    dialog.picker.select(None)
    assert not dialog.add_current() and "Chưa chọn thủ tục" in dialog.message.text()


def _menu_action(window):
    return next(a for a in window.menuBar().actions()[0].menu().actions()
                if "hay &dùng" in a.text())


def _in_the_dialog_soon(do):
    """Run ``do(dialog)`` on the favourites dialog once it is open; never leave it open."""
    errors = []

    def act():
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, FavouritesDialog):
            QTimer.singleShot(50, act)
            return
        try:
            do(dialog)
        except Exception as e:  # noqa: BLE001 (reported by the test)
            errors.append(e)
        finally:
            if dialog.isVisible():
                dialog.reject()
    QTimer.singleShot(50, act)
    return errors


def test_saving_in_the_dialog_changes_what_alt_1_takes(qtbot, window):
    screen = window.reception
    screen.set_usage({USED: 12})
    assert codes(screen.picker.favourites()) == [USED]

    def pin_two(dialog):
        _add(dialog, PINNED[1])
        _add(dialog, PINNED[0])
        dialog.save_button.click()
    errors = _in_the_dialog_soon(pin_two)
    _menu_action(window).trigger()
    assert errors == []
    assert pinned_procedures() == [PINNED[1], PINNED[0]]
    assert codes(screen.picker.favourites()) == [PINNED[1], PINNED[0], USED]
    with qtbot.waitActive(window):  # back from the dialog
        window.activateWindow()
    window.show_reception()
    screen.reset()
    qtbot.keyClick(screen, Qt.Key.Key_1, Qt.KeyboardModifier.AltModifier)
    assert screen.procedure is not None and screen.procedure.code == PINNED[1]
    # Hủy keeps what was saved.
    errors = _in_the_dialog_soon(lambda dialog: _add(dialog, USED))
    _menu_action(window).trigger()
    assert errors == []
    assert pinned_procedures() == [PINNED[1], PINNED[0]]
    assert codes(screen.picker.favourites()) == [PINNED[1], PINNED[0], USED]
