"""The always-visible strip of work-list counts above every tab; overdue is bold red.

Each count is a button: a click shows that list on the "Việc cần làm" tab.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QToolButton

from counter_app.store.dossier_queries import Worklist
from ui.lists.dossier_table import OVERDUE_BACKGROUND, OVERDUE_COLOR, WARNING_COLOR

#: The order lists are shown in everywhere: the urgent ones first.
ORDER = (Worklist.OVERDUE, Worklist.DUE_TODAY, Worklist.DUE_SOON,
         Worklist.WAITING_SUPPLEMENT, Worklist.READY_TO_RETURN, Worklist.RETURNED_TODAY)

BASE = "QToolButton { padding: 2px 8px; border-radius: 3px; %s }"
STYLE_ZERO = BASE % "color: #616161;"
STYLE_PLAIN = BASE % "color: #212121;"
STYLE_WARNING = BASE % f"color: {WARNING_COLOR}; font-weight: bold;"
STYLE_OVERDUE = BASE % (f"color: {OVERDUE_COLOR}; font-weight: bold; "
                        f"background: {OVERDUE_BACKGROUND}; border: 1px solid {OVERDUE_COLOR};")


def list_label(name: Worklist, warning_days: int) -> str:
    if name is Worklist.DUE_SOON:
        return f"Sắp đến hạn ({warning_days} ngày làm việc)"
    return name.label


def count_style(name: Worklist, count: int) -> str:
    if count == 0:
        return STYLE_ZERO
    if name is Worklist.OVERDUE:
        return STYLE_OVERDUE
    if name in (Worklist.DUE_TODAY, Worklist.DUE_SOON):
        return STYLE_WARNING
    return STYLE_PLAIN


class WorklistStrip(QFrame):
    list_clicked = Signal(object)  # Worklist

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("worklistStrip")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setStyleSheet("#worklistStrip { background: #f5f7fa; }")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 2, 8, 2)
        layout.setSpacing(4)
        self.title = QLabel("<b>Việc cần làm:</b>")
        layout.addWidget(self.title)
        self.buttons: dict[Worklist, QToolButton] = {}
        self.counts: dict[Worklist, int] = {}
        for name in ORDER:
            button = QToolButton()
            button.setAutoRaise(True)
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the keyboard has F4
            button.setCursor(Qt.CursorShape.PointingHandCursor)
            button.setToolTip(f"Xem danh sách “{name.label}” (F4)")
            button.clicked.connect(lambda _=False, n=name: self.list_clicked.emit(n))
            self.buttons[name] = button
            layout.addWidget(button)
        layout.addStretch(1)
        self.set_counts({}, 1)

    def set_counts(self, counts: dict[Worklist, int], warning_days: int,
                   updated: str = "") -> None:
        self.counts = dict(counts)
        for name, button in self.buttons.items():
            n = counts.get(name, 0)
            prefix = "⚠ " if name is Worklist.OVERDUE and n else ""
            label = "Sắp đến hạn" if name is Worklist.DUE_SOON else name.label
            button.setText(f"{prefix}{label}: {n}" if counts else f"{label}: …")
            button.setStyleSheet(count_style(name, n))
        due_soon = self.buttons[Worklist.DUE_SOON]
        due_soon.setToolTip(f"Hồ sơ đến hạn trong {warning_days} ngày làm việc tới (F4)")
        # The time of the counts, in the title (a narrow screen has no room for more).
        self.title.setText(f"<b>Việc cần làm</b> <span style='color:#757575'>({updated})</span>"
                           "<b>:</b>" if updated else "<b>Việc cần làm:</b>")
        self.title.setToolTip(f"Số hồ sơ cập nhật lúc {updated}" if updated else "")
