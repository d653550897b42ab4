"""The home screen's work lists, the always-visible counts and finding any dossier."""

import datetime as dt
import re

from PySide6.QtCore import QDate, Qt, QTimer
from PySide6.QtWidgets import QApplication

from counter_app.domain.reception import ReceptionRequest
from counter_app.domain.statuses import Status
from counter_app.domain.text import sort_key
from counter_app.store.dossier_queries import DossierQuery, Worklist
from tests.ui.driving import run
from tests.ui.test_scanner import scan
from ui.lists.dossier_table import OVERDUE_COLOR, WARNING_COLOR
from ui.lists.worklist_screen import LISTS
from ui.lists.worklist_strip import ORDER
from ui.system.apology_days_dialog import ApologyDaysDialog
from ui.system.warning_days_dialog import WarningDaysDialog


def on_worker(window, fn):
    return window.worker.call(fn)


def red_pixels(widget) -> int:
    image = widget.grab().toImage()
    return sum(1 for x in range(image.width()) for y in range(image.height())
               if (c := image.pixelColor(x, y)).red() > 150 and c.green() < 60 and c.blue() < 60)


def wait_counts(qtbot, w):
    expected = on_worker(w, lambda c: c.worklist_counts())
    qtbot.waitUntil(lambda: w.worker.idle and w.strip.counts == expected)
    return expected


def test_counts_on_the_home_screen_match_the_desk(qtbot, states, home_window):
    w = home_window
    assert w.tabs.currentIndex() == 0 and w.tabs.currentWidget() is w.worklists
    assert w.focusWidget() is w.worklists.lists
    expected = wait_counts(qtbot, w)
    assert expected[Worklist.OVERDUE] == 2 and expected[Worklist.DUE_SOON] == 2
    for name, n in expected.items():
        if name in ORDER:  # the strip has no room for "cần xin lỗi"; the tab has it
            assert w.strip.buttons[name].text().endswith(f": {n}"), name
        assert w.worklists.lists.item(LISTS.index(name)).text().endswith(f"({n})"), name
    overdue_item = w.worklists.lists.item(LISTS.index(Worklist.OVERDUE))
    assert overdue_item.foreground().color().name() == OVERDUE_COLOR
    assert overdue_item.font().bold()


def test_overdue_is_bold_red_on_every_tab(qtbot, states, home_window):
    w = home_window
    wait_counts(qtbot, w)
    overdue = w.strip.buttons[Worklist.OVERDUE]
    assert "⚠" in overdue.text()
    assert OVERDUE_COLOR in overdue.styleSheet() and "bold" in overdue.styleSheet()
    assert not w.tabs.isAncestorOf(w.strip)  # above the tabs, not inside one
    for index in range(w.tabs.count()):
        w.tabs.setCurrentIndex(index)
        qtbot.waitUntil(lambda: w.worker.idle)
        assert w.strip.isVisible() and overdue.isVisible(), w.tabs.tabText(index)
        assert red_pixels(overdue) > 30, w.tabs.tabText(index)
    # Nothing red where nothing is overdue.
    assert red_pixels(w.strip.buttons[Worklist.WAITING_SUPPLEMENT]) == 0


def test_no_overdue_no_alarm(qtbot, home_window):
    w = home_window
    on_worker(w, lambda c: c.step(c.find("Nguyễn Thị Đặng").rows[0].code, "finish"))
    w.refresh_counts()
    qtbot.waitUntil(lambda: w.worker.idle and w.strip.counts.get(Worklist.OVERDUE) == 0)
    assert red_pixels(w.strip.buttons[Worklist.OVERDUE]) == 0
    assert "⚠" not in w.strip.buttons[Worklist.OVERDUE].text()


