"""Pick a procedure by typing: with or without diacritics, any word order, by code too.

Matches are ranked for the counter: first by how often this desk received each procedure
lately (``set_usage``), then by how well the text matches (the name starting with what was
typed, then the shorter name), so the common "chứng thực chữ ký" comes before the rare
"chứng thực chữ ký người dịch". Enter takes the highlighted match, or the top one; ↓ opens
the list again; Alt+1…9 take the desk's favourites (``favourites``): first the procedures
the officer pinned (``set_pinned``, Hệ thống › Thủ tục hay dùng), in the officer's order,
then the desk's most used ones to fill the 9 places.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QStringListModel, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QCompleter, QLabel, QLineEdit, QWidget

from counter_app.domain.procedures import Procedure
from counter_app.domain.text import fold, matches, tokens

MAX_SHOWN = 30
FAVOURITES = 9
_ENTER = {Qt.Key.Key_Return, Qt.Key.Key_Enter}


def display(p: Procedure) -> str:
    return f"{p.code} · {p.name} ({p.field})"


class ProcedurePicker(QLineEdit):
    """A line edit whose popup lists matching procedures; emits ``chosen`` (or None)."""

    chosen = Signal(object)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setPlaceholderText("Gõ tên hoặc mã thủ tục, có dấu hoặc không dấu (vd: ket hon)")
        self.setClearButtonEnabled(True)
        self._procedures: list[tuple[Procedure, str, str]] = []  # (p, folded all, folded name)
        self._by_display: dict[str, Procedure] = {}
        self._usage: dict[str, int] = {}
        self._pinned: list[str] = []
        self.current: Procedure | None = None
        #: "Hay dùng: Alt+1 …": the screen lays it out under the field.
        self.favourites_label = QLabel(objectName="favourites", wordWrap=True)
        self.favourites_label.setStyleSheet("color: #555;")
        self._model = QStringListModel(self)
        self._completer = QCompleter(self._model, self)
        self._completer.setCompletionMode(QCompleter.CompletionMode.UnfilteredPopupCompletion)
        self._completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self._completer.setMaxVisibleItems(12)
        self.setCompleter(self._completer)
        self._completer.activated[str].connect(self._pick_text)
        self._completer.popup().installEventFilter(self)
        self.textEdited.connect(self._refilter)
        self.textChanged.connect(self._exact_text)
        self.editingFinished.connect(self._settle)

    def set_procedures(self, procedures: list[Procedure]) -> None:
        self._procedures = [(p, p.search_text, fold(p.name)) for p in procedures]
        self._by_display = {display(p): p for p in procedures}
        self._show_favourites()

    def set_usage(self, usage: dict[str, int]) -> None:
        """Procedure code -> how many this desk received lately (the ranking's first key)."""
        self._usage = dict(usage)
        self._show_favourites()

    def set_pinned(self, codes: list[str]) -> None:
        """The officer's own favourites (procedure codes), first in Alt+1…9, in this order;
        codes not in the catalogue are skipped."""
        self._pinned = list(dict.fromkeys(codes))
        self._show_favourites()

    def pinned(self) -> list[str]:
        return list(self._pinned)

    def procedures(self) -> list[Procedure]:
        """The catalogue the picker chooses from."""
        return [p for p, _, _ in self._procedures]

    def _show_favourites(self) -> None:
        found = self.favourites()

        def short(name: str) -> str:
            return name if len(name) <= 28 else name[:27].rstrip(" ,") + "…"
        self.favourites_label.setText(
            "Hay dùng: " + " · ".join(f"Alt+{i} {short(p.name)}"
                                      for i, p in enumerate(found[:3], 1))
            + (" …" if len(found) > 3 else "") if found else "")
        self.favourites_label.setToolTip("\n".join(
            f"Alt+{i}: {p.code} {p.name}" for i, p in enumerate(found, 1)))

    def matching(self, text: str) -> list[Procedure]:
        query = fold(text)
        words = tokens(text)
        found = [(p, name) for p, folded, name in self._procedures if matches(query, folded)]

        def rank(item: tuple[Procedure, str]) -> tuple:
            p, name = item
            starts = bool(words) and name.startswith(" ".join(words))
            return (-self._usage.get(p.code, 0), not starts, len(name), name)
        return [p for p, _ in sorted(found, key=rank)]

    def favourites(self) -> list[Procedure]:
        """At most 9 procedures for Alt+1…9: the pinned ones, then the most used others."""
        by_code = {p.code: p for p, _, _ in self._procedures}
        pinned = [by_code[c] for c in self._pinned if c in by_code][:FAVOURITES]
        taken = {p.code for p in pinned}
        used = [p for p, _, _ in self._procedures
                if self._usage.get(p.code) and p.code not in taken]
        used.sort(key=lambda p: -self._usage[p.code])
        return (pinned + used)[:FAVOURITES]

    def pick_favourite(self, number: int) -> bool:
        """Alt+``number``: choose the desk's favourite of that rank; False if there is none."""
        found = self.favourites()
        if not 1 <= number <= len(found):
            return False
        self.select(found[number - 1])
        return True

    # -- keys -----------------------------------------------------------------------------
    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt override)
        if event.key() == Qt.Key.Key_Down and not self._completer.popup().isVisible():
            self._refilter(self.text(), force=True)
            return
        if event.key() in _ENTER and self.current is None and self.text().strip():
            self._take_top()
        super().keyPressEvent(event)

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt override)
        """Enter in the open list with nothing highlighted takes the top match."""
        if (event.type() == QEvent.Type.KeyPress and event.key() in _ENTER
                and not self._completer.popup().currentIndex().isValid()):
            self._completer.popup().hide()
            self._take_top()
            return True
        return False

    def _take_top(self) -> None:
        found = self.matching(self.text())
        if found:
            self.select(found[0])

    # -- filtering ------------------------------------------------------------------------
    def _refilter(self, text: str, force: bool = False) -> None:
        if self.current is not None and text != display(self.current):
            self._set_current(None)
        query = "" if self.current is not None else text
        if query.strip():
            shown = [display(p) for p in self.matching(query)[:MAX_SHOWN]]
        elif force:  # ↓ on an empty (or already chosen) field: the desk's usual ones
            shown = [display(p) for p in self.favourites()] or \
                [display(p) for p, _, _ in self._procedures[:MAX_SHOWN]]
        else:
            shown = []
        self._model.setStringList(shown)
        if shown:
            self._completer.complete()
        else:
            self._completer.popup().hide()

    def _exact_text(self, text: str) -> None:
        """Text set back to a procedure's exact line (e.g. after a barcode scan typed into
        this field was taken out again) chooses that procedure again."""
        if self.current is None and text in self._by_display:
            self._set_current(self._by_display[text])

    def _pick_text(self, text: str) -> None:
        procedure = self._by_display.get(text)
        if procedure is not None:
            self.select(procedure)

    def _settle(self) -> None:
        """On leaving the field: an exact or single match counts as chosen."""
        if self.current is not None or not self.text().strip():
            return
        found = self._by_display.get(self.text()) or (
            self.matching(self.text())[0] if len(self.matching(self.text())) == 1 else None)
        if found is not None:
            self.select(found)

    def select(self, procedure: Procedure | None) -> None:
        self.setText(display(procedure) if procedure else "")
        self._set_current(procedure)

    def _set_current(self, procedure: Procedure | None) -> None:
        if procedure is not self.current:
            self.current = procedure
            self.chosen.emit(procedure)
