"""The administrator's backup screen, the automatic backups, and the start-up check that
offers the newest intact backup when the database is damaged (never an empty start)."""

from __future__ import annotations

import datetime as dt
import sqlite3

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox, QPushButton

from counter_app import backups
from counter_app.domain.reception import ReceptionRequest
from counter_app.service.counter import Counter
from counter_app.store.integrity import check_database
from tests.ui.conftest import NOW, signed_in
from ui.common.tasks import DbWorker
from ui.system.backup_dialog import BackupDialog
from ui.system.backup_schedule import BackupSchedule
from ui.system.damaged_database_dialog import DamagedDatabaseDialog, check_before_opening


def receive(counter: Counter, name: str) -> str:
    return counter.receive(ReceptionRequest("2.000815", {
        "full_name": name, "id_number": "038190054321"})).code


def codes(path) -> list[str]:
    conn = sqlite3.connect(path)  # closed: a restore refuses while a connection is open
    try:
        return [c for (c,) in conn.execute("SELECT code FROM dossiers ORDER BY code")]
    finally:
        conn.close()


def click_when_shown(qtbot, text: str) -> None:
    """Press the button labelled ``text`` of the next modal box (as the officer would)."""
    def press():
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(20, press)
            return
        for button in box.findChildren(QPushButton):
            if button.text().replace("&", "") == text:
                button.click()
                return
        shown = [b.text() for b in box.findChildren(QPushButton)]
        box.close()  # never leave the test waiting on a box it cannot answer
        raise AssertionError(f"no button {text!r} on the box, only {shown}")

    QTimer.singleShot(0, press)


@pytest.fixture
def worker(counter, qtbot):
    w = DbWorker(counter)
    yield w
    w._pool.shutdown(wait=True)


def test_backup_now_lists_it_intact_and_a_damaged_file_is_not_offered(qtbot, counter,
                                                                         worker, tmp_path):
    db_path = tmp_path / "desk.db"
    dialog = BackupDialog(worker, db_path)
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: worker.idle)
    assert dialog.table.rowCount() == 0
    qtbot.mouseClick(dialog.backup_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.table.rowCount() == 1 and worker.idle)
    assert dialog.table.item(0, 1).text() == "Sao lưu ngay"
    assert dialog.table.item(0, 3).text() == "Nguyên vẹn"
    made = dialog.items[0].path
    assert made.parent == tmp_path / "backups" and check_database(made).ok
    entries = worker.call(lambda c: c.db.execute(
        "SELECT action, subject FROM audit_log WHERE action = 'backup_made'").fetchall())
    assert entries == [("backup_made", made.name)]

    # A file with a backup's name but garbage inside: listed as damaged, never restorable.
    (tmp_path / "backups" / "desk-20261119-170000-exit.db").write_bytes(b"\x00garbage" * 500)
    dialog.refresh()
    qtbot.waitUntil(lambda: dialog.table.rowCount() == 2 and worker.idle)
    damaged = [i for i, info in enumerate(dialog.items) if not info.intact]
    assert len(damaged) == 1
    assert dialog.table.item(damaged[0], 3).text().startswith("Hỏng")
    dialog.table.selectRow(damaged[0])
    assert not dialog.restore_button.isEnabled()

    requested = []
    dialog.restore_requested.connect(requested.append)
    intact = 1 - damaged[0]
    dialog.table.selectRow(intact)
    assert dialog.restore_button.isEnabled()
    click_when_shown(qtbot, "Đồng ý")
    dialog.restore_button.click()
    assert requested == [made]


def test_only_the_administrator_backs_up(qtbot, counter, worker, tmp_path):
    counter.add_officer("tiepnhan", "Trần Thu Hà", "", ["reception"], "mat-khau-ha")
    counter.sign_in("tiepnhan", "mat-khau-ha")
    dialog = BackupDialog(worker, tmp_path / "desk.db")
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: worker.idle)
    click_when_shown(qtbot, "Đóng")
    qtbot.mouseClick(dialog.backup_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: worker.idle and dialog.backup_button.isEnabled())
    assert backups.list_backups(tmp_path / "desk.db") == []


def test_the_schedule_backs_up_only_after_a_change_and_at_exit(qtbot, counter, tmp_path):
    db_path = tmp_path / "desk.db"
    schedule = BackupSchedule(db_path, minutes=0)
    made = []
    schedule.made.connect(made.append)
    assert not schedule.run_if_changed()  # nothing new since the program opened it
    receive(counter, "Phạm Văn Lộc")
    assert schedule.run_if_changed()
    qtbot.waitUntil(lambda: len(made) == 1)
    assert made[0].reason == "scheduled" and made[0].intact
    assert not schedule.run_if_changed()
    receive(counter, "Hoàng Thị Mai")
    counter.close()
    last = schedule.at_exit()
    assert last is not None and last.reason == "exit"
    assert len(codes(last.path)) == 3


