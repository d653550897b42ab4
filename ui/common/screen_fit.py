"""Windows sized for the screen they open on: an old 1024×768 or 1366×768 monitor, less the
Windows taskbar and the window's title bar."""

from __future__ import annotations

from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QWidget

#: What a title bar and frame take around a dialog, in pixels.
FRAME = 40


def fit_to_screen(window: QWidget, width: int, height: int) -> None:
    """Resize ``window`` to ``width``×``height``, or less where the screen's free area (the
    taskbar left out) is smaller."""
    screen = window.screen() or QGuiApplication.primaryScreen()
    if screen is None:
        window.resize(width, height)
        return
    free = screen.availableGeometry()
    window.resize(min(width, free.width() - 8), min(height, free.height() - FRAME))
