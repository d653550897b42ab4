"""Hệ thống → Sao lưu dữ liệu (administrator): the folder backups go to (a USB stick is
typical), the backups there with whether each is intact, a backup now, and restoring one.

Restoring replaces the database the window has open, so the dialog only asks for it
(``restore_requested``); the main window closes its connection, restores and restarts.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

from counter_app import backups
from counter_app.domain.roles import Action
from counter_app.store.audit_log import AuditAction
from ui.common.messages import ask, show_error
from ui.common.tasks import DbWorker

REASONS = {"scheduled": "Tự động", "exit": "Khi thoát", "manual": "Sao lưu ngay",
           "before-restore": "Trước khi khôi phục"}


def reason_label(reason: str) -> str:
    if reason.startswith("before-migration"):
        return "Trước khi nâng cấp dữ liệu"
    return REASONS.get(reason, reason)


def size_label(size: int) -> str:
    return f"{size / 1_048_576:.1f} MB" if size >= 1_048_576 else f"{max(size, 1) // 1024} KB"


def make_manual_backup(counter, db_path: Path):
    """On the worker: the administrator's backup, recorded in the audit log."""
    counter.require(Action.BACKUP)
    info = backups.make_backup(db_path, "manual")
    counter.audit(AuditAction.BACKUP_MADE, info.path.name, {"reason": "manual"})
    return info


class BackupDialog(QDialog):
    restore_requested = Signal(object)  # Path of an intact backup

    def __init__(self, worker: DbWorker, db_path: Path, parent=None):
        super().__init__(parent)
        self.setWindowTitle("Sao lưu dữ liệu")
        self.resize(760, 440)
        self.worker, self.db_path = worker, Path(db_path)
        self.items: list[backups.BackupInfo] = []
        self.folder_label = QLabel()
        self.folder_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        choose = QPushButton("&Chọn thư mục sao lưu…")
        choose.clicked.connect(self.choose_folder)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.table = QTableWidget(0, 4)
        self.table.setHorizontalHeaderLabels(["Thời điểm", "Lý do", "Dung lượng", "Tình trạng"])
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().hide()
        self.table.itemSelectionChanged.connect(self._selection_changed)
        self.backup_button = QPushButton("&Sao lưu ngay")
        self.backup_button.clicked.connect(self.backup_now)
        self.restore_button = QPushButton("&Khôi phục bản đã chọn…")
        self.restore_button.setEnabled(False)
        self.restore_button.clicked.connect(self.restore_selected)
        close = QPushButton("Đóng")
        close.clicked.connect(self.reject)
        top = QHBoxLayout()
        top.addWidget(QLabel("Thư mục sao lưu:"))
        top.addWidget(self.folder_label, 1)
        top.addWidget(choose)
        buttons = QHBoxLayout()
        buttons.addWidget(self.backup_button)
        buttons.addWidget(self.restore_button)
        buttons.addStretch(1)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(QLabel("Chương trình tự sao lưu vài phút một lần khi có thay đổi, "
                                "trước mỗi lần nâng cấp dữ liệu và khi thoát."))
        layout.addWidget(self.table, 1)
        layout.addWidget(self.status)
        layout.addLayout(buttons)
        self.refresh()

    # -- the list ---------------------------------------------------------------------
    def refresh(self) -> None:
        self.folder_label.setText(str(backups.backup_folder(self.db_path)))
        self.worker.run(lambda c: backups.list_backups(self.db_path), self._show)

    def _show(self, items: list[backups.BackupInfo]) -> None:
        self.items = items
        self.table.setRowCount(len(items))
        for row, info in enumerate(items):
            cells = [f"{info.made_at:%d/%m/%Y %H:%M}", reason_label(info.reason),
                     size_label(info.size), "Nguyên vẹn" if info.intact
                     else f"Hỏng: {info.problem}"]
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(str(info.path))
                if not info.intact:
                    item.setForeground(QColor("#b00020"))
                self.table.setItem(row, col, item)
        self.table.resizeColumnsToContents()
        if not items:
            self.status.setText("Chưa có bản sao lưu nào.")
        self._selection_changed()

    def selected(self) -> backups.BackupInfo | None:
        rows = self.table.selectionModel().selectedRows()
        return self.items[rows[0].row()] if rows else None

    def _selection_changed(self) -> None:
        info = self.selected()
        self.restore_button.setEnabled(info is not None and info.intact)

    # -- actions ----------------------------------------------------------------------
    def choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(
            self, "Chọn thư mục sao lưu (ví dụ ổ USB)", str(backups.backup_folder(self.db_path)))
        if folder:
            self.set_folder(Path(folder))

    def set_folder(self, folder: Path) -> None:
        def save(counter):
            counter.require(Action.BACKUP)
            backups.set_backup_folder(self.db_path, folder)
            counter.audit(AuditAction.SETUP_CHANGED, "backup_folder", {"folder": str(folder)})

        self.worker.run(save, lambda _: self.refresh(), lambda e: show_error(self, e))

    def backup_now(self) -> None:
        self.backup_button.setEnabled(False)
        self.status.setText("Đang sao lưu…")
        self.worker.run(lambda c: make_manual_backup(c, self.db_path), self._made,
                        self._failed)

    def _made(self, info: backups.BackupInfo) -> None:
        self.backup_button.setEnabled(True)
        note = f" {info.warning}" if info.warning else ""
        self.status.setText(f"Đã sao lưu vào {info.path}.{note}")
        self.refresh()

    def _failed(self, error: BaseException) -> None:
        self.backup_button.setEnabled(True)
        self.status.setText("")
        show_error(self, error, "Chưa sao lưu được")

    def restore_selected(self) -> None:
        info = self.selected()
        if info is None or not info.intact:
            return
        text = (f"Khôi phục dữ liệu về bản sao lưu lúc {info.made_at:%H:%M %d/%m/%Y}?\n\n"
                "Mọi thay đổi sau thời điểm đó sẽ không còn trong chương trình (dữ liệu hiện "
                "tại vẫn được giữ lại một bản trong thư mục sao lưu). Chương trình sẽ khởi "
                "động lại và mọi người cần đăng nhập lại.")
        if ask(self, "Khôi phục dữ liệu", text):
            self.restore_requested.emit(info.path)
            self.accept()
