"""The frame every step form shares: fields with their own red error line, Enter to the next
field, F9 / Ctrl+Enter to save through the worker, the core's messages kept in Vietnamese.

A step form never decides anything itself: it sends what was typed to ``Counter.step`` and
shows what the core answers (ValidationError per field, StepNotAllowed as a sentence).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QCompleter,
    QDateTimeEdit,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import isValid

from counter_app.domain.legal_forms import FormKind
from counter_app.domain.lifecycle import COMMON_UNITS, Step
from counter_app.domain.working_calendar import WorkingCalendar
from counter_app.errors import ValidationError
from counter_app.store.dossier_store import DossierRow
from ui.common.enter_navigation import EnterMovesFocus
from ui.common.messages import describe
from ui.common.tasks import DbWorker
from ui.common.vn_format import dt_to_qt, qt_to_dt
from ui.reception.screen import ERROR_STYLE

DATETIME_FORMAT = "dd/MM/yyyy HH:mm"
@dataclass(frozen=True)
class FormContext:
    """What a step form needs besides the worker: loaded once with the dossier."""
    dossier: DossierRow
    calendar: WorkingCalendar
    now: Callable[[], dt.datetime]
    units: list[str] = field(default_factory=lambda: list(COMMON_UNITS))
    officer: str = ""  # the signed-in officer's full name
    hotline: str = ""
    people: list[str] = field(default_factory=list)  # active processing officers' names
    may_print: bool = True


class EnterNext(EnterMovesFocus):
    """Enter moves on, except while an editable combo's completer list is open."""

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 (Qt override)
        if (event.type() == QEvent.Type.KeyPress and isinstance(obj, QComboBox)
                and obj.completer() is not None and obj.completer().popup().isVisible()):
            return False
        return super().eventFilter(obj, event)


def datetime_edit(value: dt.datetime) -> QDateTimeEdit:
    edit = QDateTimeEdit(dt_to_qt(value), displayFormat=DATETIME_FORMAT, calendarPopup=True)
    edit.setMinimumWidth(170)
    return edit


def edit_value(edit: QDateTimeEdit) -> dt.datetime:
    return qt_to_dt(edit.dateTime())


def lines_edit(placeholder: str, height: int = 90) -> QPlainTextEdit:
    """Several lines (Enter = new line, Tab = next field)."""
    edit = QPlainTextEdit(placeholderText=placeholder)
    edit.setTabChangesFocus(True)
    edit.setFixedHeight(height)
    return edit


class UnitCombo(QComboBox):
    """Editable: pick a unit already used or type a new one; the list filters as you type."""

    def __init__(self, units: list[str], parent: QWidget | None = None):
        super().__init__(parent)
        self.setEditable(True)
        self.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.addItems(units)
        self.setCurrentIndex(-1)
        self.lineEdit().setPlaceholderText("Chọn (F4) hoặc gõ tên bộ phận, công chức nhận")
        completer = QCompleter(units, self)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        self.setCompleter(completer)
        self.setMinimumWidth(360)


