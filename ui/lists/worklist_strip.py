"""The always-visible strip of work-list counts above every tab; overdue is bold red.

Each count is a button: a click shows that list on the "Việc cần làm" tab.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QToolButton

from counter_app.store.dossier_queries import Worklist
from ui.lists.dossier_table import OVERDUE_BACKGROUND, OVERDUE_COLOR, WARNING_COLOR

#: The order lists are shown in everywhere: the urgent ones first.
ORDER = (Worklist.OVERDUE, Worklist.DUE_TODAY, Worklist.DUE_SOON,
         Worklist.WAITING_SUPPLEMENT, Worklist.READY_TO_RETURN, Worklist.RETURNED_TODAY)
#: Shown only when they hold something (most desks never receive for another body), after
#: the urgent ones: what must go to (or arrive from) another body.
WHEN_ANY = (Worklist.TO_FORWARD, Worklist.PAPER_INCOMING)
#: Left out first when the window is too narrow for every count (a 1024-pixel screen with
#: the transfer counts shown); their lists stay on the "Việc cần làm" tab.
DROP_FIRST = (Worklist.RETURNED_TODAY, Worklist.PAPER_INCOMING, Worklist.READY_TO_RETURN)
SHORT = {Worklist.DUE_SOON: "Sắp đến hạn", Worklist.TO_FORWARD: "Chờ chuyển đi",
         Worklist.PAPER_INCOMING: "Chờ hồ sơ giấy"}

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
    if name in (Worklist.DUE_TODAY, Worklist.DUE_SOON, Worklist.TO_FORWARD):
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
        for name in (*ORDER[:3], *WHEN_ANY, *ORDER[3:]):
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
            label = SHORT.get(name, name.label)
            button.setText(f"{prefix}{label}: {n}" if counts else f"{label}: …")
            button.setStyleSheet(count_style(name, n))
        self._fit()
        due_soon = self.buttons[Worklist.DUE_SOON]
        due_soon.setToolTip(f"Hồ sơ đến hạn trong {warning_days} ngày làm việc tới (F4)")
        # The time of the counts, in the title (a narrow screen has no room for more).
        self.title.setText(f"<b>Việc cần làm</b> <span style='color:#757575'>({updated})</span>"
                           "<b>:</b>" if updated else "<b>Việc cần làm:</b>")
        self.title.setToolTip(f"Số hồ sơ cập nhật lúc {updated}" if updated else "")

    # -- a narrow window ------------------------------------------------------------------
    def wanted(self, name: Worklist) -> bool:
        """Shown when there is room: every count, a transfer count only when not zero."""
        return name not in WHEN_ANY or self.counts.get(name, 0) > 0

    def minimumSizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        """Never wider than the strip without the counts it may leave out."""
        hint = super().minimumSizeHint()
        return QSize(min(hint.width(), self._width(set(DROP_FIRST) | set(WHEN_ANY))),
                     hint.height())

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt override)
        super().resizeEvent(event)
        self._fit()

    def _width(self, left_out: set[Worklist]) -> int:
        layout = self.layout()
        shown = [b for n, b in self.buttons.items() if self.wanted(n) and n not in left_out]
        margins = layout.contentsMargins()
        return (margins.left() + margins.right() + self.title.sizeHint().width()
                + sum(b.sizeHint().width() for b in shown) + layout.spacing() * len(shown)
                + 2 * self.frameWidth())

    def _fit(self) -> None:
        """Every wanted count that fits, leaving out ``DROP_FIRST`` in turn when not."""
        left_out: set[Worklist] = set()
        for name in DROP_FIRST:
            if self._width(left_out) <= self.width():
                break
            left_out.add(name)
        for name, button in self.buttons.items():
            button.setVisible(self.wanted(name) and name not in left_out)
