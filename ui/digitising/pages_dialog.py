"""Choosing the pages of one document (or of the result): the files the scanner saved in the
scan folder (ticked, oldest first), files picked or dropped, pages taken with a camera, or,
for a returning citizen, the copy digitised for their earlier dossier ("Đã có bản số hóa từ
hồ sơ …"), which is linked, not copied."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
)

from counter_app.service.digitising import Reusable
from ui.common.screen_fit import fit_to_screen
from ui.digitising.camera_dialog import CameraDialog, cameras
from ui.digitising.scan_folder import SCAN_SUFFIXES, ScanFolder

FILE_FILTER = ("Ảnh quét hoặc PDF (" + " ".join(f"*{s}" for s in sorted(SCAN_SUFFIXES))
               + ");;Mọi tệp (*)")
SOURCE = Qt.ItemDataRole.UserRole  # a Path, or the JPEG bytes of a camera page


@dataclass
class PagesChoice:
    """What the officer chose: pages (paths or JPEG bytes, in order; ``scan_files`` are the
    scan folder's among them), or one earlier copy to link."""
    sources: list[Path | bytes] = field(default_factory=list)
    scan_files: list[Path] = field(default_factory=list)
    reuse: Reusable | None = None


def _size(n: int) -> str:
    return f"{n / 1024:,.0f} KB".replace(",", ".") if n >= 1024 else f"{n} byte"


def reuse_text(r: Reusable) -> str:
    day = dt.datetime.fromisoformat(r.at).strftime("%d/%m/%Y")
    return (f"Đã có bản số hóa từ hồ sơ {r.dossier_code} (ngày {day}, {r.pages} trang): "
            "dùng lại, không cần quét")


class PagesDialog(QDialog):
    def __init__(self, title: str, scan_folder: ScanFolder | None,
                 reusable: list[Reusable] = (), parent=None, taken: set[Path] = frozenset()):
        super().__init__(parent)
        self.setWindowTitle(f"Số hóa: {title}")
        self.setAcceptDrops(True)
        fit_to_screen(self, 720, 480)
        self.choice: PagesChoice | None = None
        self._scan_folder = scan_folder
        heading = QLabel(f"<b>{title}</b>", wordWrap=True)

        self.reuse_buttons: list[tuple[QRadioButton, Reusable]] = []
        self.scan_button = QRadioButton("&Quét, chọn tệp hoặc chụp các trang")
        self.scan_button.setChecked(True)
        for r in reusable:
            button = QRadioButton(reuse_text(r))
            button.setStyleSheet("color: #1b5e20; font-weight: bold;")
            self.reuse_buttons.append((button, r))
        if self.reuse_buttons:  # the usual choice for a returning citizen: no scanning
            self.reuse_buttons[0][0].setChecked(True)

        folder = scan_folder.folder if scan_folder is not None else None
        self.folder_label = QLabel(wordWrap=True)
        self.folder_label.setText(
            f"Các trang (tệp mới trong thư mục quét {folder} được đánh dấu sẵn, theo thứ tự "
            "quét):" if folder else
            "Các trang (chưa đặt thư mục máy quét: Hệ thống → Thư mục máy quét…):")
        self.pages = QListWidget()
        self.pages.setAccessibleName("Các trang")
        self.pages.setDragDropMode(QListWidget.DragDropMode.InternalMove)  # reorder by mouse
        self._listed: set[Path] = set()
        self._taken = taken  # the scans another document of the form has: not ticked
        if scan_folder is not None:
            self._add_scans()
            scan_folder.changed.connect(self._add_scans)  # scanned while the dialog is open
        self.pick_button = QPushButton("Chọn &tệp…")
        self.pick_button.clicked.connect(self.pick_files)
        self.camera_button = QPushButton("Chụp bằng &camera…")
        self.camera_button.clicked.connect(self.use_camera)
        if not cameras():
            self.camera_button.setEnabled(False)
            self.camera_button.setToolTip("Máy tính này không có camera.")
        self.problem = QLabel(wordWrap=True)
        self.problem.setStyleSheet("color: #b71c1c; font-weight: bold;")
        self.problem.hide()

        buttons = QDialogButtonBox()
        self.ok_button = buttons.addButton("&Gắn vào hồ sơ",
                                           QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton("&Hủy", QDialogButtonBox.ButtonRole.RejectRole)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        for button in (self.scan_button, *(b for b, _r in self.reuse_buttons)):
            button.toggled.connect(self._mode_changed)

        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        for button, _r in self.reuse_buttons:
            layout.addWidget(button)
        if self.reuse_buttons:
            layout.addWidget(self.scan_button)
        else:
            self.scan_button.hide()
        layout.addWidget(self.folder_label)
        layout.addWidget(self.pages, 1)
        row = QHBoxLayout()
        row.addWidget(self.pick_button)
        row.addWidget(self.camera_button)
        row.addStretch(1)
        layout.addLayout(row)
        layout.addWidget(self.problem)
        layout.addWidget(buttons)
        self._mode_changed()
        (self.ok_button if self.pages.count() or self.reuse_buttons
         else self.pick_button).setFocus()

    # -- pages -----------------------------------------------------------------------------
    def _add(self, text: str, source: Path | bytes, checked: bool = True) -> None:
        item = QListWidgetItem(text)
        item.setData(SOURCE, source)
        item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
        item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
        self.pages.addItem(item)

    def _add_scans(self) -> None:
        for f in self._scan_folder.ready():
            if f.path not in self._listed:
                self._listed.add(f.path)
                taken = f.path in self._taken
                self._add(f"{f.name}  ·  {f.modified:%H:%M %d/%m/%Y}  ·  {_size(f.size)}"
                          + ("  (đã gắn cho giấy tờ khác)" if taken else ""), f.path,
                          checked=not taken)

    def add_files(self, paths: list[Path]) -> None:
        for path in paths:
            self._add(path.name, path)
        self.scan_button.setChecked(True)

    def pick_files(self) -> None:
        start = str(self._scan_folder.folder) if self._scan_folder and \
            self._scan_folder.folder else ""
        names, _ = QFileDialog.getOpenFileNames(self, "Chọn ảnh quét hoặc tệp PDF", start,
                                                FILE_FILTER)
        self.add_files([Path(n) for n in names])

    def use_camera(self) -> None:
        devices = cameras()
        if not devices:
            self._say("Máy tính này không có camera.")
            return
        dialog = CameraDialog(devices, self)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            for n, page in enumerate(dialog.pages, 1):
                self._add(f"Ảnh chụp camera {n}", page)
            self.scan_button.setChecked(True)

    def dragEnterEvent(self, event):  # noqa: N802 (Qt override)
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event):  # noqa: N802 (Qt override)
        paths = [Path(u.toLocalFile()) for u in event.mimeData().urls() if u.isLocalFile()]
        self.add_files([p for p in paths if p.is_file()])
        event.acceptProposedAction()

    def _mode_changed(self, _checked: bool = False) -> None:
        scanning = self.scan_button.isChecked()
        for w in (self.pages, self.folder_label):
            w.setEnabled(scanning)

    # -- the answer ------------------------------------------------------------------------
    def checked_sources(self) -> list[Path | bytes]:
        return [self.pages.item(i).data(SOURCE) for i in range(self.pages.count())
                if self.pages.item(i).checkState() == Qt.CheckState.Checked]

    def accept(self) -> None:
        chosen = next((r for b, r in self.reuse_buttons if b.isChecked()), None)
        if chosen is not None:
            self.choice = PagesChoice(reuse=chosen)
            super().accept()
            return
        sources = self.checked_sources()
        if not sources:
            self._say("Chưa có trang nào: quét vào thư mục quét, chọn tệp hoặc chụp bằng "
                      "camera.")
            return
        folder = self._scan_folder.folder if self._scan_folder else None
        scans = [s for s in sources if isinstance(s, Path) and folder is not None
                 and s.parent == folder]
        self.choice = PagesChoice(sources, scans)
        super().accept()

    def _say(self, text: str) -> None:
        self.problem.setText(text)
        self.problem.show()