def test_clicking_the_strip_shows_the_list_and_each_list_its_dossiers(qtbot, states,
                                                                      home_window, opened):
    w = home_window
    w.show_reception()
    qtbot.mouseClick(w.strip.buttons[Worklist.WAITING_SUPPLEMENT], Qt.MouseButton.LeftButton)
    assert w.tabs.currentWidget() is w.worklists
    assert w.worklists.current() is Worklist.WAITING_SUPPLEMENT
    qtbot.waitUntil(lambda: w.worker.idle and w.worklists.table.codes() == [states["waiting"]])
    assert "Chờ bổ sung – 1 hồ sơ" in w.worklists.title.text()
    table = w.worklists.table
    for name in ORDER:
        w.worklists.show_list(name)
        expected = {r.code for r in on_worker(w, lambda c, n=name: c.worklist(n))}
        qtbot.waitUntil(lambda e=expected: w.worker.idle and set(table.codes()) == e)
        assert expected, name  # every list has something in these states
    # The columns: dd/MM/yyyy HH:mm dates, the holder of a handed-over dossier.
    w.worklists.show_list(Worklist.OVERDUE)
    qtbot.waitUntil(lambda: w.worker.idle and states["overdue"] in table.codes())
    row = table.codes().index(states["overdue"])
    cells = [table.proxy.index(row, c).data() for c in range(table.proxy.columnCount())]
    assert cells[1] == "Lê Văn Quá" and cells[5] == "Đang xử lý"
    assert cells[3] == "16/11/2026 08:00" and cells[4] == "19/11/2026 17:00"
    assert cells[6] == "Công chức Tư pháp – Hộ tịch"
    for r in range(table.proxy.rowCount()):  # overdue rows red and bold
        assert table.proxy.index(r, 0).data(Qt.ItemDataRole.ForegroundRole).color().name() \
            == OVERDUE_COLOR
        assert table.proxy.index(r, 2).data(Qt.ItemDataRole.FontRole).bold()
    w.worklists.show_list(Worklist.DUE_SOON)
    qtbot.waitUntil(lambda: w.worker.idle and states["due_soon"] in table.codes())
    for r in range(table.proxy.rowCount()):  # within the warning window: orange
        assert table.proxy.index(r, 0).data(Qt.ItemDataRole.ForegroundRole).color().name() \
            == WARNING_COLOR
    # Keyboard: Enter in the lists goes to the table, Enter there opens the dossier.
    w.worklists.lists.setFocus()
    qtbot.keyClick(w.worklists.lists, Qt.Key.Key_Return)
    assert w.focusWidget() is table
    code = table.current_code()
    qtbot.keyClick(table, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: opened == [(code, False)])


def test_counts_follow_steps_receptions_tab_switches_and_the_timer(qtbot, states,
                                                                   home_window, opened):
    w = home_window
    before = wait_counts(qtbot, w)
    ready = before[Worklist.READY_TO_RETURN]

    # A step recorded in the dossier dialog: its `changed` refreshes everything.
    def finish(dialog):
        dialog.worker.call(lambda c: c.step(dialog.code, "finish"))
        dialog.changed.emit(dialog.code)
    opened.dialog_class.on_exec = finish
    w.open_dossier(states["due_today"])
    qtbot.waitUntil(lambda: w.worker.idle
                    and w.strip.counts.get(Worklist.READY_TO_RETURN) == ready + 1)
    assert w.worklists.lists.item(LISTS.index(Worklist.READY_TO_RETURN)).text().endswith(
        f"({ready + 1})")
    opened.dialog_class.on_exec = None

    # A dossier saved at the reception counter.
    w.show_reception()
    screen = w.reception
    screen.id_number.setText("038190100009")
    screen.full_name.setText("Lý Thị Mới")
    screen.picker.select(on_worker(w, lambda c: c.procedure("1.001193")))  # due today
    screen.checklist.check_all()
    due_today = w.strip.counts[Worklist.DUE_TODAY]
    screen.save(print_slip=False)
    qtbot.waitUntil(lambda: w.worker.idle
                    and w.strip.counts.get(Worklist.DUE_TODAY) == due_today + 1)

    # Changed behind the window's back (another desk): a tab switch shows it …
    on_worker(w, lambda c: c.step(states["ready"], "return"))
    w.show_today()
    wait_counts(qtbot, w)
    # … and so does the timer.
    assert w.count_timer.isActive() and w.count_timer.interval() == 60_000
    on_worker(w, lambda c: c.step(states["due_soon"], "request_supplement",
                                  {"items": ["Ảnh 4x6"], "reason": "Thiếu ảnh"}))
    w.count_timer.timeout.emit()
    after = wait_counts(qtbot, w)
    assert after[Worklist.WAITING_SUPPLEMENT] == before[Worklist.WAITING_SUPPLEMENT] + 1


def test_vietnamese_order_of_names(qtbot, states, home_window):
    w = home_window
    w.show_search()
    table = w.search.table
    qtbot.waitUntil(lambda: w.worker.idle and len(table.codes()) == len(states))
    table.sortByColumn(1, Qt.SortOrder.AscendingOrder)
    names = [table.proxy.index(r, 1).data() for r in range(table.proxy.rowCount())]
    assert names == sorted(names, key=sort_key)
    assert names[0] == "Đỗ Thị Bổ"  # Đ right after D, not after Z
    assert names.index("Ngô Văn Xa") < names.index("Nguyễn Thị Đặng")  # ô before u