def _damaged_desk(tmp_path):
    """A desk with a backup holding one dossier, then a second dossier, then the file's
    pages overwritten with garbage (a bad sector, a half-copied file)."""
    db_path = tmp_path / "desk.db"
    counter = signed_in(Counter.open(db_path, clock=lambda: NOW))
    from tests.ui.conftest import AGENCY

    counter.set_up(**AGENCY)
    first = receive(counter, "Phạm Văn Lộc")
    info = backups.make_backup(db_path, "scheduled", now=NOW + dt.timedelta(minutes=1))
    receive(counter, "Hoàng Thị Mai")
    counter.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    counter.close()
    size = db_path.stat().st_size
    with db_path.open("r+b") as f:
        f.seek(4096)
        f.write(b"\xde\xad\xbe\xef" * ((size - 4096) // 4))
    return db_path, info, first


def test_a_damaged_database_is_said_plainly_and_the_newest_backup_restored(qtbot, tmp_path):
    db_path, info, first = _damaged_desk(tmp_path)
    health = check_database(db_path)
    assert not health.ok
    dialog = DamagedDatabaseDialog(db_path, health)
    qtbot.addWidget(dialog)
    label = next(w for w in dialog.children() if hasattr(w, "text") and "hỏng" in w.text())
    assert "Không dùng được tệp dữ liệu" in label.text()
    assert f"{info.made_at:%H:%M ngày %d/%m/%Y}" in label.text()
    damaged_bytes = db_path.read_bytes()
    qtbot.mouseClick(dialog.restore_button, Qt.MouseButton.LeftButton)
    assert dialog.result() == dialog.DialogCode.Accepted
    assert check_database(db_path).ok
    assert codes(db_path) == [first]
    assert dialog.kept is not None and dialog.kept.read_bytes() == damaged_bytes


def test_start_up_refuses_to_start_empty(qtbot, tmp_path):
    db_path, info, first = _damaged_desk(tmp_path)
    db_path.unlink()  # the file gone altogether, the backups still there

    def choose():
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, DamagedDatabaseDialog):
            QTimer.singleShot(20, choose)
            return
        assert "Không tìm thấy tệp dữ liệu" in " ".join(
            w.text() for w in dialog.children() if hasattr(w, "text"))
        dialog.restore_button.click()

    QTimer.singleShot(0, choose)
    assert check_before_opening(db_path)
    assert codes(db_path) == [first]


def test_a_sound_or_brand_new_database_opens_without_asking(tmp_path, counter):
    assert check_before_opening(tmp_path / "desk.db")          # sound
    assert check_before_opening(tmp_path / "new" / "desk.db")  # first run, no backups


def test_the_audit_screen_lists_who_did_what_and_points_at_a_tampered_event(qtbot, counter,
                                                                             worker, tmp_path):
    from ui.accounts.audit_dialog import AuditDialog

    code = receive(counter, "Phạm Văn Lộc")
    dialog = AuditDialog(worker, NOW.date())
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: worker.idle and dialog.table.rowCount() > 0)
    rows = [[dialog.table.item(r, c).text() for c in range(5)]
            for r in range(dialog.table.rowCount())]
    assert ["20/11/2026 09:15", "Lê Thị Hoa (hoa)", "Tiếp nhận hồ sơ", code] == rows[0][:4]
    assert any(r[2] == "Đăng nhập" for r in rows)
    qtbot.mouseClick(dialog.verify_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: worker.idle and dialog.verify_button.isEnabled())
    assert dialog.verdict.text().startswith("Nhật ký nguyên vẹn")

    # Someone edits the applicant's name in the event straight in the SQLite file.
    with sqlite3.connect(tmp_path / "desk.db") as raw:
        raw.execute("DROP TRIGGER events_append_only_update")
        raw.execute("UPDATE events SET payload = replace(payload, 'Lộc', 'Lộ') "
                    "WHERE kind = 'received' AND payload LIKE '%Lộc%'")
    qtbot.mouseClick(dialog.verify_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: worker.idle and dialog.verify_button.isEnabled())
    text = dialog.verdict.text()
    assert "Nhật ký đã bị can thiệp" in text and code in text and "số thứ tự 2" in text


def test_the_window_backs_up_at_exit_and_restores_from_the_menu(qtbot, counter, tmp_path):
    from ui.main_window import MainWindow

    db_path = tmp_path / "desk.db"
    first = codes(db_path)
    made = backups.make_backup(db_path, "manual")
    window = MainWindow(counter, db_path=db_path)
    qtbot.addWidget(window)
    restarted = []
    window.restart = lambda: restarted.append(True)
    later = window.worker.call(lambda c: receive(c, "Hoàng Thị Mai"))
    assert later in codes(db_path)

    click_when_shown(qtbot, "Đồng ý")  # "Đã khôi phục dữ liệu…" (Qt's OK, in Vietnamese)
    window.restore_from(made.path)
    assert restarted == [True]
    assert codes(db_path) == first  # the dossier received after the backup is gone...
    kept = [b for b in backups.list_backups(db_path) if b.reason == "before-restore"]
    assert len(kept) == 1 and later in codes(kept[0].path)  # ...but kept in a copy
    assert not [b for b in backups.list_backups(db_path) if b.reason == "exit"]


def test_closing_the_window_makes_a_last_backup(qtbot, counter, tmp_path):
    from ui.main_window import MainWindow

    db_path = tmp_path / "desk.db"
    window = MainWindow(counter, db_path=db_path)
    qtbot.addWidget(window)
    code = window.worker.call(lambda c: receive(c, "Hoàng Thị Mai"))
    window.close()
    exits = [b for b in backups.list_backups(db_path) if b.reason == "exit"]
    assert len(exits) == 1 and exits[0].intact and code in codes(exits[0].path)
