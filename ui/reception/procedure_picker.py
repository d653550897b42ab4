"""Pick a procedure by typing: with or without diacritics, any word order, by code too."""

from __future__ import annotations

from PySide6.QtCore import QStringListModel, Qt, Signal
from PySide6.QtWidgets import QCompleter, QLineEdit, QWidget

from counter_app.domain.procedures import Procedure
from counter_app.domain.text import fold, matches

MAX_SHOWN = 30


def display(p: Procedure) -> str:
    return f"{p.code} · {p.name} ({p.field})"


class ProcedurePicker(QLineEdit):
    """A line edit whose popup lists matching procedures; emits ``chosen`` (or None)."""

    chosen = Signal(object)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setPlaceholderText("Gõ tên hoặc mã thủ tục, có dấu hoặc không dấu (vd: ket hon)")
        self.setClearButtonEnabled(True)
        self._procedures: list[tuple[Procedure, str]] = []
        self._by_display: dict[str, Procedure] = {}
        self.current: Procedure | None = None
        self._model = QStringListModel(self)
        self._completer = QCompleter(self._model, self)
        self._completer.setCompletionMode(QCompleter.CompletionMode.UnfilteredPopupCompletion)
        self._completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self._completer.setMaxVisibleItems(12)
        self.setCompleter(self._completer)
        self._completer.activated[str].connect(self._pick_text)
        self.textEdited.connect(self._refilter)
        self.textChanged.connect(self._exact_text)
        self.editingFinished.connect(self._settle)

    def set_procedures(self, procedures: list[Procedure]) -> None:
        self._procedures = [(p, p.search_text) for p in procedures]
        self._by_display = {display(p): p for p in procedures}

    def matching(self, text: str) -> list[Procedure]:
        query = fold(text)
        return [p for p, folded in self._procedures if matches(query, folded)]

    def _refilter(self, text: str) -> None:
        if self.current is not None and text != display(self.current):
            self._set_current(None)
        shown = [display(p) for p in self.matching(text)[:MAX_SHOWN]] if text.strip() else []
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
