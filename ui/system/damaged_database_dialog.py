"""At start-up, when the database fails its check: say so plainly and offer the newest intact
backup (or another one the officer picks). Never start on an empty database instead.

The damaged file is not thrown away: ``backups.restore`` keeps it beside the backups.
"""

from __future__ import annotations

from pathlib import Path

import shiboken6
from PySide6.QtWidgets import QDialog, QFileDialog, QHBoxLayout, QLabel, QPushButton, QVBoxLayout

from counter_app import backups
from counter_app.store.integrity import Health, check_database
from ui.common.messages import show_error
from ui.system.backup_dialog import reason_label


class DamagedDatabaseDialog(QDialog):
    """``exec()`` returns Accepted once a backup has been restored in place."""

    def __init__(self, db_path: Path, health: Health, parent=None):
        super().__init__(parent)
        self.setWindowTitle("Dữ liệu bị hỏng")
        self.db_path = Path(db_path)
        self.restored_from: Path | None = None
        self.kept: Path | None = None
        self.offered = backups.newest_intact(self.db_path)
        text = (f"<b>Không dùng được tệp dữ liệu của chương trình.</b><br>{health.problem}"
                "<br><br>Chương trình sẽ không tự bắt đầu với dữ liệu trống. ")
        if self.offered:
            text += (f"Bản sao lưu nguyên vẹn mới nhất là lúc "
                     f"<b>{self.offered.made_at:%H:%M ngày %d/%m/%Y}</b> "
                     f"({reason_label(self.offered.reason).lower()}), tại "
                     f"{self.offered.path.parent}.<br>Khôi phục từ bản này thì các hồ sơ "
                     "nhập sau thời điểm đó cần nhập lại. Tệp hỏng vẫn được giữ lại một bản.")
        else:
            text += ("Không tìm thấy bản sao lưu nguyên vẹn nào trong thư mục sao lưu. "
                     "Hãy cắm ổ USB chứa bản sao lưu rồi chọn tệp, hoặc gọi người quản trị.")
        message = QLabel(text)
        message.setWordWrap(True)
        self.restore_button = QPushButton("&Khôi phục bản này")
        self.restore_button.setVisible(self.offered is not None)
        self.restore_button.clicked.connect(self.restore_offered)
        other = QPushButton("&Chọn bản sao lưu khác…")
        other.clicked.connect(self.choose_other)
        quit_button = QPushButton("&Thoát")
        quit_button.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addWidget(self.restore_button)
        buttons.addWidget(other)
        buttons.addStretch(1)
        buttons.addWidget(quit_button)
        layout = QVBoxLayout(self)
        layout.addWidget(message)
        layout.addLayout(buttons)
        (self.restore_button if self.offered else other).setDefault(True)
        self.resize(620, 240)

    def restore_offered(self) -> None:
        if self.offered is not None:
            self.restore(self.offered.path)

    def choose_other(self) -> None:
        name, _ = QFileDialog.getOpenFileName(
            self, "Chọn bản sao lưu", str(backups.backup_folder(self.db_path)),
            "Bản sao lưu (*.db);;Mọi tệp (*)")
        if name:
            self.restore(Path(name))

    def restore(self, backup_file: Path) -> None:
        try:
            self.kept = backups.restore(self.db_path, backup_file)
        except Exception as exc:  # a damaged pick, no space: say it, stay in the dialog
            show_error(self, exc, "Không khôi phục được")
            return
        self.restored_from = backup_file
        self.accept()


def check_before_opening(db_path: Path, parent=None) -> bool:
    """True when the database may be opened: it is sound, it is new (first run with no
    backups anywhere), or a backup was just restored in its place."""
    db_path = Path(db_path)
    if not db_path.exists() and backups.newest_intact(db_path) is None:
        return True  # a first run: nothing was ever here
    health = check_database(db_path)
    if health.ok:
        return True
    dialog = DamagedDatabaseDialog(db_path, health, parent)
    try:
        return dialog.exec() == QDialog.DialogCode.Accepted
    finally:
        shiboken6.delete(dialog)  # now, on this thread: not at some later garbage collection
