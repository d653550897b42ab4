""""Cơ quan giải quyết": the body that decides a dossier received regardless of boundary
(docs/law.md §14). Shown only for a procedure on the province's boundary-free list; this
commune is the default, so an ordinary dossier needs no keystroke here.

The other choices are the province's units of the procedure's kind (communes for a
commune's procedure, provincial bodies for a provincial one), in Vietnamese order, found by
typing any words of the name with or without diacritics (Alt+G goes to the field).
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QStringListModel, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QCompleter,
    QHBoxLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import isValid

from counter_app.domain.procedures import Procedure
from counter_app.domain.text import fold, matches, sort_key
from counter_app.domain.units import KIND_LABELS, Unit

_ENTER = {Qt.Key.Key_Return, Qt.Key.Key_Enter}


def here_text(name: str) -> str:
    return f"Xã này ({name})" if name else "Xã này"


def transfer_hint(name: str) -> str:
    return f"Hồ sơ sẽ được chuyển đến {name} giải quyết; kết quả trả tại đây."


class UnitChoice(QComboBox):
    """Editable: the list (F4 / ↓ / Alt+↓) or a few typed words; ``code()`` is "" for this
    commune. Text that matches nothing goes back to the last choice on leaving."""

    chosen = Signal(str)  # the agency code ("" = this commune)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setEditable(True)
        self.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.setMaxVisibleItems(15)
        self.setMinimumContentsLength(24)
        self.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.lineEdit().setPlaceholderText("Gõ tên xã, phường hoặc cơ quan (có dấu hay không)")
        self._folded: list[tuple[str, str]] = []  # (shown text, folded)
        self._model = QStringListModel(self)
        self._completer = QCompleter(self._model, self)
        self._completer.setCompletionMode(QCompleter.CompletionMode.UnfilteredPopupCompletion)
        self._completer.setMaxVisibleItems(12)
        self.setCompleter(self._completer)
        self._completer.activated[str].connect(self._take_text)
        self._completer.popup().installEventFilter(self)
        self.lineEdit().textEdited.connect(self._refilter)
        self.lineEdit().editingFinished.connect(self._settle)
        self.currentIndexChanged.connect(lambda _i: self.chosen.emit(self.code()))

    def set_items(self, here: str, units: list[Unit]) -> None:
        """This commune first, then ``units`` in Vietnamese order; this commune chosen."""
        self.blockSignals(True)
        self.clear()
        self.addItem(here, "")
        for unit in sorted(units, key=lambda u: (sort_key(u.name), u.code)):
            self.addItem(unit.name, unit.code)
            self.setItemData(self.count() - 1, f"{unit.name} – mã {unit.code}",
                             Qt.ItemDataRole.ToolTipRole)
        self.setCurrentIndex(0)
        self.blockSignals(False)
        self._folded = [(self.itemText(i), fold(f"{self.itemText(i)} {self.itemData(i)}"))
                        for i in range(self.count())]
        self.chosen.emit("")

    def code(self) -> str:
        return (self.currentData() or "") if self.currentIndex() >= 0 else ""

    def choose(self, code: str) -> bool:
        index = self.findData(code)
        if index >= 0:
            self.setCurrentIndex(index)
        return index >= 0

    def matching(self, text: str) -> list[str]:
        return [shown for shown, folded in self._folded if matches(text, folded)]

    # -- typing -----------------------------------------------------------------------------
    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt override)
        """Enter in the open list with nothing highlighted takes the top match."""
        if (event.type() == QEvent.Type.KeyPress and event.key() in _ENTER
                and not self._completer.popup().currentIndex().isValid()):
            self._completer.popup().hide()
            self._settle()
            return True
        return False

    def _refilter(self, text: str) -> None:
        shown = self.matching(text) if text.strip() else []
        self._model.setStringList(shown)
        if shown:
            self._completer.complete()
        else:
            self._completer.popup().hide()

    def _take_text(self, text: str) -> None:
        index = self.findText(text, Qt.MatchFlag.MatchExactly)
        if index >= 0:
            self.setCurrentIndex(index)
            self.setEditText(text)

    def _settle(self) -> None:
        """On leaving (or Enter): the exact or top match counts; else the last choice."""
        text = self.currentText()
        index = self.findText(text, Qt.MatchFlag.MatchExactly)
        if index < 0 and text.strip():
            found = self.matching(text)
            index = self.findText(found[0], Qt.MatchFlag.MatchExactly) if found else -1
        if index >= 0:
            self.setCurrentIndex(index)
        self.setEditText(self.itemText(self.currentIndex()))


class CompetentPicker(QWidget):
    """The row "Cơ quan giải quyết: [choice]" and its one-line hint; hidden unless the
    procedure is received regardless of boundary."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.procedure: Procedure | None = None
        self.here_code = self.here_name = ""  # this commune's, as last read
        self.units: list[Unit] = []  # the province's units, as last read
        #: (procedure code, agency code) last chosen for this citizen: the same procedure
        #: chosen again (e.g. after a scan typed into the picker) keeps it.
        self._kept: tuple[str, str] = ("", "")
        self.choice = UnitChoice()
        self.label = QLabel("Cơ quan &giải quyết:")
        self.label.setBuddy(self.choice)
        self.hint = QLabel(objectName="competentHint", wordWrap=True)
        self.hint.setStyleSheet("color: #e65100; font-weight: bold;")
        self.hint.hide()
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.label)
        row.addWidget(self.choice, 1)
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(2)
        box.addLayout(row)
        box.addWidget(self.hint)
        self.choice.chosen.connect(self._show_hint)
        self.hide()

    def show_for(self, procedure: Procedure | None, worker) -> None:
        """The choice for ``procedure`` at once (from the units last read), then again once
        the worker has read the units afresh (a sync may have brought new ones)."""
        self.set_procedure(procedure)
        if procedure is None or procedure.boundary_free is not True:
            return
        if self._kept[0] == procedure.code and self._kept[1]:
            self.choice.choose(self._kept[1])
        worker.run(lambda c: (c.agency, c.units()),
                   lambda result: self._units_read(procedure, *result))

    def _units_read(self, procedure: Procedure, agency, units: list[Unit]) -> None:
        if not isValid(self) or procedure is not self.procedure:
            return  # another procedure was chosen meanwhile
        keep = self.choice.code()
        self.here_code = agency.agency_code if agency else ""
        self.here_name = agency.agency_name if agency else ""
        self.units = list(units)
        self.set_procedure(procedure)
        if keep:
            self.choice.choose(keep)

    def set_procedure(self, procedure: Procedure | None) -> None:
        """Offer the units of ``procedure``'s kind; hidden (and this commune) when it is not
        received regardless of boundary."""
        self.procedure = procedure
        here_name, units = self.here_name, self.units
        free = procedure is not None and procedure.boundary_free is True
        kind = procedure.competent_kind if procedure is not None else ""
        kept = self._kept  # filling the list is not the officer's choice
        self.choice.set_items(here_text(here_name), [
            u for u in units if u.kind == kind and u.code != self.here_code] if free else [])
        self._kept = kept
        self.choice.setToolTip(
            f"Thủ tục tiếp nhận không phụ thuộc địa giới hành chính: chọn "
            f"{KIND_LABELS.get(kind, kind).lower()} giải quyết hồ sơ nếu không phải xã này "
            "(Alt+G)." if free else "")
        self.setVisible(free)
        self.setEnabled(free)

    def forget(self) -> None:
        """A new citizen: nothing kept."""
        self._kept = ("", "")

    def value(self) -> str:
        """ReceptionRequest.competent_agency: "" for this commune."""
        return self.choice.code() if self.isEnabled() else ""

    def name(self) -> str:
        """The chosen body's name; "" for this commune."""
        return self.choice.itemText(self.choice.currentIndex()) if self.value() else ""

    def _show_hint(self, code: str) -> None:
        if self.procedure is not None:
            self._kept = (self.procedure.code, code)
        self.hint.setText(transfer_hint(self.choice.itemText(self.choice.currentIndex()))
                          if code else "")
        self.hint.setVisible(bool(code))
