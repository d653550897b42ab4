"""The scan folder: where the office scanner's own software saves its files (how most
commune scanners are used). The program watches it and offers the files that are complete
for the dossier at hand; once they are in a saved dossier they move into its "Đã số hóa"
subfolder, so the next citizen is never offered them.

A scanner writes a file over several seconds, and on Windows holds it open while it does. A
file is offered only when it is not empty, its size and time stayed the same over two looks
at least ``settle_ms`` apart, and it opens for reading.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QFileSystemWatcher, QObject, QTimer, Signal

#: What the digitising accepts (counter_app/attachments/pages.py reads the content).
SCAN_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".tif", ".tiff", ".bmp", ".webp", ".pdf"})
USED_FOLDER = "Đã số hóa"
#: A file whose name starts so is a scanner's or an editor's temporary file.
_TEMPORARY = ("~", ".", "$")


@dataclass(frozen=True)
class ScanFile:
    path: Path
    size: int
    modified: dt.datetime

    @property
    def name(self) -> str:
        return self.path.name


def _opens(path: Path) -> bool:
    """Can it be read now (not held by the scanner's software, on Windows)?"""
    try:
        with path.open("rb") as f:
            f.read(1)
    except OSError:
        return False
    return True


class ScanFolder(QObject):
    """Watches one folder (none until the desk sets it); ``changed`` when the files ready to
    offer change. ``ready()`` lists them, oldest first."""

    changed = Signal()

    def __init__(self, parent: QObject | None = None, settle_ms: int = 1000,
                 poll_ms: int = 3000):
        super().__init__(parent)
        self._folder: Path | None = None
        self._settle_ms = settle_ms
        self._seen: dict[Path, tuple[int, int]] = {}   # path -> (size, mtime_ns) last look
        self._ready: list[ScanFile] = []
        self._kept: set[tuple[Path, int, int]] = set()  # used, but could not be moved
        self._watcher = QFileSystemWatcher(self)
        self._watcher.directoryChanged.connect(lambda _path: self._soon())
        self._settle = QTimer(self, singleShot=True, interval=settle_ms, timeout=self.look)
        # Network folders and some scanners' renames give no notice: look now and then.
        self._poll = QTimer(self, interval=poll_ms, timeout=self.look)

    @property
    def folder(self) -> Path | None:
        return self._folder

    def set_folder(self, folder: Path | str | None) -> str:
        """Watch ``folder`` ("" or None: none). Returns a problem to tell the officer, in
        Vietnamese, or ""."""
        if self._watcher.directories():
            self._watcher.removePaths(self._watcher.directories())
        self._folder, self._seen, self._ready = None, {}, []
        self._poll.stop()
        problem = ""
        if folder:
            path = Path(folder)
            if path.is_dir():
                self._folder = path
                self._watcher.addPath(str(path))
                self._poll.start()
                self.look()
            else:
                problem = f"Không tìm thấy thư mục máy quét {path}."
        self.changed.emit()
        return problem

    def ready(self) -> list[ScanFile]:
        return list(self._ready)

    def _soon(self) -> None:
        if not self._settle.isActive():
            self._settle.start()

    def look(self) -> None:
        """List the folder; offer what has settled, look again soon for what has not."""
        if self._folder is None:
            return
        now: dict[Path, tuple[int, int]] = {}
        try:
            entries = list(os.scandir(self._folder))
        except OSError:  # the folder went away (a USB disk, a network share)
            entries = []
        for entry in entries:
            name = entry.name
            if name.startswith(_TEMPORARY) or Path(name).suffix.lower() not in SCAN_SUFFIXES:
                continue
            try:
                if not entry.is_file():
                    continue
                stat = entry.stat()
            except OSError:
                continue
            now[Path(entry.path)] = (stat.st_size, stat.st_mtime_ns)
        ready, settling = [], False
        for path, (size, mtime) in now.items():
            if (path, size, mtime) in self._kept:
                continue
            if size > 0 and self._seen.get(path) == (size, mtime) and _opens(path):
                ready.append(ScanFile(path, size, dt.datetime.fromtimestamp(mtime / 1e9)))
            else:
                settling = True
        self._seen = now
        ready.sort(key=lambda f: (f.modified, f.name))
        if settling:
            self._soon()
        if ready != self._ready:
            self._ready = ready
            self.changed.emit()

    def mark_used(self, paths: list[Path]) -> list[Path]:
        """Move files now in a saved dossier into the "Đã số hóa" subfolder (never delete:
        the officer's scans stay theirs). A file that cannot move (held open, read-only) is
        only no longer offered. Returns the files that could not move."""
        stuck = []
        for path in paths:
            try:
                stat = path.stat()
            except OSError:
                continue  # already gone
            target_dir = path.parent / USED_FOLDER
            try:
                target_dir.mkdir(exist_ok=True)
                target = _free_name(target_dir / path.name)
                os.replace(path, target)  # not shutil.move: never copy then delete
            except OSError:
                self._kept.add((path, stat.st_size, stat.st_mtime_ns))
                stuck.append(path)
        self.look()
        return stuck


def _free_name(target: Path) -> Path:
    """``target``, or ``name (2).ext``… when a file of that name was moved before."""
    n = 2
    candidate = target
    while candidate.exists():
        candidate = target.with_name(f"{target.stem} ({n}){target.suffix}")
        n += 1
    return candidate