def test_search_without_diacritics_in_any_word_order(qtbot, states, home_window, opened):
    w = home_window
    qtbot.keyClick(w.focusWidget(), Qt.Key.Key_F6)
    assert w.tabs.currentWidget() is w.search and w.focusWidget() is w.search.text
    qtbot.keyClicks(w.search.text, "xong vu")
    assert w.search.pending  # debounced: nothing asked of the disk per keystroke
    qtbot.waitUntil(lambda: w.worker.idle and w.search.table.codes() == [states["ready"]])
    assert w.search.count_label.text() == "Tìm thấy 1 hồ sơ."
    # Ctrl+F from another tab; by ID number and by phone too.
    w.show_reception()
    qtbot.keyClick(w.focusWidget(), Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert w.tabs.currentWidget() is w.search
    w.search.text.setText("038190100004")
    qtbot.waitUntil(lambda: w.worker.idle and w.search.table.codes() == [states["waiting"]])
    # Double-click in the table opens the dossier.
    table = w.search.table
    rect = table.visualRect(table.proxy.index(0, 1))
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.waitUntil(lambda: opened == [(states["waiting"], False)])


def test_filters_combine(qtbot, states, home_window, counter):
    w = home_window
    w.show_search()
    s = w.search
    codes = lambda: set(s.table.codes())  # noqa: E731

    def settle(expected):
        qtbot.waitUntil(lambda: w.worker.idle and not s.pending and codes() == expected)
        assert codes() == {r.code for r in on_worker(w, lambda c: c.find(s.query()).rows)}

    s.status.setCurrentIndex(s.status.findData(int(Status.WAITING_SUPPLEMENT)))
    settle({states["waiting"]})
    s.status.setCurrentIndex(0)
    s.procedure.select(on_worker(w, lambda c: c.procedure("1.004873")))
    settle({states["overdue"], states["due_soon"]})
    s.text.setText("sap")
    settle({states["due_soon"]})
    s.text.setText("")
    s.status.setCurrentIndex(s.status.findData(int(Status.PROCESSING)))
    settle({states["overdue"]})
    s.procedure.select(None)
    s.status.setCurrentIndex(0)
    s.all_dates.setChecked(False)
    assert s.date_from.isEnabled() and s.date_from.displayFormat() == "dd/MM/yyyy"
    s.date_from.setDate(QDate(2026, 11, 19))
    s.date_to.setDate(QDate(2026, 11, 19))
    settle({states["waiting"], states["returned"]})
    s.status.setCurrentIndex(s.status.findData(int(Status.RETURNED)))
    settle({states["returned"]})
    assert s.query() == DossierQuery(status=int(Status.RETURNED),
                                     received_from=dt.date(2026, 11, 19),
                                     received_to=dt.date(2026, 11, 19))
    s.all_dates.setChecked(True)
    s.status.setCurrentIndex(0)
    settle({r.code for r in on_worker(w, lambda c: c.find("").rows)})


def test_truncated_results_say_so_and_stale_answers_are_dropped(qtbot, states, home_window):
    w = home_window
    w.show_search()
    s = w.search
    qtbot.waitUntil(lambda: w.worker.idle and not s.pending and len(s.table.codes()) == len(states))
    assert s.note_label.text() == ""
    s.limit = 3
    s.run_search()
    qtbot.waitUntil(lambda: w.worker.idle and len(s.table.codes()) == 3)
    assert s.note_label.text() == ("Chỉ hiển thị 3 hồ sơ mới nhất; "
                                   "hãy thu hẹp điều kiện tìm.")
    s.limit = 500
    # The answer to an older search arriving after a newer one is dropped.
    held, real_run = [], w.worker.run
    w.worker.run = lambda fn, done=None, err=None: (
        held.append((fn, done)) if not held else real_run(fn, done, err))
    s.text.setText("xa ngo")
    s.run_search()
    s.text.setText("bo do")
    s.run_search()
    qtbot.waitUntil(lambda: w.worker.idle and s.table.codes() == [states["waiting"]])
    fn, done = held[0]
    done(w.worker.call(fn))
    assert s.table.codes() == [states["waiting"]]
    assert s.last_query.text == "bo do"


def test_enter_in_the_box_opens_an_exact_code(qtbot, states, home_window, opened):
    w = home_window
    w.show_search()
    w.search.text.setText(states["calm"].lower())  # pasted, not typed
    qtbot.keyClick(w.search.text, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: opened == [(states["calm"], False)])
    # Typed (or scanned) into the box, the code opens the dossier ready and stays shown.
    w.search.text.clear()
    w.search.text.setFocus()
    scan(states["waiting"])
    qtbot.waitUntil(lambda: opened[-1] == (states["waiting"], True))
    assert w.search.text.text() == states["waiting"]
    qtbot.waitUntil(lambda: w.worker.idle and w.search.table.codes() == [states["waiting"]])
    del opened[1:]
    # An unknown code is said so, in Vietnamese.
    w.search.text.setText("000.17.22.H56-261120-1999")
    qtbot.keyClick(w.search.text, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: w.notice_box is not None and w.notice_box.isVisible())
    message = "Không tìm thấy hồ sơ có mã 000.17.22.H56-261120-1999"
    assert message in w.statusBar().currentMessage()
    assert message in w.notice_box.text()
    w.notice_box.accept()
    assert len(opened) == 1
    # Enter on ordinary text goes to the results.
    w.search.text.setText("van")
    qtbot.waitUntil(lambda: w.worker.idle and not w.search.pending
                    and w.search.table.proxy.rowCount() > 1)
    qtbot.keyClick(w.search.text, Qt.Key.Key_Return)
    assert w.focusWidget() is w.search.table and len(opened) == 1


def test_warning_days_setting(qtbot, states, home_window, counter):
    w = home_window
    # Due Wednesday 25/11 17:00: outside one working day, inside three (24/11 is off).
    on_worker(w, lambda c: c.receive(ReceptionRequest(
        "1.004873", {"full_name": "Mai Văn Ba", "id_number": "038090100008"},
        received_at=dt.datetime(2026, 11, 19, 9, 0))))
    w.refresh_counts()
    assert wait_counts(qtbot, w)[Worklist.DUE_SOON] == 2
    action = next(a for a in w.menuBar().actions()[0].menu().actions()
                  if a.text().startswith("Cảnh &báo trước hạn"))

    def answer():
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, WarningDaysDialog):
            QTimer.singleShot(20, answer)
            return
        assert dialog.value() == 1 and dialog.days.maximum() == 30
        dialog.days.setValue(3)
        dialog.accept()
    QTimer.singleShot(0, answer)
    action.trigger()
    qtbot.waitUntil(lambda: w.worker.idle and "3 ngày" in w.statusBar().currentMessage())
    assert on_worker(w, lambda c: c.warning_days) == 3
    assert wait_counts(qtbot, w)[Worklist.DUE_SOON] == 3
    assert re.search(r"Sắp đến hạn \(3 ngày làm việc\)\s+\(3\)",
                     w.worklists.lists.item(LISTS.index(Worklist.DUE_SOON)).text())