class StepDialog(QDialog):
    """Base of the step forms. Subclasses set ``step`` (and ``form`` to offer printing),
    add their fields in ``build`` and return the core's field names in ``values``."""

    step: Step
    form: FormKind | None = None  # the form printed after saving, if any
    recorded = Signal(object)  # the dossier as stored after the step

    def __init__(self, worker: DbWorker, ctx: FormContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.worker, self.ctx, self.dossier = worker, ctx, ctx.dossier
        self.setWindowTitle(f"{self.step.label} – hồ sơ {self.dossier.code}")
        self.setMinimumWidth(640)
        self.saved_row: DossierRow | None = None
        self._saving = False
        self._enter = EnterNext(self)
        self._first: QWidget | None = None
        self.field_widgets: dict[str, tuple[QWidget, ...]] = {}
        self.error_labels: dict[str, QLabel] = {}

        heading = QLabel(f"<b>{self.step.label}</b><br>Hồ sơ {self.dossier.code} – "
                         f"{self.dossier['applicant_name']} – {self.dossier['procedure_name']}")
        heading.setWordWrap(True)
        self.errors_label = QLabel(objectName="errors", wordWrap=True)
        self.errors_label.setStyleSheet("color: #b71c1c; font-weight: bold;")
        self.errors_label.hide()
        self.result_label = QLabel(objectName="result", wordWrap=True)
        self.result_label.setStyleSheet("color: #1b5e20; font-weight: bold; font-size: 14px;")
        self.result_label.hide()
        self.fields = QFormLayout()
        self.fields.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        words = self.dossier.words
        self.print_check = QCheckBox(
            f"In Mẫu {words.number(self.form)} – {words.title(self.form).capitalize()} "
            "ngay sau khi lưu") if self.form and words.has(self.form) and ctx.may_print else None
        if self.print_check is not None:
            self.print_check.setChecked(True)

        self.save_button = QPushButton("Lưu (F9)")
        self.save_button.setDefault(True)
        self.save_button.setStyleSheet("font-weight: bold; padding: 6px 18px;")
        self.save_button.clicked.connect(self.save)
        self.cancel_button = QPushButton("Hủy (Esc)")
        self.cancel_button.clicked.connect(self.reject)
        for key in ("F9", "Ctrl+Return", "Ctrl+Enter"):
            QShortcut(QKeySequence(key), self, self.save)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.cancel_button)
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(self.errors_label)
        layout.addLayout(self.fields)
        if self.print_check is not None:
            layout.addWidget(self.print_check)
        layout.addWidget(self.result_label)
        layout.addStretch(1)
        layout.addLayout(buttons)
        self.build()
        if self._first is not None:
            self._first.setFocus()

    # -- for subclasses ------------------------------------------------------------------
    def build(self) -> None:
        raise NotImplementedError

    def values(self) -> dict:
        raise NotImplementedError

    def add(self, name: str, label: str, widget: QWidget, *marked: QWidget,
            hint: str = "") -> QWidget:
        """A row: label (with its Alt shortcut), the field, a hint and a hidden error line.
        ``marked`` are the widgets turned red on error (default: ``widget``)."""
        caption = QLabel(label)
        caption.setBuddy(marked[0] if marked else widget)
        error = QLabel(wordWrap=True)
        error.setStyleSheet("color: #b71c1c;")
        error.hide()
        column = QVBoxLayout()
        column.setSpacing(2)
        column.addWidget(widget)
        if hint:
            note = QLabel(hint, wordWrap=True)
            note.setStyleSheet("color: #555;")
            column.addWidget(note)
        column.addWidget(error)
        self.fields.addRow(caption, column)
        for w in marked or (widget,):
            if not isinstance(w, (QPlainTextEdit, QCheckBox)):
                w.installEventFilter(self._enter)
        self.field_widgets[name] = tuple(marked or (widget,))
        self.error_labels[name] = error
        if self._first is None:
            self._first = (marked or (widget,))[0]
        return widget

    def after_saved(self, row: DossierRow) -> None:
        """What happens once the core has recorded the step (default: close)."""
        self.accept()

    # -- behaviour -----------------------------------------------------------------------
    @property
    def print_requested(self) -> bool:
        return self.print_check is not None and self.print_check.isChecked()

    def save(self) -> None:
        if self.saved_row is not None:
            self.accept()
            return
        if self._saving:
            return
        self._saving = True
        self.save_button.setEnabled(False)
        code, step, fields = self.dossier.code, self.step, self.values()
        self.worker.run(lambda c: c.step(code, step, fields), self._saved, self._failed)

    def _saved(self, row: DossierRow) -> None:
        if not isValid(self):  # the window was closed while the step was being written
            return
        self._saving = False
        self.save_button.setEnabled(True)
        self.saved_row = row
        self.clear_errors()
        self.recorded.emit(row)
        self.after_saved(row)

    def _failed(self, error: BaseException) -> None:
        if not isValid(self):
            return
        self._saving = False
        self.save_button.setEnabled(True)
        self.clear_errors()
        first, elsewhere = None, []
        if isinstance(error, ValidationError):
            for key, message in error.errors.items():
                widgets = self.field_widgets.get(key)
                if widgets is None:
                    elsewhere.append(message)
                    continue
                for w in widgets:
                    w.setStyleSheet(ERROR_STYLE)
                    w.setToolTip(message)
                self.error_labels[key].setText(message)
                self.error_labels[key].show()
                first = first or widgets[0]
            text = "Chưa lưu được: hãy sửa các ô tô đỏ."
            if elsewhere:
                text += "\n" + "\n".join(elsewhere)
        else:
            text = "Chưa lưu được:\n" + describe(error)
        self.errors_label.setText(text)
        self.errors_label.show()
        (first or self._first or self.save_button).setFocus()

    def clear_errors(self) -> None:
        self.errors_label.hide()
        for name, widgets in self.field_widgets.items():
            for w in widgets:
                w.setStyleSheet("")
                w.setToolTip("")
            self.error_labels[name].hide()
            self.error_labels[name].clear()