def test_the_apology_window_is_set_from_the_system_menu(qtbot, home_window):
    w = home_window
    action = next(a for a in w.menuBar().actions()[0].menu().actions()
                  if a.text().startswith("Hạn &xin lỗi"))

    def answer():
        dialog = QApplication.activeModalWidget()
        assert dialog.value() == 1 and dialog.days.minimum() == 1  # the law's floor
        dialog.days.setValue(2)
        dialog.accept()
    action.trigger()  # the dialog opens once the worker has read the current value
    run(qtbot, [("dialog", lambda: isinstance(QApplication.activeModalWidget(),
                                              ApologyDaysDialog), answer)])
    qtbot.waitUntil(lambda: w.worker.idle and "2 ngày" in w.statusBar().currentMessage())
    assert on_worker(w, lambda c: c.apology_days) == 2
    row = LISTS.index(Worklist.NEEDS_APOLOGY)
    assert w.worklists.lists.item(row).text().startswith("Cần xin lỗi")


def test_the_register_is_exported_from_the_window(qtbot, window, counter, tmp_path):
    """Màn hình › Xuất sổ theo dõi hồ sơ: a date range, PDF or Excel, written by the core;
    a range the wrong way round is refused on the dialog."""
    from ui.lists.register_export_dialog import RegisterExportDialog

    dialog = RegisterExportDialog(window.worker, counter.clock().date(), window)
    qtbot.addWidget(dialog)
    dialog.start.setDate(dialog.end.date().addDays(1))
    dialog.choose_file()
    assert "không sớm hơn" in dialog.message.text()
    dialog.start.setDate(dialog.end.date().addDays(-60))
    dialog.kind.setCurrentIndex(1)  # Excel
    start = dialog.start.date()
    out = tmp_path / "so"
    dialog.export(dt.date(start.year(), start.month(), start.day()),
                  counter.clock().date(), str(out))
    qtbot.waitUntil(lambda: "Đã lưu" in dialog.message.text() or "Chưa" in dialog.message.text())
    assert "Đã lưu" in dialog.message.text(), dialog.message.text()
    assert (tmp_path / "so.xlsx").read_bytes().startswith(b"PK")
